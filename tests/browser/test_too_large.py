"""A post over MAX_CONTENT_LENGTH: a page in the person's language, the draft kept."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, fits_width
from tests.conftest import base_config


@pytest.fixture
def app_config(database_url, tmp_path):  # type: ignore[no-untyped-def]
    config = base_config(database_url, tmp_path)
    config["MAX_CONTENT_LENGTH"] = 2500
    return config


def test_too_large_post_shows_a_spanish_page_and_keeps_the_draft(drive, example_link):
    token = example_link.token

    def steps(b):  # type: ignore[no-untyped-def]
        context = b.context(locale="es-US")
        page = b.open(f"/s/{token}", context=context)
        page.get_by_label("No", exact=True).check()
        page.get_by_role("button", name="Siguiente").click()
        page.get_by_role("group", name="Sé dónde conseguir ayuda").get_by_label(
            "De acuerdo", exact=True
        ).check()
        page.get_by_label("¿Qué debería cambiar?").fill("Más tardes en español. " * 80)
        page.get_by_role("button", name="Enviar respuestas").click()
        seen = {
            "heading": page.locator("h1").inner_text(),
            "axe": axe_violations(page),
            "fits": fits_width(page),
        }
        page.get_by_role("link", name="Abrir la encuesta otra vez").click()
        seen["restored"] = page.get_by_label("No", exact=True).is_checked()
        draft = page.evaluate(f"JSON.parse(localStorage.getItem('survey-draft:{token}'))")
        seen["text_kept"] = dict(draft["fields"]).get("comments", "")[:22]
        return seen

    seen = drive(steps)
    assert seen["heading"] == "Sus respuestas son demasiado largas para enviarlas"
    assert seen["axe"] == [] and seen["fits"]
    assert seen["restored"]
    assert seen["text_kept"] == "Más tardes en español."


def test_axe_harness_reports_a_violation(drive, example_link):
    """The accessibility checks above can fail: an unlabelled field is caught."""
    token = example_link.token

    def steps(b):  # type: ignore[no-untyped-def]
        page = b.open(f"/s/{token}")
        page.evaluate("document.querySelector('main').append(document.createElement('input'))")
        return axe_violations(page)

    assert any(v.startswith("label:") for v in drive(steps))
