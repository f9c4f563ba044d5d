"""The packet as a document: sections of plain blocks (headings, text, lists, tables,
charts), built once from a :class:`reports.model.Report` and laid out by both the HTML
renderer and the PDF renderer, so the two never differ in content or order.

The order follows the review meeting the partnership guidance describes (review
priorities, goals and needs; assess partnerships; decide on changes): a two-page
summary for the meeting, who answered, one compact section per instrument and
audience, partners, perception gaps, the Nine Elements, comments, community-interview
notes, then an appendix of full tables and further comments.
"""

from __future__ import annotations

import dataclasses
import typing as t
from collections.abc import Iterator, Sequence

from reports import charts, text
from reports.highlights import chose
from reports.model import (
    Cell,
    Group,
    ItemSummary,
    MirroredItem,
    Question,
    Report,
    Status,
    audience_label,
)
from reports.summaries import POOLED_NAME

if t.TYPE_CHECKING:
    from reports.actions import ActionResult

APPENDIX_COMMENTS = 25  # per question in the appendix; the rest are in the spreadsheets
BLOCK_ROWS = 28  # statements per chart (a page)


@dataclasses.dataclass
class Heading:
    text: str
    level: int  # 2 = section, 3 = part of a section
    anchor: str = ""


@dataclasses.dataclass
class Paragraph:
    text: str
    style: str = "body"  # body, note, lead, alert


@dataclasses.dataclass
class Bullets:
    items: list[tuple[str, str, str]]  # (bold lead, text, detail)
    numbered: bool = False


@dataclasses.dataclass
class TableCell:
    text: str
    status: Status | None = None  # why it is not shown, for styling
    span: int = 1
    indent: bool = False  # a row header for a part of the row above


@dataclasses.dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[TableCell]]
    widths: list[float]  # relative column widths
    numeric_from: int = 1  # columns from here on are numbers (right-aligned)
    row_headers: bool = True


@dataclasses.dataclass
class Figure:
    """A chart; ``table`` is its data as a table, which the web page offers beside it
    (the PDF has the same figures in the chart's columns and the appendix)."""

    chart: charts.Chart
    table: Table | None = None


Block = Heading | Paragraph | Bullets | Table | Figure


@dataclasses.dataclass
class Section:
    anchor: str
    title: str
    blocks: list[Block] = dataclasses.field(default_factory=list)
    new_page: bool = True
    appendix: bool = False
    # A section that begins a new page only when less than half of the current one is
    # left, so a short page of "Other questions" is followed by the next instrument
    # rather than by white space.
    flow: bool = False


@dataclasses.dataclass
class Document:
    title: str
    subtitle: str
    meta: list[str]
    banner: str | None  # "open wave: figures will change"
    footer: str
    sections: list[Section]
    rule: str

    def section(self, anchor: str) -> Section | None:
        return next((s for s in self.sections if s.anchor == anchor), None)

    def charts(self) -> Iterator[charts.Chart]:
        for section in self.sections:
            for block in section.blocks:
                if isinstance(block, Figure):
                    yield block.chart


def texts(doc: Document) -> Iterator[str]:
    """Every string the document shows (renderers check which fonts they need)."""
    yield from (doc.title, doc.subtitle, doc.footer, doc.rule, *doc.meta)
    if doc.banner:
        yield doc.banner
    for section in doc.sections:
        yield section.title
        for block in section.blocks:
            if isinstance(block, Heading | Paragraph):
                yield block.text
            elif isinstance(block, Bullets):
                for item in block.items:
                    yield from item
            elif isinstance(block, Table):
                yield block.caption
                yield from block.header
                for row in block.rows:
                    yield from (c.text for c in row)
            elif isinstance(block, Figure):
                yield from (label.text for label in block.chart.scene.labels)


def cell(value: Cell, fmt: t.Callable[..., str], report: Report) -> TableCell:
    return TableCell(
        fmt(value, report.min_cell, report.mode),
        None if value.shown or value.no_data else value.status,
    )


