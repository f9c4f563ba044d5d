"""Respondent services: which link and version a form answers, and storing it once.

They work on a Core connection (app.database.connect_for_lookups) rather than the ORM
session: a respondent changes no mapped object, and the unit of work would cost more
than the queries. They never commit; the view commits once per request.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import json
import typing as t
import uuid
import weakref
from collections.abc import Sequence

import sqlalchemy as sa

from app.definitions.loader import build
from app.definitions.survey import SurveyDefinition
from app.definitions.types import AnswerRow
from app.models import (
    Answer,
    Audience,
    Link,
    Response,
    SurveyVersion,
    Wave,
    answer_facts,
    utcnow,
)
from app.models.base import table_of
from app.models.response import FACTS

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


@dataclasses.dataclass(frozen=True, slots=True)
class WaveFacts:
    id: int
    opens_on: dt.date
    closes_on: dt.date
    is_open: bool


@dataclasses.dataclass(frozen=True, slots=True)
class LinkFacts:
    """What the respondent pages need of a link and its wave, read in one query.

    Plain values rather than ORM objects: nothing here is changed by a respondent, and
    reading rows without the unit of work keeps a submission cheap.
    """

    id: int
    token: str
    survey_id: int
    wave_id: int
    audience: Audience
    partner_id: int | None
    is_open: bool
    wave: WaveFacts


@dataclasses.dataclass(frozen=True, slots=True)
class VersionFacts:
    id: int
    survey_id: int
    definition: SurveyDefinition


_link = table_of(Link)
_wave = table_of(Wave)
_version = table_of(SurveyVersion)

_LINK_BY_TOKEN = (
    sa.select(
        _link.c.id,
        _link.c.token,
        _link.c.survey_id,
        _link.c.wave_id,
        _link.c.audience,
        _link.c.partner_id,
        _link.c.is_open,
        _wave.c.opens_on,
        _wave.c.closes_on,
        _wave.c.is_open.label("wave_is_open"),
    )
    .join_from(_link, _wave, _link.c.wave_id == _wave.c.id)
    .where(_link.c.token == sa.bindparam("token"))
)
_VERSION_BY_ID = sa.select(_version.c.id, _version.c.survey_id, _version.c.definition).where(
    _version.c.id == sa.bindparam("id")
)
_LATEST_VERSION_ID = (
    sa.select(_version.c.id)
    .where(_version.c.survey_id == sa.bindparam("survey_id"))
    .order_by(_version.c.number.desc())
    .limit(1)
)

# Stored versions never change (a changed definition is stored as a new version), so
# each process keeps the ones it has read, per database engine, checked definition
# included: this is the respondent pages' only copy.
_VERSIONS: weakref.WeakKeyDictionary[sa.Engine, dict[int, VersionFacts]] = (
    weakref.WeakKeyDictionary()
)
_VERSIONS_KEPT = 512


def find_link(connection: sa.Connection, token: str) -> LinkFacts | None:
    if len(token) > 64:
        return None
    row = connection.execute(_LINK_BY_TOKEN, {"token": token}).first()
    if row is None:
        return None
    wave = WaveFacts(row.wave_id, row.opens_on, row.closes_on, row.wave_is_open)
    return LinkFacts(
        row.id,
        row.token,
        row.survey_id,
        row.wave_id,
        row.audience,
        row.partner_id,
        row.is_open,
        wave,
    )


def link_state(link: LinkFacts | Link, today: dt.date, submitting: bool = False) -> LinkState:
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


def stored_version(connection: sa.Connection, version_id: int) -> VersionFacts | None:
    """A stored survey version with its checked definition, read and checked once per
    process."""
    kept = _VERSIONS.setdefault(connection.engine, {})
    facts = kept.get(version_id)
    if facts is None:
        row = connection.execute(_VERSION_BY_ID, {"id": version_id}).first()
        if row is None:
            return None
        definition = build(row.definition)
        if len(kept) >= _VERSIONS_KEPT:
            kept.clear()
        facts = kept[version_id] = VersionFacts(row.id, row.survey_id, definition)
    return facts


def current_version(connection: sa.Connection, survey_id: int) -> VersionFacts | None:
    """The latest stored version of a survey: the one new visitors are shown."""
    version_id = connection.execute(_LATEST_VERSION_ID, {"survey_id": survey_id}).scalar()
    return None if version_id is None else stored_version(connection, version_id)


def version_for(
    connection: sa.Connection, link: LinkFacts | Link, version_id: str | None
) -> VersionFacts | None:
    """The version a form was shown on (any stored version of the link's survey), so a
    form left open while the survey was edited still submits; otherwise the latest."""
    if version_id and version_id.isdigit() and len(version_id) < 12:
        version = stored_version(connection, int(version_id))
        if version is not None and version.survey_id == link.survey_id:
            return version
    return current_version(connection, link.survey_id)


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
    link: LinkFacts | Link
    version: VersionFacts | SurveyVersion
    submission_uuid: uuid.UUID
    language: str
    started_at: dt.datetime | None
    rows: Sequence[AnswerRow]


_response = table_of(Response)
_answer = table_of(Answer)
# The columns a submission sets; the rest keep their defaults (nothing is deleted yet).
RESPONSE_FIELDS = (
    "submission_uuid",
    "link_id",
    "survey_id",
    "survey_version_id",
    "wave_id",
    "audience",
    "partner_id",
    "language",
    "started_at",
    "submitted_at",
)
ANSWER_VALUES = AnswerRow._fields  # ("item_id", "choice", "value_num", "value_text")


@functools.cache
def _response_insert(dialect: str) -> t.Any:
    """INSERT ... ON CONFLICT (submission_uuid) DO NOTHING for the database (SQLite >=
    3.35 and PostgreSQL both have it); it returns the new row's id and facts, or no row
    for a duplicate."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(_response)
        .values(
            {name: sa.bindparam(name, type_=_response.c[name].type) for name in RESPONSE_FIELDS}
        )
        .on_conflict_do_nothing(index_elements=[_response.c.submission_uuid])
        .returning(_response.c.id, *(_response.c[name] for name in FACTS))
    )


