from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import orm

from app.extensions import db
from tests.conftest import EXAMPLE, served_over_http
from tests.respond.helpers import Respondent, compile_translations, stored_link


@pytest.fixture(scope="session", autouse=True)
def translations_built() -> None:
    compile_translations()


@pytest.fixture
def session(app) -> Iterator[orm.Session]:  # type: ignore[no-untyped-def]
    """The test's own database session, with no application context kept open: each
    request the test makes pushes a context (and a ``g``) of its own, as in production,
    and nothing a request leaves in ``g`` reaches the next. The session sees what the
    requests committed from its next transaction on (``rollback()`` starts one)."""
    with app.app_context():
        maker = db.sessionmaker
    with maker() as own:
        yield own
        own.rollback()


@pytest.fixture
def example_link(app):  # type: ignore[no-untyped-def]
    """An open family link to the example survey (every question type), made in an
    application context of its own: each request a test makes then gets a fresh one,
    as in production (see ``tests.factories.database``)."""
    return stored_link(app, EXAMPLE)


@pytest.fixture
def respondent(client, example_link):  # type: ignore[no-untyped-def]
    return Respondent(client, example_link.token)


@pytest.fixture
def live_server(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with served_over_http(app) as url:
        yield url
