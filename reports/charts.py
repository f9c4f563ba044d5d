"""Charts: matplotlib's object API on an Agg canvas (never pyplot), imported lazily so
importing ``reports`` does not import matplotlib.

Each chart function takes suppressed report objects and returns a ``Figure`` and its alt
text; :func:`svg` and :func:`png` render it. Colours come from the Okabe-Ito palette
(blue-orange diverging for agreement), marks are labelled directly, and nothing is told
by colour alone (values are printed, audiences also differ by marker and hatch).
"""

from __future__ import annotations

import io
import re
import typing as t
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from reports.model import Cell, ElementScore, ItemSummary, MirroredItem, Question

if t.TYPE_CHECKING:
    from matplotlib.figure import Figure

# Okabe-Ito. Diverging: orange side = unfavourable, blue side = favourable.
ORANGE_DARK, ORANGE, NEUTRAL, BLUE, BLUE_DARK = (
    "#D55E00",
    "#E69F00",
    "#BBBBBB",
    "#56B4E9",
    "#0072B2",
)
EXCLUDED, HIDDEN = "#E8E8E8", "#FFFFFF"
AUDIENCE_STYLE = {
    "family": ("#E69F00", "o"),
    "student": ("#009E73", "s"),
    "staff": ("#0072B2", "D"),
    "partner": ("#CC79A7", "^"),
}
WAVE_MARKERS = ("o", "s", "D", "^")
MAX_LABEL = 110
SVG_NS = "http://www.w3.org/2000/svg"


def clean(text: str, limit: int = MAX_LABEL) -> str:
    """Chart-safe text: no control characters, no mathtext ($), bounded length."""
    text = re.sub(r"[\x00-\x1f\x7f]", " ", str(text)).replace("$", "＄")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _wrap(text: str, width: int = 40, lines: int = 3) -> str:
    import textwrap

    wrapped = textwrap.wrap(clean(text), width)
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1] + "…"
    return "\n".join(wrapped)


