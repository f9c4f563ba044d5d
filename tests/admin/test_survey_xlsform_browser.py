"""Spreadsheets from other tools in headless Chromium at 320 px: the problems of a form
with many of them and the list of what an import assumed are readable on a phone (axe
finds nothing, nothing scrolls sideways), and the preview of an import works."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.admin import test_browser
from tests.admin.test_browser import open_page, sign_in
from tests.admin.test_partners_browser import narrow
from tests.xlsform_other_tools import kobo_family, surveycto_student

live_server = test_browser.live_server
browser = test_browser.browser

pytestmark = pytest.mark.browser

FILE_FIELD = "A definition file (.yaml, .yml, or an XLSForm as .xlsx or .csv)"
SHOTS = Path(os.environ.get("SCREENSHOTS", tempfile.gettempdir()))


def check(page, live_server: str, path: Path, raw: bytes) -> None:  # type: ignore[no-untyped-def]
    """Upload the workbook ``raw`` as ``path`` and press Check."""
    path.write_bytes(raw)
    page.goto(f"{live_server}/admin/surveys/upload")
    page.get_by_label(FILE_FIELD).set_input_files(str(path))
    page.get_by_role("button", name="Check").click()
    page.wait_for_load_state()


def test_other_tools_spreadsheets_read_well_at_320_px(browser, live_server, world, tmp_path):  # type: ignore[no-untyped-def]
    violations: list[str] = []
    page = open_page(browser, violations)
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, live_server, "coord@example.org")

    check(page, live_server, tmp_path / "student.xlsx", surveycto_student())
    assert "8 problems in the definition: nothing was stored" in page.content()
    narrow(page, "upload with a spreadsheet's problems")
    # Each problem is a list item of its own, wrapped inside the screen.
    items = page.locator("ul.problems li")
    assert items.count() == 8
    for n in range(8):
        box = items.nth(n).bounding_box()
        assert box is not None and box["x"] + box["width"] <= 320
    page.screenshot(path=str(SHOTS / "xlsform-problems-320.png"), full_page=True)

    check(page, live_server, tmp_path / "family.xlsx", kobo_family())
    assert "Family survey 2026" in page.content()
    narrow(page, "review of an imported spreadsheet")
    assert page.locator("ul.assumed li").count() >= 8
    assert "Not read" in page.content()
    page.screenshot(path=str(SHOTS / "xlsform-review-320.png"), full_page=True)
    page.get_by_role("button", name="Try it on a phone in Spanish").click()
    page.wait_for_load_state()
    assert "¿Su hijo ha usado un servicio de apoyo este año?" in page.content()
    narrow(page, "preview of an imported spreadsheet")
    page.screenshot(path=str(SHOTS / "xlsform-preview-320.png"), full_page=True)
    assert violations == [], violations
