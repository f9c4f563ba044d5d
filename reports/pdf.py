"""The PDF review packet (fpdf2, pure Python), laid out from the same blocks as the HTML
page (``reports.document``): a cover, contents with page numbers, then every section,
with a footer on every page naming the report, the wave, the scope and the privacy rule.

Why fpdf2 rather than an HTML-to-PDF engine: the same packet took WeasyPrint about
0.2 s a page to lay out (18 s for the old 89-page HTML), several times what the whole
report costs to build, while fpdf2 draws a page in milliseconds when lines are broken
here (with cached word widths) and drawn with ``text()`` rather than by ``multi_cell``
or ``cell`` for every table cell. Charts are the report's scenes (``reports.charts``)
drawn as PDF vectors - the figures the HTML page shows, placed the same way. The PDF is
tagged (a structure tree of headings, paragraphs, lists, tables with header cells and
figures with their descriptions, footers marked as artifacts) so a screen reader can
follow it.

Text uses DejaVu Sans shipped inside matplotlib (Spanish and other scripts work
anywhere matplotlib is installed); notes are grey rather than italic, which saves
loading a third font.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import re
import typing as t
from collections.abc import Iterator, Sequence
from pathlib import Path

from reports import document
from reports.charts import Scene, baseline
from reports.document import Bullets, Figure, Heading, Paragraph, Section, Table, TableCell
from reports.model import Report

if t.TYPE_CHECKING:
    from fpdf import FPDF
    from fpdf.structure_tree import StructElem

UNICODE_FONT = "DejaVu Sans"
CORE_FONT = "helvetica"
PDF_TEXT = str.maketrans({"\u2212": "-", "\u00a0": " "})
GREY = (85, 85, 85)
BLUE = (0, 94, 150)
HIDDEN = (110, 70, 0)
LINE = 1.28  # line height as a multiple of the font size (mm per pt below)
PT = 0.3528  # mm per point
PAPER = {"letter": "Letter", "a4": "A4"}
MARGIN = 15.0
INDENT = 4.0  # mm, a table row header for a part of the row above
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def font_dir() -> Path:
    """DejaVu Sans as matplotlib ships it, found without importing matplotlib (which
    would cost more than the rest of a cold build)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib, which ships the report's fonts, is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"


def plain(value: str) -> str:
    """Text the font can draw: control characters as spaces, a minus sign as a hyphen."""
    return CONTROL.sub(" ", value).translate(PDF_TEXT)


def needs_unicode(doc: document.Document) -> bool:
    """Whether any text of the document lies beyond Windows-1252."""
    try:
        for value in document.texts(doc):
            plain(value).encode("cp1252")
    except UnicodeEncodeError:
        return True
    return False


def _tree_builder() -> t.Any:
    """fpdf2's structure tree builder, made to write nested elements (tables, lists)."""
    from fpdf.structure_tree import StructureTreeBuilder

    class NestedTree(StructureTreeBuilder):
        def __iter__(self) -> Iterator[t.Any]:
            yield self.struct_tree_root
            yield self.doc_struct_elem
            yield self.struct_tree_root.parent_tree

            def walk(elements: Sequence[t.Any]) -> Iterator[t.Any]:
                for element in elements:
                    if not isinstance(element, int):
                        yield element
                        yield from walk(element.k)

            yield from walk(self.doc_struct_elem.k)

    return NestedTree()


