from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import EXAMPLE, served_over_http
from tests.respond.helpers import Respondent, compile_translations, open_link, store_survey


@pytest.fixture(scope="session", autouse=True)
def translations_built() -> None:
    compile_translations()


@pytest.fixture
def example_link(session):  # type: ignore[no-untyped-def]
    """An open family link to the example survey (every question type)."""
    link = open_link(session, store_survey(session, EXAMPLE))
    session.commit()
    return link


@pytest.fixture
def respondent(client, example_link):  # type: ignore[no-untyped-def]
    return Respondent(client, example_link.token)


@pytest.fixture
def live_server(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with served_over_http(app) as url:
        yield url