def build(report: Report) -> Document:
    """The document of ``report``."""
    meta = [
        f"{report.wave_name}: survey open {report.wave_opens_on:%B %-d, %Y} to "
        f"{report.wave_closes_on:%B %-d, %Y}"
    ]
    if report.partner_name:
        meta.append(f"Scope: responses through {report.partner_name}")
    else:
        meta.append("Scope: every response (all partners)")
    if report.previous_wave_name:
        meta.append(f"Compared with {report.previous_wave_name}")
    if report.release_label:
        meta.append(f"Figures as released to partners: {report.release_label}")
    meta.append(f"Prepared {report.generated_at:%Y-%m-%d}")
    banner = None
    if report.live_open_wave:
        banner = "Open wave: figures will change as more people answer."
    rule = text.rule_summary(report.min_cell, report.comment_min, report.mode)
    footer = f"{report.title} · {report.scope_line} · {rule}"
    sections: list[Section] = []
    sections.append(_summary(report) if report.has_responses else _empty(report))
    if report.actions is not None:
        sections.append(_actions(report))
    if report.has_responses:
        sections.append(_who_answered(report))
        sections += _instrument_sections(report)
        if report.partners or report.pooled_partners:
            sections.append(_partners(report))
        if report.mirrored:
            sections.append(_gaps(report))
        if report.elements:
            sections.append(_elements(report))
        comments = _comments(report)
        if comments is not None:
            sections.append(comments)
        if report.interviews is not None:
            sections.append(_interviews(report))
        sections += _appendix(report)
    sections.append(_method(report))
    return Document(report.title, report.scope_line, meta, banner, footer, sections, rule)


def _empty(report: Report) -> Section:
    where = f" through {report.partner_name}" if report.partner_name else ""
    return Section(
        "summary",
        "Summary",
        [
            Paragraph(
                f"No responses were received for {report.wave_name}{where}. "
                "There is nothing to summarise yet.",
                "alert",
            ),
            _responses_table(report, parts=False),
        ],
        new_page=False,
    )


# --- the summary -------------------------------------------------------------------


def _summary(report: Report) -> Section:
    s = report.summary
    blocks: list[Block] = [_responses_table(report, parts=False)]
    if s.questions:
        blocks += [
            Heading("Questions for the meeting", 3),
            Bullets([("", q, "") for q in s.questions], numbered=True),
        ]
    for audience in s.audiences:
        if not (audience.strengths or audience.concerns):
            continue
        blocks.append(Heading(f"{audience.label}: strengths and concerns", 3))
        items = [("Strength: " + h.value, h.text, h.detail) for h in audience.strengths]
        items += [("Concern: " + h.value, h.text, h.detail) for h in audience.concerns]
        blocks.append(Bullets(items))
    if s.changes:
        blocks += [
            Heading(f"Largest changes since {report.previous_wave_name}", 3),
            Bullets([(h.value, h.text, h.detail) for h in s.changes]),
        ]
    if s.gaps:
        blocks += [
            Heading("Largest perception gaps between audiences", 3),
            Bullets([(h.value, h.text, h.detail) for h in s.gaps]),
        ]
    themes = _top_themes(report)
    if themes:
        blocks += [Heading("Themes from community interviews", 3), Bullets(themes)]
    elements = charts.elements(report.elements) if report.elements else None
    if elements is not None:
        blocks += [Heading("The Nine Elements at a glance", 3), Figure(elements)]
    if s.empty:
        blocks.append(Paragraph("Too few figures are shown for a summary.", "note"))
    return Section("summary", "Summary for the meeting", blocks)