class Tags:
    """Marked content and its structure elements. Each element below the document is
    kept to one page (a table or list that continues gets a new element on the next
    page), so nested elements can take their page from it."""

    def __init__(self, pdf: FPDF):
        self.pdf = pdf
        self.tree = pdf.struct_builder

    def element(
        self, kind: str, parent: StructElem | None = None, alt: str | None = None
    ) -> StructElem:
        from fpdf.structure_tree import StructElem

        holder = parent if parent is not None else self.tree.doc_struct_elem
        elem = StructElem(
            struct_type=f"/{kind}", parent=holder, kids=[], page_number=self.pdf.page, alt=alt
        )
        holder.k.append(elem)
        return elem

    @contextlib.contextmanager
    def marked(self, element: StructElem) -> Iterator[None]:
        page = self.pdf.page
        spids = self.tree.spid_per_page_number
        spid = spids.setdefault(page, len(spids))
        self.pdf.pages[page].struct_parents = spid
        owners = self.tree.struct_tree_root.parent_tree.nums[spid]
        mcid = len(owners)
        owners.append(element)
        element.k.append(mcid)
        tag = element.s.lstrip("/")
        self.pdf._out(f"/{tag} <</MCID {mcid}>> BDC")  # noqa: SLF001 - fpdf2's content stream
        try:
            yield
        finally:
            self.pdf._out("EMC")  # noqa: SLF001

    @contextlib.contextmanager
    def artifact(self) -> Iterator[None]:
        self.pdf._out("/Artifact BMC")  # noqa: SLF001
        try:
            yield
        finally:
            self.pdf._out("EMC")  # noqa: SLF001


