"""HTML renderer: Jinja2 (the library, not Flask) with autoescaping on.

:func:`fragment` is the report body for a page of the web app to include; :func:`page`
wraps it in a complete document with the stylesheet inlined, for download. Charts are
inline SVG with presentation attributes only (see :func:`reports.charts.svg`), each with a
description and a data table beside it.
"""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from reports import charts, text
from reports.model import AUDIENCE_LABELS, Report

HERE = Path(__file__).resolve().parent
STYLESHEET_PATH = HERE / "static" / "report.css"


def stylesheet() -> str:
    """The report's CSS (classes under ``.report``), for the web app to serve as a file."""
    return STYLESHEET_PATH.read_text(encoding="utf-8")


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(count=text.count, percent=text.percent, points=text.points, score=text.score)
    env.globals["audience_label"] = lambda a: AUDIENCE_LABELS.get(a, a)
    return env


def _chart(result: tuple | None, dom_id: str) -> dict | None:
    if result is None:
        return None
    fig, alt = result
    return {"svg": Markup(charts.svg(fig, alt)), "alt": alt, "id": dom_id}


def chart_set(report: Report) -> dict[str, dict | None]:
    """Every chart of the report as inline SVG, keyed by where it goes."""
    found: dict[str, dict | None] = {
        "mirrored": _chart(charts.audience_comparison(report.mirrored), "chart-mirrored"),
        "elements": _chart(charts.elements(report.elements), "chart-elements"),
    }
    for s, section in enumerate(report.sections):
        for q, question in enumerate(section.questions):
            if question.kind == "scored":
                found[f"q-{s}-{q}"] = _chart(
                    charts.diverging(question, report.min_cell), f"chart-{s}-{q}"
                )
        scored = [i for i in section.items() if i.kind == "scored"]
        found[f"trend-{s}"] = _chart(charts.trend(scored), f"chart-trend-{s}")
    return found


def fragment(report: Report, with_charts: bool = True) -> Markup:
    """The report body (no ``<html>``), safe to place in a page as is."""
    template = environment().get_template("report.html")
    chart_map = chart_set(report) if with_charts else {}
    return Markup(template.render(report=report, charts=chart_map, m=report.min_cell))


def page(report: Report) -> str:
    """A standalone HTML document for download."""
    template = environment().get_template("page.html")
    return template.render(report=report, body=fragment(report), css=Markup(stylesheet()))


__all__ = ["STYLESHEET_PATH", "fragment", "page", "stylesheet"]
