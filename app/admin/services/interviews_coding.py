"""Theme coding: coordinators read a wave's interview notes one by one and tag each
with themes of the survey's codebook, choosing a short quote for the packet where one
says it well. Services only flush; the view commits once and audits.

Themes are codes. The choices offered are the latest codebook's, plus any code already
on the note (a code a newer codebook dropped stays valid for what it tagged)."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from sqlalchemy import orm

from app.admin.services import FormProblem
from app.admin.services.comments import active_redaction
from app.definitions.survey import SurveyDefinition
from app.definitions.sync import definition_of, latest_version
from app.models import Answer, CodedNote, Response, Survey, ThemeTag, User, utcnow

QUOTE_MAX = 300
ROLE_ITEM = "interviewee.role"


@dataclasses.dataclass(frozen=True)
class Note:
    answer: Answer
    question: str
    role: str | None  # the interviewee's role, as labelled in the survey
    text: str | None  # what reports show (redacted), None when removed from reports
    themes: list[tuple[str, str]]  # (code, label) a coder may choose, latest codebook first
    chosen: set[str]
    quote: str | None
    coded: bool


def interview_definitions(session: orm.Session) -> dict[int, SurveyDefinition]:
    """The latest definition of every interview survey, by survey id."""
    definitions_by_survey = {}
    for survey_id in session.scalars(sa.select(Survey.id).order_by(Survey.id)):
        version = latest_version(session, survey_id)
        if version is None:
            continue
        definition = definition_of(version)
        if definition.is_interview:
            definitions_by_survey[survey_id] = definition
    return definitions_by_survey


def _note_filter(definitions: dict[int, SurveyDefinition], wave_id: int) -> list[sa.ColumnElement]:
    pairs = [
        (survey_id, q.item)
        for survey_id, definition in definitions.items()
        for q in definition.questions()
        if q.summary_kind == "text" and q.answerable
    ]
    if not pairs:
        return [sa.false()]
    return [
        Answer.wave_id == wave_id,
        sa.tuple_(Answer.survey_id, Answer.item_id).in_(pairs),
        Answer.value_text.is_not(None),
        Answer.value_text != "",
        Response.deleted_at.is_(None),
    ]


def note_ids(session: orm.Session, wave_id: int) -> list[int]:
    """Every interview note of the wave, in the order interviews came in."""
    where = _note_filter(interview_definitions(session), wave_id)
    return list(
        session.scalars(
            sa.select(Answer.id)
            .join(Response, Response.id == Answer.response_id)
            .where(*where)
            .order_by(Response.submitted_at, Response.id, Answer.id)
        )
    )


def progress(session: orm.Session, wave_id: int, ids: list[int]) -> int:
    """How many of the notes ``ids`` are coded."""
    if not ids:
        return 0
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(CodedNote)
            .where(CodedNote.wave_id == wave_id, CodedNote.answer_id.in_(ids))
        )
        or 0
    )


def note(session: orm.Session, answer: Answer) -> Note:
    definitions = interview_definitions(session)
    definition = definitions[answer.survey_id]
    language = definition.languages[0]
    question = definition.question_by_item[answer.item_id]
    role_answer = session.scalar(
        sa.select(Answer).where(
            Answer.response_id == answer.response_id, Answer.item_id == ROLE_ITEM
        )
    )
    role = None
    if role_answer is not None and ROLE_ITEM in definition.question_by_item:
        labels = dict(
            definition.question_by_item[ROLE_ITEM].labels(lambda t: definition.text(t, language))
        )
        role = labels.get(role_answer.choice or "", role_answer.choice)
        if role_answer.choice == "other" and role_answer.value_text:
            role = f"{role}: {role_answer.value_text}"
    redaction = active_redaction(session, answer.id)
    shown = answer.value_text if redaction is None else redaction.text
    coded = session.get(CodedNote, answer.id)
    chosen = set(session.scalars(sa.select(ThemeTag.theme).where(ThemeTag.answer_id == answer.id)))
    themes = [(t.code, definition.text(t.label, language)) for t in definition.header.codebook]
    themes += [
        (code, f"{code} (no longer in the codebook)")
        for code in sorted(chosen - {c for c, _ in themes})
    ]
    return Note(
        answer=answer,
        question=definition.text(question.definition.text, language),
        role=role,
        text=shown,
        themes=themes,
        chosen=chosen,
        quote=coded.quote if coded else None,
        coded=coded is not None,
    )


def code_note(
    session: orm.Session, answer: Answer, themes: list[str], quote: str, user: User
) -> CodedNote:
    """Record the coder's themes and quote for one note (replacing earlier ones)."""
    current = note(session, answer)
    allowed = {code for code, _label in current.themes}
    unknown = sorted(set(themes) - allowed)
    if unknown:
        raise FormProblem("themes", f"Not a theme of this survey's codebook: {', '.join(unknown)}")
    quote = " ".join(quote.split())
    if quote:
        if len(quote) > QUOTE_MAX:
            raise FormProblem("quote", f"A quote is at most {QUOTE_MAX} characters.")
        if current.text is None or quote not in " ".join(current.text.split()):
            raise FormProblem("quote", "A quote must be copied from the note as reports show it.")
    coded = session.get(CodedNote, answer.id)
    if coded is None:
        coded = CodedNote(answer_id=answer.id, wave_id=answer.wave_id)
        session.add(coded)
    coded.quote = quote or None
    coded.coded_at = utcnow()
    coded.coded_by_id = user.id
    session.flush()
    session.execute(sa.delete(ThemeTag).where(ThemeTag.answer_id == answer.id))
    for code in sorted(set(themes)):
        session.add(ThemeTag(answer_id=answer.id, theme=code))
    session.flush()
    return coded
