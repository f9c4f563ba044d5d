"""Reload, back and forward on every page of a survey lose nothing.

With the script, every answer typed survives (the draft on the device brings it back);
without it, every answer already sent with a page does (the server keeps no draft).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.test_respondent import FAMILY, draft_keys, responses
from tests.factories import store_survey
from tests.respond.helpers import open_link

CHANGE = "Más información por mensaje de texto."
# field -> (page number it is on, value sent)
SENT = {
    "family.child_grades": (1, "elementary"),
    "family.preferred_language": (1, "es"),
    "help.know_where_to_get_help": (2, "4"),
    "comm.referral_process_clear": (3, "5"),
    "services.used_this_year": (4, "yes"),
    "services.overall_helpful": (4, "4"),
    "family.preferred_contact": (5, "text"),
    "comments.what_to_change": (5, CHANGE),
}


@pytest.fixture
def family_link(session):  # type: ignore[no-untyped-def]
    link = open_link(session, store_survey(session, FAMILY))
    session.commit()
    return link


def answer(page, number: int) -> None:  # type: ignore[no-untyped-def]
    if number == 1:
        page.get_by_label("Escuela primaria (prekínder a 5.º grado)").check()
        page.get_by_label("Español", exact=True).check()
    elif number == 2:
        row = page.get_by_role("group", name="Sé dónde conseguir ayuda si mi hijo")
        row.get_by_label("De acuerdo", exact=True).check()
    elif number == 3:
        row = page.get_by_role("group", name="Tengo claros los pasos")
        row.get_by_label("Muy de acuerdo", exact=True).check()
    elif number == 4:
        page.get_by_label("Sí", exact=True).check()
        page.locator("input[name='services.overall_helpful'][value='4']").check()
    else:
        page.get_by_label("Mensaje de texto", exact=True).check()
        page.get_by_label("Si pudiera cambiar una cosa").fill(CHANGE)


def answers_on_screen(page, number: int) -> bool:  # type: ignore[no-untyped-def]
    """Whether page ``number`` is showing with the answers ``answer`` gives it."""
    if page.locator("input[name=_page]").input_value() != str(number - 1):
        return False
    for name, (on_page, value) in SENT.items():
        if on_page != number:
            continue
        if name == "comments.what_to_change":
            if page.locator(f"textarea[name='{name}']").input_value() != value:
                return False
        elif not page.locator(
            f"input[name='{name}'][value='{value}']:not([type=hidden])"
        ).is_checked():
            return False
    return True


def sent_before(page, number: int) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Answers to earlier pages that the form carries, by field."""
    return {
        name: page.locator(f"input[type=hidden][name='{name}']").evaluate_all(
            "els => els.map(e => e.value)"
        )
        for name, (on_page, _value) in SENT.items()
        if on_page < number
    }


def expected_before(number: int) -> dict[str, list[str]]:
    return {name: [value] for name, (on_page, value) in SENT.items() if on_page < number}


def arrive(page, number: int, js: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Wait for page ``number`` to be on screen and its script to have run: with the
    script, a reload first opens the link, which then posts to come back.

    The link's page is page 1 until its script posts, and it sets ``_page`` to the
    page it goes back to just before posting: only the page number the server wrote
    (the progress bar's) tells the page that comes back from the one that left."""
    expect(page.locator("progress")).to_have_attribute("value", str(number))
    expect(page.locator("input[name=_page]")).to_have_value(str(number - 1))
    if js:
        # The script runs at the end of the body, before the document is ready (a page
        # kept whole has run it already).
        expect(page.locator("html[data-ready]")).to_have_count(1)


def back_to(page, number: int, js: bool) -> int:  # type: ignore[no-untyped-def]
    """Go back to page ``number`` and return how many extra steps that took.

    Now and then, under load, one step back after a reload shows the same page again,
    whole (its history holds it twice: the link's page and the page it posted back
    to, where Chromium usually replaces the one with the other), and a second step
    reaches the page before. Nothing is lost either way; one such copy a run is
    allowed, and counted."""
    page.go_back(wait_until="commit")
    try:
        arrive(page, number, js)
        return 0
    except AssertionError:
        if page.locator("progress").get_attribute("value") != str(number + 1):
            raise
    page.go_back(wait_until="commit")
    arrive(page, number, js)
    return 1


def next_button(page, number: int):  # type: ignore[no-untyped-def]
    name = "Enviar respuestas" if number == 5 else "Siguiente"
    return page.get_by_role("button", name=name)


# Marks a document whose scripts have run (DOMContentLoaded comes after them).
READY = (
    "document.addEventListener('DOMContentLoaded', () => "
    "document.documentElement.setAttribute('data-ready', '1'))"
)
# Marks a page the browser kept whole and showed again (the back/forward cache).
KEPT_WHOLE = (
    "addEventListener('pageshow', e => { if (e.persisted) document.documentElement"
    ".setAttribute('data-kept-whole', '1') })"
)


@pytest.mark.parametrize(
    ("js", "cache"),
    [(True, False), (True, True), (False, False)],
    ids=["script", "script-back-forward-cache", "no-script"],
)
def test_reload_back_and_forward_on_every_page_lose_nothing(drive, family_link, session, js, cache):
    token = family_link.token

    def steps(b):  # type: ignore[no-untyped-def]
        seen: list[tuple[str, int, bool]] = []
        kept_whole: list[bool] = []
        copies = 0

        def note(what: str, number: int, ok: bool) -> None:
            seen.append((what, number, ok))

        context = b.context(viewport=PHONE, locale="es-US", js=js, back_forward_cache=cache)
        context.add_init_script(KEPT_WHOLE)
        context.add_init_script(READY)
        page = b.open(f"/s/{token}", context=context)
        for number in range(1, 6):
            answer(page, number)
            page.reload(wait_until="commit")
            arrive(page, number, js)
            if js:
                note("reload keeps what was typed", number, answers_on_screen(page, number))
                # The history entry holds the page's number and nothing else.
                state = page.evaluate("JSON.stringify(history.state)")
                note("history holds no answer", number, state == f'{{"surveyPage":{number - 1}}}')
            else:
                # Reloading posts the previous page again: this page comes back as sent.
                answer(page, number)
            note(
                "reload keeps what was sent",
                number,
                sent_before(page, number) == expected_before(number),
            )
            if number > 1:
                copies += back_to(page, number - 1, js)
                kept_whole.append(page.locator("html[data-kept-whole]").count() == 1)
                note("back shows the page before", number, answers_on_screen(page, number - 1))
                page.go_forward(wait_until="commit")
                arrive(page, number, js)
                note("forward comes back", number, answers_on_screen(page, number))
                note(
                    "forward keeps what was sent",
                    number,
                    sent_before(page, number) == expected_before(number),
                )
            next_button(page, number).click()
            if number < 5:
                arrive(page, number + 1, js)
        note("thanks", 6, page.locator("h1").inner_text() == "Gracias")
        note("no draft left", 6, draft_keys(page) == [] if js else True)
        # Chromium keeps a page whole when it can (not every time: it has reasons of
        # its own), and only when asked to.
        note("back/forward cache used as asked", 6, any(kept_whole) == cache)
        note("at most one page twice in the history", 6, copies <= 1)
        return [s for s in seen if not s[2]]

    assert drive(steps) == []
    (response,) = responses(session)
    stored = {(a.item_id, a.choice or a.value_text) for a in response.answers}
    assert {(name, value) for name, (_page, value) in SENT.items()} <= stored
