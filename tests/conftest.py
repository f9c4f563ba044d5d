"""Fixtures built through the factory.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.
SQLite: the schema is migrated once into a template file that each test copies.
PostgreSQL: migrated once; every table is emptied after each test.
REQUIRE_ALL_TESTS=1 (set by CI) turns "browser/database missing" skips into failures.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from app import create_app
from app.extensions import alembic, db
from app.models import Base

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLE = FIXTURES / "example.yaml"


def _per_worker_database(url: str | None, worker: str | None) -> str | None:
    """With pytest-xdist each worker process gets its own PostgreSQL database (the given
    one's name plus the worker id, created on first use): the suite rebuilds the schema
    and empties tables, which workers sharing one database would do under each other."""
    if not url or not worker or worker == "master":
        return url
    base = sa.make_url(url)
    name = f"{base.database}_{worker}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).scalar()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


PG_URL = _per_worker_database(
    os.environ.get("TEST_DATABASE_URL"), os.environ.get("PYTEST_XDIST_WORKER")
)


# Debian's Chromium, driven by Playwright (which cannot download browsers here); the
# flags keep it from reaching for the network at start.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_or_skip(reason: str) -> None:
    """Skip locally; fail in CI, where everything must run."""
    if os.environ.get("REQUIRE_ALL_TESTS") == "1":
        pytest.fail(f"required in CI but unavailable: {reason}")
    pytest.skip(reason)


@contextlib.contextmanager
def served_over_http(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app served over real HTTP on a free local port, one thread per request."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def base_config(database_url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "SURVEYS_DIR": str(ROOT / "surveys"),
        "PUBLIC_BASE_URL": "http://localhost",
        "RATELIMIT_ENABLED": False,
        # Reminders go out only where a test asks for them (tests/admin/test_action_reminders).
        "REMINDER_CHECK_MINUTES": 0,
        # Sign-in counts of one test's processes, apart from every other test's.
        "RATELIMIT_SHARED_FILE": str(instance / "ratelimits.db"),
    }


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database URL whose schema was built by the migrations (once per session)."""
    if PG_URL:
        engine = sa.create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        url = PG_URL
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("template") / "template.db")
    app = create_app(base_config(url, Path()))
    with app.app_context():
        alembic.upgrade()
        for engine in db.engines.values():
            engine.dispose()
    return url


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> Iterator[str]:
    if PG_URL:
        yield PG_URL
        _empty_postgres(PG_URL)
    else:
        path = tmp_path / "test.db"
        shutil.copy(migrated_template.removeprefix("sqlite:///"), path)
        yield f"sqlite:///{path}"


def _empty_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict:
    """Override in a test module to change settings before the app is built."""
    return base_config(database_url, tmp_path)


@pytest.fixture
def app(app_config: dict):  # type: ignore[no-untyped-def]
    app = create_app(app_config)
    yield app
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def runner(app):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture
def session(app):  # type: ignore[no-untyped-def]
    """The app's database session inside an application context."""
    with app.app_context():
        yield db.session
        db.session.rollback()


@pytest.fixture
def example_survey(session):  # type: ignore[no-untyped-def]
    """The example definition stored as version 1."""
    from app.definitions import load_file
    from app.definitions.sync import store_definition

    store_definition(session, load_file(EXAMPLE), EXAMPLE.name)
    session.commit()
    from app.models import Survey

    return session.scalar(sa.select(Survey).where(Survey.slug == "example-feedback"))
