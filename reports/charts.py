"""Charts: vector graphics laid out once per report and shared by the HTML page and the
PDF packet.

Each chart is a :class:`Scene` - its marks (bars, lines, markers) and labels, placed in
points from the top left - computed once from the already suppressed summary, so a
chart and the table beside it always agree. The page draws it as inline SVG written
straight from the scene, with the labels as plain ``<text>``; the PDF draws the same
scene as PDF vectors (``reports.pdf``). Charts were first drawn by matplotlib; once the
scene placed every mark itself, matplotlib's renderer only drew rectangles, and
importing it (0.4-1 s) cost more than building the whole CSV packet.

Colours come from the Okabe-Ito palette (blue-orange diverging, blue on the favourable
side); marks are labelled directly and nothing is told by colour alone (values are
printed; audiences also differ by marker, sides by hatching).
"""

from __future__ import annotations

import dataclasses
import re
import textwrap
import typing as t
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from reports.model import ElementScore, ItemSummary, MirroredItem

ORANGE_DARK, ORANGE, NEUTRAL, BLUE, BLUE_DARK = (
    "#D55E00",
    "#E69F00",
    "#BBBBBB",
    "#56B4E9",
    "#0072B2",
)
AUDIENCE_STYLE = {
    "family": ("#E69F00", "o"),
    "student": ("#009E73", "s"),
    "staff": ("#0072B2", "D"),
    "partner": ("#CC79A7", "^"),
}
SVG_NS = "http://www.w3.org/2000/svg"
WIDTH = 7.2  # inches: the text width of a letter or A4 page with its margins
PT = 72.0
FONT = "DejaVu Sans"
SIZE = 7.5  # points
LABEL_W = 190.0  # points kept for row labels on the left
ROW = 20.0  # points per bar row
REVERSED_LEGEND = (
    "Least favourable",
    "Less favourable",
    "Neutral",
    "More favourable",
    "Most favourable",
)


