"""A survey's read-only outline: every page's questions as asked (text, help, rows,
answers offered, when a question is shown), in one language. The parents' preview of a
wave lists each instrument with it, and the workspace's upload review shows it before
anything is published; the markup is the ``questions`` macro in
``templates/preview/_outline.html``."""

from __future__ import annotations

import dataclasses
import typing as t

from flask_babel import gettext

from app.definitions.survey import SurveyDefinition
from app.definitions.types import N_
from app.respond.presenter import answer_labels, condition_note

# Interface strings (English message ids, the Spanish in the catalogue), worded in the
# language the request speaks after ``use_language``.
AUDIENCES = {
    "student": N_("students"),
    "family": N_("families"),
    "staff": N_("staff"),
    "partner": N_("partners"),
}


@dataclasses.dataclass(frozen=True)
class QuestionText:
    text: str
    help: str
    rows: list[str]
    answers: list[str]
    note: str | None


@dataclasses.dataclass(frozen=True)
class Instrument:
    title: str
    description: str
    asked_of: str  # "Asked of: families. About 8 minutes."
    pages: list[tuple[str, list[QuestionText]]]


def outline(definition: SurveyDefinition, language: str) -> Instrument:
    """``definition`` as asked in ``language``, page by page; the interface's words
    (Yes, No, the condition notes, "Asked of") in the language the request speaks."""

    def say(text: t.Any) -> str:
        return definition.text(text, language)

    pages = []
    for page, questions in definition.pages:
        shown = []
        for question in questions:
            d = question.definition
            rows = [say(r.text) for r in getattr(d, "rows", None) or []]
            labels = [label for _code, label in answer_labels(definition, question, language)]
            shown.append(
                QuestionText(
                    say(d.text),
                    say(d.help) if d.help is not None else "",
                    rows,
                    labels if question.answerable else [],
                    condition_note(definition, d.show_if, language) if d.show_if else None,
                )
            )
        pages.append((say(page.title) if page.title else "", shown))
    header = definition.header
    audiences = ", ".join(gettext(AUDIENCES.get(a, a)) for a in header.audiences)
    asked_of = gettext("Asked of: %(audiences)s", audiences=audiences)
    if header.estimated_minutes:
        minutes = gettext("About %(n)s minutes.", n=header.estimated_minutes)
        asked_of = f"{asked_of} {minutes}"
    return Instrument(
        say(header.title),
        say(header.description) if header.description else "",
        asked_of,
        pages,
    )
