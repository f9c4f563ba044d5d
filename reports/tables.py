"""CSV and XLSX summary tables: labels, not codes; suppressed cells say so.

Every text cell that a spreadsheet could read as a formula (starting with ``=``, ``+``,
``-``, ``@``, tab or carriage return) is prefixed with a single quote, so a hostile
comment or label never runs in Excel or LibreOffice.
"""

from __future__ import annotations

import csv
import io
import typing as t
from collections.abc import Iterator

from reports import text
from reports.model import Cell, Report

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

ITEM_COLUMNS = [
    "Instrument",
    "Audience",
    "Question",
    "Statement",
    "Answer",
    "Count",
    "Percent",
    "n",
    "Percent favourable",
    "Change (points)",
    "Mean",
]


def neutralise(value: t.Any) -> t.Any:
    """A cell value safe to open in a spreadsheet."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _num(cell: Cell, digits: int = 1) -> t.Any:
    return text.cell_number(cell, digits)


def item_rows(report: Report) -> Iterator[list[t.Any]]:
    """One row per option (distribution) and one summary row per item."""
    for section in report.sections:
        for question in section.questions:
            for item in question.items:
                base = [section.survey_title, section.audience_label, question.text, item.label]
                if item.kind == "text":
                    yield base + [
                        "(comments)",
                        _num(item.comment_count, 0),
                        None,
                        None,
                        None,
                        None,
                        None,
                    ]
                    continue
                yield base + [
                    "(all answers)",
                    None,
                    None,
                    _num(item.n, 0),
                    _num(item.percent_favourable) if item.kind == "scored" else None,
                    _num(item.change) if item.kind == "scored" else None,
                    _num(item.mean, 2) if item.kind in ("scored", "numeric") else None,
                ]
                for option in item.options:
                    yield base + [
                        option.label,
                        _num(option.count, 0),
                        _num(option.percent),
                        None,
                        None,
                        None,
                        None,
                    ]


def _responses(report: Report) -> Iterator[list[t.Any]]:
    for s in report.sections:
        yield [
            s.survey_title,
            s.audience_label,
            _num(s.responses, 0),
            s.expected,
            _num(s.response_rate) if s.expected else None,
        ]


def _mirrored(report: Report) -> Iterator[list[t.Any]]:
    for m in report.mirrored:
        for v in m.values:
            yield [m.label, v.group, _num(v.percent_favourable), _num(v.n, 0), _num(m.gap)]


def _elements(report: Report) -> Iterator[list[t.Any]]:
    for e in report.elements:
        yield [
            e.title,
            _num(e.school.percent_good),
            _num(e.school.mean, 2),
            _num(e.partners.percent_good),
            _num(e.partners.mean, 2),
            _num(e.gap),
        ]


def _comments(report: Report) -> Iterator[list[t.Any]]:
    for s in report.sections:
        for item in s.items():
            for comment in item.comments:
                yield [s.survey_title, s.audience_label, item.label, comment]


def sheets(report: Report) -> list[tuple[str, list[str], Iterator[list[t.Any]]]]:
    return [
        (
            "Responses",
            ["Instrument", "Audience", "Responses", "Expected", "Response rate (%)"],
            _responses(report),
        ),
        ("Items", ITEM_COLUMNS, item_rows(report)),
        (
            "Perception gaps",
            ["Statement", "Audience", "Percent favourable", "n", "Gap (points)"],
            _mirrored(report),
        ),
        (
            "Nine Elements",
            [
                "Element",
                "School team: % good or better",
                "School team: mean",
                "Partners: % good or better",
                "Partners: mean",
                "Gap (points)",
            ],
            _elements(report),
        ),
        ("Comments", ["Instrument", "Audience", "Question", "Comment"], _comments(report)),
    ]


def _about(report: Report) -> list[list[t.Any]]:
    return [
        ["Report", report.title],
        ["Wave", report.wave_name],
        ["Partner", report.partner_name or "all"],
        ["Minimum group size", report.min_cell],
        ["Suppressed", f"'suppressed' = fewer than {report.min_cell} people; empty = no data"],
    ]


def csv_text(report: Report) -> str:
    """The items table (plus a header block) as CSV text."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in _about(report):
        writer.writerow([neutralise(v) for v in row])
    writer.writerow([])
    writer.writerow(ITEM_COLUMNS)
    for row in item_rows(report):
        writer.writerow([neutralise(v) for v in row])
    return out.getvalue()


def xlsx_bytes(report: Report) -> bytes:
    """A workbook with one sheet per table, in write-only mode (flat memory)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    about = workbook.create_sheet("About")
    for row in _about(report):
        about.append([neutralise(v) for v in row])
    bold = Font(bold=True)
    for title, header, rows in sheets(report):
        sheet = workbook.create_sheet(title)
        cells = []
        for name in header:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)
        for row in rows:
            sheet.append([_xlsx_value(sheet, v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_value(sheet: t.Any, value: t.Any) -> t.Any:
    from openpyxl.cell import WriteOnlyCell

    value = neutralise(value)
    if isinstance(value, str):
        # Stored as text, never as a formula, whatever it starts with.
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


__all__ = ["csv_text", "neutralise", "xlsx_bytes"]
