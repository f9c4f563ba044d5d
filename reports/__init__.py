"""Partnership review reports: query -> summaries -> suppression -> renderers.

No Flask here (nor anything that imports it), so the CLI, the web app and batch jobs
share one pipeline. matplotlib, fpdf2 and openpyxl are imported only when a renderer
needs them. Entry points live in :mod:`reports.service`.
"""

from reports.service import (
    FORMATS,
    ReportError,
    build_report,
    render,
    render_csv,
    render_html,
    render_html_fragment,
    render_pdf,
    render_xlsx,
)

__all__ = [
    "FORMATS",
    "ReportError",
    "build_report",
    "render",
    "render_csv",
    "render_html",
    "render_html_fragment",
    "render_pdf",
    "render_xlsx",
]
