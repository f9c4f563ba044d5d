"""Answers carry their response's survey, wave, audience and partner: every writer fills
them, the database refuses an answer whose survey, wave or audience disagrees with its
response's, and migration 0002 fills them in for answers stored before."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app import create_app
from app.admin.services.links import create_link
from app.extensions import alembic, db
from app.models import Answer, Partner, PartnerCategory, Response, answer_facts
from tests.conftest import PG_URL, base_config
from tests.respond.helpers import Respondent


def mismatches(session) -> int:  # type: ignore[no-untyped-def]
    """Answers whose facts differ from their response's (NULL partner equal to NULL)."""
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(Answer)
        .join(Response, Response.id == Answer.response_id)
        .where(
            sa.or_(
                Answer.survey_id != Response.survey_id,
                Answer.wave_id != Response.wave_id,
                Answer.audience != Response.audience,
                Answer.partner_id.is_distinct_from(Response.partner_id),
            )
        )
    )


def submit(client, token: str) -> None:  # type: ignore[no-untyped-def]
    person = Respondent(client, token)
    person.open("en")
    person.press("next", {"uses_services": "yes", "services_used": ["clinic"]})
    response = person.press("submit", {"help.know_where": "2", "overall": "4", "comments": "Ok"})
    assert response.status_code == 303


def test_demo_data_and_submissions_carry_their_responses_facts(
    runner, session, client, example_link
):
    result = runner.invoke(args=["demo", "--responses", "300", "--seed", "3"])
    assert result.exit_code == 0, result.output
    clinic = session.scalar(sa.select(Partner).order_by(Partner.id))
    link = session.merge(example_link)
    partner_link = create_link(session, link.survey, link.wave, "staff", partner=clinic)
    session.commit()
    submit(client, example_link.token)
    submit(client, partner_link.token)

    session.rollback()  # a new snapshot, with what the requests committed
    assert mismatches(session) == 0
    # The check saw every kind of fact: answers with and without a partner, two
    # audiences, two waves, all from both writers.
    facts = set(session.execute(sa.select(*answer_columns()).distinct()).all())
    assert {f.partner_id for f in facts} > {None}
    assert len({f.audience for f in facts}) >= 2 and len({f.wave_id for f in facts}) >= 2
    submitted = session.scalars(
        sa.select(Answer).join(Response).where(Response.link_id == partner_link.id)
    ).all()
    assert submitted and {a.partner_id for a in submitted} == {clinic.id}
    assert {a.audience for a in submitted} == {"staff"}


def answer_columns() -> list[sa.ColumnElement]:
    return [Answer.survey_id, Answer.wave_id, Answer.audience, Answer.partner_id]


@pytest.fixture
def stored_response(session, example_link):  # type: ignore[no-untyped-def]
    partner = Partner(name="Clinic", category=PartnerCategory.HEALTHCARE_PROVIDER)
    session.add(partner)
    session.flush()
    example = session.merge(example_link)
    link = create_link(session, example.survey, example.wave, "family", partner)
    response = Response(
        submission_uuid=uuid.uuid4(),
        link_id=link.id,
        survey_id=link.survey_id,
        survey_version_id=example.survey.versions[0].id,
        wave_id=link.wave_id,
        audience=link.audience,
        partner_id=link.partner_id,
        language="en",
    )
    session.add(response)
    session.flush()
    session.add(Answer(response_id=response.id, **answer_facts(response), item_id="overall"))
    session.commit()
    return response


