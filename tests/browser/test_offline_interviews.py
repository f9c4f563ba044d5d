"""Offline interviews in Chromium, with the server really gone (a service worker's own
fetches ignore Playwright's offline switch, so the test stops the server itself)."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.browser.conftest import PHONE
from tests.browser.test_respondent import INTERVIEW, responses
from tests.respond.helpers import open_link, store_survey


class SwitchableServer:
    """The app on a fixed local port that the test can take down and bring back: the
    browser's origin (its worker, caches and IndexedDB) stays the same."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.server = None
        self.thread = None
        self.start(0)
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self, port: int | None = None) -> None:
        self.server = make_server(
            "127.0.0.1", self.port if port is None else port, self.app, threaded=True
        )
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(10)
        self.server.server_close()


@pytest.fixture
def server(app):  # type: ignore[no-untyped-def]
    switchable = SwitchableServer(app)
    yield switchable
    switchable.stop()


@pytest.fixture
def interview_link(session):  # type: ignore[no-untyped-def]
    link = open_link(session, store_survey(session, INTERVIEW), audience="student")
    session.commit()
    return link


@pytest.fixture
def run(browser_thread):  # type: ignore[no-untyped-def]
    def _run(steps):  # type: ignore[no-untyped-def]
        return browser_thread.run(steps)

    return _run


def take_interview(page, barriers: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Yes, they agreed to take part.").check()
    page.get_by_label("Business owner").check()
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("What makes it hard").fill(barriers)
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Save interview").click()
    expect(page.get_by_role("heading", name="Interview saved on this device")).to_be_visible()


def test_two_interviews_offline_then_online_are_stored_once(run, server, interview_link, session):
    token = interview_link.token
    offline_url = f"{server.url}/s/{token}/offline?lang=en"

    def install(browsers):  # type: ignore[no-untyped-def]
        context = browsers.chromium.new_context(viewport=PHONE, locale="en-US")
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto(offline_url)
        expect(page.locator("[data-offline-state]")).to_have_text("Ready offline")
        return context, page

    context, page = run(install)
    server.stop()
    try:

        def offline(_browsers):  # type: ignore[no-untyped-def]
            context.set_offline(True)
            page.reload()
            expect(page.get_by_label("Yes, they agreed to take part.")).to_be_visible()
            # A check made in the browser, in the interviewer's language.
            page.get_by_role("button", name="Next").click()
            summary = page.locator(".error-summary").inner_text()
            take_interview(page, "The bus is slow.")
            page.get_by_role("button", name="Start next interview").click()
            take_interview(page, "It costs too much.")
            page.reload()
            expect(page.locator("[data-queue-count]")).to_have_text("2 interviews waiting to send.")
            return summary

        summary = run(offline)
    finally:
        server.start()
    assert "Tick the box to continue." in summary

    def online(_browsers):  # type: ignore[no-untyped-def]
        context.set_offline(False)
        page.reload()
        expect(page.locator("[data-queue-count]")).to_have_text("No interviews waiting to send.")
        context.close()

    run(online)
    stored = sorted(
        a.value_text
        for r in responses(session)
        for a in r.answers
        if a.item_id == "interview.barriers"
    )
    assert stored == ["It costs too much.", "The bus is slow."]
