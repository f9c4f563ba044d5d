"""CSV and XLSX: every figure a report publishes, as rows a spreadsheet or a program can
read. The CSV is one long table (its ``Table`` column says what a row is: responses,
item, option, trend, gap, element, comments, comment, theme); the workbook splits the same rows
into sheets with a frozen header row and readable column widths.

Counts are whole numbers, percentages have one decimal; a figure that is not shown is an
empty cell with its reason in ``Status`` and ``Note``. Every text cell that a
spreadsheet could read as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return) is prefixed with a single quote, and control characters are dropped,
so a hostile comment or label never runs in Excel or LibreOffice or breaks the file.
"""

from __future__ import annotations

import csv
import io
import re
import typing as t
from collections.abc import Iterator

from reports import text
from reports.model import Cell, Group, ItemSummary, Report, Status

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

COLUMNS = [
    "Table",
    "Wave",
    "Scope",
    "Instrument",
    "Survey id",
    "Audience",
    "Audience code",
    "Partner",
    "Channel",
    "Question",
    "Item id",
    "Statement",
    "Answer",
    "Answer code",
    "Count",
    "Expected",
    "Percent",
    "n",
    "Percent favourable",
    "Change (points)",
    "Gap (points)",
    "Mean",
    "Status",
    "Note",
    "Owner",
    "Due",
]
Row = dict[str, t.Any]


def neutralise(value: t.Any) -> t.Any:
    """A cell value safe to open in a spreadsheet."""
    if isinstance(value, str):
        value = CONTROL.sub("", value)
        if value.startswith(FORMULA_START):
            return "'" + value
    return value


def _status(cell: Cell, report: Report, comment: bool = False) -> tuple[str, str]:
    if cell.shown:
        return Status.SHOWN.value, ""
    threshold = report.comment_min if comment else report.min_cell
    return cell.status.value, text.sentence(cell.status, threshold, report.mode)


def _group_base(report: Report, group: Group, scope: str) -> Row:
    return {
        "Wave": report.wave_name,
        "Scope": scope,
        "Instrument": group.survey_title,
        "Survey id": group.survey_slug,
        "Audience": group.audience_label,
        "Audience code": group.audience,
    }


def _responses(report: Report, group: Group, scope: str) -> Iterator[Row]:
    base = _group_base(report, group, scope)
    status, note = _status(group.responses, report)
    yield {
        **base,
        "Table": "responses",
        "Count": text.number(group.responses, 0),
        "Expected": group.expected,
        "Percent": text.number(group.response_rate),
        "Status": status,
        "Note": _rate_note(group.response_rate) or note,
    }
    # A partner's channels are its parts already; the whole school's are every partner's.
    channels = group.channels if group.scope is None else []
    for part in [*channels, *group.parts]:
        status, note = _status(part.responses, report)
        yield {
            **base,
            "Table": "responses",
            "Partner": part.partner,
            "Channel": part.channel or "",
            "Answer": part.label,
            "Count": text.number(part.responses, 0),
            "Expected": part.expected,
            "Percent": text.number(part.rate),
            "Status": status,
            "Note": _rate_note(part.rate) or note,
        }


def _rate_note(rate: Cell) -> str:
    if rate.shown and rate.number() > 100:
        return "more responses than expected: check the expected number for this link"
    return ""


def _items(report: Report, group: Group, scope: str, history: bool) -> Iterator[Row]:
    base = _group_base(report, group, scope)
    for question in group.questions:
        for item in question.items:
            row = {
                **base,
                "Question": question.text,
                "Item id": item.item_id,
                "Statement": item.label,
            }
            if item.kind == "text":
                yield from _comment_rows(report, row, item)
                continue
            status, note = _status(item.n, report)
            yield {
                **row,
                "Table": "item",
                "n": text.number(item.n, 0),
                "Percent favourable": text.number(item.percent_favourable),
                "Change (points)": text.number(item.change),
                "Mean": text.number(item.mean, 2),
                "Status": status,
                "Note": note
                or ("reverse-worded: disagreeing is favourable" if item.reverse else ""),
            }
            for option in item.options:
                status, note = _status(option.count, report)
                yield {
                    **row,
                    "Table": "option",
                    "Answer": option.label,
                    "Answer code": option.code,
                    "Count": text.number(option.count, 0),
                    "Percent": text.number(option.percent),
                    "Status": status,
                    "Note": note,
                }
            if history:
                for wave, value in item.trend[:-1]:
                    if value.no_data:
                        continue
                    status, note = _status(value, report)
                    yield {
                        **row,
                        "Table": "trend",
                        "Wave": wave,
                        "Percent favourable": text.number(value),
                        "Status": status,
                        "Note": note,
                    }


def _comment_rows(report: Report, row: Row, item: ItemSummary) -> Iterator[Row]:
    if item.n.no_data:
        return
    status, note = _status(item.n, report, comment=True)
    yield {
        **row,
        "Table": "comments",
        "Count": text.number(item.n, 0),
        "Status": status,
        "Note": note,
    }
    for comment in item.comments:
        yield {
            **row,
            "Table": "comment",
            "Answer": comment.text,
            "Count": comment.count,
            "Status": Status.SHOWN.value,
        }


