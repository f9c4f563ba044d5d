"""The account pages in headless Chromium at 320 px: first-run setup, an invitation
accepted, forgot and reset password, changing one's password, the invitation and edit
pages: axe finds no WCAG 2.1 A/AA violations, nothing scrolls sideways, and the CSP
is never violated."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from app.auth.account_links import create_setup_link, hash_token
from app.extensions import db
from app.models import AccountLink, AccountLinkKind, utcnow
from tests.admin.conftest import PASSWORD, WORLD_INVITATION, database
from tests.admin.test_browser import browser, check_axe, live_server, open_page  # noqa: F401
from tests.conftest import CHROMIUM, require_or_skip, served_over_http
from tests.conftest import CHROMIUM_ARGS as ARGS

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a new and rather long passphrase"
PHONE = {"width": 320, "height": 640}
# The elements reaching past the right edge, to name in a failure.
WIDEST = """Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > 321)
  .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)"""


def narrow(browser, violations: list[str]):  # type: ignore[no-untyped-def]  # noqa: F811
    page = open_page(browser, violations)
    page.set_viewport_size(PHONE)
    return page


def check_page(page, label: str) -> None:  # type: ignore[no-untyped-def]
    check_axe(page, label)
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(WIDEST)
    assert width <= PHONE["width"], f"{label} scrolls sideways at 320 px ({width} px): {wide}"


def test_invitation_forgot_and_reset_pages_at_phone_width(browser, live_server, world, app):  # type: ignore[no-untyped-def]  # noqa: F811
    with database(app) as session:
        session.add(
            AccountLink(
                kind=AccountLinkKind.RESET,
                token_hash=hash_token("browser-reset"),
                user_id=world.coordinator,
                expires_at=utcnow() + dt.timedelta(hours=1),
            )
        )
        session.commit()
    violations: list[str] = []
    page = narrow(browser, violations)

    page.goto(f"{live_server}/invitation/{WORLD_INVITATION}")
    check_page(page, "invitation")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Type the password again").fill("something else entirely")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_load_state()
    assert "not the same" in page.content()
    check_page(page, "invitation with errors")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Type the password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_load_state()
    assert page.url.endswith("/admin/partner")
    check_page(page, "partner page after accepting")

    page.goto(f"{live_server}/invitation/{WORLD_INVITATION}")
    assert "already been used" in page.content()
    check_page(page, "used link")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_load_state()
    check_page(page, "forgot password")
    page.get_by_label("Your email").fill("coord@example.org")
    page.get_by_role("button", name="Send me a link").click()
    page.wait_for_load_state()
    assert "Check your email" in page.content()
    check_page(page, "forgot password answer")

    page.goto(f"{live_server}/reset/browser-reset")
    check_page(page, "reset password")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Type the password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    page.wait_for_load_state()
    assert page.url.endswith("/admin/")
    assert violations == [], violations


def test_workspace_account_pages_at_phone_width(browser, live_server, world):  # type: ignore[no-untyped-def]  # noqa: F811
    violations: list[str] = []
    page = narrow(browser, violations)
    page.goto(f"{live_server}/signin")
    page.get_by_label("Email").fill("admin@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    for url in [
        "/admin/invitations",
        "/admin/invitations/new",
        "/account/password",
        "/admin/users",
        f"/admin/users/{world.coordinator}",
        f"/admin/waves/{world.current}/edit",
        f"/admin/links/{world.link}/edit",
    ]:
        response = page.goto(f"{live_server}{url}")
        assert response.status == 200, url
        check_page(page, url)

    page.goto(f"{live_server}/admin/invitations/new")
    page.get_by_label("Email address of the person you invite").fill("new@school.org")
    page.get_by_label("Role").select_option("coordinator")
    page.get_by_role("button", name="Make the invitation link").click()
    page.wait_for_load_state()
    link = page.get_by_label("The link (shown only now)").input_value()
    assert link.startswith("http://localhost/invitation/")  # PUBLIC_BASE_URL, not the host
    assert page.get_by_role("button", name="Copy link").is_visible()
    check_page(page, "invitation made")

    page.goto(f"{live_server}/admin/users/{world.coordinator}")
    page.get_by_role("button", name="Make a password reset link").click()
    page.wait_for_load_state()
    assert "Password reset link for coord@example.org" in page.content()
    check_page(page, "reset link made")

    page.goto(f"{live_server}/admin/waves/{world.current}/edit")
    page.get_by_label("Closes on").fill("2000-01-01")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "on or after the open date" in page.content()
    check_page(page, "wave edit with errors")

    page.goto(f"{live_server}/account/password")
    page.get_by_label("Current password").fill("not it at all, no")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_label("Type the password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    page.wait_for_load_state()
    assert "not your current password" in page.content()
    check_page(page, "change password with errors")
    assert violations == [], violations


@pytest.fixture
def empty_server(app):  # type: ignore[no-untyped-def]
    with served_over_http(app) as url:
        yield url


def test_first_run_setup_page_at_phone_width(app, empty_server):  # type: ignore[no-untyped-def]
    if not os.path.exists(CHROMIUM):
        require_or_skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    with app.app_context():
        token = create_setup_link(db.session)
        db.session.commit()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            violations: list[str] = []
            page = narrow(chromium, violations)
            page.goto(f"{empty_server}/setup/{token}")
            check_page(page, "setup")
            page.get_by_label("Your email").fill("first@school.org")
            page.get_by_label("Password", exact=True).fill("short")
            page.get_by_label("Type the password again").fill("short")
            page.get_by_role("button", name="Create my admin account").click()
            page.wait_for_load_state()
            assert "at least 12 characters" in page.content()
            check_page(page, "setup with errors")
            page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
            page.get_by_label("Type the password again").fill(NEW_PASSWORD)
            page.get_by_role("button", name="Create my admin account").click()
            page.wait_for_load_state()
            assert page.url.endswith("/admin/invitations/new")
            check_page(page, "first page after setup")
            assert violations == [], violations
        finally:
            chromium.close()
