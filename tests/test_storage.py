"""Migrations, models, syncing versions, and configuration."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app import create_app
from app.admin.services.links import create_link
from app.config import ConfigError
from app.definitions import load_file, load_text
from app.definitions.sync import definition_of, store_definition
from app.extensions import alembic, db
from app.models import (
    Answer,
    Audience,
    Link,
    Partner,
    PartnerCategory,
    Response,
    Role,
    SurveyVersion,
    User,
    Wave,
)
from tests.conftest import EXAMPLE, PG_URL


def test_models_and_migrations_do_not_drift(app):
    with app.app_context():
        assert alembic.compare_metadata() == []


def test_migrations_build_schema_from_empty_and_downgrade(tmp_path):
    if PG_URL:
        pytest.skip("the PostgreSQL run builds its schema from empty in the session fixture")
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    app = create_app({"TESTING": True, "DATABASE_URL": url})
    with app.app_context():
        alembic.upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {
            "survey",
            "survey_version",
            "response",
            "answer",
            "link",
            "wave",
            "user_account",
        } <= tables
        alembic.downgrade("base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}


def test_sqlite_connection_settings(app):
    if PG_URL:
        pytest.skip("SQLite pragmas")
    with app.app_context():
        conn = db.session.connection()
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 10000


def _wave(session, name="2026 Fall review"):
    import datetime as dt

    wave = Wave(name=name, opens_on=dt.date(2026, 10, 1), closes_on=dt.date(2026, 12, 1))
    session.add(wave)
    session.flush()
    return wave


def _response(session, link, version, **extra):
    response = Response(
        submission_uuid=extra.pop("submission_uuid", uuid.uuid4()),
        link_id=link.id,
        survey_id=link.survey_id,
        survey_version_id=version.id,
        wave_id=link.wave_id,
        audience=link.audience,
        language="es",
        **extra,
    )
    session.add(response)
    session.flush()
    return response


def test_submission_uuid_is_unique(session, example_survey):
    link = create_link(session, example_survey, _wave(session), Audience.FAMILY)
    version = example_survey.versions[0]
    same = uuid.uuid4()
    _response(session, link, version, submission_uuid=same)
    session.commit()
    with pytest.raises(IntegrityError):
        _response(session, link, version, submission_uuid=same)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1


def test_answers_are_stored_long_and_deleted_with_their_response(session, example_survey):
    link = create_link(session, example_survey, _wave(session), Audience.FAMILY)
    response = _response(session, link, example_survey.versions[0])
    survey = definition_of(example_survey.versions[0])
    value, _ = survey.question_by_item["services_used"].parse(
        {"services_used": ["clinic", "counseling"]}
    )
    for row in survey.question_by_item["services_used"].answer_rows(value):
        session.add(Answer(response_id=response.id, **row._asdict()))
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 2
    session.delete(response)
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0


def test_wave_must_close_after_it_opens(session):
    import datetime as dt

    session.add(Wave(name="bad", opens_on=dt.date(2026, 5, 1), closes_on=dt.date(2026, 4, 1)))
    with pytest.raises(IntegrityError):
        session.flush()


def test_partner_user_needs_a_partner_in_the_database_too(session):
    session.add(User(email="p@example.org", password_hash="x", role=Role.PARTNER))
    with pytest.raises(IntegrityError):
        session.flush()


def test_enums_are_stored_as_lowercase_codes(session):
    session.add(Partner(name="Clinic", category=PartnerCategory.HEALTHCARE_PROVIDER))
    session.commit()
    raw = session.execute(sa.text("SELECT category FROM partner")).scalar()
    assert raw == "healthcare_provider"


def test_sync_is_idempotent_and_versions_on_change(session):
    first = store_definition(session, load_file(EXAMPLE), "example.yaml")
    again = store_definition(session, load_file(EXAMPLE), "example.yaml")
    changed_text = EXAMPLE.read_text().replace("Example feedback", "Example feedback, revised")
    changed = store_definition(session, load_text(changed_text), "example.yaml")
    session.commit()
    assert (first.action, first.version) == ("created", 1)
    assert (again.action, again.version) == ("unchanged", 1)
    assert (changed.action, changed.version) == ("new version", 2)
    assert session.scalar(sa.select(sa.func.count()).select_from(SurveyVersion)) == 2


def test_new_version_never_alters_stored_responses(session, example_survey):
    link = create_link(session, example_survey, _wave(session), Audience.FAMILY)
    old_version = example_survey.versions[0]
    response = _response(session, link, old_version)
    session.add(Answer(response_id=response.id, item_id="one_word", value_text="Caring"))
    session.commit()
    old_definition = dict(old_version.definition)

    edited = EXAMPLE.read_text().replace("item: one_word", "item: one_word_v2")
    store_definition(session, load_text(edited), "example.yaml")
    session.commit()

    session.rollback()  # a new snapshot, with what the requests committed
    stored = session.get(Response, response.id)
    assert stored.survey_version_id == old_version.id
    assert session.get(SurveyVersion, old_version.id).definition == old_definition
    assert [a.item_id for a in stored.answers] == ["one_word"]


def test_link_tokens_are_unique_and_unguessable(session, example_survey):
    wave = _wave(session)
    tokens = {create_link(session, example_survey, wave, Audience.FAMILY).token for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(t) >= 12 for t in tokens)
    assert session.scalar(sa.select(sa.func.count()).select_from(Link)) == 50


def test_missing_secret_key_in_production_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FEEDBACK_ENV", raising=False)
    from app import config

    class FakeConfig(dict):
        def from_mapping(self, m):
            self.update(m)

        def from_pyfile(self, *a, **k):
            return False

    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        config.load(FakeConfig(), str(tmp_path), {"DATABASE_URL": "sqlite://"})


def test_secret_key_is_read_from_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    from app import config

    class FakeConfig(dict):
        def from_mapping(self, m):
            self.update(m)

        def from_pyfile(self, *a, **k):
            return False

    (tmp_path / "secret_key").write_text("from-file\n")
    cfg = FakeConfig()
    config.load(cfg, str(tmp_path), {"DATABASE_URL": "sqlite://"})
    assert cfg["SECRET_KEY"] == "from-file"


@pytest.mark.parametrize(
    ("url", "message"),
    [("not a url", "is not a database URL"), ("mysql://x/y", "only sqlite and postgresql")],
)
def test_malformed_database_url_is_one_clear_line(url, message):
    with pytest.raises(ConfigError, match=message) as info:
        create_app({"TESTING": True, "DATABASE_URL": url})
    assert "\n" not in str(info.value)


def test_plain_postgresql_url_uses_psycopg3():
    app = create_app({"TESTING": True, "DATABASE_URL": "postgresql://u@127.0.0.1/x"})
    assert app.config["DATABASE_URL"].startswith("postgresql+psycopg://")


def test_environment_variables_override_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("MIN_CELL_SIZE", "12")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["MIN_CELL_SIZE"] == 12
    monkeypatch.setenv("MIN_CELL_SIZE", "3")
    with pytest.raises(ConfigError, match="below 5"):
        create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})


def test_health_check_reports_database(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "couldn't find that page" in response.get_data(as_text=True).replace("&#39;", "'")