def _actions(report: Report) -> Section:
    """What the earlier review said it would do, and where each action stands: one
    table of the actions, their latest notes, one table of the figures then and now."""
    decided = report.actions
    assert decided is not None
    then_name, now_name = decided.decided_in, report.wave_name
    whose = (
        f", the ones {report.partner_name} owns and the partnership-wide ones"
        if report.partner_name
        else ""
    )
    rows = []
    for action in decided.actions:
        status = action.status_label + (" (overdue)" if action.overdue else "")
        if action.dropped_reason:
            status += f": {action.dropped_reason}"
        note = ""
        if action.latest_note and action.latest_note_on:
            note = f"{action.latest_note_on:%b %-d}: {action.latest_note}"
        rows.append(
            [
                TableCell(action.title),
                TableCell(action.owner),
                TableCell(status),
                TableCell(f"{action.due_on:%b %-d, %Y}" if action.due_on else "not set"),
                TableCell(note or "none yet"),
            ]
        )
    blocks: list[Block] = [
        Paragraph(
            f"{_count(len(decided.actions))} decided at the review of {then_name}{whose}: "
            f"{_tally(decided.actions)}.",
            "note",
        ),
        Table(
            f"Actions decided at the review of {then_name}",
            ["Action", "Owner", "Status", "Due", "Latest progress note"],
            rows,
            [2.2, 1.5, 1.4, 0.9, 2.6],
            numeric_from=5,
        ),
    ]
    linked = [a for a in decided.actions if a.figures]
    if linked:
        blocks += [
            Heading("Then and now", 3),
            Paragraph(
                f"Percent favourable (for the Nine Elements, percent of ratings at “good "
                f"progress” or better) in {then_name} and in {now_name}, with the n behind "
                "each, under the same rule as every other figure; gaps in points.",
                "note",
            ),
            _then_now_table(report, linked, then_name, now_name),
        ]
    return Section("actions", "What we said we would do", blocks, flow=True)


def _count(n: int) -> str:
    return f"{n} action{'s' if n != 1 else ''}"


def _tally(decided: Sequence[ActionResult]) -> str:
    """Where the actions stand: "2 done, 2 in progress, 1 planned, 1 dropped; 1
    overdue", statuses in the order they are reached."""
    order = ["done", "in_progress", "planned", "dropped"]
    counts = {s: sum(1 for a in decided if a.status == s) for s in order}
    labels = {a.status: a.status_label.lower() for a in decided}
    parts = ", ".join(f"{counts[s]} {labels[s]}" for s in order if counts[s])
    overdue = sum(1 for a in decided if a.overdue)
    return parts + (f"; {overdue} overdue" if overdue else "")


def _then_now_table(
    report: Report, linked: Sequence[ActionResult], then_name: str, now_name: str
) -> Table:
    rows = []
    for action in linked:
        rows.append([TableCell(f"{action.title} ({action.finding})", span=5)])
        for row in action.figures:
            label = TableCell(row.label)
            if row.note:
                rows.append([label, TableCell(row.note, span=4)])
                continue
            fmt = text.points if row.kind == "points" else text.percent
            gap = row.kind == "points"
            rows.append(
                [
                    label,
                    cell(row.then, fmt, report),
                    TableCell("") if gap else cell(row.then_n, text.count, report),
                    cell(row.now, fmt, report),
                    TableCell("") if gap else cell(row.now_n, text.count, report),
                ]
            )
    return Table(
        f"Linked findings then ({then_name}) and now ({now_name})",
        ["Action and group", f"Then: {then_name}", "n then", f"Now: {now_name}", "n now"],
        rows,
        [3.0, 1.2, 0.7, 1.2, 0.7],
    )


def _top_themes(report: Report) -> list[tuple[str, str, str]]:
    """The theme most notes speak to, for each interview question whose themes are
    shown (at most five questions)."""
    if report.interviews is None:
        return []
    themes = []
    for q in report.interviews.themes:
        top = q.top if q.notes.shown else None
        if top is not None:
            themes.append(
                (
                    top.label + ": ",
                    q.question,
                    f"{top.count.number():,.0f} of {q.notes.number():,.0f} coded notes",
                )
            )
    return themes[:5]


def _responses_table(report: Report, parts: bool) -> Table:
    rows = []
    for section in report.sections:
        rows.append(
            _response_row(
                report,
                f"{section.audience_label}: {section.survey_title}",
                section.responses,
                section.expected,
                section.response_rate,
            )
        )
        # The summary gives each channel's rate; the page on who answered, every part's.
        for part in section.parts if parts else section.channels:
            rows.append(
                _response_row(report, part.label, part.responses, part.expected, part.rate, True)
            )
    return Table(
        "Who answered" if not parts else "Who answered, by partner and channel",
        ["Group", "Responses", "Expected", "Response rate"],
        rows,
        [4.2, 0.9, 0.9, 2.0],
    )


