"""HTML renderer: Jinja2 (the library, not Flask) with autoescaping on, laying out the
blocks of :mod:`reports.document`.

:func:`fragment` is the report body (or some of its sections) for a page of the web app;
:func:`page` wraps the whole report in a complete document with the stylesheet inlined,
for download. Charts are inline SVG with presentation attributes only (see
:func:`reports.charts.to_svg`), each with a description and a data table beside it, so
the markup works under ``style-src 'self'; script-src 'self'``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from reports import document
from reports.model import Report

HERE = Path(__file__).resolve().parent
STYLESHEET_PATH = HERE / "static" / "report.css"


def stylesheet() -> str:
    """The report's CSS (classes under ``.report``), for the web app to serve as a file."""
    return STYLESHEET_PATH.read_text(encoding="utf-8")


@functools.cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _anchor(section: document.Section) -> str:
    return f"#{section.anchor}"


def fragment(
    report: Report,
    sections: Sequence[str] | None = None,
    *,
    doc: document.Document | None = None,
    contents: bool = True,
    header: bool = True,
    link: Callable[[document.Section], str] = _anchor,
) -> Markup:
    """The report body (no ``<html>``), safe to place in a page as is. ``sections``
    names the sections to include by anchor (default: all); the contents list links
    every section through ``link``."""
    doc = doc or document.build(report)
    shown = [s for s in doc.sections if sections is None or s.anchor in sections]
    template = environment().get_template("report.html")
    return Markup(
        template.render(
            doc=doc, shown=shown, contents=contents, header=header, link=link, m=report.min_cell
        )
    )


def page(report: Report) -> str:
    """A standalone HTML document for download."""
    template = environment().get_template("page.html")
    return template.render(report=report, body=fragment(report), css=Markup(stylesheet()))


def page_bytes(report: Report) -> bytes:
    return page(report).encode("utf-8")


__all__ = ["STYLESHEET_PATH", "fragment", "page", "page_bytes", "stylesheet"]
