from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from tests.conftest import EXAMPLE
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
