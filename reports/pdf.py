"""The PDF review packet (fpdf2, pure Python): cover, executive summary, perception
gaps, a section per instrument and audience, the Nine Elements, then comments.

Text uses DejaVu Sans shipped inside matplotlib (Spanish and other accents work
anywhere matplotlib is installed); notes are grey rather than italic, which saves
loading a third font (parsing a TTF costs about 0.4 s). Charts are PNG at print resolution.
"""

from __future__ import annotations

import io
import re
import typing as t
from pathlib import Path

from reports import charts, text
from reports.model import Group, Report

if t.TYPE_CHECKING:
    from fpdf import FPDF

FONT = "DejaVu"
GREY = (90, 90, 90)


def font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _pdf() -> FPDF:
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(15, 15, 15)
    pdf.add_font(FONT, "", str(font_dir() / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(font_dir() / "DejaVuSans-Bold.ttf"))
    return pdf


def _plain(value: str) -> str:
    """Text the font can draw: control characters (tabs, carriage returns) as spaces."""
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", value)


class Packet:
    def __init__(self, report: Report):
        self.report = report
        self.m = report.min_cell
        self.pdf = _pdf()
        self.pdf.set_title(f"{report.title} - {report.scope}")
        self.pdf.set_creator("Partnership feedback")

    # --- building blocks ------------------------------------------------------------
    def heading(self, value: str, size: int = 16, new_page: bool = False) -> None:
        if new_page:
            self.pdf.add_page()
        self.pdf.set_font(FONT, "B", size)
        self.pdf.multi_cell(0, size * 0.5, _plain(value), align="L", new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(2)

    def para(self, value: str, size: float = 10, style: str = "", colour=(0, 0, 0)) -> None:
        self.pdf.set_font(FONT, style, size)
        self.pdf.set_text_color(*colour)
        self.pdf.multi_cell(0, size * 0.5, _plain(value), align="L", new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_text_color(0, 0, 0)
        self.pdf.ln(1)

    def table(self, header: list[str], rows: list[list[str]], widths: tuple[int, ...]) -> None:
        self.pdf.set_font(FONT, "", 8)
        with self.pdf.table(
            col_widths=widths, text_align="LEFT", line_height=4.2, first_row_as_headings=True
        ) as table:
            table.row(header)
            for row in rows:
                table.row([_plain(str(v)) for v in row])
        self.pdf.ln(2)

    def chart(self, result: tuple | None) -> None:
        if result is None:
            return
        fig, alt = result
        width_in, height_in = fig.get_size_inches()
        width = 180.0
        height = width * height_in / width_in
        if self.pdf.get_y() + height > self.pdf.h - 20:
            self.pdf.add_page()
        self.pdf.image(io.BytesIO(charts.png(fig)), w=width, h=height, alt_text=alt[:500])
        self.pdf.ln(2)

    # --- sections -------------------------------------------------------------------
    def cover(self) -> None:
        r = self.report
        self.pdf.add_page()
        self.pdf.ln(30)
        self.heading(r.title, 22)
        self.para(f"Review packet: {r.wave_name}", 14, "B")
        self.para(
            f"Survey open {r.wave_opens_on.isoformat()} to {r.wave_closes_on.isoformat()}", 11
        )
        if r.partner_name:
            self.para(f"Responses through {r.partner_name}", 11)
        if r.previous_wave_name:
            self.para(f"Compared with {r.previous_wave_name}", 11)
        self.para(f"Prepared {r.generated_at.strftime('%Y-%m-%d')}", 10, colour=GREY)
        self.pdf.ln(4)
        self.para("Response counts", 12, "B")
        rows = [
            [
                s.survey_title,
                s.audience_label,
                text.count(s.responses, self.m),
                str(s.expected or "not set"),
                text.percent(s.response_rate, self.m) if s.expected else "not set",
            ]
            for s in r.sections
        ]
        self.table(
            ["Instrument", "Audience", "Responses", "Expected", "Rate"], rows, (60, 30, 30, 25, 25)
        )
        self.para(
            f'Figures describing fewer than {self.m} people read "fewer than {self.m}"; '
            f"comments are listed only when at least {r.comment_min} people wrote one. "
            '"no data" means nobody answered.',
            8,
            "",
            GREY,
        )
        if not r.has_responses:
            self.para(
                f"No responses were received for {r.wave_name}"
                + (f" through {r.partner_name}" if r.partner_name else "")
                + ". There is nothing to summarise yet.",
                12,
                "B",
            )

    def executive_summary(self) -> None:
        s = self.report.summary
        self.heading("Executive summary", new_page=True)
        if s.empty:
            self.para("Too few shown figures for a summary.")
        for title, rows in (
            ("Top strengths", s.strengths),
            ("Top concerns", s.concerns),
            ("Biggest changes since the last review", s.changes),
            ("Largest perception gaps", s.gaps),
            ("Weakest partnership elements", s.weakest_elements),
        ):
            if not rows:
                continue
            self.para(title, 12, "B")
            for h in rows:
                detail = f" ({h.detail})" if h.detail else ""
                self.para(f"\u2022 {h.value}: {h.text}{detail}", 9.5)
            self.pdf.ln(1)

    def mirrored(self) -> None:
        r = self.report
        if not r.mirrored:
            return
        self.heading("Perception gaps: the same question, different audiences", new_page=True)
        self.chart(charts.audience_comparison(r.mirrored))
        rows = []
        for m in r.mirrored:
            values = "; ".join(
                f"{v.group}: {text.percent(v.percent_favourable, self.m)}" for v in m.values
            )
            rows.append([m.label, values, text.points(m.gap, self.m).lstrip("+")])
        self.table(["Statement", "Percent favourable", "Gap (points)"], rows, (75, 80, 25))

    def section(self, group: Group) -> None:
        m = self.m
        self.heading(group.title, new_page=True)
        line = f"Responses: {text.count(group.responses, m)}"
        if group.expected:
            line += f"; response rate {text.percent(group.response_rate, m)} of {group.expected}"
        self.para(line)
        if not (group.responses.shown and group.responses.value):
            self.para(
                f"Fewer than {m} people in this group answered, so nothing is shown for it."
                if group.responses.suppressed
                else "No responses from this group.",
                10,
                "",
                GREY,
            )
            return
        for question in group.questions:
            if question.kind == "text":
                continue  # comments come together at the end of the packet
            self.para(question.text, 11, "B")
            if question.kind == "scored":
                self.chart(charts.diverging(question, m))
                rows = [
                    [
                        i.label + (" (reverse-worded)" if i.reverse else ""),
                        text.count(i.n, m),
                        text.percent(i.percent_favourable, m),
                        text.points(i.change, m),
                    ]
                    for i in question.items
                ]
                self.table(["Statement", "n", "% favourable", "Change"], rows, (110, 20, 25, 25))
            elif question.kind == "choice":
                for item in question.items:
                    rows = [
                        [o.label, text.count(o.count, m), text.percent(o.percent, m)]
                        for o in item.options
                    ]
                    note = "; more than one answer allowed" if item.multiple else ""
                    self.para(f"n = {text.count(item.n, m)}{note}", 8.5, "", GREY)
                    self.table(["Answer", "Count", "Percent"], rows, (120, 30, 30))
            elif question.kind == "numeric":
                for item in question.items:
                    self.para(
                        f"{item.label}: n = {text.count(item.n, m)}, "
                        f"average {text.score(item.mean, m)}",
                        9,
                    )
        scored = [i for i in group.items() if i.kind == "scored"]
        result = charts.trend(scored)
        if result is not None:
            self.para("Change across reviews", 11, "B")
            self.chart(result)

    def elements(self) -> None:
        r = self.report
        if not r.elements:
            return
        m = self.m
        self.heading("The Nine Elements: school team beside partners", new_page=True)
        self.para(
            'Percent of ratings at "good progress" or better, and the mean implementation '
            'score; "don\'t know" is left out.',
            9,
        )
        self.chart(charts.elements(r.elements))
        rows = [
            [
                e.title,
                text.percent(e.school.percent_good, m),
                text.score(e.school.mean, m),
                text.percent(e.partners.percent_good, m),
                text.score(e.partners.mean, m),
                text.points(e.gap, m),
            ]
            for e in r.elements
        ]
        self.table(
            ["Element", "School %", "School mean", "Partners %", "Partners mean", "Gap"],
            rows,
            (60, 22, 22, 24, 26, 26),
        )

    def comments(self) -> None:
        r = self.report
        blocks = [
            (s, q, i) for s in r.sections for q in s.questions if q.kind == "text" for i in q.items
        ]
        if not blocks:
            return
        self.heading("Comments", new_page=True)
        for section, question, item in blocks:
            self.para(f"{section.audience_label}: {question.text}", 10.5, "B")
            if item.comment_count.suppressed or item.n.suppressed:
                self.para(f"Fewer than {r.comment_min} comments: not listed.", 9, "", GREY)
            elif not item.comments:
                self.para("No comments.", 9, "", GREY)
            else:
                total = text.count(item.comment_count, self.m)
                shown = len(item.comments)
                self.para(
                    f"{total} comments"
                    + (
                        f", the first {shown} listed"
                        if shown < (item.comment_count.value or 0)
                        else ""
                    ),
                    8.5,
                    "",
                    GREY,
                )
                for comment in item.comments:
                    self.para(f"\u2022 {comment}", 9)

    def build(self) -> bytes:
        self.cover()
        if self.report.has_responses:
            self.executive_summary()
            self.mirrored()
            for group in self.report.sections:
                self.section(group)
            self.elements()
            self.comments()
        return bytes(self.pdf.output())


def packet(report: Report) -> bytes:
    """The review packet as PDF bytes."""
    return Packet(report).build()


__all__ = ["packet"]
