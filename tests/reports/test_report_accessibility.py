"""The downloadable HTML report passes axe (WCAG 2.1 A/AA) and reads at 320 px."""

from __future__ import annotations

import pytest

from reports import build_report, render_html
from tests.conftest import CHROMIUM, require_or_skip
from tests.conftest import CHROMIUM_ARGS as ARGS
from tests.reports.test_report_renderers import WAVE, packet_data  # noqa: F401


@pytest.fixture
def chromium():
    try:
        from playwright.sync_api import sync_playwright

        manager = sync_playwright().start()
    except Exception as exc:  # noqa: BLE001 - any failure means "no browser here"
        require_or_skip(f"Playwright unavailable: {exc}")
    try:
        browser = manager.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    except Exception as exc:  # noqa: BLE001
        manager.stop()
        require_or_skip(f"Chromium unavailable: {exc}")
    yield browser
    browser.close()
    manager.stop()


@pytest.mark.browser
def test_html_report_passes_axe_and_fits_a_phone(session, packet_data, chromium):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    partner_view = build_report(session, None, WAVE, 'Clinic <b onclick="x">Ünïcode</b>')
    for report in (packet_data, partner_view):
        page = chromium.new_page(viewport={"width": 320, "height": 800})
        page.set_content(render_html(report))
        results = Axe().run(
            page,
            options={
                "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
                "resultTypes": ["violations"],
            },
        )
        violations = [
            f"{v['id']}: {v['help']} ({v['nodes'][0]['target']})"
            for v in results.response["violations"]
        ]
        assert violations == []
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.close()