def _response_row(
    report: Report,
    label: str,
    responses: Cell,
    expected: int | None,
    rate: Cell,
    part: bool = False,
) -> list[TableCell]:
    responses_cell = cell(responses, text.count, report)
    if responses.no_data:
        responses_cell = TableCell("no responses")
    flagged = rate.shown and rate.number() > 100
    return [
        TableCell(label, indent=part),
        responses_cell,
        TableCell(f"{expected:,}" if expected else "not set"),
        TableCell(
            text.rate(rate, expected, report.min_cell, report.mode),
            Status.WITHHELD if flagged else (None if rate.shown or rate.no_data else rate.status),
        ),
    ]


def _who_answered(report: Report) -> Section:
    pooled = any(p.partner == POOLED_NAME for s in report.sections for p in s.parts)
    blocks: list[Block] = [
        Paragraph(
            "Responses through each partner's links and each channel, with the "
            "number the school expected to reach. A rate over 100% means the expected "
            "number for that link needs checking."
            + (
                f" “{POOLED_NAME}” counts together the links of the partners whose "
                "agreement does not allow sharing their own results (how many, in "
                "brackets)."
                if pooled
                else ""
            ),
            "note",
        ),
        _responses_table(report, parts=True),
    ]
    silent = [s.title for s in report.sections if s.responses.no_data]
    if silent:
        blocks.append(
            Paragraph(
                "No responses yet, so no section follows for: " + "; ".join(silent) + ".", "note"
            )
        )
    return Section("responses", "Who answered", blocks)


# --- instruments -------------------------------------------------------------------


def scale_blocks(questions: Sequence[Question]) -> list[tuple[str, list[ItemSummary]]]:
    """Consecutive scored questions on one scale, as (title, statements) chart blocks
    of at most BLOCK_ROWS, reverse-worded statements in blocks of their own."""
    blocks: list[tuple[str, list[ItemSummary]]] = []
    run: list[Question] = []

    def flush() -> None:
        if not run:
            return
        texts = list(dict.fromkeys(q.text for q in run))
        title = texts[0] if len(texts) == 1 else f"{texts[0]} ({len(run)} questions)"
        items = [i for q in run for i in q.items]
        for reverse in (False, True):
            chosen = [i for i in items if i.reverse == reverse]
            for start in range(0, len(chosen), BLOCK_ROWS):
                part = chosen[start : start + BLOCK_ROWS]
                blocks.append((title + (" - reverse-worded statements" if reverse else ""), part))
        run.clear()

    for question in questions:
        if question.kind == "scored":
            if run and run[-1].scale != question.scale:
                flush()
            run.append(question)
        elif question.kind != "text":
            flush()
    flush()
    return blocks


def _instrument_sections(report: Report) -> list[Section]:
    sections = []
    previous_slug = None
    for group in report.sections:
        if group.interview or group.responses.no_data:
            continue  # "no responses" is one line in the table of who answered
        section = Section(
            f"section-{group.key}",
            group.title,
            new_page=group.survey_slug != previous_slug,
            flow=True,
        )
        previous_slug = group.survey_slug
        section.blocks = list(group_blocks(report, group))
        sections.append(section)
    return sections


def group_blocks(report: Report, group: Group) -> Iterator[Block]:
    m, mode = report.min_cell, report.mode
    if group.responses.no_data:
        yield Paragraph("No responses from this group.", "note")
        return
    if not group.responses.shown:
        yield Paragraph(text.sentence(group.responses.status, m, mode), "note")
        return
    line = f"{text.count(group.responses, m)} responses"
    if group.expected:
        line += f"; response rate {text.rate(group.response_rate, group.expected, m, mode)}"
        line += f" of the {group.expected:,} expected" if not group.over_expected else ""
    yield Paragraph(line + ".", "lead")
    for title, items in scale_blocks(group.questions):
        chart = charts.diverging(items, title)
        yield Heading(title, 3)
        table = _scored_table(report, title, items)
        yield Figure(chart, table) if chart is not None else table
    choices = [(q, i) for q in group.questions if q.kind == "choice" for i in q.items]
    if choices:
        yield Heading("Other questions", 3)
    for question, item in choices:
        yield _choice_line(report, question, item)
    for question in group.questions:
        if question.kind == "numeric":
            for item in question.items:
                yield Paragraph(
                    f"{item.label}: n = {text.count(item.n, m, mode)}, average "
                    f"{text.score(item.mean, m, mode)}."
                )
    written = [i for q in group.questions if q.kind == "text" for i in q.items if not i.n.no_data]
    if written:
        listed = sum(1 for i in written if i.comments)
        yield Paragraph(
            f"Comments: {listed} of {len(written)} open questions have comments listed under "
            "“Comments”."
            if listed
            else "Comments on this group's open questions are not "
            f"listed: {text.sentence(written[0].n.status, report.comment_min, mode)}",
            "note",
        )


