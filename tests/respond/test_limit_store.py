"""Rate-limit counting: where counts are kept, and what happens when that store fails."""

from __future__ import annotations

import logging
import socket
import uuid

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.models import Response
from tests.conftest import base_config, require_or_skip
from tests.respond.helpers import Respondent

REDIS = ("127.0.0.1", 6379)


def finish(respondent: Respondent):  # type: ignore[no-untyped-def]
    respondent.open("en")
    respondent.press("next", {"uses_services": "no"})
    return respondent.press("submit", {"help.know_where": "3"})


@pytest.fixture
def app_config(database_url, tmp_path):  # type: ignore[no-untyped-def]
    config = base_config(database_url, tmp_path)
    # Nothing listens on port 1: every count fails.
    config.update(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1")
    return config


def test_answers_go_through_when_the_counting_store_is_down(client, example_link, session, caplog):
    with caplog.at_level(logging.WARNING):
        response = finish(Respondent(client, example_link.token))
    assert response.status_code == 303
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1
    assert "rate limit not counted" in caplog.text


def test_processes_sharing_redis_share_one_count(database_url, tmp_path, example_link):
    """Two application instances stand for two gunicorn workers."""
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        require_or_skip("no Redis server at 127.0.0.1:6379")
    config = base_config(database_url, tmp_path)
    config.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379",
        SUBMIT_RATE_LIMIT="3 per minute",
    )
    # An address of our own, so counts left by another run in the last minute don't add.
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    statuses = []
    workers = [create_app(config), create_app(config)]
    try:
        for worker in workers * 2:
            client = worker.test_client()
            client.environ_base["REMOTE_ADDR"] = address
            person = Respondent(client, example_link.token)
            person.open()
            statuses.append(person.press("next", {"uses_services": "no"}).status_code)
    finally:
        for worker in workers:
            with worker.app_context():
                db.engine.dispose()
    assert statuses == [200, 200, 200, 429]


def test_a_malformed_rate_stops_the_start(database_url, tmp_path):
    config = base_config(database_url, tmp_path)
    config["SUBMIT_RATE_LIMIT"] = "many"
    with pytest.raises(SystemExit, match="SUBMIT_RATE_LIMIT='many' is not a rate"):
        create_app(config)
