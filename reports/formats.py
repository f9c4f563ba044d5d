"""The one table of report formats: what the web views, the CLI and the cache read.

Each format names its renderer (a function of a :class:`reports.model.Report`,
imported only when called, so importing ``reports`` loads no renderer library), its
media type, the label the download offers and the file extension.
"""

from __future__ import annotations

import dataclasses
import importlib
import typing as t

if t.TYPE_CHECKING:
    from reports.model import Report


@dataclasses.dataclass(frozen=True)
class Format:
    name: str
    label: str
    media_type: str
    renderer: str  # "module:function", returning bytes

    def render(self, report: Report) -> bytes:
        module, function = self.renderer.split(":")
        return t.cast(bytes, getattr(importlib.import_module(module), function)(report))


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("pdf", "PDF packet", "application/pdf", "reports.pdf:packet"),
        Format(
            "xlsx",
            "Spreadsheet (XLSX)",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "reports.tables:xlsx_bytes",
        ),
        Format("csv", "Table (CSV)", "text/csv; charset=utf-8", "reports.tables:csv_bytes"),
        Format("html", "Web page (HTML)", "text/html; charset=utf-8", "reports.html:page_bytes"),
    )
}


def render(report: Report, fmt: str) -> bytes:
    """``report`` in one of :data:`FORMATS`, as bytes."""
    from reports.service import ReportError

    chosen = FORMATS.get(fmt)
    if chosen is None:
        names = ", ".join(f"'{name}'" for name in FORMATS)
        raise ReportError(f"unknown format '{fmt}'; formats: {names}")
    return chosen.render(report)


__all__ = ["FORMATS", "Format", "render"]
