from __future__ import annotations

import dataclasses
import typing as t

import sqlalchemy as sa
from flask import abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from app.definitions.survey import SurveyDefinition
from app.definitions.sync import definition_of, latest_version
from app.definitions.types import N_
from app.extensions import db
from app.i18n import use_language
from app.models import Link, Survey, Wave
from app.preview import bp, wave_of_token
from app.respond.presenter import answer_labels, condition_note

LANGUAGES = {"en": "English", "es": "Español"}

# The page's words are interface strings like every other (English message ids, the
# Spanish in the catalogue), worded for the page's language after ``use_language``.
AUDIENCES = {
    "student": N_("students"),
    "family": N_("families"),
    "staff": N_("staff"),
    "partner": N_("partners"),
}


def _words(wave: str, contact: str) -> dict[str, str]:
    return {
        "heading": gettext("Preview of the surveys for %(wave)s", wave=wave),
        "lead": gettext(
            "Before the partnership's review, the school asks students, families, staff "
            "and community partners what they think of the mental-health and well-being "
            "supports students get. These are the questions, exactly as they are asked."
        ),
        "anonymous": gettext(
            "Taking part is voluntary: anyone may skip any question or stop at any "
            "time, and nothing happens to a student who does not take part. The "
            "surveys are anonymous: they ask for no name, and reports show only "
            "groups of at least ten people."
        ),
        "contact": gettext(
            "Questions, or to say your child should not take a survey: %(contact)s.",
            contact=contact,
        )
        if contact
        else gettext(
            "Questions, or to say your child should not take a survey: contact the school office."
        ),
        "print": gettext("Print this page"),
        "none": gettext("No surveys are planned for this review yet."),
        "answers": gettext("Answers offered"),
        "language": gettext("Language"),
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


def _instrument(definition: SurveyDefinition, language: str) -> Instrument:
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


@bp.get("/<token>")
def wave_preview(token: str) -> ResponseReturnValue:
    wave_id = wave_of_token(current_app.config["SECRET_KEY"], token)
    wave = db.session.get(Wave, wave_id) if wave_id is not None else None
    if wave is None:
        abort(404)
    language = request.args.get("lang", "en")
    if language not in LANGUAGES:
        language = "en"
    use_language(language)
    instruments = []
    for survey in db.session.scalars(
        sa.select(Survey)
        .where(Survey.id.in_(sa.select(Link.survey_id).where(Link.wave_id == wave.id)))
        .order_by(Survey.slug)
    ):
        version = latest_version(db.session, survey.id)
        if version is not None:
            definition = definition_of(version)
            instruments.append(
                _instrument(
                    definition,
                    language if language in definition.languages else definition.languages[0],
                )
            )
    return render_template(
        "preview/wave.html",
        wave=wave,
        token=token,
        language=language,
        languages=LANGUAGES,
        words=_words(wave.name, current_app.config.get("PARENT_CONTACT") or ""),
        instruments=instruments,
    )