def figure_rows(report: Report) -> Iterator[Row]:
    """Every figure the report publishes, one row each."""
    scope = report.scope
    for group in report.sections:
        yield from _responses(report, group, scope)
    for group in report.sections:
        yield from _items(report, group, scope, history=True)
    for m in report.mirrored:
        status, note = _status(m.gap, report)
        compared = " vs ".join(v.survey_slug for v in (m.highest, m.lowest) if v is not None)
        audiences = " vs ".join(v.audience for v in (m.highest, m.lowest) if v is not None)
        values = "; ".join(
            f"{v.group} {text.percent(v.percent_favourable, report.min_cell, report.mode)}"
            for v in m.values
        )
        yield {
            "Table": "gap",
            "Wave": report.wave_name,
            "Scope": scope,
            "Survey id": compared,
            "Audience code": audiences,
            "Item id": m.item_id,
            "Statement": m.label,
            "Gap (points)": text.number(m.gap),
            "Status": status,
            "Note": f"{values}. {note}".strip(),
        }
    for e in report.elements:
        for side, name in ((e.school, "staff"), (e.partners, "partner")):
            if side.percent_good.no_data:
                continue
            status, note = _status(side.percent_good, report)
            pooled = "; ".join(f"{s}:{i}" for s, i in side.pooled)
            yield {
                "Table": "element",
                "Wave": report.wave_name,
                "Scope": scope,
                "Audience": "School team" if name == "staff" else "Partners",
                "Audience code": name,
                "Item id": f"element{e.number}",
                "Statement": e.title,
                "n": text.number(side.n, 0),
                "Percent favourable": text.number(side.percent_good),
                "Mean": text.number(side.mean, 2),
                "Status": status,
                "Note": f"pooled: {pooled}" if pooled else note,
            }
    yield from _theme_rows(report, scope)
    yield from _action_rows(report, scope)
    for partner in report.partners:
        for group in partner.groups:
            yield from _responses(report, group, partner.name)
            yield from _items(report, group, partner.name, history=False)


def _theme_rows(report: Report, scope: str) -> Iterator[Row]:
    """Theme counts of coded interview notes per question and interviewee role
    (``reports.themes``): "Answer" is the theme, "Audience" the role ("All roles")."""
    if report.interviews is None:
        return
    for q in report.interviews.themes:
        if not q.written:
            continue
        base = {
            "Table": "theme",
            "Wave": report.wave_name,
            "Scope": scope,
            "Instrument": q.survey_slug,
            "Question": q.question,
            "Item id": q.item_id,
        }
        status, note = _status(q.notes, report, comment=True)
        for theme in q.themes:
            yield {
                **base,
                "Audience": "All roles",
                "Answer": theme.label,
                "Answer code": theme.code,
                "Count": text.number(theme.count, 0),
                "n": text.number(q.notes, 0),
                "Status": status,
                "Note": note,
            }
        for role in q.roles:
            r_status, r_note = _status(role.notes, report, comment=True)
            for theme in q.themes:
                count = role.counts.get(theme.code)
                yield {
                    **base,
                    "Audience": role.role,
                    "Answer": theme.label,
                    "Answer code": theme.code,
                    "Count": text.number(count, 0) if count is not None else None,
                    "n": text.number(role.notes, 0),
                    "Status": r_status,
                    "Note": r_note,
                }


def _action_rows(report: Report, scope: str) -> Iterator[Row]:
    """What the earlier review decided: a row per action ("Answer" is its status), then
    a row per linked figure and wave (then and now)."""
    if report.actions is None:
        return
    decided = report.actions.decided_in
    for action in report.actions.actions:
        note = [f"decided at the review of {decided}"]
        if action.overdue:
            note.append("overdue")
        if action.dropped_reason:
            note.append(f"dropped because: {action.dropped_reason.rstrip('. ')}")
        if action.latest_note and action.latest_note_on:
            note.append(f"latest note {action.latest_note_on:%Y-%m-%d}: {action.latest_note}")
        base = {"Wave": report.wave_name, "Scope": scope, "Question": action.title}
        yield {
            **base,
            "Table": "action",
            "Statement": action.finding,
            "Answer": action.status_label,
            "Answer code": action.status,
            "Owner": action.owner,
            "Due": action.due_on.isoformat() if action.due_on else None,
            "Status": Status.SHOWN.value,
            "Note": "; ".join(note),
        }
        for figure in action.figures:
            row = {**base, "Table": "action figure", "Statement": action.finding}
            row["Audience"] = figure.label
            if figure.note:
                yield {**row, "Status": Status.NO_DATA.value, "Note": figure.note}
                continue
            for wave, value, n in (
                (decided, figure.then, figure.then_n),
                (report.wave_name, figure.now, figure.now_n),
            ):
                status, why = _status(value, report)
                column = "Gap (points)" if figure.kind == "points" else "Percent favourable"
                yield {
                    **row,
                    "Wave": wave,
                    column: text.number(value),
                    "n": text.number(n, 0) if figure.kind != "points" else None,
                    "Status": status,
                    "Note": why,
                }