def _figure(width: float, height: float, left: float = 2.6, top: float = 0.45) -> Figure:
    """A figure with fixed margins (in inches): predictable and much faster to draw than
    a layout engine, which measures every label twice."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    fig.set_facecolor("white")
    fig.subplots_adjust(
        left=left / width, right=1 - 0.15 / width, top=1 - top / height, bottom=0.45 / height
    )
    return fig


def _pct(cell: Cell) -> float:
    return cell.value if cell.shown else 0.0


def likert_colours(n_scored: int, neutral_index: int | None) -> list[str]:
    """Orange for the options below neutral, grey for neutral, blue above."""
    if neutral_index is None:
        neutral_index_f = (n_scored - 1) / 2
    else:
        neutral_index_f = neutral_index
    colours = []
    for i in range(n_scored):
        if i == neutral_index_f:
            colours.append(NEUTRAL)
        elif i < neutral_index_f:
            colours.append(ORANGE_DARK if i < neutral_index_f - 1 else ORANGE)
        else:
            colours.append(BLUE_DARK if i > neutral_index_f + 1 else BLUE)
    return colours


def diverging(question: Question, min_n: int) -> tuple[Figure, str] | None:
    """Diverging stacked bars for a scored question (one bar per statement), centred on
    the neutral option, with n printed on every bar."""
    items = [i for i in question.items if i.kind == "scored"]
    if not items or not any(i.n.shown and i.n.value for i in items):
        return None
    fig = _figure(8.0, 0.75 + 0.62 * len(items))
    ax = fig.add_subplot()
    first = items[0]
    scored = first.scored_options
    neutral_index = next((k for k, o in enumerate(scored) if o.neutral), None)
    colours = likert_colours(len(scored), neutral_index)
    centre = neutral_index if neutral_index is not None else len(scored) / 2 - 0.5
    labels = []
    lefts: list[list[float]] = [[] for _ in scored]
    widths: list[list[float]] = [[] for _ in scored]
    rows: list[list[int]] = [[] for _ in scored]
    rest_rows: list[tuple[int, float, float, bool]] = []
    for row, item in enumerate(items):
        label = _wrap(item.label, lines=2 if item.reverse else 3)
        labels.append(label + "\n(reverse-worded)" if item.reverse else label)
        if not (item.n.shown and item.n.value):
            text = f"fewer than {min_n} responses" if item.n.suppressed else "no responses"
            ax.text(0, row, text, va="center", ha="center", fontsize=8, color="#333333")
            continue
        options = item.scored_options
        left_total = sum(_pct(o.percent) for k, o in enumerate(options) if k < centre)
        if neutral_index is not None:
            left_total += _pct(options[neutral_index].percent) / 2
        x = -left_total
        for k, option in enumerate(options):
            width = _pct(option.percent)
            if width:
                lefts[k].append(x)
                widths[k].append(width)
                rows[k].append(row)
                if width >= 7:
                    dark = colours[k] in (ORANGE_DARK, BLUE_DARK)
                    ax.text(
                        x + width / 2,
                        row,
                        f"{width:.0f}",
                        ha="center",
                        va="center",
                        fontsize=7.5,
                        color="white" if dark else "black",
                    )
            x += width
        rest = 100 - sum(_pct(o.percent) for o in options)
        if rest > 0.5:
            # "Don't know" and any hidden options, together: derivable from shown figures.
            hidden = any(o.count.suppressed for o in item.options)
            rest_rows.append((row, x + 2, rest, hidden))
            x += rest + 2
        ax.text(x + 1.5, row, f"n = {int(item.n.value)}", va="center", fontsize=7.5)
    for k, option in enumerate(scored):
        ax.barh(
            rows[k],
            widths[k],
            left=lefts[k],
            color=colours[k],
            edgecolor="white",
            height=0.7,
            label=clean(option.label, 24),
        )
    for k, (row, left, width, hidden) in enumerate(rest_rows):
        ax.barh(
            row,
            width,
            left=left,
            color=EXCLUDED,
            edgecolor="#777777",
            height=0.7,
            hatch="//" if hidden else None,
            label="Don't know / not shown" if k == 0 else None,
        )
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_yticks(range(len(items)), labels, fontsize=7.5)
    ax.invert_yaxis()
    ax.set_xlim(-100, 125)
    ax.set_xticks([-100, -50, 0, 50, 100], ["100%", "50%", "0", "50%", "100%"], fontsize=7)
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.legend(
        loc="lower center",
        bbox_to_anchor=(0.45, 1.0),
        ncol=len(scored) + 1,
        fontsize=7,
        frameon=False,
        handlelength=1.2,
        columnspacing=0.8,
    )
    alt = f"Diverging bar chart: {clean(question.text, 120)}. " + " ".join(
        _item_alt(i, min_n) for i in items
    )
    return fig, alt


def _item_alt(item: ItemSummary, min_n: int) -> str:
    if item.n.suppressed:
        return f"{clean(item.label)}: fewer than {min_n} responses."
    if not item.n.value:
        return f"{clean(item.label)}: no responses."
    fav = (
        f"{item.percent_favourable.value:.0f}% favourable"
        if item.percent_favourable.shown
        else "percent favourable not shown"
    )
    return f"{clean(item.label)}: {fav}, n = {int(item.n.value)}."


def audience_comparison(
    mirrored: Sequence[MirroredItem], limit: int = 8
) -> tuple[Figure, str] | None:
    """Percent favourable per audience on mirrored items (largest gaps first)."""
    rows = [m for m in mirrored if any(v.percent_favourable.shown for v in m.values)][:limit]
    if not rows:
        return None
    fig = _figure(8.0, 0.9 + 0.6 * len(rows))
    ax = fig.add_subplot()
    seen: set[str] = set()
    for row, item in enumerate(rows):
        shown = [v for v in item.values if v.percent_favourable.shown]
        xs = [v.percent_favourable.value for v in shown]
        ax.plot([min(xs), max(xs)], [row, row], color="#999999", linewidth=1.5, zorder=1)
        for v in shown:
            colour, marker = AUDIENCE_STYLE.get(v.audience, ("#000000", "o"))
            label = clean(v.group, 40)
            ax.scatter(
                v.percent_favourable.value,
                row,
                color=colour,
                marker=marker,
                s=55,
                zorder=2,
                edgecolor="black",
                linewidth=0.5,
                label=label if label not in seen else None,
            )
            seen.add(label)
            ax.annotate(
                f"{v.percent_favourable.value:.0f}",
                (v.percent_favourable.value, row),
                xytext=(0, 7),
                textcoords="offset points",
                ha="center",
                fontsize=7,
            )
    ax.set_yticks(range(len(rows)), [_wrap(m.label) for m in rows], fontsize=7.5)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("Percent favourable", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, fontsize=7, frameon=False)
    parts = []
    for m in rows:
        values = ", ".join(
            f"{clean(v.group, 40)} {v.percent_favourable.value:.0f}%"
            for v in m.values
            if v.percent_favourable.shown
        )
        parts.append(f"{clean(m.label)}: {values}.")
    return fig, "Percent favourable by audience on items asked of several audiences. " + " ".join(
        parts
    )


def trend(items: Sequence[ItemSummary], limit: int = 10) -> tuple[Figure, str] | None:
    """Percent favourable per wave (oldest to newest) for the statements that changed most."""
    rows = [i for i in items if sum(1 for _, c in i.trend if c.shown) >= 2]
    if not rows:
        return None
    rows.sort(key=lambda i: -abs(i.change.value) if i.change.shown else 0)
    rows = rows[:limit]
    waves = [name for name, _ in rows[0].trend]
    fig = _figure(8.0, 1.0 + 0.5 * len(rows))
    ax = fig.add_subplot()
    for row, item in enumerate(rows):
        points = [(k, c.value) for k, (_, c) in enumerate(item.trend) if c.shown]
        xs = [v for _, v in points]
        ax.plot(xs, [row] * len(xs), color="#999999", linewidth=1.2, zorder=1)
        for k, value in points:
            last = k == len(item.trend) - 1
            ax.scatter(
                value,
                row,
                marker=WAVE_MARKERS[k % 4],
                s=45,
                zorder=2,
                color=BLUE_DARK if last else "white",
                edgecolor=BLUE_DARK,
                label=clean(waves[k], 30),
            )
        value = points[-1][1]
        ax.annotate(
            f"{value:.0f}",
            (value, row),
            xytext=(0, 7),
            textcoords="offset points",
            ha="center",
            fontsize=7,
        )
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=False))
    ax.legend(
        unique.values(),
        unique.keys(),
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=4,
        fontsize=7,
        frameon=False,
    )
    ax.set_yticks(range(len(rows)), [_wrap(i.label) for i in rows], fontsize=7.5)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("Percent favourable", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    parts = []
    for i in rows:
        values = ", ".join(f"{clean(w, 30)} {c.value:.0f}%" for w, c in i.trend if c.shown)
        parts.append(f"{clean(i.label)}: {values}.")
    return fig, "Percent favourable across review waves. " + " ".join(parts)


def elements(scores: Sequence[ElementScore]) -> tuple[Figure, str] | None:
    """Percent "good progress or better" per element: school team beside partners."""
    rows = [e for e in scores if e.school.percent_good.shown or e.partners.percent_good.shown]
    if not rows:
        return None
    fig = _figure(8.0, 1.0 + 0.55 * len(rows))
    ax = fig.add_subplot()
    height = 0.36
    for row, element in enumerate(rows):
        for offset, side, name, colour, hatch in (
            (-height / 2, element.school, "School team", BLUE_DARK, None),
            (height / 2, element.partners, "Partners", ORANGE, "//"),
        ):
            y = row + offset
            if side.percent_good.shown:
                value = side.percent_good.value
                ax.barh(
                    y,
                    value,
                    height=height,
                    color=colour,
                    hatch=hatch,
                    edgecolor="black",
                    linewidth=0.4,
                    label=name if row == 0 else None,
                )
                ax.text(
                    value + 1, y, f"{value:.0f}% (n = {int(side.n.value)})", va="center", fontsize=7
                )
            else:
                text = "fewer than min. n" if side.percent_good.suppressed else "no data"
                ax.text(1, y, f"{name}: {text}", va="center", fontsize=7, color="#333333")
    ax.set_yticks(range(len(rows)), [_wrap(e.title, 38) for e in rows], fontsize=7.5)
    ax.invert_yaxis()
    ax.set_xlim(0, 115)
    ax.set_xlabel('Percent "good progress" or better', fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=7, frameon=False)
    parts = []
    for e in rows:
        school = (
            f"{e.school.percent_good.value:.0f}%" if e.school.percent_good.shown else "not shown"
        )
        partners = (
            f"{e.partners.percent_good.value:.0f}%"
            if e.partners.percent_good.shown
            else "not shown"
        )
        parts.append(f"{clean(e.title)}: school team {school}, partners {partners}.")
    return fig, "Nine Elements, percent good progress or better. " + " ".join(parts)


def png(fig: Figure, dpi: int = 110) -> bytes:
    """PNG bytes (for the PDF packet)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()