@pytest.mark.parametrize(
    ("fact", "wrong"),
    [("survey_id", -1), ("wave_id", -1), ("audience", "staff")],
)
def test_database_refuses_an_answer_that_disagrees_with_its_response(
    session, stored_response, fact, wrong
):
    facts = {**answer_facts(stored_response), fact: wrong}
    session.add(Answer(response_id=stored_response.id, **facts, item_id="overall"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_an_answer_added_through_the_orm_copies_its_responses_facts(session, stored_response):
    added = Answer(response_id=stored_response.id, item_id="comments", value_text="Fine")
    related = Answer(response=stored_response, item_id="overall", choice="4")
    session.add_all([added, related])
    session.commit()
    for answer in (added, related):
        assert answer_facts(answer) == answer_facts(stored_response)
    assert stored_response.partner_id is not None
    assert mismatches(session) == 0


def _another_wave(session):  # type: ignore[no-untyped-def]
    from app.models import Wave

    wave = Wave(name="Another review", opens_on=dt.date(2026, 1, 1), closes_on=dt.date(2026, 2, 1))
    session.add(wave)
    session.flush()
    return wave


def test_a_responses_facts_cannot_change_under_its_answers(session, stored_response):
    other = _another_wave(session)
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(
            sa.update(Response).where(Response.id == stored_response.id).values(wave_id=other.id)
        )
        session.flush()
    session.rollback()


def test_soft_delete_and_hard_delete_still_work(session, stored_response):
    stored_response.deleted_at = dt.datetime.now(dt.UTC)
    session.commit()
    session.delete(stored_response)
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0


@pytest.fixture
def empty_database_url(tmp_path):  # type: ignore[no-untyped-def]
    """A database of its own: an SQLite file, or a scratch PostgreSQL schema."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    schema = f"migration_check_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = sa.make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def test_migration_fills_the_facts_of_answers_stored_before(empty_database_url, tmp_path):
    app = create_app(base_config(empty_database_url, tmp_path))
    with app.app_context():
        alembic.upgrade("0001")
        rows = {
            "survey": "(id, slug, created_at) VALUES (1, 's', :t)",
            "survey_version": "(id, survey_id, number, sha256, definition, created_at) "
            "VALUES (1, 1, 1, 'x', '{}', :t)",
            "wave": "(id, name, opens_on, closes_on, is_open, created_at) "
            "VALUES (7, 'w', '2026-01-01', '2026-02-01', :yes, :t)",
            "partner": "(id, name, category, created_at) VALUES (3, 'p', 'other', :t)",
            "link": "(id, token, survey_id, wave_id, audience, partner_id, channel, is_open, "
            "created_at) VALUES (1, 'tok', 1, 7, 'staff', 3, 'web', :yes, :t)",
        }
        now = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
        for table, values in rows.items():
            db.session.execute(sa.text(f"INSERT INTO {table} {values}"), {"t": now, "yes": True})
        for response_id, partner_id in ((1, 3), (2, None)):
            db.session.execute(
                sa.text(
                    "INSERT INTO response (id, submission_uuid, link_id, survey_id, "
                    "survey_version_id, wave_id, audience, partner_id, language, submitted_at) "
                    "VALUES (:id, :uuid, 1, 1, 1, 7, 'staff', :partner, 'en', :t)"
                ),
                {"id": response_id, "uuid": uuid.uuid4().hex, "partner": partner_id, "t": now},
            )
            for item in ("a", "b"):
                db.session.execute(
                    sa.text(
                        "INSERT INTO answer (response_id, item_id, choice) VALUES (:r, :i, '1')"
                    ),
                    {"r": response_id, "i": item},
                )
        db.session.commit()

        alembic.upgrade()
        facts = db.session.execute(
            sa.text(
                "SELECT response_id, survey_id, wave_id, audience, partner_id FROM answer "
                "ORDER BY id"
            )
        ).all()
        assert [tuple(f) for f in facts] == [
            (1, 1, 7, "staff", 3),
            (1, 1, 7, "staff", 3),
            (2, 1, 7, "staff", None),
            (2, 1, 7, "staff", None),
        ]
        assert mismatches(db.session) == 0
        with pytest.raises(IntegrityError):
            db.session.execute(
                sa.text(
                    "INSERT INTO answer (response_id, survey_id, wave_id, audience, item_id) "
                    "VALUES (1, 1, 7, 'family', 'c')"
                )
            )
        db.session.rollback()

        alembic.downgrade("0001")
        kept = db.session.execute(sa.text("SELECT response_id, item_id FROM answer")).all()
        assert sorted(tuple(k) for k in kept) == [(1, "a"), (1, "b"), (2, "a"), (2, "b")]
        db.session.commit()
        alembic.downgrade("base")
        for engine in db.engines.values():
            engine.dispose()