def clean(text: str, limit: int = 120) -> str:
    """Chart-safe text: no control characters, bounded length."""
    text = " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", str(text)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def wrap(text: str, width: int = 44, lines: int = 2) -> list[str]:
    wrapped = textwrap.wrap(clean(text), width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return wrapped


@dataclasses.dataclass
class Label:
    x: float
    y: float  # the line's vertical centre, points from the top
    text: str
    size: float = SIZE
    anchor: str = "start"  # start, middle, end
    colour: str = "#000000"
    bold: bool = False


@dataclasses.dataclass
class Scene:
    """What one chart draws, in points from the top left."""

    width: float
    height: float
    bars: list[tuple[float, float, float, float, str, str | None, str]] = dataclasses.field(
        default_factory=list
    )  # (x, y, w, h, colour, hatch, edge)
    lines: list[tuple[list[float], list[float], str, float]] = dataclasses.field(
        default_factory=list
    )  # (xs, ys, colour, width)
    markers: list[tuple[float, float, str, str]] = dataclasses.field(
        default_factory=list
    )  # (x, y, colour, marker)
    labels: list[Label] = dataclasses.field(default_factory=list)

    def text(self, x: float, y: float, value: str, **style: t.Any) -> None:
        self.labels.append(Label(x, y, value, **style))

    def block(self, x: float, y: float, lines: Sequence[str], size: float = SIZE) -> None:
        """Lines of text centred on y."""
        step = size * 1.2
        top = y - step * (len(lines) - 1) / 2
        for k, line in enumerate(lines):
            self.text(x, top + k * step, line, size=size)


@dataclasses.dataclass
class Chart:
    """A chart ready to draw; :meth:`svg` renders it once and keeps the result."""

    kind: str
    alt: str
    scene: Scene
    _svg: str | None = None

    @property
    def height(self) -> float:
        """Inches, at :data:`WIDTH` wide."""
        return self.scene.height / PT

    def svg(self) -> str:
        if self._svg is None:
            self._svg = to_svg(self.scene, self.alt)
        return self._svg


def likert_colours(n_scored: int, neutral_index: int | None) -> list[str]:
    """Orange for the options below neutral, grey for neutral, blue above."""
    middle = (n_scored - 1) / 2 if neutral_index is None else neutral_index
    colours = []
    for i in range(n_scored):
        if i == middle:
            colours.append(NEUTRAL)
        elif i < middle:
            colours.append(ORANGE_DARK if i < middle - 1 else ORANGE)
        else:
            colours.append(BLUE_DARK if i > middle + 1 else BLUE)
    return colours


def _legend(
    scene: Scene, entries: Sequence[tuple[str, str, str | None]], y: float, x0: float, x1: float
) -> None:
    step = (x1 - x0) / max(1, len(entries))
    for k, (label, colour, hatch) in enumerate(entries):
        x = x0 + k * step
        scene.bars.append((x, y - 4.5, 9, 9, colour, hatch, "#555555"))
        scene.text(x + 12, y, clean(label, 24), size=SIZE - 0.5)


def diverging(items: Sequence[ItemSummary], title: str) -> Chart | None:
    """Diverging stacked bars for one scale block (one bar per statement), centred on
    the neutral option, favourable to the right, with n printed on every bar. Items
    must be all reverse-worded or none: reverse-worded rows are drawn in their
    favourable direction, and their legend names favourability, not the options."""
    rows = [i for i in items if i.kind == "scored"]
    if not rows or not any(i.n.shown for i in rows):
        return None
    reverse = rows[0].reverse
    scored = next(i for i in rows if i.n.shown).scored_options
    if reverse:
        scored = scored[::-1]
    legend = (
        _favourability_labels(len(scored), any(o.neutral for o in scored))
        if reverse
        else [o.label for o in scored]
    )
    neutral_index = next((k for k, o in enumerate(scored) if o.neutral), None)
    colours = likert_colours(len(scored), neutral_index)
    centre = neutral_index if neutral_index is not None else len(scored) / 2 - 0.5
    width = WIDTH * PT
    top = 30.0
    scene = Scene(width, top + ROW * len(rows) + 4)
    # Label | bars | n | percent favourable | change
    columns = {"n": width - 104, "fav": width - 58, "change": width - 4}
    plot_left, plot_right = LABEL_W + 6, width - 124
    zero = (plot_left + plot_right) / 2
    unit = (plot_right - plot_left) / 200  # points per percentage point
    for key, title_text in (("n", "n"), ("fav", "% fav."), ("change", "change")):
        scene.text(columns[key], top - 8, title_text, anchor="end", size=SIZE - 0.5, bold=True)
    for row, item in enumerate(rows):
        y = top + ROW * row + ROW / 2
        scene.block(2, y, wrap(item.label))
        if not item.n.shown:
            scene.text(
                zero,
                y,
                "not shown: see the table",
                anchor="middle",
                size=SIZE - 0.5,
                colour="#333333",
            )
            continue
        options = {o.code: o for o in item.scored_options}
        widths = [options[o.code].percent.value or 0.0 for o in scored]
        total = sum(widths) or 1.0
        widths = [100 * w / total for w in widths]  # of the scored answers
        start = -sum(w for k, w in enumerate(widths) if k < centre)
        if neutral_index is not None:
            start -= widths[neutral_index] / 2
        x = start
        for k, share in enumerate(widths):
            if share:
                scene.bars.append(
                    (zero + x * unit, y - 7, share * unit, 14, colours[k], None, "#FFFFFF")
                )
                if share >= 9:
                    dark = colours[k] in (ORANGE_DARK, BLUE_DARK)
                    scene.text(
                        zero + (x + share / 2) * unit,
                        y,
                        f"{share:.0f}",
                        anchor="middle",
                        size=SIZE - 0.5,
                        colour="#FFFFFF" if dark else "#000000",
                    )
            x += share
        scene.text(columns["n"], y, f"{item.n.number():.0f}", anchor="end", size=SIZE - 0.5)
        fav = item.percent_favourable
        scene.text(
            columns["fav"],
            y,
            f"{fav.number():.0f}%" if fav.shown else "–",
            anchor="end",
            size=SIZE - 0.5,
            bold=True,
        )
        change = item.change
        scene.text(
            columns["change"],
            y,
            _signed(change.number()) if change.shown else "–",
            anchor="end",
            size=SIZE - 0.5,
        )
    scene.lines.append(([zero, zero], [top - 2, scene.height - 2], "#333333", 0.8))
    _legend(scene, [(label, colours[k], None) for k, label in enumerate(legend)], 9, 2, width - 20)
    alt = f"Diverging bar chart: {clean(title)}. " + " ".join(_item_alt(i) for i in rows)
    return Chart("diverging", alt, scene)


def _signed(value: float) -> str:
    rounded = round(value)
    return "0" if rounded == 0 else f"{rounded:+d}".replace("-", "\u2212")


def _favourability_labels(n: int, neutral: bool) -> list[str]:
    if n == 5 and neutral:
        return list(REVERSED_LEGEND)
    if n == 4:
        return [REVERSED_LEGEND[0], REVERSED_LEGEND[1], REVERSED_LEGEND[3], REVERSED_LEGEND[4]]
    return [f"Favourability {k + 1} of {n}" for k in range(n)]


def _item_alt(item: ItemSummary) -> str:
    if not item.n.shown:
        return f"{clean(item.label)}: not shown."
    fav = (
        f"{item.percent_favourable.number():.0f}% favourable"
        if item.percent_favourable.shown
        else "percent favourable not shown"
    )
    change = (
        f", {_signed(item.change.number())} points since the last review"
        if item.change.shown
        else ""
    )
    return f"{clean(item.label)}: {fav}, n = {item.n.number():.0f}{change}."


def audience_comparison(mirrored: Sequence[MirroredItem], limit: int = 8) -> Chart | None:
    """Percent favourable per group on items asked of several audiences (largest gaps
    first): a dot per group, joined by a line showing the gap."""
    rows = [m for m in mirrored if sum(v.percent_favourable.shown for v in m.values) >= 2][:limit]
    if not rows:
        return None
    width = WIDTH * PT
    top, step = 30.0, 30.0
    scene = Scene(width, top + step * len(rows) + 16)
    left, right = LABEL_W + 12, width - 12
    unit = (right - left) / 100
    bottom = top + step * len(rows)
    for value in (0, 25, 50, 75, 100):
        x = left + value * unit
        scene.lines.append(([x, x], [top - 6, bottom - 4], "#DDDDDD", 0.5))
        scene.text(x, bottom + 6, f"{value}%", anchor="middle", size=SIZE - 1)
    groups: dict[str, str] = {}
    for row, item in enumerate(rows):
        y = top + step * row + step / 2
        scene.block(2, y, wrap(item.label))
        shown = sorted(
            (v for v in item.values if v.percent_favourable.shown),
            key=lambda v: v.percent_favourable.number(),
        )
        xs = [left + v.percent_favourable.number() * unit for v in shown]
        scene.lines.append(([min(xs), max(xs)], [y, y], "#999999", 1.4))
        last = -99.0
        for v, x in zip(shown, xs, strict=True):
            colour, marker = AUDIENCE_STYLE.get(v.audience, ("#000000", "o"))
            scene.markers.append((x, y, colour, marker))
            below = x - last < 14  # labels of close values take turns above and below
            scene.text(
                x,
                y + (10 if below else -10),
                f"{v.percent_favourable.number():.0f}",
                anchor="middle",
                size=SIZE - 1,
            )
            last = -99.0 if below else x
            groups.setdefault(v.group, v.audience)
    entries = sorted(groups.items())
    for k, (name, audience) in enumerate(entries):
        colour, marker = AUDIENCE_STYLE.get(audience, ("#000000", "o"))
        x = 8 + k * (width - 16) / max(1, len(entries))
        scene.markers.append((x + 4, 10, colour, marker))
        scene.text(x + 12, 10, clean(name, 34), size=SIZE - 0.5)
    parts = []
    for m in rows:
        values = ", ".join(
            f"{clean(v.group, 40)} {v.percent_favourable.number():.0f}%"
            for v in m.values
            if v.percent_favourable.shown
        )
        parts.append(f"{clean(m.label)}: {values}.")
    alt = "Percent favourable by audience on statements asked of several audiences. " + " ".join(
        parts
    )
    return Chart("gaps", alt, scene)


def elements(scores: Sequence[ElementScore]) -> Chart | None:
    """Percent "good progress or better" per element: school team beside partners."""
    rows = [e for e in scores if e.school.percent_good.shown or e.partners.percent_good.shown]
    if not rows:
        return None
    width = WIDTH * PT
    top, step, bar = 22.0, 19.0, 8.0
    scene = Scene(width, top + step * len(rows) + 4)
    left, right = LABEL_W + 12, width - 110
    unit = (right - left) / 100
    series = (
        ("School team", BLUE_DARK, None, -bar / 2 - 0.5, "school"),
        ("Partners", ORANGE, None, bar / 2 + 0.5, "partners"),
    )
    for row, element in enumerate(rows):
        y = top + step * row + step / 2
        scene.block(2, y, wrap(element.title, 40))
        for name, colour, hatch, offset, attr in series:
            side = getattr(element, attr)
            if side.percent_good.shown:
                value = side.percent_good.number()
                scene.bars.append(
                    (left, y + offset - bar / 2, value * unit, bar, colour, hatch, "#000000")
                )
                scene.text(
                    left + value * unit + 3,
                    y + offset,
                    f"{name} {value:.0f}% (n = {side.n.number():.0f})",
                    size=SIZE - 1,
                )
            else:
                scene.text(
                    left + 3, y + offset, f"{name}: not shown", size=SIZE - 1, colour="#333333"
                )
    scene.lines.append(([left, left], [top - 2, scene.height - 2], "#333333", 0.8))
    _legend(
        scene,
        [(name, colour, hatch) for name, colour, hatch, _o, _a in series],
        9,
        left,
        left + 220,
    )
    parts = []
    for e in rows:
        school = (
            f"{e.school.percent_good.number():.0f}%" if e.school.percent_good.shown else "not shown"
        )
        partners = (
            f"{e.partners.percent_good.number():.0f}%"
            if e.partners.percent_good.shown
            else "not shown"
        )
        parts.append(f"{clean(e.title)}: school team {school}, partners {partners}.")
    return Chart(
        "elements", "Nine Elements, percent good progress or better. " + " ".join(parts), scene
    )


def to_svg(scene: Scene, title: str) -> str:
    """The chart as SVG for pages with a strict Content-Security-Policy: the scene's
    marks as ``<rect>``, ``<polyline>`` and marker shapes with presentation attributes
    (no inline CSS, no ids that could clash between charts on one page), the labels as
    escaped ``<text>``, and a ``<title>`` for screen readers. Written directly from the
    scene: matplotlib's renderer only drew these same rectangles, and importing it cost
    more than the whole CSV packet."""
    ET.register_namespace("", SVG_NS)
    root = ET.Element(
        f"{{{SVG_NS}}}svg",
        {
            "width": f"{scene.width:.1f}pt",
            "height": f"{scene.height:.1f}pt",
            "viewBox": f"0 0 {scene.width:.1f} {scene.height:.1f}",
            "role": "img",
            "class": "report-chart",
        },
    )
    ET.SubElement(root, f"{{{SVG_NS}}}title").text = title
    marks = ET.SubElement(root, f"{{{SVG_NS}}}g", {"stroke-width": "0.5"})
    for x, y, w, h, colour, _hatch, edge in scene.bars:
        ET.SubElement(
            marks,
            f"{{{SVG_NS}}}rect",
            {
                "x": f"{x:.2f}",
                "y": f"{y:.2f}",
                "width": f"{w:.2f}",
                "height": f"{h:.2f}",
                "fill": colour,
                "stroke": edge,
            },
        )
    for xs, ys, colour, width in scene.lines:
        points = " ".join(f"{x:.2f},{y:.2f}" for x, y in zip(xs, ys, strict=True))
        ET.SubElement(
            marks,
            f"{{{SVG_NS}}}polyline",
            {"points": points, "fill": "none", "stroke": colour, "stroke-width": f"{width:g}"},
        )
    for x, y, colour, marker in scene.markers:
        marks.append(_marker(x, y, colour, marker))
    labels = ET.SubElement(root, f"{{{SVG_NS}}}g", {"font-family": FONT})
    for label in scene.labels:
        attributes = {
            "x": f"{label.x:.1f}",
            "y": f"{baseline(label):.1f}",
            "font-size": f"{label.size:g}",
            "fill": label.colour,
        }
        if label.anchor != "start":
            attributes["text-anchor"] = label.anchor
        if label.bold:
            attributes["font-weight"] = "bold"
        ET.SubElement(labels, f"{{{SVG_NS}}}text", attributes).text = label.text
    return ET.tostring(root, encoding="unicode")


MARKER_RADIUS = 3.2  # points, as the PDF draws them


def _marker(x: float, y: float, colour: str, marker: str) -> ET.Element:
    """One audience marker: circle, square, diamond or triangle, black-edged."""
    r = MARKER_RADIUS
    style = {"fill": colour, "stroke": "#000000"}
    if marker == "s":
        side = r * 1.7
        return ET.Element(
            f"{{{SVG_NS}}}rect",
            {
                "x": f"{x - side / 2:.2f}",
                "y": f"{y - side / 2:.2f}",
                "width": f"{side:.2f}",
                "height": f"{side:.2f}",
                **style,
            },
        )
    if marker in ("D", "^"):
        corners = (
            [(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
            if marker == "D"
            else [(x, y - r), (x + r, y + r * 0.8), (x - r, y + r * 0.8)]
        )
        points = " ".join(f"{px:.2f},{py:.2f}" for px, py in corners)
        return ET.Element(f"{{{SVG_NS}}}polygon", {"points": points, **style})
    return ET.Element(
        f"{{{SVG_NS}}}circle", {"cx": f"{x:.2f}", "cy": f"{y:.2f}", "r": f"{r:g}", **style}
    )


def baseline(label: Label) -> float:
    """Where a label's baseline goes for its line to sit centred on ``label.y``."""
    return label.y + label.size * 0.36


__all__ = [
    "Chart",
    "Label",
    "Scene",
    "audience_comparison",
    "baseline",
    "clean",
    "diverging",
    "elements",
    "to_svg",
    "wrap",
]
