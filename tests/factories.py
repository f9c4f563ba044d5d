"""One way for tests to make what they need: surveys, waves, partners, links, responses.

Everything goes through the service the application itself uses, so a test's data is
data the service could have made:

- ``store_survey`` checks a definition (a file or YAML text, or one already loaded)
  and stores it with the sync service, as ``flask surveys sync`` does;
- ``link`` makes a link with the service the workspace uses;
- ``submit`` stores a response through the survey post's own write (``record_once``);
- ``response`` adds one through the ORM with the answer facts, for tests that need a
  chosen submission time or a deleted response (reports).

Answers are given as a browser posts them: form field -> value or list of values, e.g.
``{"q1": "4", "services": ["food", "other"], "services.other": "Rides"}``. Each question
type reads its own fields, so a test never switches on type names. The factories only
flush; the test commits when requests must see the data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import orm

from app.admin.services.links import create_link
from app.definitions import AnswerRow, SurveyDefinition, load_file, load_text
from app.definitions.sync import definition_of, latest_version, store_definition
from app.extensions import db
from app.models import (
    ActionItem,
    ActionStatus,
    Answer,
    Audience,
    Channel,
    FindingKind,
    Link,
    Partner,
    PartnerCategory,
    Response,
    Review,
    Survey,
    SurveyVersion,
    Wave,
    answer_facts,
)
from app.respond.service import Submission, record_once

Answers = Mapping[str, str | int | float | Sequence[str | int | float]]


@contextlib.contextmanager
def database(app) -> Iterator[orm.Session]:  # type: ignore[no-untyped-def]
    """The database session in a short application context of its own. Requests made
    outside it push their own context, so nothing in ``g`` (the language, the link,
    the form key) carries from one request to the next as it would in a context kept
    open across them."""
    with app.app_context():
        try:
            yield db.session
        finally:
            db.session.rollback()


def store_survey(
    session: orm.Session, source: Path | str | SurveyDefinition, name: str | None = None
) -> Survey:
    """Check a definition and store it as the survey's next version (or none when
    unchanged). ``source`` is a file, YAML text (a ``str``) named ``name``, or a
    definition already loaded from the file ``name`` (parse once, store in many tests)."""
    if isinstance(source, SurveyDefinition):
        definition = source
    elif isinstance(source, Path):
        definition = load_file(source)
        name = name or source.name
    else:
        name = name or "survey.yaml"
        definition = load_text(source, name)
    store_definition(session, definition, name)
    return session.scalars(sa.select(Survey).where(Survey.slug == definition.id)).one()


def wave(
    session: orm.Session,
    name: str = "Current review",
    opens_on: dt.date | None = None,
    closes_on: dt.date | None = None,
    is_open: bool = True,
) -> Wave:
    """A wave; by default open from a week ago until three weeks from today."""
    today = dt.date.today()
    opens_on = opens_on or today - dt.timedelta(days=7)
    made = Wave(
        name=name,
        opens_on=opens_on,
        closes_on=closes_on or opens_on + dt.timedelta(days=28),
        is_open=is_open,
    )
    session.add(made)
    session.flush()
    return made


def partner(
    session: orm.Session,
    name: str = "Northside Family Clinic",
    category: PartnerCategory = PartnerCategory.COMMUNITY_NONPROFIT,
) -> Partner:
    made = Partner(name=name, category=category)
    session.add(made)
    session.flush()
    return made


def link(
    session: orm.Session,
    survey: Survey,
    wave: Wave,
    audience: Audience | str = Audience.FAMILY,
    partner: Partner | None = None,
    channel: Channel | str = Channel.WEB,
    expected_n: int | None = None,
) -> Link:
    return create_link(session, survey, wave, audience, partner, channel, expected_n)


def answer_rows(definition: SurveyDefinition, answers: Answers) -> list[AnswerRow]:
    """The stored rows for ``answers`` (form field -> value or values). Questions left
    out are unanswered, even required ones; a value the question refuses, or a field
    the survey does not ask, is a mistake in the test and raises ValueError."""
    form = {
        field: [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
        for field, value in answers.items()
    }
    unknown = sorted(set(form) - set(definition.field_owner))
    if unknown:
        raise ValueError(f"{definition.id} asks no field {', '.join(unknown)}")
    rows: list[AnswerRow] = []
    for question in definition.questions():
        if not any(field in form for field in question.field_names()):
            continue
        value, errors = question.parse(form)
        if errors:
            raise ValueError(f"{definition.id}: {question.item} refuses {errors}")
        rows.extend(question.answer_rows(value))
    return rows


def _version(session: orm.Session, survey_id: int, version: SurveyVersion | None):  # type: ignore[no-untyped-def]
    chosen = version or latest_version(session, survey_id)
    assert chosen is not None, "store the survey first"
    return chosen


def submit(
    session: orm.Session,
    link: Link,
    answers: Answers,
    *,
    language: str = "en",
    version: SurveyVersion | None = None,
    submission_uuid: uuid.UUID | None = None,
    started_at: dt.datetime | None = None,
) -> Response:
    """Store a response as a family's final post does (``record_once``, in the session's
    transaction). A ``submission_uuid`` already stored adds nothing and returns the
    response stored first."""
    survey_version = _version(session, link.survey_id, version)
    session.flush()
    submission_uuid = submission_uuid or uuid.uuid4()
    record_once(
        session.connection(),
        Submission(
            link=link,
            version=survey_version,
            submission_uuid=submission_uuid,
            language=language,
            started_at=started_at,
            rows=answer_rows(definition_of(survey_version), answers),
        ),
    )
    return session.scalars(
        sa.select(Response).where(Response.submission_uuid == submission_uuid)
    ).one()


def response(
    session: orm.Session,
    link: Link,
    answers: Answers,
    *,
    submitted_at: dt.datetime | None = None,
    deleted_at: dt.datetime | None = None,
    language: str = "en",
    version: SurveyVersion | None = None,
) -> Response:
    """A response written through the ORM, its answers carrying the link's facts as
    every writer's do; for a chosen submission time or a soft-deleted response."""
    survey_version = _version(session, link.survey_id, version)
    made = Response(
        submission_uuid=uuid.uuid4(),
        link_id=link.id,
        survey_version_id=survey_version.id,
        language=language,
        submitted_at=submitted_at or dt.datetime.now(dt.UTC),
        deleted_at=deleted_at,
        **answer_facts(link),
    )
    session.add(made)
    session.flush()
    session.add_all(
        Answer(response_id=made.id, **answer_facts(made), **row._asdict())
        for row in answer_rows(definition_of(survey_version), answers)
    )
    session.flush()
    return made


