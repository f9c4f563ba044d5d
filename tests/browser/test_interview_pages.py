"""Interview pages in a real browser: ending without saving asks first, and a reload on
any page keeps the interviewer's notes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import NARROW, PHONE, axe_violations, fits_width
from tests.browser.test_respondent import INTERVIEW, draft_keys, responses
from tests.factories import store_survey
from tests.respond.helpers import open_link


@pytest.fixture
def interview_link(session):  # type: ignore[no-untyped-def]
    link = open_link(session, store_survey(session, INTERVIEW), audience="student")
    session.commit()
    return link


def consent(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Yes, they agreed to take part.").check()
    page.get_by_label("Young person").check()
    page.get_by_label("No", exact=True).check()


@pytest.mark.parametrize("js", [True, False], ids=["script", "no-script"])
def test_end_without_saving_asks_and_no_keeps_the_notes(drive, interview_link, session, js):
    token = interview_link.token

    def steps(b):  # type: ignore[no-untyped-def]
        seen = {}
        page = b.open(f"/s/{token}?lang=en", viewport=NARROW, locale="en-US", js=js)
        consent(page)
        page.get_by_role("button", name="Next").click()
        page.get_by_label("What makes it hard").fill("Buses stop at six.")
        page.get_by_role("button", name="End without saving").click()
        seen["asked"] = page.locator("h1").inner_text()
        seen["axe"] = axe_violations(page) if js else []  # axe needs the page's script
        seen["fits"] = fits_width(page)
        page.get_by_role("button", name="No, go back to the interview").click()
        expect(page.locator("input[name=_page]")).to_have_value("1")
        seen["kept"] = page.get_by_label("What makes it hard").input_value()
        page.get_by_role("button", name="End without saving").click()
        page.get_by_role("link", name="Yes, delete these notes").click()
        expect(page.locator("input[name=_page]")).to_have_value("0")
        seen["fresh"] = page.get_by_label("Young person").is_checked()
        seen["drafts"] = draft_keys(page) if js else []
        seen["restored_notice"] = page.locator("[data-restored-notice]").is_visible()
        return seen

    seen = drive(steps)
    assert seen["asked"] == "End this interview without saving?"
    assert seen["axe"] == [] and seen["fits"]
    assert seen["kept"] == "Buses stop at six."
    assert seen["fresh"] is False and seen["restored_notice"] is False
    if js:
        # Only the fresh interview's own (empty) draft is on the device.
        assert len(seen["drafts"]) <= 1
    assert responses(session) == []


def test_a_reload_on_every_interview_page_keeps_the_notes(drive, interview_link, session):
    token = interview_link.token

    def steps(b):  # type: ignore[no-untyped-def]
        lost = []
        page = b.open(f"/s/{token}?lang=en", viewport=PHONE, locale="en-US")
        consent(page)
        page.reload(wait_until="commit")
        expect(page.get_by_label("Young person")).to_be_checked()
        if not page.get_by_label("Yes, they agreed to take part.").is_checked():
            lost.append("consent")
        page.get_by_role("button", name="Next").click()
        page.get_by_label("What makes it hard").fill("Cost, and the clinic is far.")
        page.reload(wait_until="commit")
        # The link's first page comes first, then posts back to this one.
        expect(page.locator("progress")).to_have_attribute("value", "2")
        expect(page.locator("input[name=_page]")).to_have_value("1")
        if page.get_by_label("What makes it hard").input_value() != "Cost, and the clinic is far.":
            lost.append("barriers")
        page.get_by_role("button", name="Next").click()
        page.get_by_label("Interviewer summary").fill("Cost came up first.")
        page.reload(wait_until="commit")
        # The link's first page comes first, then posts back to this one.
        expect(page.locator("progress")).to_have_attribute("value", "3")
        expect(page.locator("input[name=_page]")).to_have_value("2")
        if page.get_by_label("Interviewer summary").input_value() != "Cost came up first.":
            lost.append("summary")
        page.get_by_role("button", name="Save interview").click()
        expect(page.locator("h1")).to_have_text("Interview saved")
        return lost

    assert drive(steps) == []
    (response,) = responses(session)
    stored = {a.item_id: a.choice or a.value_text for a in response.answers}
    assert stored["interview.barriers"] == "Cost, and the clinic is far."
    assert stored["interviewer.summary"] == "Cost came up first."
