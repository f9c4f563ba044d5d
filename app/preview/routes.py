from __future__ import annotations

import dataclasses
import typing as t

import sqlalchemy as sa
from flask import abort, current_app, render_template, request
from flask.typing import ResponseReturnValue

from app.definitions.survey import SurveyDefinition
from app.definitions.sync import definition_of, latest_version
from app.extensions import db
from app.i18n import use_language
from app.models import Link, Survey, Wave
from app.preview import bp, wave_of_token
from app.respond.presenter import answer_labels, condition_note

LANGUAGES = {"en": "English", "es": "Español"}

WORDS = {
    "en": {
        "heading": "Preview of the surveys for {wave}",
        "lead": (
            "Before the partnership's review, the school asks students, families, staff "
            "and community partners what they think of the mental-health and well-being "
            "supports students get. These are the questions, exactly as they are asked."
        ),
        "anonymous": (
            "Taking part is voluntary: anyone may skip any question or stop at any "
            "time, and nothing happens to a student who does not take part. The "
            "surveys are anonymous: they ask for no name, and reports show only "
            "groups of at least ten people."
        ),
        "contact": "Questions, or to say your child should not take a survey: {contact}.",
        "contact_default": (
            "Questions, or to say your child should not take a survey: contact the school office."
        ),
        "for": "Asked of: {audiences}",
        "minutes": "About {n} minutes.",
        "shown_if": "Asked only when: {note}",
        "print": "Print this page",
        "none": "No surveys are planned for this review yet.",
        "answers": "Answers offered",
    },
    "es": {
        "heading": "Vista previa de las encuestas de {wave}",
        "lead": (
            "Antes de la revisión de la colaboración, la escuela pregunta a estudiantes, "
            "familias, personal y organizaciones comunitarias qué piensan de los apoyos "
            "de salud mental y bienestar que reciben los estudiantes. Estas son las "
            "preguntas, tal como se hacen."
        ),
        "anonymous": (
            "Participar es voluntario: cualquier persona puede saltarse una pregunta o "
            "dejar de contestar en cualquier momento, y no pasa nada si un estudiante no "
            "participa. Las encuestas son anónimas: no piden el nombre, y los informes "
            "solo muestran grupos de al menos diez personas."
        ),
        "contact": (
            "Si tiene preguntas, o no desea que su hijo o hija conteste una encuesta: {contact}."
        ),
        "contact_default": (
            "Si tiene preguntas, o no desea que su hijo o hija conteste una encuesta, "
            "comuníquese con la oficina de la escuela."
        ),
        "for": "Para: {audiences}",
        "minutes": "Unos {n} minutos.",
        "shown_if": "Solo se pregunta si: {note}",
        "print": "Imprimir esta página",
        "none": "Todavía no hay encuestas previstas para esta revisión.",
        "answers": "Respuestas posibles",
    },
}

AUDIENCES = {
    "en": {"student": "students", "family": "families", "staff": "staff", "partner": "partners"},
    "es": {
        "student": "estudiantes",
        "family": "familias",
        "staff": "personal de la escuela",
        "partner": "organizaciones comunitarias",
    },
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
    audiences: str
    minutes: int | None
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
    return Instrument(
        say(header.title),
        say(header.description) if header.description else "",
        ", ".join(AUDIENCES[language].get(a, a) for a in header.audiences),
        header.estimated_minutes,
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
    words = WORDS[language]
    contact = current_app.config.get("PARENT_CONTACT") or ""
    return render_template(
        "preview/wave.html",
        wave=wave,
        token=token,
        language=language,
        languages=LANGUAGES,
        words=words,
        contact=words["contact"].format(contact=contact) if contact else words["contact_default"],
        instruments=instruments,
    )
