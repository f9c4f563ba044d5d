"""A 20-question, one-page survey with an open link, in a database gunicorn can share."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.admin.services.links import create_link
from app.models import Answer, Audience, Response, Wave
from bench.submission import ITEMS, SURVEY
from tests.factories import store_survey


@pytest.fixture
def open_link(session):  # type: ignore[no-untyped-def]
    """The token of an open family link to the 20-question survey."""
    survey = store_survey(session, SURVEY, "twenty.yaml")
    today = dt.date.today()
    wave = Wave(name="Now", opens_on=today, closes_on=today + dt.timedelta(days=7))
    session.add(wave)
    token = create_link(session, survey, wave, Audience.FAMILY).token
    session.commit()
    return token


def stored_uuids(session) -> set[str]:  # type: ignore[no-untyped-def]
    session.rollback()  # a new snapshot, with what the requests committed
    return {str(u) for u in session.scalars(sa.select(Response.submission_uuid))}


def responses_missing_answers(session) -> int:  # type: ignore[no-untyped-def]
    """Responses whose answer count is not exactly ITEMS (all questions are required)."""
    counts = (
        sa.select(Response.id, sa.func.count(Answer.id).label("n"))
        .outerjoin(Answer, Answer.response_id == Response.id)
        .group_by(Response.id)
        .subquery()
    )
    return session.scalar(sa.select(sa.func.count()).select_from(counts).where(counts.c.n != ITEMS))