def _statement(item: ItemSummary) -> str:
    return item.label + (" (reverse-worded: disagreeing is favourable)" if item.reverse else "")


def _scored_table(report: Report, title: str, items: Sequence[ItemSummary]) -> Table:
    rows = []
    for item in items:
        if not item.n.shown and not item.n.no_data:
            rows.append(
                [
                    TableCell(_statement(item)),
                    TableCell(
                        text.sentence(item.n.status, report.min_cell, report.mode),
                        item.n.status,
                        span=3,
                    ),
                ]
            )
            continue
        rows.append(
            [
                TableCell(_statement(item)),
                cell(item.n, text.count, report),
                cell(item.percent_favourable, text.percent, report),
                cell(item.change, text.points, report),
            ]
        )
    favourable = chose(items[0]) if items else "favourable answers"
    return Table(
        f"{title}: n, percent favourable ({favourable}) and change",
        ["Statement", "n", "% favourable", "Change (points)"],
        rows,
        [4.6, 0.7, 1.1, 1.1],
    )


def _choice_line(report: Report, question: Question, item: ItemSummary) -> Bullets:
    """A choice question in one line: its answers, most chosen first."""
    caption = question.text if item.label == question.text else f"{question.text} {item.label}"
    if not item.n.shown:
        status = (
            text.sentence(item.n.status, report.min_cell, report.mode)
            if not item.n.no_data
            else "No answers."
        )
        return Bullets([(caption, status, "")])
    chosen = sorted(item.options, key=lambda o: -(o.count.value or 0))
    answers = "; ".join(
        f"{o.label} {text.percent(o.percent, report.min_cell, report.mode)}" for o in chosen
    )
    detail = f"n = {item.n.number():.0f}" + (
        ", more than one answer allowed" if item.multiple else ""
    )
    return Bullets([(caption, answers, detail)])


def _choice_table(report: Report, question: Question, item: ItemSummary) -> Table:
    caption = question.text if item.label == question.text else f"{question.text} {item.label}"
    if item.multiple:
        caption += " (people could choose more than one)"
    if not item.n.shown:
        rows = [
            [
                TableCell("All answers"),
                TableCell(
                    text.sentence(item.n.status, report.min_cell, report.mode)
                    if not item.n.no_data
                    else "No answers.",
                    item.n.status if item.n.suppressed else None,
                    span=2,
                ),
            ]
        ]
    else:
        rows = [
            [
                TableCell(o.label),
                cell(o.count, text.count, report),
                cell(o.percent, text.percent, report),
            ]
            for o in item.options
        ]
        rows.append(
            [TableCell("n (people who answered)"), cell(item.n, text.count, report), TableCell("")]
        )
    return Table(caption, ["Answer", "Count", "Percent"], rows, [4.4, 1.0, 1.0])


# --- partners, gaps, elements -----------------------------------------------------------