def svg(fig: Figure, title: str) -> str:
    """Inline SVG for HTML pages that enforce a strict Content-Security-Policy: text stays
    text (escaped by the XML serialiser), every ``style`` attribute becomes presentation
    attributes and the ``<style>`` element is dropped, so no inline CSS is needed."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    FigureCanvasSVG(fig)
    out = io.StringIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "report"}):
        fig.savefig(out, format="svg")
    return _presentational(out.getvalue(), title)


def _presentational(source: str, title: str) -> str:
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = ET.fromstring(source)
    parents = {child: parent for parent in root.iter() for child in parent}
    for element in list(root.iter()):
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in ("style", "metadata", "script", "foreignObject"):
            parents[element].remove(element)
            continue
        for name in list(element.attrib):
            if name.startswith("on"):
                del element.attrib[name]
        style = element.attrib.pop("style", None)
        if style:
            for declaration in style.split(";"):
                if ":" not in declaration:
                    continue
                prop, value = (p.strip() for p in declaration.split(":", 1))
                if prop == "font":
                    size, _, family = value.partition(" ")
                    element.set("font-size", size)
                    element.set("font-family", family.strip("'\" ") or "DejaVu Sans")
                elif re.fullmatch(r"[a-z-]+", prop):
                    element.set(prop, value)
    for name in ("width", "height"):
        root.attrib.pop(name, None)
    root.set("role", "img")
    root.set("class", "report-chart")
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    title_el = ET.Element(f"{{{SVG_NS}}}title")
    title_el.text = title
    root.insert(0, title_el)
    return ET.tostring(root, encoding="unicode")


__all__ = ["audience_comparison", "clean", "diverging", "elements", "png", "svg", "trend"]
