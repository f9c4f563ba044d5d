"""Respondent pages in a real browser: phones, Spanish, conditions, drafts, no script."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.models import Response
from tests.browser.conftest import NARROW, PHONE, WIDE, axe_violations, fits_width
from tests.conftest import ROOT
from tests.factories import store_survey
from tests.respond.helpers import open_link

FAMILY = ROOT / "surveys" / "family-feedback.yaml"
INTERVIEW = ROOT / "surveys" / "community-interview.yaml"


@pytest.fixture
def family_link(session):  # type: ignore[no-untyped-def]
    link = open_link(session, store_survey(session, FAMILY))
    session.commit()
    return link


def responses(session):  # type: ignore[no-untyped-def]
    session.rollback()  # end this session's read snapshot: the server wrote since
    return list(session.scalars(sa.select(Response)))


def draft_keys(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('survey-draft:'))")


def test_family_completes_a_multi_page_survey_in_spanish(drive, family_link, session):
    token = family_link.token

    def steps(b):  # type: ignore[no-untyped-def]
        page = b.open(f"/s/{token}", viewport=PHONE, locale="es-US")
        seen = {"lang": page.get_attribute("html", "lang")}
        page.get_by_label("Escuela primaria (prekínder a 5.º grado)").check()
        page.get_by_label("Español").check()
        page.get_by_role("button", name="Siguiente").click()
        seen["page2"] = page.locator("h1").inner_text()
        row = page.get_by_role("group", name="Sé dónde conseguir ayuda si mi hijo")
        row.get_by_label("De acuerdo", exact=True).check()
        page.get_by_role("button", name="Siguiente").click()
        page.get_by_role("button", name="Siguiente").click()
        # The services page: "which supports" appears and disappears as they answer.
        which = page.locator("#f-services_which_used-q")
        seen["hidden_at_first"] = not which.is_visible()
        page.get_by_label("Sí", exact=True).check()
        seen["shown_on_yes"] = which.is_visible()
        # The script shows and hides it: no note about when to answer it.
        seen["no_note"] = not page.locator("#f-services_which_used-note").is_visible()
        which.locator("input[type=checkbox]").first.check()
        page.get_by_label("No", exact=True).check()
        seen["hidden_on_no"] = not which.is_visible()
        page.get_by_role("button", name="Siguiente").click()
        page.get_by_label("Si pudiera cambiar una cosa").fill(
            "Más información por mensaje de texto."
        )
        page.get_by_role("button", name="Enviar respuestas").click()
        seen["thanks"] = page.locator("h1").inner_text()
        seen["drafts"] = draft_keys(page)
        seen["outside"] = list(page.outside_requests)
        seen["fits"] = fits_width(page)
        return seen

    seen = drive(steps)
    assert seen["lang"] == "es"
    assert seen["page2"] == "Cómo conseguir ayuda"
    assert seen["hidden_at_first"] and seen["shown_on_yes"] and seen["hidden_on_no"]
    assert seen["no_note"]
    assert seen["thanks"] == "Gracias"
    assert seen["drafts"] == []
    assert seen["outside"] == []
    assert seen["fits"]
    (response,) = responses(session)
    assert response.language == "es"
    answers = {(a.item_id, a.choice) for a in response.answers}
    assert ("family.child_grades", "elementary") in answers
    assert ("family.preferred_language", "es") in answers
    assert ("help.know_where_to_get_help", "4") in answers
    assert ("services.used_this_year", "no") in answers
    assert not any(item == "services.which_used" for item, _ in answers)
    assert ("comments.what_to_change", None) in answers


def test_a_reload_or_reopening_the_link_restores_the_draft(drive, example_link, session):
    token = example_link.token

    def steps(b):  # type: ignore[no-untyped-def]
        context = b.context(viewport=PHONE, locale="es-US")
        page = b.open(f"/s/{token}", context=context)
        uuid = page.locator("input[name=_uuid]").input_value()
        page.get_by_label("Sí", exact=True).check()
        page.get_by_label("Mensaje de texto").check()
        page.reload()
        seen = {
            "notice": page.locator("[data-restored-notice]").is_visible(),
            "yes": page.get_by_label("Sí", exact=True).is_checked(),
            "text": page.get_by_label("Mensaje de texto").is_checked(),
            "same_uuid": page.locator("input[name=_uuid]").input_value() == uuid,
        }
        page.get_by_role("button", name="Siguiente").click()
        page.get_by_label("¿Cuántos niños viven con usted?").fill("3")
        page.get_by_label("¿Qué debería cambiar?").fill("Reuniones por la tarde")
        # Closing the tab and opening the link again on the same device.
        page.close()
        page = b.open(f"/s/{token}", context=context)
        seen["notice_again"] = page.locator("[data-restored-notice]").is_visible()
        page.get_by_role("button", name="Siguiente").click()
        seen["children"] = page.get_by_label("¿Cuántos niños viven con usted?").input_value()
        seen["comments"] = page.get_by_label("¿Qué debería cambiar?").input_value()
        page.get_by_role("group", name="Sé dónde conseguir ayuda").get_by_label(
            "En desacuerdo", exact=True
        ).check()
        page.get_by_role("button", name="Enviar respuestas").click()
        seen["thanks"] = page.locator("h1").inner_text()
        page = b.open(f"/s/{token}", context=context)
        seen["notice_after_submit"] = page.locator("[data-restored-notice]").is_visible()
        seen["yes_after_submit"] = page.get_by_label("Sí", exact=True).is_checked()
        return seen

    seen = drive(steps)
    # A reload is the same visit: the answers come back without a word.
    assert not seen["notice"] and seen["yes"] and seen["text"] and seen["same_uuid"]
    assert seen["notice_again"]
    assert seen["children"] == "3" and seen["comments"] == "Reuniones por la tarde"
    assert seen["thanks"] == "Gracias"
    assert not seen["notice_after_submit"] and not seen["yes_after_submit"]
    (response,) = responses(session)
    assert {a.item_id: a.choice or a.value_text or a.value_num for a in response.answers} == {
        "uses_services": "yes",
        "contact_channel": "text",
        "help.know_where": "2",
        "children": 3.0,
        "comments": "Reuniones por la tarde",
    }


def test_the_survey_works_with_javascript_turned_off(drive, example_link, session):
    token = example_link.token

    def steps(b):  # type: ignore[no-untyped-def]
        page = b.open(f"/s/{token}", viewport=PHONE, locale="es-US", js=False)
        # Without the script, a conditional question on the same page stays visible.
        seen = {
            "services_visible": page.locator("#f-services_used-q").is_visible(),
            # ...and says when to answer it.
            "note": page.locator("#f-services_used-note").inner_text(),
        }
        page.get_by_label("No", exact=True).check()
        page.get_by_label("Consejería").check()
        page.get_by_role("button", name="Siguiente").click()
        page.get_by_role("button", name="Enviar respuestas").click()
        seen["error_summary"] = page.locator(".error-summary").inner_text()
        page.get_by_role("group", name="Sé dónde conseguir ayuda").get_by_label(
            "Muy de acuerdo", exact=True
        ).check()
        page.get_by_label("¿Cuántos niños viven con usted?").fill("2")
        page.get_by_role("button", name="Atrás").click()
        seen["back_kept"] = page.get_by_label("No", exact=True).is_checked()
        page.get_by_role("button", name="Siguiente").click()
        seen["forward_kept"] = page.get_by_label("¿Cuántos niños viven con usted?").input_value()
        page.get_by_role("button", name="English").click()
        seen["english"] = page.locator("h1").inner_text()
        page.get_by_role("button", name="Send answers").click()
        seen["thanks"] = page.locator("h1").inner_text()
        return seen

    seen = drive(steps)
    assert seen["services_visible"]
    assert seen["note"] == "Conteste esto si eligió «Sí» arriba."
    assert "Elija una respuesta." in seen["error_summary"]
    assert seen["back_kept"] and seen["forward_kept"] == "2"
    assert seen["english"] == "Your views"
    assert seen["thanks"] == "Thank you"
    (response,) = responses(session)
    assert response.language == "en"
    items = {a.item_id for a in response.answers}
    assert items == {"uses_services", "help.know_where", "children"}  # services_used dropped


def test_errors_move_focus_to_the_summary_and_its_links_to_the_field(drive, example_link):
    token = example_link.token

    def steps(b):  # type: ignore[no-untyped-def]
        page = b.open(f"/s/{token}?lang=en", locale="en-US")
        page.get_by_role("button", name="Next").click()
        focused = page.evaluate("document.activeElement.className")
        page.locator(".error-summary a").first.click()
        target = page.evaluate("document.activeElement.id")
        return focused, target

    focused, target = drive(steps)
    assert focused == "error-summary"
    assert target == "f-uses_services-0"


def test_likert_group_is_a_table_when_wide_and_stacks_on_phones(drive, example_link):
    token = example_link.token

    def steps(b):  # type: ignore[no-untyped-def]
        layouts = {}
        for name, viewport in (("wide", WIDE), ("phone", PHONE)):
            page = b.open(f"/s/{token}?lang=en", viewport=viewport, locale="en-US")
            page.get_by_label("Yes", exact=True).check()
            page.get_by_role("button", name="Next").click()
            row = page.locator(".likert-row").first
            tops = [
                round(box["y"]) for box in (o.bounding_box() for o in row.locator(".option").all())
            ]
            layouts[name] = {
                "one_line": len(set(tops)) == 1,
                # Visually hidden labels (still read out) are clipped to 1 px.
                "labels_shown": row.locator(".option-label").first.bounding_box()["width"] > 1,
                "head_shown": page.locator(".likert-head").is_visible(),
            }
        return layouts

    layouts = drive(steps)
    assert layouts["wide"] == {"one_line": True, "labels_shown": False, "head_shown": True}
    assert layouts["phone"] == {"one_line": False, "labels_shown": True, "head_shown": False}


def test_tap_targets_are_at_least_44_px(drive, example_link):
    token = example_link.token

    def steps(b):  # type: ignore[no-untyped-def]
        small = []
        page = b.open(f"/s/{token}", viewport=NARROW)
        for step in range(2):
            targets = page.locator(
                ".option, .nav-buttons button, .language-switch button, .other-text input"
            )
            for target in targets.all():
                if not target.is_visible():
                    continue
                box = target.bounding_box()
                if box["height"] < 44 or box["width"] < 44:
                    small.append((target.evaluate("e => e.outerHTML.slice(0, 80)"), box))
            if step == 0:
                page.get_by_label("Sí", exact=True).check()
                page.get_by_role("button", name="Siguiente").click()
        return small

    assert drive(steps) == []


def test_a_bad_form_token_says_reload_and_the_answers_come_back(drive, example_link, session):
    token = example_link.token

    def steps(b):  # type: ignore[no-untyped-def]
        context = b.context(locale="es-US")
        page = b.open(f"/s/{token}", context=context)
        page.get_by_label("Sí", exact=True).check()
        page.get_by_label("Correo electrónico").check()
        page.evaluate("document.querySelector('input[name=csrf_token]').value = 'expired'")
        page.get_by_role("button", name="Siguiente").click()
        seen = {"heading": page.locator("h1").inner_text()}
        page.get_by_role("link", name="Abrir la encuesta otra vez").click()
        seen["restored"] = page.get_by_label("Correo electrónico").is_checked()
        page.get_by_role("button", name="Siguiente").click()
        seen["next_page"] = page.locator("h1").inner_text()
        return seen

    seen = drive(steps)
    assert seen == {
        "heading": "Vuelva a abrir la encuesta",
        "restored": True,
        "next_page": "Sus opiniones",
    }
    assert responses(session) == []


def test_every_respondent_page_passes_axe_and_fits_320_px(
    drive, example_link, family_link, session
):
    interview = open_link(session, store_survey(session, INTERVIEW), audience="student")
    closed = open_link(session, session.merge(example_link).survey, audience="staff")
    closed.is_open = False
    session.commit()
    tokens = {
        "example": example_link.token,
        "family": family_link.token,
        "interview": interview.token,
        "closed": closed.token,
    }

    def steps(b):  # type: ignore[no-untyped-def]
        problems: dict[str, list[str]] = {}

        def check(name, page):  # type: ignore[no-untyped-def]
            seen = axe_violations(page)
            if not fits_width(page):
                seen.append("wider than the window")
            if page.outside_requests:
                seen.append(f"third-party requests: {page.outside_requests}")
            if seen:
                problems[name] = seen

        for viewport in (NARROW, PHONE):
            w = viewport["width"]
            page = b.open(f"/s/{tokens['family']}", viewport=viewport)
            check(f"{w} family first page", page)
            for number in range(2, 6):
                page.get_by_role("button", name="Siguiente").click()
                check(f"{w} family page {number}", page)
            page = b.open(f"/s/{tokens['example']}", viewport=viewport)
            page.get_by_role("button", name="Siguiente").click()
            check(f"{w} errors on the first page", page)
            page.get_by_label("Sí", exact=True).check()
            page.get_by_role("button", name="Siguiente").click()
            page.get_by_label("¿Cuántos niños viven con usted?").fill("40")
            page.get_by_role("button", name="Enviar respuestas").click()
            check(f"{w} errors on the likert page", page)
            page.get_by_label("¿Cuántos niños viven con usted?").fill("4")
            page.get_by_role("group", name="Sé dónde conseguir ayuda").get_by_label(
                "No sé", exact=True
            ).check()
            page.get_by_role("button", name="Enviar respuestas").click()
            check(f"{w} thank-you page", page)
            check(f"{w} closed link", b.open(f"/s/{tokens['closed']}", viewport=viewport))
            check(f"{w} unknown link", b.open("/s/unknown-token", viewport=viewport))
            page = b.open(f"/s/{tokens['example']}", viewport=viewport)
            page.evaluate("document.querySelector('input[name=csrf_token]').value = ''")
            page.get_by_role("button", name="Siguiente").click()
            check(f"{w} reload page", page)
            page = b.open(f"/s/{tokens['interview']}", viewport=viewport)
            check(f"{w} interview consent", page)
            page.get_by_role("button", name="Siguiente").click()
            check(f"{w} interview without consent", page)
            page.get_by_label("Sí, aceptó participar.").check()
            page.get_by_label("Persona joven").check()
            page.get_by_role("button", name="Siguiente").click()
            check(f"{w} interview questions", page)
            page.get_by_role("button", name="Siguiente").click()
            check(f"{w} interview wrap-up", page)
            page.get_by_role("button", name="Guardar la entrevista").click()
            check(f"{w} interview saved", page)
        return problems

    assert drive(steps) == {}