def _partners(report: Report) -> Section:
    blocks: list[Block] = []
    if report.pooled_partners:
        blocks.append(
            Paragraph(
                f"{report.pooled_partners} partner{'s' if report.pooled_partners != 1 else ''} "
                "whose agreement does not allow sharing their own results with the partnership "
                "are included in every figure above but not listed here.",
                "note",
            )
        )
    keys: list[tuple[str, str]] = []
    for partner in report.partners:
        for group in partner.groups:
            if (group.survey_slug, group.audience) not in keys:
                keys.append((group.survey_slug, group.audience))
    for slug, audience in keys:
        columns = [
            (
                p.name,
                next(
                    (g for g in p.groups if (g.survey_slug, g.audience) == (slug, audience)), None
                ),
            )
            for p in report.partners
        ]
        columns = [(name, g) for name, g in columns if g is not None]
        first = columns[0][1]
        assert first is not None
        header = ["Statement", *(name for name, _g in columns)]
        rows = [
            [
                TableCell("Responses"),
                *(cell(g.responses, text.count, report) for _n, g in columns if g),
            ]
        ]
        for item in first.items():
            if item.kind != "scored":
                continue
            row = [TableCell(_statement(item))]
            for _name, g in columns:
                other = g.item(item.item_id) if g else None
                row.append(
                    cell(other.percent_favourable, text.percent, report)
                    if other
                    else TableCell(text.NO_DATA)
                )
            rows.append(row)
        title = f"{audience_label(audience)}: {first.survey_title}"
        blocks += [
            Heading(title, 3),
            Table(
                f"{title}: percent favourable by partner",
                header,
                rows,
                [3.6, *([1.0] * len(columns))],
            ),
        ]
    if not report.partners:
        blocks.append(Paragraph("No partner allows its own results to be listed.", "note"))
    return Section("partners", "Results by partner", blocks, flow=True)


def _gap_values(report: Report, m: MirroredItem) -> str:
    parts = []
    for v in m.values:
        value = text.percent(v.percent_favourable, report.min_cell, report.mode)
        n = f" (n = {v.n.number():.0f})" if v.n.shown else ""
        parts.append(f"{v.group} {value}{n}")
    return "; ".join(parts)


def _gaps(report: Report) -> Section:
    chart = charts.audience_comparison(report.mirrored)
    rows = [
        [TableCell(m.label), TableCell(_gap_values(report, m)), cell(m.gap, text.points, report)]
        for m in report.mirrored
    ]
    blocks: list[Block] = [
        Paragraph(
            "The same statement asked of different audiences: percent favourable for each, "
            "largest gap first.",
            "note",
        )
    ]
    if chart is not None:
        blocks.append(Figure(chart))
    blocks.append(
        Table(
            "Percent favourable by audience on the same statement",
            ["Statement", "Percent favourable (n)", "Gap (points)"],
            rows,
            [3.0, 3.6, 0.9],
            numeric_from=2,
        )
    )
    return Section(
        "gaps", "Perception gaps: the same question, different audiences", blocks, new_page=False
    )


def _elements(report: Report) -> Section:
    rows = [
        [
            TableCell(e.title),
            cell(e.school.percent_good, text.percent, report),
            cell(e.school.mean, text.score, report),
            cell(e.partners.percent_good, text.percent, report),
            cell(e.partners.mean, text.score, report),
            cell(e.gap, text.points, report),
        ]
        for e in report.elements
    ]
    left_out = sum(e.school.left_out + e.partners.left_out for e in report.elements)
    blocks: list[Block] = [
        Paragraph(
            "Percent of ratings at “good progress” or better, and the mean "
            "implementation score (“don't know” left out), pooled over every instrument "
            "that asks the element's statements of each side.",
            "note",
        ),
        Table(
            "The Nine Elements: school team beside partners",
            [
                "Element",
                "School team %",
                "School mean",
                "Partners %",
                "Partners mean",
                "Gap (points)",
            ],
            rows,
            [2.6, 0.9, 0.9, 0.9, 0.9, 0.9],
        ),
    ]
    if left_out:
        blocks.append(
            Paragraph(f"{left_out} statement figures are not shown and so are not pooled.", "note")
        )
    return Section("elements", "The Nine Elements", blocks, new_page=False)


# --- comments and interviews --------------------------------------------------------


def _comment_items(item: ItemSummary, start: int, stop: int) -> list[tuple[str, str, str]]:
    return [
        ("", c.text, f"written by {c.count}" if c.count > 1 else "")
        for c in item.comments[start:stop]
    ]


def _comment_blocks(
    report: Report, title: str, item: ItemSummary, start: int, stop: int
) -> Iterator[Block]:
    yield Heading(title, 3)
    if not item.n.shown:
        yield Paragraph(
            text.sentence(item.n.status, report.comment_min, report.mode).replace(
                "people answered", "people wrote a comment"
            ),
            "note",
        )
        return
    total = item.n.number()
    listed = item.comments[start:stop]
    yield Paragraph(
        f"{total:,.0f} comments"
        + (f", {len(item.comments)} different" if len(item.comments) < total else "")
        + (
            f"; the {len(listed)} most written shown here"
            if start == 0 and len(item.comments) > stop
            else ""
        ),
        "note",
    )
    yield Bullets(_comment_items(item, start, stop))
    rest = len(item.comments) - stop
    if rest > 0 and start == 0:
        yield Paragraph(f"{rest} more in the appendix and the spreadsheet.", "note")


