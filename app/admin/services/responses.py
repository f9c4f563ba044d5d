"""Responses for coordinators: filtered pages, one response's answers, soft delete."""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa
from sqlalchemy import orm

from app import audit
from app.admin.services import FormProblem
from app.admin.services.labels import StoredAnswer, choice_labels, display_values, item_texts
from app.definitions.sync import definition_of
from app.models import Answer, Audience, Response, SurveyVersion, User, utcnow

PER_PAGE = 50


@dataclasses.dataclass(frozen=True)
class ResponseFilters:
    wave_id: int | None = None
    survey_id: int | None = None
    audience: Audience | None = None
    partner_id: int | None = None
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None
    include_deleted: bool = False

    def apply(self, query: sa.Select) -> sa.Select:
        if self.wave_id:
            query = query.where(Response.wave_id == self.wave_id)
        if self.survey_id:
            query = query.where(Response.survey_id == self.survey_id)
        if self.audience:
            query = query.where(Response.audience == self.audience)
        if self.partner_id:
            query = query.where(Response.partner_id == self.partner_id)
        if self.submitted_from:
            start = dt.datetime.combine(self.submitted_from, dt.time(), dt.UTC)
            query = query.where(Response.submitted_at >= start)
        if self.submitted_to:
            end = dt.datetime.combine(self.submitted_to + dt.timedelta(days=1), dt.time(), dt.UTC)
            query = query.where(Response.submitted_at < end)
        if not self.include_deleted:
            query = query.where(Response.deleted_at.is_(None))
        return query


@dataclasses.dataclass(frozen=True)
class ResponsePage:
    responses: list[Response]
    total: int
    page: int
    pages: int


def page_of_responses(
    session: orm.Session, filters: ResponseFilters, page: int, per_page: int = PER_PAGE
) -> ResponsePage:
    total = session.scalar(filters.apply(sa.select(sa.func.count()).select_from(Response))) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    responses = list(
        session.scalars(
            filters.apply(sa.select(Response))
            .options(orm.joinedload(Response.link))
            .order_by(Response.submitted_at.desc(), Response.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return ResponsePage(responses, total, page, pages)


@dataclasses.dataclass(frozen=True)
class AnsweredItem:
    item_id: str
    question: str
    answer: str | int | float | None


def answered_items(session: orm.Session, response: Response) -> list[AnsweredItem]:
    """The response's answers in the order of the version it was answered on. Items the
    version does not know (it should not happen) are listed after, never dropped."""
    version = session.get_one(SurveyVersion, response.survey_version_id)
    definition = definition_of(version)
    stored = [
        StoredAnswer(a.item_id, a.choice, a.value_num, a.value_text)
        for a in session.scalars(
            sa.select(Answer).where(Answer.response_id == response.id).order_by(Answer.id)
        )
    ]
    values = display_values(stored, choice_labels(definition))
    texts = item_texts(definition)
    items = [AnsweredItem(item, texts[item], values.get(item)) for item in definition.item_ids()]
    known = set(texts)
    items += [
        AnsweredItem(item, item, value) for item, value in values.items() if item not in known
    ]
    return items


def soft_delete(session: orm.Session, response: Response, user: User, reason: str) -> None:
    """Mark a response deleted (kept for the audit trail, excluded from reports and
    exports), delete the cached report files that may hold it and the coders' quotes
    of its notes review agendas keep, and audit it. Only flushes."""
    from reports.cache import forget

    reason = " ".join(reason.split())
    if len(reason) < 3:
        raise FormProblem("reason", "Say why this response is deleted (at least 3 characters).")
    if len(reason) > 500:
        raise FormProblem("reason", "The reason must be at most 500 characters.")
    if response.deleted_at is not None:
        raise FormProblem(None, "This response was already deleted.")
    response.deleted_at = utcnow()
    response.deleted_reason = reason
    response.deleted_by_id = user.id
    forget(session)
    from app.admin.services.reviews import drop_quotes

    answers = sa.select(Answer.id).where(
        Answer.response_id == response.id, Answer.value_text.is_not(None)
    )
    dropped = drop_quotes(session, dict.fromkeys(session.scalars(answers)))
    details: dict[str, str | int] = {"reason": reason}
    if dropped:
        details["agenda_quotes_dropped"] = dropped
    audit.record(session, user, "response_delete", f"response:{response.id}", details)
