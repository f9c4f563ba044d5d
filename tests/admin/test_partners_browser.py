"""The partner directory, the dashboard's wave picker and the links' copy button in
headless Chromium at 320 px: axe finds nothing, nothing scrolls sideways, the CSP holds."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.admin import test_browser
from tests.admin.test_browser import check_axe, open_page, sign_in

# The same server and browser fixtures as the other workspace pages.
live_server = test_browser.live_server
browser = test_browser.browser

pytestmark = pytest.mark.browser


WIDE_ELEMENTS = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > 321 && !e.closest('.table-scroll'))
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40))"""


def narrow(page, url: str) -> None:  # type: ignore[no-untyped-def]
    check_axe(page, url)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{url} is {width} px wide: {page.evaluate(WIDE_ELEMENTS)}"


def test_coordinator_adds_a_partner_at_320_px(browser, live_server, world):  # type: ignore[no-untyped-def]
    violations: list[str] = []
    page = open_page(browser, violations)
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, live_server, "coord@example.org")

    page.goto(f"{live_server}/admin/partners")
    narrow(page, "/admin/partners")
    page.get_by_role("link", name="Add a partner").click()
    page.wait_for_load_state()
    narrow(page, "/admin/partners/new")

    # A taken name: the error is shown and everything typed stays.
    page.get_by_label("Name").fill(world.partner_a_name.lower())
    page.get_by_label("Category").select_option("healthcare_provider")
    page.get_by_label("Contact person (optional)").fill("Dana Ortiz")
    page.get_by_label("Agreement with the school").select_option("mou")
    page.get_by_label("Renewal due on (optional)").fill("2026-12-20")
    page.get_by_role("button", name="Add partner").click()
    page.wait_for_load_state()
    assert "is already in the directory" in page.content()
    assert page.get_by_label("Contact person (optional)").input_value() == "Dana Ortiz"
    narrow(page, "/admin/partners/new with errors")

    page.get_by_label("Name").fill("Westside Teen Clinic")
    page.get_by_role("button", name="Add partner").click()
    page.wait_for_load_state()
    assert "Westside Teen Clinic added to the directory." in page.content()
    narrow(page, "partner page")
    page.get_by_role("link", name="Edit Westside Teen Clinic").click()
    page.wait_for_load_state()
    narrow(page, "partner edit page")

    page.goto(f"{live_server}/admin/partners/{world.partner_b}")
    narrow(page, "a partner with links and responses")
    page.goto(f"{live_server}/admin/")
    narrow(page, "/admin/ with the wave picker")
    page.get_by_label("Wave", exact=True).select_option(str(world.previous))
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert f"wave={world.previous}" in page.url
    narrow(page, "/admin/ for an earlier wave")
    page.goto(f"{live_server}/admin/waves")
    narrow(page, "/admin/waves")
    page.goto(f"{live_server}/admin/links?wave={world.current}")
    narrow(page, "/admin/links")
    assert violations == [], violations


def test_the_copy_button_copies_a_links_address(browser, live_server, world):  # type: ignore[no-untyped-def]
    violations: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in(page, live_server, "coord@example.org")
    page.goto(f"{live_server}/admin/links?wave={world.current}")
    check_axe(page, "/admin/links")
    button = page.locator("button[data-copy]").first
    address = page.locator("code.url").first.text_content().strip()
    button.click()
    expect(page.locator("#copy-status")).not_to_have_text("")
    assert page.evaluate("navigator.clipboard.readText()") == address
    assert "Copied" in button.text_content()
    assert violations == [], violations


def test_partner_user_reads_their_own_partner_page_at_320_px(browser, live_server, world):  # type: ignore[no-untyped-def]
    violations: list[str] = []
    page = open_page(browser, violations)
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, live_server, "a@example.org")
    page.get_by_role("link", name="Our organisation").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/admin/partners/{world.partner_a}")
    assert world.partner_a_name in page.content()
    narrow(page, "partner user's own partner page")
    assert violations == [], violations


