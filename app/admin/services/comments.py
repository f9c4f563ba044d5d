"""Comments before they reach a report: coordinators read the written answers of a wave
and redact a comment, or part of it (a name, a disclosure of harm), with a reason.
Redactions are reversible and audited, and never change the stored answer: reports
read the redacted text instead (``reports.query``), released ones too, whose counts
stay as released (``reports.releases.released_tally``). Services only flush."""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa
from sqlalchemy import orm

from app.admin.services import FormProblem
from app.definitions.sync import definition_of, latest_version
from app.definitions.types.base import clean_text
from app.models import Answer, CommentRedaction, Response, Survey, User, utcnow

PER_PAGE = 50
REASON_MAX = 500


@dataclasses.dataclass(frozen=True)
class CommentRow:
    answer: Answer
    survey_slug: str
    question: str
    redaction: CommentRedaction | None

    @property
    def shown_text(self) -> str | None:
        """What reports show: the redacted text, None when removed, else the answer."""
        if self.redaction is None:
            return self.answer.value_text
        return self.redaction.text


def text_items(session: orm.Session) -> dict[int, dict[str, str]]:
    """Per survey, the free-text items of its latest version and their question text."""
    items_by_survey: dict[int, dict[str, str]] = {}
    for survey in session.scalars(sa.select(Survey)):
        version = latest_version(session, survey.id)
        if version is None:
            continue
        definition = definition_of(version)
        items_by_survey[survey.id] = {
            question.item: definition.text(question.definition.text, definition.languages[0])
            for question in definition.questions()
            if question.summary_kind == "text" and question.answerable
        }
    return items_by_survey


def active_redaction(session: orm.Session, answer_id: int) -> CommentRedaction | None:
    return session.scalar(
        sa.select(CommentRedaction)
        .where(CommentRedaction.answer_id == answer_id, CommentRedaction.undone_at.is_(None))
        .order_by(CommentRedaction.id.desc())
        .limit(1)
    )


def page_of_comments(
    session: orm.Session,
    wave_id: int,
    survey_id: int | None,
    page: int,
    per_page: int = PER_PAGE,
) -> tuple[list[CommentRow], int]:
    """Comments written in the wave (kept responses), newest first, with their redaction."""
    items = text_items(session)
    slugs = dict(session.execute(sa.select(Survey.id, Survey.slug)).all())
    pairs = [(s, i) for s, texts in items.items() for i in texts if not survey_id or s == survey_id]
    if not pairs:
        return [], 0
    where = [
        Answer.wave_id == wave_id,
        sa.tuple_(Answer.survey_id, Answer.item_id).in_(pairs),
        Answer.value_text.is_not(None),
        Answer.value_text != "",
        Response.deleted_at.is_(None),
    ]
    base = sa.select(Answer).join(Response, Response.id == Answer.response_id).where(*where)
    total = session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    answers = list(
        session.scalars(
            base.order_by(Response.submitted_at.desc(), Answer.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    redactions = {
        r.answer_id: r
        for r in session.scalars(
            sa.select(CommentRedaction).where(
                CommentRedaction.answer_id.in_([a.id for a in answers]),
                CommentRedaction.undone_at.is_(None),
            )
        )
    }
    rows = [
        CommentRow(
            a, slugs.get(a.survey_id, "?"), items[a.survey_id][a.item_id], redactions.get(a.id)
        )
        for a in answers
    ]
    return rows, total


def redact(
    session: orm.Session, answer: Answer, text: str | None, reason: str, user: User
) -> CommentRedaction:
    """Replace what reports show of ``answer``: ``text`` (its redacted version) or
    nothing (``text`` None), and delete the cached report files that hold what it
    replaces and any coder's quote of it a review agenda keeps that is no longer part
    of it. Raises FormProblem before writing anything."""
    from reports.cache import forget

    reason = " ".join(clean_text(reason).split())
    if not reason:
        raise FormProblem("reason", "Say why, for the audit log (for example “a student's name”).")
    if len(reason) > REASON_MAX:
        raise FormProblem("reason", f"Keep the reason to {REASON_MAX} characters.")
    if text is not None:
        # As answers are kept: no control characters (CR becomes LF), no blank ends.
        text = clean_text(text)
        if not text:
            raise FormProblem(
                "text", "The redacted text is empty: tick “remove the whole comment” instead."
            )
        if text == clean_text(answer.value_text or ""):
            raise FormProblem("text", "The text is unchanged: remove what must not be shown.")
        if len(text) > max(len(answer.value_text or ""), 1) + 200:
            raise FormProblem("text", "The redacted text may not be longer than the comment.")
    previous = active_redaction(session, answer.id)
    now = utcnow()
    if previous is not None:
        previous.undone_at = now
        previous.undone_by_id = user.id
    redaction = CommentRedaction(
        answer_id=answer.id, text=text, reason=reason, created_by_id=user.id, created_at=now
    )
    session.add(redaction)
    forget(session)
    session.flush()
    from app.admin.services.reviews import drop_quotes

    drop_quotes(session, {answer.id: text})
    return redaction


def restore(session: orm.Session, redaction: CommentRedaction, user: User) -> None:
    """Undo a redaction: reports show the comment as written again (cached files,
    which show the redacted text, are deleted)."""
    from reports.cache import forget

    if redaction.undone_at is not None:
        raise FormProblem(None, "That redaction was already undone.")
    redaction.undone_at = dt.datetime.now(dt.UTC)
    redaction.undone_by_id = user.id
    forget(session)
    session.flush()