# Reviews and actions --------------------------------------------------------------------


def review(
    session: orm.Session,
    wave: Wave,
    held_on: dt.date | None = None,
    roles: Sequence[str] = ("leadership", "families"),
    partners: Sequence[Partner] = (),
) -> Review:
    """A review meeting of ``wave`` through the workspace's service (no agenda yet)."""
    from app.admin.services.reviews import ReviewDetails, create_review

    details = ReviewDetails(
        held_on=held_on or dt.date.today(),
        roles=tuple(roles),
        partner_ids=tuple(p.id for p in partners),
    )
    return create_review(session, wave, details, None)


def action(
    session: orm.Session,
    wave: Wave,
    title: str = "Send the referral guide home",
    *,
    owner: Partner | None = None,
    due_on: dt.date | None = None,
    status: ActionStatus = ActionStatus.PLANNED,
    dropped_reason: str = "",
    review: Review | None = None,
    finding_kind: FindingKind = FindingKind.NONE,
    item_id: str = "",
    audiences: Sequence[str] = (),
    element: int | None = None,
) -> ActionItem:
    """An action through the workspace's service, then moved to ``status``."""
    from app.admin.services.actions import ActionDetails, create_action, record_progress

    made = create_action(
        session,
        ActionDetails(
            wave_id=wave.id,
            title=title,
            owner_partner_id=owner.id if owner else None,
            due_on=due_on,
            review_id=review.id if review else None,
            finding_kind=finding_kind,
            item_id=item_id,
            audiences=tuple(audiences),
            element=element,
        ),
        None,
    )
    if status is not ActionStatus.PLANNED:
        record_progress(session, made, status, dropped_reason, "", None)
    return made