def _text_questions(report: Report, interviews: bool) -> Iterator[tuple[str, ItemSummary]]:
    for group in report.sections:
        if group.interview != interviews:
            continue
        for question in group.questions:
            if question.kind != "text":
                continue
            for item in question.items:
                if not item.n.no_data:
                    yield f"{group.audience_label}: {question.text}", item


def _comments(report: Report) -> Section | None:
    blocks: list[Block] = []
    for title, item in _text_questions(report, interviews=False):
        blocks += _comment_blocks(report, title, item, 0, report.comment_limit)
    if not blocks:
        return None
    blocks.insert(
        0,
        Paragraph(
            "Exact repeats are merged and counted. Comments are listed only where at least "
            f"{report.comment_min} people in the group wrote one; a coordinator may have removed a "
            "name or a personal detail before the packet was made.",
            "note",
        ),
    )
    return Section("comments", "Comments", blocks)


def _interviews(report: Report) -> Section:
    assert report.interviews is not None
    count = report.interviews.count
    blocks: list[Block] = [
        Paragraph(
            f"{text.count(count, report.min_cell)} community-research interviews by students. "
            "Notes are listed under the same rule as comments.",
            "lead",
        )
    ]
    blocks += _theme_blocks(report)
    for title, item in _text_questions(report, interviews=True):
        blocks += _comment_blocks(report, title.split(": ", 1)[-1], item, 0, report.comment_limit)
    return Section("interviews", "Community-research interviews", blocks, flow=True)


def _theme_blocks(report: Report) -> list[Block]:
    """Theme counts per question and interviewee role, with the coders' quotes
    (``reports.themes``: the comment threshold and the differencing check)."""
    assert report.interviews is not None
    questions = [q for q in report.interviews.themes if q.written]
    if not questions:
        return []
    coded = sum(q.notes.number() for q in questions if q.notes.shown)
    blocks: list[Block] = [
        Heading("Themes in the interview notes", 3, "themes"),
        Paragraph(
            "Coordinators read each note and tagged the themes of the survey's codebook. "
            f"A question's themes are shown when at least {report.comment_min} of its notes "
            f"are coded; {coded:,.0f} coded notes are counted below.",
            "note",
        ),
    ]
    for q in questions:
        title = q.question
        if not q.notes.shown:
            why = (
                f"None of its {q.written:,} notes is coded yet."
                if q.notes.no_data
                else text.sentence(q.notes.status, report.comment_min, report.mode)
            )
            blocks.append(
                Paragraph(f"{title} {why.replace('people answered', 'notes are coded')}", "note")
            )
            continue
        roles = [r for r in q.roles if r.notes.shown]
        header = ["Theme", f"Notes (of {q.notes.number():,.0f})"] + [
            f"{r.role} (of {r.notes.number():,.0f})" for r in roles
        ]
        rows = []
        for theme in q.themes:
            if theme.count.number() == 0 and theme.code not in {c for r in roles for c in r.counts}:
                continue
            rows.append(
                [TableCell(theme.label), TableCell(f"{theme.count.number():,.0f}")]
                + [TableCell(f"{r.counts[theme.code].number():,.0f}") for r in roles]
            )
        hidden = [r.role for r in q.roles if not r.notes.shown]
        blocks.append(
            Table(
                title,
                header,
                rows,
                [3.0] + [1.0] * (len(header) - 1),
            )
        )
        if hidden:
            blocks.append(
                Paragraph(
                    "Not shown by role, so that a small group cannot be worked out: "
                    + ", ".join(hidden)
                    + ".",
                    "note",
                )
            )
        quotes = [(t.label + ": ", f"“{quote}”", "") for t in q.themes for quote in t.quotes]
        if quotes:
            blocks.append(Bullets(quotes))
    return blocks


# --- appendix ---------------------------------------------------------------------------