class Packet:
    """Lays out a :class:`reports.document.Document` with fpdf2."""

    def __init__(self, report: Report, doc: document.Document, paper: str = "letter"):
        from fpdf import FPDF

        self.report = report
        self.doc = doc
        packet = self

        class PacketPDF(FPDF):
            def footer(self) -> None:
                packet.footer()

        pdf = PacketPDF(format=PAPER.get(paper, "Letter"), unit="mm")
        pdf.struct_builder = _tree_builder()
        pdf.set_auto_page_break(auto=False)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        self.unicode = needs_unicode(doc)
        if self.unicode:
            # Text beyond Windows-1252 (other scripts, emoji): DejaVu Sans, embedded. One
            # font file: bold is the same glyphs filled and stroked; parsing a second
            # TrueType file cost as much as laying out the whole packet.
            self.family = UNICODE_FONT
            pdf.add_font(UNICODE_FONT, "", str(font_dir() / "DejaVuSans.ttf"))
        else:
            # Everything is Windows-1252 (English, Spanish): PDF's standard Helvetica,
            # which readers carry, so nothing is parsed or embedded.
            self.family = CORE_FONT
            pdf.core_fonts_encoding = "windows-1252"
            pdf.set_font(CORE_FONT, "B", 10)
        pdf.set_font(self.family, "", 10)
        from fpdf.enums import TextMode

        self.fill, self.fill_stroke = TextMode.FILL, TextMode.FILL_STROKE
        # Glyph widths: by character for the core font, by code point for DejaVu Sans.
        self.widths: dict[bool, t.Mapping[t.Any, float]] = {
            False: pdf.fonts[self.family.lower()].cw,
            True: pdf.fonts[self.family.lower() + ("" if self.unicode else "B")].cw,
        }
        pdf.set_lang("en")
        pdf.set_title(f"{doc.title} - {doc.subtitle}")
        pdf.set_creator("Partnership feedback")
        pdf.set_author("Partnership feedback")
        self.pdf = pdf
        self.tags = Tags(pdf)
        self.bottom = pdf.h - MARGIN - 8  # room for the footer
        self.per_point = 0.001 / pdf.k  # mm per point of font size per glyph unit
        self.rgb: tuple[int, int, int] = (0, 0, 0)
        self.footer_text = self.lines(doc.footer, pdf.epw - 30, 7)[0]

    # --- measuring and breaking lines -------------------------------------------------
    def _width(self, word: str, bold: bool, size: float) -> float:
        """The width of ``word`` in mm, from the font's glyph widths (as fpdf2 measures,
        without its per-call overhead). Stroked bold keeps every advance."""
        widths = self.widths[bold]
        if self.unicode:
            return sum(widths[ord(c)] for c in word) * size * self.per_point
        return sum(widths.get(c, 556) for c in word) * size * self.per_point

    def ink(self, rgb: tuple[int, int, int]) -> None:
        self.rgb = rgb
        self.pdf.set_text_color(*rgb)

    def lines(self, value: str, width: float, size: float, bold: bool = False) -> list[str]:
        """``value`` broken into lines of at most ``width`` mm (long words are cut)."""
        out: list[str] = []
        space = self._width(" ", bold, size)
        for paragraph in plain(value).split("\n"):
            line, used = "", 0.0
            for word in paragraph.split():
                w = self._width(word, bold, size)
                while w > width and len(word) > 1:  # a word wider than the column
                    cut = max(1, int(len(word) * width / w) - 1)
                    if line:
                        out.append(line)
                        line, used = "", 0.0
                    out.append(word[:cut])
                    word = word[cut:]
                    w = self._width(word, bold, size)
                if line and used + space + w > width:
                    out.append(line)
                    line, used = word, w
                else:
                    line, used = (f"{line} {word}", used + space + w) if line else (word, w)
            out.append(line)
        return out

    def write(
        self,
        x: float,
        top: float,
        line: str,
        size: float,
        bold: bool = False,
        width: float | None = None,
        align: str = "L",
    ) -> None:
        """One line of text whose line box starts at ``top`` (mm)."""
        pdf = self.pdf
        if not line:
            return
        line = line.translate(PDF_TEXT)
        style = "B" if bold and not self.unicode else ""
        if pdf.font_size_pt != size or pdf.font_style != style:
            pdf.set_font(self.family, style, size)
        if align == "R" and width is not None:
            x += width - self._width(line, bold, size)
        if bold and self.unicode:
            # A graphics state of its own: the text mode and stroke end with it.
            with pdf.local_context(
                text_mode=self.fill_stroke, line_width=size * 0.022, draw_color=self.rgb
            ):
                pdf.text(x, top + size * PT * 0.95, line)
        else:
            pdf.text(x, top + size * PT * 0.95, line)

    # --- page handling --------------------------------------------------------------
    def room(self, height: float) -> bool:
        return self.pdf.get_y() + height <= self.bottom

    def ensure(self, height: float) -> None:
        if not self.room(height):
            self.pdf.add_page()

    def footer(self) -> None:
        """The footer of every page but the cover, marked as an artifact. fpdf2 calls it
        as each page ends; the page count is filled in when the file is written."""
        pdf = self.pdf
        if pdf.page < 2:
            return
        with self.tags.artifact():
            top = pdf.h - MARGIN + 1
            self.ink(GREY)
            self.write(MARGIN, top, self.footer_text, 7)
            pdf.set_xy(MARGIN + pdf.epw - 28, top)
            pdf.set_font(self.family, "", 7)
            pdf.cell(28, 4, f"Page {pdf.page_no()} of {{nb}}", align="R")
            self.ink((0, 0, 0))

    # --- blocks -------------------------------------------------------------------
    def text(
        self,
        value: str,
        size: float = 9.5,
        bold: bool = False,
        colour: tuple[int, int, int] = (0, 0, 0),
        indent: float = 0.0,
        kind: str = "P",
        parent: StructElem | None = None,
        after: float = 1.2,
    ) -> None:
        pdf = self.pdf
        height = size * PT * LINE
        width = pdf.epw - indent
        lines = self.lines(value, width, size, bold)
        element = None
        for k, line in enumerate(lines):
            if not self.room(height):
                pdf.add_page()
                element = None
            if element is None:
                element = self.tags.element(kind, parent if k == 0 else None)
            with self.tags.marked(element):
                self.ink(colour)
                self.write(MARGIN + indent, pdf.get_y(), line, size, bold)
                pdf.set_y(pdf.get_y() + height)
        self.ink((0, 0, 0))
        pdf.ln(after)

    def heading(self, block: Heading) -> None:
        size = {2: 15.0, 3: 11.0}.get(block.level, 10.0)
        self.ensure(size * PT * LINE * 2 + 18)  # keep a heading with what follows
        if block.level == 3:
            self.pdf.ln(1.5)
        self.pdf.start_section(plain(block.text)[:120], level=block.level - 1, strict=False)
        self.text(
            block.text,
            size,
            bold=True,
            colour=BLUE if block.level == 2 else (0, 0, 0),
            kind=f"H{block.level - 1}",
            after=1.0 if block.level == 3 else 2.0,
        )

    def paragraph(self, block: Paragraph) -> None:
        if block.style == "note":
            self.text(block.text, 8.5, colour=GREY)
        elif block.style == "lead":
            self.text(block.text, 10, bold=True)
        elif block.style == "alert":
            self.text(block.text, 10.5, bold=True, colour=(170, 60, 0))
        else:
            self.text(block.text, 9.5)

    def bullets(self, block: Bullets) -> None:
        pdf = self.pdf
        size = 9.0
        height = size * PT * LINE
        listing = None
        for number, (lead, body, detail) in enumerate(block.items, start=1):
            mark = f"{number}." if block.numbered else "•"
            words = (f"{lead}: " if lead else "") + body + (f" ({detail})" if detail else "")
            lines = self.lines(words, pdf.epw - 6, size)
            if listing is None or not self.room(height * min(len(lines), 2)):
                if not self.room(height * min(len(lines), 2)):
                    pdf.add_page()
                listing = self.tags.element("L")
            item = self.tags.element("LI", listing)
            body_element = self.tags.element("LBody", item)
            for k, line in enumerate(lines):
                if not self.room(height):
                    pdf.add_page()
                    listing = self.tags.element("L")
                    item = self.tags.element("LI", listing)
                    body_element = self.tags.element("LBody", item)
                with self.tags.marked(body_element):
                    top = pdf.get_y()
                    x = MARGIN + 6
                    if k == 0:
                        self.write(MARGIN, top, mark, size)
                        bold_part = lead + ":"
                        if lead and line.startswith(bold_part):
                            self.write(x, top, bold_part, size, bold=True)
                            x += self._width(bold_part, True, size) + self._width(" ", False, size)
                            line = line[len(bold_part) :].lstrip()
                    self.write(x, top, line, size)
                    pdf.set_y(top + height)
            pdf.ln(0.6)
        pdf.ln(1.0)

    def table(self, block: Table) -> None:
        pdf = self.pdf
        size = 7.6
        height = size * PT * LINE
        pad = 1.2
        total = sum(block.widths)
        widths = [pdf.epw * w / total for w in block.widths]

        def layout(cells: Sequence[TableCell], bold: bool) -> list[tuple[float, list[str]]]:
            out = []
            column = 0
            for c in cells:
                width = sum(widths[column : column + c.span])
                inner = width - 2 * pad - (INDENT if c.indent else 0)
                out.append((width, self.lines(c.text, inner, size, bold)))
                column += c.span
            return out

        header = layout([TableCell(h) for h in block.header], True)
        header_h = max(len(lines) for _w, lines in header) * height + 2 * pad
        # A row of one cell across the whole table heads the rows after it (the actions'
        # then and now): bold, shaded, and never the last row of a page.
        groups = [len(r) == 1 and r[0].span == len(block.header) for r in block.rows]
        rows = [layout(r, group) for r, group in zip(block.rows, groups, strict=True)]
        first_h = (max(len(lines) for _w, lines in rows[0]) * height + 2 * pad) if rows else 0
        caption_lines = self.lines(block.caption, pdf.epw, 8, True)
        self.ensure(len(caption_lines) * 8 * PT * LINE + header_h + first_h + 2)
        self.text(block.caption, 8, bold=True, kind="Caption", after=0.6)
        table = None

        def draw(
            cells: list[tuple[float, list[str]]],
            source: Sequence[TableCell],
            is_header: bool,
            row_h: float,
            group: bool = False,
        ) -> None:
            nonlocal table
            if table is None:
                table = self.tags.element("Table")
            row = self.tags.element("TR", table)
            x = MARGIN
            y = pdf.get_y()
            if is_header or group:
                pdf.set_fill_color(*((232, 238, 244) if is_header else (245, 247, 250)))
                pdf.rect(MARGIN, y, pdf.epw, row_h, style="F")
            pdf.set_draw_color(200, 200, 200)
            pdf.line(MARGIN, y + row_h, MARGIN + pdf.epw, y + row_h)
            for k, ((width, lines), c) in enumerate(zip(cells, source, strict=True)):
                header_cell = is_header or (k == 0 and block.row_headers)
                element = self.tags.element("TH" if header_cell else "TD", row)
                numeric = k >= block.numeric_from and c.span == 1
                indent = INDENT if c.indent else 0
                with self.tags.marked(element):
                    self.ink(HIDDEN if c.status else (0, 0, 0))
                    for n, line in enumerate(lines):
                        self.write(
                            x + pad + indent,
                            y + pad + n * height,
                            line,
                            size,
                            is_header or group,
                            width - 2 * pad - indent,
                            "R" if numeric else "L",
                        )
                x += width
            self.ink((0, 0, 0))
            pdf.set_xy(MARGIN, y + row_h)

        draw(header, [TableCell(h) for h in block.header], True, header_h)
        heights = [max(len(lines) for _w, lines in cells) * height + 2 * pad for cells in rows]
        for k, (cells, source) in enumerate(zip(rows, block.rows, strict=True)):
            row_h = heights[k]
            kept = heights[k + 1] if groups[k] and k + 1 < len(rows) else 0.0
            if not self.room(row_h + kept):
                pdf.add_page()
                table = None
                draw(header, [TableCell(h) for h in block.header], True, header_h)
            draw(cells, source, False, row_h, groups[k])
        pdf.ln(3)

    def figure(self, block: Figure) -> None:
        pdf = self.pdf
        chart = block.chart
        width = min(pdf.epw, chart_width_mm())
        height = chart.height * 25.4 * width / chart_width_mm()
        self.ensure(height + 2)
        element = self.tags.element("Figure", alt=chart.alt[:1000])
        with self.tags.marked(element):
            self.scene(chart.scene, MARGIN, pdf.get_y(), width)
        pdf.set_y(pdf.get_y() + height + 2)

    def scene(self, scene: Scene, left: float, top: float, width: float) -> None:
        """Draw a chart's scene (points from its top left) as PDF vectors."""
        pdf = self.pdf
        k = width / scene.width  # mm per point of the scene
        pdf.set_line_width(0.5 * k)
        for x, y, w, h, colour, _hatch, edge in scene.bars:
            pdf.set_fill_color(*_rgb(colour))
            pdf.set_draw_color(*_rgb(edge))
            pdf.rect(left + x * k, top + y * k, w * k, h * k, style="DF")
        for xs, ys, colour, line_width in scene.lines:
            pdf.set_draw_color(*_rgb(colour))
            pdf.set_line_width(line_width * k)
            points = [(left + x * k, top + y * k) for x, y in zip(xs, ys, strict=True)]
            for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
                pdf.line(x0, y0, x1, y1)
        pdf.set_line_width(0.5 * k)
        pdf.set_draw_color(0, 0, 0)
        for x, y, colour, marker in scene.markers:
            pdf.set_fill_color(*_rgb(colour))
            cx, cy, r = left + x * k, top + y * k, 3.2 * k
            if marker == "s":
                pdf.rect(cx - r * 0.85, cy - r * 0.85, r * 1.7, r * 1.7, style="DF")
            elif marker == "D":
                pdf.polygon([(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)], style="DF")
            elif marker == "^":
                pdf.polygon(
                    [(cx, cy - r), (cx + r, cy + r * 0.8), (cx - r, cy + r * 0.8)], style="DF"
                )
            else:
                pdf.circle(cx, cy, r, style="DF")
        for label in scene.labels:
            self.ink(_rgb(label.colour))
            size = label.size * k * pdf.k  # points
            x = left + label.x * k
            if label.anchor != "start":
                w = self._width(label.text, label.bold, size)
                x -= w / 2 if label.anchor == "middle" else w
            self.write(
                x, top + baseline(label) * k - size * PT * 0.95, label.text, size, label.bold
            )
        self.ink((0, 0, 0))
        pdf.set_draw_color(0, 0, 0)

    # --- the document ---------------------------------------------------------------
    def cover(self) -> None:
        pdf, doc = self.pdf, self.doc
        pdf.add_page()
        pdf.set_y(60)
        self.text(doc.title, 24, bold=True, colour=BLUE, kind="H1", after=4)
        self.text(doc.subtitle, 15, bold=True, after=6)
        for line in doc.meta:
            self.text(line, 11, after=1.5)
        if doc.banner:
            pdf.ln(4)
            self.text(doc.banner, 12, bold=True, colour=(170, 60, 0))
        pdf.ln(6)
        self.text(doc.rule, 9, colour=GREY)

    def contents(self, pdf: FPDF, outline: Sequence[t.Any]) -> None:
        self.text("Contents", 15, bold=True, colour=BLUE, kind="H1", after=4)
        listing = self.tags.element("TOC")
        for entry in outline:
            if entry.level != 1:
                continue
            item = self.tags.element("TOCI", listing)
            with self.tags.marked(item):
                top = pdf.get_y()
                label = self.lines(entry.name, pdf.epw - 20, 10)[0]
                self.write(MARGIN, top + 1, label, 10)
                self.write(
                    MARGIN + pdf.epw - 20, top + 1, str(entry.page_number), 10, width=20, align="R"
                )
                pdf.link(MARGIN, top, pdf.epw, 6.2, pdf.add_link(page=entry.page_number))
                pdf.set_y(top + 6.2)

    def build(self) -> bytes:
        self.cover()
        self.pdf.add_page()
        self.pdf.insert_toc_placeholder(self.contents, pages=1)
        for section in self.doc.sections:
            self.section(section)
        return bytes(self.pdf.output())

    def opening(self, section: Section) -> float:
        """The room a flowing section needs to begin on the current page: half a page,
        or its heading with the first chart when that is more, so a heading never
        stands alone at the foot of a page."""
        need = (self.bottom - MARGIN) / 2
        for block in section.blocks[:3]:
            if isinstance(block, Figure):
                return max(need, 34 + block.chart.height * 25.4)
        return need

    def section(self, section: Section) -> None:
        if section.new_page and self.pdf.get_y() > MARGIN + 5:
            if section.flow and self.room(self.opening(section)):
                self.pdf.ln(6)
            else:
                self.pdf.add_page()
        elif not section.new_page:
            self.pdf.ln(4)
        self.heading(Heading(section.title, 2))
        for k, block in enumerate(section.blocks):
            following = section.blocks[k + 1] if k + 1 < len(section.blocks) else None
            if isinstance(block, Heading):
                if isinstance(following, Figure):  # keep a heading with its chart
                    self.ensure(14 + following.chart.height * 25.4)
                self.heading(block)
            elif isinstance(block, Paragraph):
                self.paragraph(block)
            elif isinstance(block, Bullets):
                self.bullets(block)
            elif isinstance(block, Table):
                self.table(block)
            elif isinstance(block, Figure):
                self.figure(block)


@functools.cache
def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


@functools.cache
def chart_width_mm() -> float:
    from reports.charts import WIDTH

    return WIDTH * 25.4


def packet(report: Report, paper: str | None = None) -> bytes:
    """The review packet as PDF bytes (letter paper unless the report says A4)."""
    return Packet(report, document.build(report), paper or report.paper).build()


__all__ = ["Packet", "packet"]