def _about(report: Report) -> list[list[t.Any]]:
    return [
        ["Report", report.title],
        ["Wave", report.wave_name],
        ["Scope", report.scope],
        [
            "Figures",
            report.release_label
            or (
                "live"
                + (": the wave is open, figures will change" if report.live_open_wave else "")
            ),
        ],
        ["Privacy rule", text.rule_summary(report.min_cell, report.comment_min, report.mode)],
        ["Minimum group size", report.min_cell],
        ["Minimum comment writers", report.comment_min],
        ["Prepared", report.generated_at.strftime("%Y-%m-%d %H:%M UTC")],
    ]


def csv_text(report: Report) -> str:
    """The about block, an empty row, then every figure (see :data:`COLUMNS`)."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in _about(report):
        writer.writerow([neutralise(v) for v in row])
    writer.writerow([])
    writer.writerow(COLUMNS)
    for figure in figure_rows(report):
        writer.writerow([neutralise(_blank(figure.get(c))) for c in COLUMNS])
    return out.getvalue()


def csv_bytes(report: Report) -> bytes:
    return csv_text(report).encode("utf-8")


def _blank(value: t.Any) -> t.Any:
    return "" if value is None else value


SHEETS: list[tuple[str, tuple[str, ...], list[str]]] = [
    (
        "Responses",
        ("responses",),
        [
            "Instrument",
            "Audience",
            "Scope",
            "Partner",
            "Channel",
            "Answer",
            "Count",
            "Expected",
            "Percent",
            "Status",
            "Note",
        ],
    ),
    (
        "Items",
        ("item",),
        [
            "Instrument",
            "Audience",
            "Scope",
            "Question",
            "Statement",
            "Item id",
            "n",
            "Percent favourable",
            "Change (points)",
            "Mean",
            "Status",
            "Note",
        ],
    ),
    (
        "Answers",
        ("option",),
        [
            "Instrument",
            "Audience",
            "Scope",
            "Statement",
            "Item id",
            "Answer",
            "Answer code",
            "Count",
            "Percent",
            "Status",
            "Note",
        ],
    ),
    (
        "Trends",
        ("trend",),
        [
            "Wave",
            "Instrument",
            "Audience",
            "Scope",
            "Statement",
            "Item id",
            "Percent favourable",
            "Status",
        ],
    ),
    (
        "Perception gaps",
        ("gap",),
        ["Statement", "Item id", "Survey id", "Audience code", "Gap (points)", "Status", "Note"],
    ),
    (
        "Nine Elements",
        ("element",),
        ["Statement", "Audience", "n", "Percent favourable", "Mean", "Status", "Note"],
    ),
    (
        "Themes",
        ("theme",),
        [
            "Instrument",
            "Question",
            "Item id",
            "Audience",
            "Answer",
            "Answer code",
            "Count",
            "n",
            "Status",
            "Note",
        ],
    ),
    (
        "Actions",
        ("action", "action figure"),
        [
            "Question",
            "Table",
            "Statement",
            "Owner",
            "Due",
            "Answer",
            "Wave",
            "Audience",
            "n",
            "Percent favourable",
            "Gap (points)",
            "Status",
            "Note",
        ],
    ),
    (
        "Comments",
        ("comments", "comment"),
        [
            "Instrument",
            "Audience",
            "Scope",
            "Question",
            "Table",
            "Answer",
            "Count",
            "Status",
            "Note",
        ],
    ),
]
WIDE = {"Question": 50, "Statement": 60, "Answer": 50, "Note": 50, "Instrument": 32}


def xlsx_bytes(report: Report) -> bytes:
    """A workbook: About, then one sheet per kind of figure (flat memory: write-only)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    rows = list(figure_rows(report))
    workbook = Workbook(write_only=True)
    about = workbook.create_sheet("About")
    about.column_dimensions["A"].width = 24
    about.column_dimensions["B"].width = 90
    for about_row in _about(report):
        about.append([_xlsx_value(about, v) for v in about_row])
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for title, tables, columns in SHEETS:
        if "action" in tables and report.actions is None:
            continue  # only a packet after a review that decided something has actions
        sheet = workbook.create_sheet(title)
        sheet.freeze_panes = "A2"
        for k, name in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(k)].width = WIDE.get(name, 14)
        header = []
        for name in columns:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in rows:
            if row["Table"] not in tables:
                continue
            values = []
            for name in columns:
                value = _xlsx_value(sheet, row.get(name))
                if name in WIDE and not isinstance(value, (int, float)) and value is not None:
                    value.alignment = wrap
                values.append(value)
            sheet.append(values)
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


__all__ = ["COLUMNS", "csv_bytes", "csv_text", "figure_rows", "neutralise", "xlsx_bytes"]