@functools.cache
def _store_all_at_once() -> t.Any:
    """PostgreSQL: the response and all its answers in one statement. The answers come
    as one JSON array of rows (one parameter, cheaper to send than an array per
    column), and copy the facts from the response row just inserted; a duplicate
    inserts no response, so no answers either."""
    from sqlalchemy.dialects.postgresql import JSON

    given = (
        sa.func.json_to_recordset(sa.cast(sa.bindparam("answers", type_=sa.Text), JSON))
        .table_valued(*(sa.column(name, _answer.c[name].type) for name in ANSWER_VALUES))
        .render_derived("given", with_types=True)
    )
    stored = _response_insert("postgresql").cte("stored")
    answers = sa.insert(_answer).from_select(
        ["response_id", *FACTS, *ANSWER_VALUES],
        sa.select(
            stored.c.id,
            *(stored.c[name] for name in FACTS),
            *(given.c[name] for name in ANSWER_VALUES),
        ).join_from(stored, given, sa.true()),
    )
    return sa.select(stored.c.id).add_cte(answers.cte("answers"))


@functools.cache
def _answer_insert() -> str:
    """SQLite: the plain ``INSERT INTO answer (...) VALUES (?, ...)`` that stores a
    response's answers in one executemany of row tuples. Through ``exec_driver_sql``
    SQLAlchemy's events and echo still see it, without building a parameter dict per
    answer and per column (which costs more than the insert itself)."""
    columns = ["response_id", *FACTS, *ANSWER_VALUES]
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {_answer.name} ({', '.join(columns)}) VALUES ({marks})"


def record_once(connection: sa.Connection, submission: Submission) -> bool:
    """Store the response and its answers unless this submission is already stored.

    Call inside ``app.database.write_transaction``, which makes it all or nothing: on
    PostgreSQL the response and its answers go in one statement, on SQLite in two
    (the response, then all its answers) inside ``BEGIN IMMEDIATE``.
    Returns True when stored now, False for a duplicate (double tap, retry, back and
    resubmit). The response row goes in with ON CONFLICT (submission_uuid) DO NOTHING:
    a duplicate, even one committed by a concurrent request a moment ago, inserts
    nothing and returns no id, so no answers are written for it. On SQLite the write
    lock also queues concurrent writers; on PostgreSQL the second of two concurrent
    duplicates waits for the first and then does nothing. Identity copied from the
    link only: no IP address, user agent or cookie is stored.
    """
    link = submission.link
    response = {
        "submission_uuid": submission.submission_uuid,
        "link_id": link.id,
        **answer_facts(link),
        "survey_version_id": submission.version.id,
        "language": submission.language,
        "started_at": submission.started_at,
        "submitted_at": utcnow(),
    }
    dialect = connection.dialect.name
    if dialect == "postgresql" and submission.rows:
        # Serialised here: the driver's own JSON dumping costs several times more.
        answers = json.dumps(
            [dict(zip(ANSWER_VALUES, row, strict=True)) for row in submission.rows]
        )
        params = {**response, "answers": answers}
        return connection.execute(_store_all_at_once(), params).first() is not None
    stored = connection.execute(_response_insert(dialect), response).first()
    if stored is None:
        return False
    if submission.rows:
        # One executemany of plain rows: on SQLite cheaper than one statement reading
        # the rows out of JSON (json_each), which costs the database more than the
        # parameters cost the driver.
        facts = (stored.id, *(getattr(stored, name) for name in FACTS))
        connection.exec_driver_sql(_answer_insert(), [(*facts, *row) for row in submission.rows])
    return True
