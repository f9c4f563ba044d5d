"""Respondent services: which link and version a form answers, and storing it once.

These functions flush and never commit; the view commits once per request.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import typing as t
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy import orm

from app.database import begin_write
from app.definitions.sync import latest_version
from app.definitions.types import AnswerRow
from app.models import Answer, Link, Response, SurveyVersion, answer_facts, utcnow

# A form shown before the closing date may still be sent for this long after it,
# so a family who started on the last evening doesn't lose their answers at midnight.
CLOSING_GRACE = dt.timedelta(days=2)
# started_at outside these bounds is not believed (clock skew, tampering).
MAX_FORM_AGE = dt.timedelta(days=60)
ZERO = dt.timedelta(0)


class LinkState(enum.StrEnum):
    OPEN = "open"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"


def find_link(session: orm.Session, token: str) -> Link | None:
    if len(token) > 64:
        return None
    return session.scalar(
        sa.select(Link).where(Link.token == token).options(orm.joinedload(Link.wave))
    )


def link_state(link: Link, today: dt.date, submitting: bool = False) -> LinkState:
    """A link is answerable while the link and its wave are switched on and ``today``
    (the server's UTC date) is within the wave's dates read "anywhere on Earth": open
    for the whole of each date in every timezone, since schools are not on UTC. A form
    already on screen may still be sent for a short grace period after closing."""
    wave = link.wave
    if not (link.is_open and wave.is_open):
        return LinkState.CLOSED
    if today < wave.opens_on - dt.timedelta(days=1):
        return LinkState.NOT_YET_OPEN
    closes = wave.closes_on + dt.timedelta(days=1) + (CLOSING_GRACE if submitting else ZERO)
    if today > closes:
        return LinkState.CLOSED
    return LinkState.OPEN


def version_for(session: orm.Session, link: Link, version_id: str | None) -> SurveyVersion | None:
    """The version a form was shown on (any stored version of the link's survey), so a
    form left open while the survey was edited still submits; otherwise the latest."""
    if version_id and version_id.isdigit():
        version = session.get(SurveyVersion, int(version_id))
        if version is not None and version.survey_id == link.survey_id:
            return version
    return latest_version(session, link.survey_id)


def parse_uuid(raw: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw or "")
    except ValueError:
        return None


def parse_started(raw: str | None, now: dt.datetime) -> dt.datetime | None:
    """When the form was first shown, as carried by the form; None if implausible."""
    try:
        started = dt.datetime.fromisoformat(raw or "")
    except ValueError:
        return None
    if started.tzinfo is None:
        return None
    if not now - MAX_FORM_AGE <= started <= now + dt.timedelta(minutes=5):
        return None
    return started


@dataclasses.dataclass(frozen=True)
class Submission:
    link: Link
    version: SurveyVersion
    submission_uuid: uuid.UUID
    language: str
    started_at: dt.datetime | None
    rows: Sequence[AnswerRow]


def _insert_ignoring_duplicates(session: orm.Session) -> t.Any:
    """INSERT ... ON CONFLICT DO NOTHING for the session's database (SQLite >= 3.35
    and PostgreSQL both have it)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(Response)


def record_once(session: orm.Session, submission: Submission) -> bool:
    """Store the response and its answers unless this submission is already stored.

    Returns True when stored now, False for a duplicate (double tap, retry, back and
    resubmit). The response row goes in with ON CONFLICT (submission_uuid) DO NOTHING:
    a duplicate, even one committed by a concurrent request a moment ago, inserts
    nothing and returns no id, so no answers are written for it. On SQLite
    ``begin_write`` also queues concurrent writers; on PostgreSQL the second of two
    concurrent duplicates waits for the first and then does nothing.
    Identity copied from the link only: no IP address, user agent or cookie is stored.
    """
    begin_write(session)
    link = submission.link
    statement = (
        _insert_ignoring_duplicates(session)
        .values(
            submission_uuid=submission.submission_uuid,
            link_id=link.id,
            survey_id=link.survey_id,
            survey_version_id=submission.version.id,
            wave_id=link.wave_id,
            audience=link.audience,
            partner_id=link.partner_id,
            language=submission.language,
            started_at=submission.started_at,
            submitted_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=[Response.submission_uuid])
        .returning(Response.id)
    )
    response_id = session.execute(statement).scalar()
    if response_id is None:
        return False
    if submission.rows:
        # One multi-row INSERT for the answers instead of a unit-of-work per object.
        session.execute(
            sa.insert(Answer.__table__),
            [
                {
                    "response_id": response_id,
                    **answer_facts(link),
                    "item_id": r.item_id,
                    "choice": r.choice,
                    "value_num": r.value_num,
                    "value_text": r.value_text,
                }
                for r in submission.rows
            ],
        )
    return True
