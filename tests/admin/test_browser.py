"""The coordinator pages in headless Chromium: axe-core finds no WCAG 2.1 A/AA
violations, the CSP is never violated, and signing in works in a real browser."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.admin.conftest import PASSWORD
from tests.conftest import CHROMIUM, require_or_skip, served_over_http
from tests.conftest import CHROMIUM_ARGS as ARGS

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app, world) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with served_over_http(app) as url:
        yield url


@pytest.fixture
def browser(live_server):  # type: ignore[no-untyped-def]
    # After the app and server: Playwright runs an event loop in this thread, and the
    # app's context teardown must not run inside it.
    if not os.path.exists(CHROMIUM):
        require_or_skip("Chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - installed with the dev requirements
        require_or_skip("Playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, csp_violations: list[str]):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return page


def sign_in(page, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def check_axe(page, url: str) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, f"{url}:\n{results.generate_report()}"


def test_coordinator_pages_have_no_accessibility_violations(browser, live_server, world):  # type: ignore[no-untyped-def]
    violations: list[str] = []
    page = open_page(browser, violations)
    check_axe(page.goto(f"{live_server}/signin") and page, "/signin")
    sign_in(page, live_server, "admin@example.org")
    assert page.url.endswith("/admin/")
    urls = [
        "/admin/",
        "/admin/waves",
        "/admin/waves/new",
        f"/admin/links?wave={world.current}",
        "/admin/links/new",
        f"/admin/links/{world.link}/flyer",
        "/admin/responses",
        f"/admin/responses/{world.response}",
        f"/admin/responses/{world.response}/delete",
        "/admin/exports",
        "/admin/audit",
        "/admin/users",
        "/admin/invitations",
        "/admin/invitations/new",
        "/account/password",
        f"/admin/users/{world.partner_a_user}",
        f"/admin/reports?wave={world.current}",
        f"/admin/reports/section/summary?wave={world.current}",
        f"/admin/waves/{world.previous}/release",
        f"/admin/comments?wave={world.current}",
        f"/admin/comments/{world.partner_b_answer}/redact",
    ]
    for url in urls:
        response = page.goto(f"{live_server}{url}")
        assert response.status == 200, url
        check_axe(page, url)

    # Forms with errors: the error summary and the marked fields are checked too.
    page.goto(f"{live_server}/admin/waves/new")
    page.get_by_label("Name").fill("Broken wave")
    page.get_by_label("Opens on").fill("2027-03-01")
    page.get_by_label("Closes on").fill("2027-02-01")
    page.get_by_role("button", name="Create wave").click()
    page.wait_for_load_state()
    assert "The close date must be on or after the open date." in page.content()
    check_axe(page, "/admin/waves/new with errors")

    page.goto(f"{live_server}/admin/responses/{world.response}/delete")
    page.get_by_role("button", name="Delete response").click()
    page.wait_for_load_state()
    check_axe(page, "delete with errors")
    assert violations == [], violations


def test_partner_page_and_narrow_screens(browser, live_server, world):  # type: ignore[no-untyped-def]
    violations: list[str] = []
    page = open_page(browser, violations)
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, live_server, "a@example.org")
    assert page.url.endswith("/admin/partner")
    check_axe(page, "/admin/partner")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, "the partner page scrolls sideways at 320 px"
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert page.url.endswith("/signin")
    assert "You are signed out." in page.content()
    assert violations == [], violations


def test_report_pages_have_no_accessibility_violations(browser, live_server, world):  # type: ignore[no-untyped-def]
    violations: list[str] = []
    page = open_page(browser, violations)
    sign_in(page, live_server, "coord@example.org")
    for url in [
        "/admin/reports",
        f"/admin/reports?wave={world.current}&survey=family-feedback&partner={world.partner_b}",
    ]:
        response = page.goto(f"{live_server}{url}")
        assert response.status == 200, url
        assert page.locator("article.report h1").count() == 1, url
        check_axe(page, url)
    # The report's stylesheet reached the page (served as a file, so the CSP allows it).
    border = page.eval_on_selector(
        "article.report h2", "e => getComputedStyle(e).borderBottomStyle"
    )
    assert border == "solid"

    response = page.goto(f"{live_server}/admin/reports?wave=999999")
    assert response.status == 400
    assert "There is no such wave" in page.content()
    check_axe(page, "/admin/reports with errors")
    assert violations == [], violations


def test_partner_report_page_passes_axe_at_320_px(browser, live_server, world, app):  # type: ignore[no-untyped-def]
    from app.models import Wave
    from reports.releases import make_release
    from tests.admin.conftest import database

    with database(app) as session:
        previous = session.get(Wave, world.previous)
        make_release(session, previous, None, 10)
        name = previous.name
        session.commit()
    violations: list[str] = []
    page = open_page(browser, violations)
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, live_server, "a@example.org")
    check_axe(page, "/admin/partner")
    page.get_by_role("link", name=f"Review packet, {name}").click()
    page.wait_for_load_state()
    assert "/admin/reports" in page.url
    assert world.partner_a_name in page.content()
    check_axe(page, "/admin/reports (partner)")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, "the report page scrolls sideways at 320 px"
    # The download links are real downloads.
    with page.expect_download() as info:
        page.get_by_role("link", name="Table (CSV)").click()
    assert info.value.suggested_filename.startswith("report-packet-")
    # Each part of the packet opens on a page of its own, also at 320 px.
    page.get_by_role("link", name="Who answered").first.click()
    page.wait_for_load_state()
    assert "/admin/reports/section/responses" in page.url
    check_axe(page, "/admin/reports/section (partner)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.get_by_role("link", name="Next:").click()
    page.wait_for_load_state()
    check_axe(page, "/admin/reports/section, next (partner)")
    assert violations == [], violations


def test_interview_pages_pass_axe_at_320_px(browser, live_server, world):  # type: ignore[no-untyped-def]
    violations: list[str] = []
    page = open_page(browser, violations)
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, live_server, "coord@example.org")
    for url in [f"/admin/interviews/coding?wave={world.current}", "/admin/interviews/import"]:
        response = page.goto(f"{live_server}{url}")
        assert response.status == 200, url
        check_axe(page, url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, url
    # Coding a note: the page after it shows the progress and passes again.
    page.goto(f"{live_server}/admin/interviews/coding?wave={world.current}")
    page.get_by_label("Cost", exact=True).check()
    page.get_by_role("button", name="Save and go to the next note").click()
    page.wait_for_load_state()
    assert "Note 1 coded." in page.content() and "1 of" in page.content()
    check_axe(page, "/admin/interviews/coding after saving")
    # A quote not taken from the note: the error summary and the field pass too.
    page.get_by_label("Quote for the packet (optional)").fill("nobody said this at all")
    page.get_by_role("button", name="Save and go to the next note").click()
    page.wait_for_load_state()
    assert "copied from the note" in page.content()
    check_axe(page, "/admin/interviews/coding with errors")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert violations == [], violations
