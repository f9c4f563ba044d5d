"""Offline interviews in Chromium, with the server really gone (a service worker's own
fetches ignore Playwright's offline switch, so the test stops the server itself)."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.browser.conftest import NARROW, PHONE, axe_violations, fits_width
from tests.browser.test_respondent import INTERVIEW, responses
from tests.factories import store_survey
from tests.respond.helpers import open_link


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


def test_a_refused_interview_stays_with_its_reason_and_its_backup_imports_once(
    run, server, interview_link, session, tmp_path
):
    from app.admin.services.interviews import import_backup

    token = interview_link.token
    interview_link.wave.is_open = False  # closed before the interview is sent
    session.commit()

    def steps(browsers):  # type: ignore[no-untyped-def]
        context = browsers.chromium.new_context(
            viewport=NARROW, locale="en-US", accept_downloads=True
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto(f"{server.url}/s/{token}/offline?lang=en")
        expect(page.locator("[data-offline-state]")).to_have_text("Ready offline")
        take_interview(page, "Nobody speaks Spanish at the front desk.")
        expect(page.locator("[data-refused]")).to_contain_text("This interview link is closed")
        page.reload()
        expect(page.locator("[data-queue-count]")).to_have_text("1 interview waiting to send.")
        expect(page.locator("[data-refused]")).to_contain_text("This interview link is closed")
        seen = {"axe": axe_violations(page), "fits": fits_width(page)}
        with page.expect_download() as download:
            page.get_by_role("button", name="Download a backup").click()
        path = tmp_path / "backup.json"
        download.value.save_as(path)
        context.close()
        return seen

    seen = run(steps)
    assert seen["axe"] == [] and seen["fits"]
    data = (tmp_path / "backup.json").read_bytes()
    assert json.loads(data)["records"][0]["refused"]["code"] == "closed"
    assert responses(session) == []

    # The coordinator's upload (the page itself: tests/admin/test_interviews.py), twice.
    for expected in (1, 0):
        session.rollback()
        result = import_backup(session, data, dt.datetime.now(dt.UTC))
        session.commit()
        assert (result.stored, result.refused) == (expected, [])
    (stored,) = responses(session)
    assert {a.value_text for a in stored.answers} >= {"Nobody speaks Spanish at the front desk."}


def test_the_offline_page_passes_axe_at_320_px_in_spanish(run, server, interview_link):
    token = interview_link.token

    def steps(browsers):  # type: ignore[no-untyped-def]
        context = browsers.chromium.new_context(viewport=NARROW, locale="es-US")
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto(f"{server.url}/s/{token}/offline?lang=es")
        expect(page.locator("[data-offline-state]")).to_have_text("Listo para usar sin conexión")
        page.get_by_role("button", name="Siguiente").click()
        seen = {
            "summary": page.locator(".error-summary").inner_text(),
            "axe": axe_violations(page),
            "fits": fits_width(page),
            "outside": [],
        }
        context.close()
        return seen

    seen = run(steps)
    assert "Marca la casilla para continuar." in seen["summary"] or "casilla" in seen["summary"]
    assert seen["axe"] == [] and seen["fits"]


MEASURED = """
id: measured-interview
title: Measured interview
audiences: [student]
languages: [en]
mode: interview
anonymous: true
consent_script: Do you agree to take part?
pages:
  - id: consent
    questions:
      - item: consent.interview
        type: consent
        required: true
        text: Did the person agree to take part?
        agree_label: Yes, they agreed to take part.
  - id: facts
    questions:
      - item: facts.visits
        type: number
        integer: true
        min: 0
        max: 50
        text: How many times did they visit the clinic?
      - item: facts.first_visit
        type: date
        min: 2020-01-01
        max: 2026-12-31
        text: When was the first visit?
  - id: notes
    questions:
      - item: notes.summary
        type: long_text
        text: Interviewer summary
"""


def test_the_offline_page_checks_numbers_and_dates_as_the_server_does(run, server, session):
    """The page checks what each type's ``offline_checks`` names (a number or a date
    format and its limits), in the browser, before the interview is kept."""
    link = open_link(session, store_survey(session, MEASURED), audience="student")
    session.commit()

    def steps(browsers):  # type: ignore[no-untyped-def]
        context = browsers.chromium.new_context(viewport=PHONE, locale="en-US")
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto(f"{server.url}/s/{link.token}/offline?lang=en")
        page.get_by_label("Yes, they agreed to take part.").check()
        page.get_by_role("button", name="Next").click()
        visits = page.get_by_label("How many times did they visit the clinic?")
        first = page.get_by_label("When was the first visit?")
        seen = []
        for number, day in [("two", ""), ("2.5", ""), ("51", "2019-12-31"), ("3", "2026-02-30")]:
            visits.fill(number)
            if day == "2026-02-30":  # a date input takes no such day: as a text field would
                first.evaluate("el => { el.type = 'text'; el.value = '2026-02-30'; }")
            else:
                first.fill(day)
            page.get_by_role("button", name="Next").click()
            seen.append(" ".join(page.locator(".error-summary").inner_text().split()))
        visits.fill("3")
        first.evaluate("el => { el.value = '2024-05-06'; }")
        page.get_by_role("button", name="Next").click()
        expect(page.get_by_label("Interviewer summary")).to_be_visible()
        context.close()
        return seen

    seen = run(steps)
    assert "Enter a number, using digits (for example 3)." in seen[0]
    assert "Enter a whole number (for example 3)." in seen[1]
    assert "Enter a number from 0 to 50." in seen[2] and "on or after" not in seen[2]
    assert "Enter a date from" in seen[2]
    assert "Enter a date as year-month-day" in seen[3] and "number" not in seen[3]
