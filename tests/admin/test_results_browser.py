"""The results page editor, the public "You said, we did" page (English and Spanish),
its preview and its flyer in headless Chromium at 320 px: axe finds nothing, nothing
scrolls sideways, the CSP holds, and a refused edit keeps what was typed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.admin.services import results as service
from app.models import ResultsPage, Wave
from reports.releases import make_release
from tests.admin import test_browser
from tests.admin.conftest import database
from tests.admin.test_browser import open_page, sign_in
from tests.admin.test_partners_browser import narrow

live_server = test_browser.live_server
browser = test_browser.browser

pytestmark = pytest.mark.browser


def _strip_marks(app, wave_id: int) -> None:  # type: ignore[no-untyped-def]
    """Stand in for the translator: the marked Spanish passages become Spanish."""
    with database(app) as session:
        page = session.scalar(sa.select(ResultsPage).where(ResultsPage.wave_id == wave_id))
        page.content = {
            lang: {
                **text,
                "actions": [s.replace(service.TO_TRANSLATE + " ", "") for s in text["actions"]],
                "audiences": [
                    {
                        **block,
                        "strong": [
                            s.replace(service.TO_TRANSLATE + " ", "") for s in block["strong"]
                        ],
                        "weak": [s.replace(service.TO_TRANSLATE + " ", "") for s in block["weak"]],
                    }
                    for block in text["audiences"]
                ],
            }
            for lang, text in page.content.items()
        }
        session.commit()


def test_results_editor_public_page_and_flyer_at_320_px(browser, live_server, world, app):  # type: ignore[no-untyped-def]
    with database(app) as session:
        wave = session.get(Wave, world.previous)
        make_release(session, wave, None, 10)
        slug = service.slug_of(wave)
        session.commit()
    violations: list[str] = []
    page = open_page(browser, violations)
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, live_server, "coord@example.org")

    page.goto(f"{live_server}/admin/waves/{world.previous}/results")
    narrow(page, "the results page before a draft")
    page.get_by_role("button", name="Draft the page from the released figures").click()
    page.wait_for_load_state()
    assert "Drafted from the released figures" in page.content()
    narrow(page, "the editor")

    # A refused edit: the message is shown and what was typed stays.
    page.get_by_label("English title").fill("")
    page.get_by_label("Spanish title").fill("Lo que nos dijeron")
    page.get_by_role("button", name="Save both languages").click()
    page.wait_for_load_state()
    assert "Give the page an English title." in page.content()
    assert page.get_by_label("Spanish title").input_value() == "Lo que nos dijeron"
    narrow(page, "the editor with an error")
    page.get_by_label("English title").fill("What you told us")
    page.get_by_role("button", name="Save both languages").click()
    page.wait_for_load_state()
    assert "Saved." in page.content()

    page.goto(f"{live_server}/admin/waves/{world.previous}/results/preview?lang=es")
    narrow(page, "the Spanish preview")
    _strip_marks(app, world.previous)
    page.goto(f"{live_server}/admin/waves/{world.previous}/results")
    page.get_by_role("button", name="Publish the page").click()
    page.wait_for_load_state()
    assert "Published: the results page is public." in page.content()
    narrow(page, "the editor of a published page")

    visitor = open_page(browser, violations)
    visitor.set_viewport_size({"width": 320, "height": 640})
    visitor.goto(f"{live_server}/results/{slug}")
    assert "What you told us" in visitor.content()
    narrow(visitor, "the public page")
    visitor.get_by_role("link", name="Español").click()
    visitor.wait_for_load_state()
    assert "Lo que nos dijeron" in visitor.content()
    narrow(visitor, "the public page in Spanish")
    visitor.get_by_role("link", name="Volante para imprimir").click()
    visitor.wait_for_load_state()
    narrow(visitor, "the flyer")
    loaded = visitor.evaluate(
        "() => [...document.images].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert loaded, "the QR code did not load"
    assert violations == [], violations