def _appendix(report: Report) -> list[Section]:
    tables: list[Block] = []
    for group in report.sections:
        if not group.answered:
            continue
        blocks = list(_distribution_tables(report, group))
        if blocks:
            tables += [Heading(group.title, 3), *blocks]
    sections = (
        [Section("appendix-tables", "Appendix A: full distributions", tables, appendix=True)]
        if tables
        else []
    )
    more: list[Block] = []
    for title, item in [*_text_questions(report, False), *_text_questions(report, True)]:
        if item.n.shown and len(item.comments) > report.comment_limit:
            more += _comment_blocks(
                report, title, item, report.comment_limit, report.comment_limit + APPENDIX_COMMENTS
            )
            rest = len(item.comments) - report.comment_limit - APPENDIX_COMMENTS
            if rest > 0:
                more.append(Paragraph(f"{rest} more in the spreadsheet (XLSX or CSV).", "note"))
    if more:
        sections.append(
            Section("appendix-comments", "Appendix B: more comments", more, appendix=True)
        )
    return sections


def _distribution_tables(report: Report, group: Group) -> Iterator[Block]:
    for question in group.questions:
        if question.kind == "choice":
            for item in question.items:
                yield _choice_table(report, question, item)
    for title, items in scale_blocks(group.questions):
        shown = [i for i in items if i.options]
        if not shown:
            continue
        options = shown[0].options
        header = ["Statement", *(o.label for o in options), "n"]
        rows = []
        for item in shown:
            if not item.n.shown:
                rows.append(
                    [
                        TableCell(item.label),
                        TableCell(
                            text.sentence(item.n.status, report.min_cell, report.mode)
                            if not item.n.no_data
                            else "No answers.",
                            item.n.status if item.n.suppressed else None,
                            span=len(options) + 1,
                        ),
                    ]
                )
                continue
            row = [TableCell(_statement(item))]
            for option in item.options:
                if option.count.shown:
                    row.append(
                        TableCell(f"{option.percent.number():.0f}% ({option.count.number():.0f})")
                    )
                else:
                    row.append(cell(option.count, text.count, report))
            row.append(cell(item.n, text.count, report))
            rows.append(row)
        yield Table(
            f"{title}: every answer, percent (count)",
            header,
            rows,
            [2.8, *([0.85] * len(options)), 0.6],
        )
        trend_rows = [
            [TableCell(i.label), *(cell(c, text.percent, report) for _name, c in i.trend)]
            for i in items
            if sum(1 for _n, c in i.trend if c.shown) >= 2
        ]
        if trend_rows:
            yield Table(
                f"{title}: percent favourable by review",
                ["Statement", *report.wave_names],
                trend_rows,
                [3.2, *([1.0] * len(report.wave_names))],
            )


def _method(report: Report) -> Section:
    m, c = report.min_cell, report.comment_min
    if report.mode == "cells":
        lines = [
            f"Every count from 1 to {m - 1} is hidden (“fewer than {m}”), and further counts "
            "are hidden with it wherever totals would let it be worked out (“withheld”).",
        ]
    else:
        lines = [
            f"A group's answers to a question are shown when at least {m} people in the group "
            f"answered it; then every option is shown. Otherwise: “fewer than {m} answered”.",
            "Where two figures describe a group and part of it (the whole school and one "
            "partner, a group and its channels), the rest must also be 0 or at least "
            f"{m} people; otherwise the smaller figure is “withheld so that a small group "
            "elsewhere cannot be worked out”.",
            "Changes, gaps and pooled scores are computed only from figures shown; "
            "otherwise they read “not shown”.",
        ]
    lines.append(f"Comments are listed only where at least {c} people in the group wrote one.")
    lines.append(
        "Partners read a closed wave's figures from a release made when it closed, so "
        "later changes to the data never change what they were given."
    )
    return Section(
        "method",
        "How figures are protected",
        [Bullets([("", x, "") for x in lines])],
        new_page=False,
        appendix=True,
    )


__all__ = [
    "Block",
    "Bullets",
    "Document",
    "Figure",
    "Heading",
    "Paragraph",
    "Section",
    "Table",
    "TableCell",
    "build",
    "group_blocks",
    "texts",
    "scale_blocks",
]
