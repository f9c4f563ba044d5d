"""Reviews and actions in headless Chromium at 320 px: axe finds nothing, nothing
scrolls sideways, the CSP holds, and a refused form keeps what was typed."""

from __future__ import annotations

import datetime as dt

import pytest

from app.models import Partner, Wave
from tests import factories
from tests.admin import test_browser
from tests.admin.conftest import database
from tests.admin.test_browser import open_page, sign_in
from tests.admin.test_partners_browser import narrow

# The same server and browser fixtures as the other workspace pages.
live_server = test_browser.live_server
browser = test_browser.browser

pytestmark = pytest.mark.browser


def test_review_and_action_pages_at_320_px(browser, live_server, world, app):  # type: ignore[no-untyped-def]
    with database(app) as session:
        factories.action(
            session,
            session.get(Wave, world.current),
            "Partner B's drop-in hours",
            owner=session.get(Partner, world.partner_b),
            due_on=dt.date.today() - dt.timedelta(days=3),
        )
        session.commit()
    violations: list[str] = []
    page = open_page(browser, violations)
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, live_server, "coord@example.org")

    page.goto(f"{live_server}/admin/reviews")
    narrow(page, "/admin/reviews")
    page.get_by_role("link", name="Add a review").click()
    page.wait_for_load_state()
    narrow(page, "/admin/reviews/new")
    page.get_by_label("Date of the meeting").fill("soon")
    page.get_by_label("Families").check()
    page.get_by_label("Notes").fill("Met in the library")
    page.get_by_role("button", name="Add review").click()
    page.wait_for_load_state()
    assert page.get_by_label("Notes").input_value() == "Met in the library"
    assert page.get_by_label("Families").is_checked()
    narrow(page, "/admin/reviews/new with errors")
    page.get_by_label("Date of the meeting").fill(dt.date.today().isoformat())
    page.get_by_role("button", name="Add review").click()
    page.wait_for_load_state()
    narrow(page, "a review without an agenda")
    page.get_by_role("button", name="Generate the agenda from the packet").click()
    page.wait_for_load_state()
    assert "Agenda generated from the packet." in page.content()
    narrow(page, "a review with its agenda")
    review_url = page.url
    page.get_by_role("link", name="Edit or reorder the agenda").click()
    page.wait_for_load_state()
    narrow(page, "the agenda editor")
    movers = page.locator("button[name=move]")
    assert movers.count() > 0  # the test world's packet has questions, gaps and elements
    movers.first.click()
    page.wait_for_load_state()
    assert "Item moved." in page.content()
    narrow(page, "the agenda editor after a move")
    page.goto(f"{review_url}/delete")
    assert page.get_by_role("button", name="Delete the review").count() == 1
    narrow(page, "deleting a review")
    page.goto(review_url)
    adders = page.get_by_role("link", name="Add an action on this finding")
    assert adders.count() > 0
    adders.first.click()
    page.wait_for_load_state()
    assert "From the agenda of the review meeting of" in page.content()
    narrow(page, "an action's form from an agenda item")
    page.get_by_label("Title", exact=True).fill("From the agenda")
    page.get_by_role("button", name="Add action").click()
    page.wait_for_load_state()
    page.goto(f"{review_url}/delete")
    assert "These actions were decided at this review." in page.content()
    narrow(page, "a review that cannot be deleted yet")
    page.goto(f"{review_url}/print")
    narrow(page, "the printable agenda")
    page.goto(f"{review_url}/edit")
    narrow(page, "the review's edit page")
    page.goto(f"{live_server}/admin/reviews")
    narrow(page, "/admin/reviews with a review")

    page.goto(f"{live_server}/admin/")
    assert "1 action is overdue" in page.content()
    page.get_by_role("link", name="1 action is overdue").click()
    page.wait_for_load_state()
    narrow(page, "/admin/actions?overdue=1")
    page.get_by_role("link", name="Partner B's drop-in hours").click()
    page.wait_for_load_state()
    narrow(page, "an action's page")
    page.get_by_label("Status").select_option("dropped")
    page.get_by_label("Progress note (optional)").fill("Stopping for now")
    page.get_by_role("button", name="Save progress").click()
    page.wait_for_load_state()
    assert "Say why the action is dropped." in page.content()
    assert page.get_by_label("Progress note (optional)").input_value() == "Stopping for now"
    narrow(page, "an action's page with errors")
    page.goto(f"{live_server}/admin/actions/new")
    narrow(page, "/admin/actions/new")
    page.get_by_label("Title", exact=True).fill("Guide")
    page.get_by_label("Finding it answers").select_option("gap")
    page.get_by_role("button", name="Add action").click()
    page.wait_for_load_state()
    assert page.get_by_label("Title", exact=True).input_value() == "Guide"
    narrow(page, "/admin/actions/new with errors")
    page.goto(f"{live_server}/account/password")
    narrow(page, "the account page with the reminder setting")
    assert violations == [], violations


def test_partner_user_action_pages_at_320_px(browser, live_server, world, app):  # type: ignore[no-untyped-def]
    with database(app) as session:
        made = factories.action(
            session,
            session.get(Wave, world.current),
            "Partner B's drop-in hours",
            owner=session.get(Partner, world.partner_b),
        )
        session.commit()
        action_id = made.id
    violations: list[str] = []
    page = open_page(browser, violations)
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, live_server, "b@example.org")
    page.get_by_role("link", name="Our actions").click()
    page.wait_for_load_state()
    narrow(page, "a partner's actions")
    page.get_by_role("link", name="Partner B's drop-in hours").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/admin/actions/{action_id}")
    narrow(page, "a partner's action")
    page.get_by_label("Status").select_option("in_progress")
    page.get_by_label("Progress note (optional)").fill("First afternoon held")
    page.get_by_role("button", name="Save progress").click()
    page.wait_for_load_state()
    assert "Progress recorded." in page.content() and "First afternoon held" in page.content()
    narrow(page, "a partner's action after progress")
    assert violations == [], violations
