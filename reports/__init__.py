"""Partnership review reports: query -> privacy rule -> summaries -> derived figures ->
highlights -> renderers.

No Flask here (nor anything that imports it), so the CLI, the web app and batch jobs
share one pipeline. fpdf2 and openpyxl are imported only when a renderer needs them;
charts are SVG and PDF vectors written from their own scenes, so matplotlib is never
imported (the PDF takes its DejaVu fonts from matplotlib's package data).

Entry points: :func:`build_report` and :func:`render` (formats in
:data:`FORMATS`); :func:`render_csv` and friends are the single formats.
"""

from __future__ import annotations

import typing as t

from reports.formats import FORMATS, render
from reports.service import Deadline, ReportError, ReportTimeout, build_report

if t.TYPE_CHECKING:
    from markupsafe import Markup

    from reports.model import Report


def render_csv(report: Report) -> str:
    """Every figure the report publishes, one row each (see ``reports.tables``)."""
    from reports.tables import csv_text

    return csv_text(report)


def render_xlsx(report: Report) -> bytes:
    from reports.tables import xlsx_bytes

    return xlsx_bytes(report)


def render_html(report: Report) -> str:
    """A complete, self-contained HTML document (its stylesheet inlined)."""
    from reports.html import page

    return page(report)


def render_html_fragment(report: Report) -> Markup:
    """The report body for a Jinja page (no inline styles or scripts)."""
    from reports.html import fragment

    return fragment(report)


def render_pdf(report: Report) -> bytes:
    from reports.pdf import packet

    return packet(report)


__all__ = [
    "FORMATS",
    "Deadline",
    "ReportError",
    "ReportTimeout",
    "build_report",
    "render",
    "render_csv",
    "render_html",
    "render_html_fragment",
    "render_pdf",
    "render_xlsx",
]