def test_survey_pages_pass_axe_at_320_px(browser, live_server, world):  # type: ignore[no-untyped-def]
    from tests.conftest import ROOT

    violations: list[str] = []
    page = open_page(browser, violations)
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, live_server, "coord@example.org")
    page.goto(f"{live_server}/admin/surveys")
    narrow(page, "/admin/surveys")
    page.get_by_role("link", name="Family survey on student support").click()
    page.wait_for_load_state()
    narrow(page, "a survey's page")
    page.get_by_role("link", name="Preview in Spanish").first.click()
    page.wait_for_load_state()
    assert "Preview — answers are not saved." in page.content()
    narrow(page, "preview in Spanish")
    page.get_by_role("button", name="Siguiente").click()
    page.wait_for_load_state()
    narrow(page, "preview, next page")

    page.goto(f"{live_server}/admin/surveys/upload")
    narrow(page, "/admin/surveys/upload")
    text = (ROOT / "surveys" / "family-feedback.yaml").read_text()
    page.get_by_label("Or paste the definition (YAML)").fill(
        text.replace("type: statement", "type: no_such_type", 1)
    )
    page.get_by_role("button", name="Check").click()
    page.wait_for_load_state()
    assert "pasted.yaml:" in page.content()
    narrow(page, "/admin/surveys/upload with problems")
    page.get_by_label("Or paste the definition (YAML)").fill(
        text.replace("Thank you for taking this survey.", "Thanks for coming.", 1)
    )
    page.get_by_role("button", name="Check").click()
    page.wait_for_load_state()
    assert "Reworded: welcome" in page.content()
    # The review itself shows every question as asked, follow-ups with their note.
    assert page.locator(".preview-questions p.question-text").count() >= 10
    assert page.get_by_text("Answer this if you chose “Yes” above.").count() == 3
    narrow(page, "upload review")
    page.get_by_role("button", name="Try it on a phone in English").click()
    page.wait_for_load_state()
    assert "Thanks for coming." in page.content()
    narrow(page, "upload preview")
    page.goto(f"{live_server}/admin/surveys/upload")
    page.get_by_label("Or paste the definition (YAML)").fill(
        text.replace("Thank you for taking this survey.", "Thanks for coming.", 1)
    )
    page.get_by_role("button", name="Check").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Publish family-feedback").click()
    page.wait_for_load_state()
    assert "Published family-feedback version 2." in page.content()
    assert violations == [], violations


def test_the_parents_preview_passes_axe_at_320_px(browser, live_server, world, app):  # type: ignore[no-untyped-def]
    from app.preview import preview_token

    violations: list[str] = []
    page = open_page(browser, violations)
    page.set_viewport_size({"width": 320, "height": 640})
    url = f"{live_server}/preview/{preview_token(app.config['SECRET_KEY'], world.current)}"
    page.goto(url)
    narrow(page, "parents' preview")
    page.get_by_role("link", name="Español").click()
    page.wait_for_load_state()
    assert "Participar es voluntario" in page.content()
    narrow(page, "parents' preview in Spanish")
    assert violations == [], violations


def test_the_preview_shows_a_follow_up_on_the_same_page_only_after_its_answer(  # type: ignore[no-untyped-def]
    browser, live_server, world
):
    """As on the survey pages: "Which supports did your child use?" stays hidden until
    "Yes" is chosen just above it, and the preview keeps no draft on the device."""
    violations: list[str] = []
    page = open_page(browser, violations)
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, live_server, "coord@example.org")
    page.goto(f"{live_server}/admin/surveys")
    page.get_by_role("link", name="Family survey on student support").click()
    page.get_by_role("link", name="Preview in English").first.click()
    page.wait_for_load_state()
    asked = page.get_by_text("has your child used any support", exact=False)
    for _ in range(6):
        if asked.count():
            break
        page.get_by_role("button", name="Next").click()
        page.wait_for_load_state()
    assert asked.count(), "no page asks whether the child used a support"
    follow_up = page.get_by_text("Which supports did your child use?")
    assert not follow_up.is_visible()
    page.get_by_label("Yes", exact=True).check()
    assert follow_up.is_visible()
    page.get_by_label("No", exact=True).check()
    assert not follow_up.is_visible()
    narrow(page, "preview with a follow-up")
    drafts = page.evaluate(
        "Object.keys(localStorage).filter(k => k.indexOf('survey-draft:') === 0 "
        "&& k !== 'survey-draft:probe')"
    )
    assert drafts == []
    assert violations == []
