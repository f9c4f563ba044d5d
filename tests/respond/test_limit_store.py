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
def app_config(database_url, tmp_path, request):  # type: ignore[no-untyped-def]
    config = base_config(database_url, tmp_path)
    # Nothing listens on port 1: every count fails.
    config.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:1",
        SUBMIT_RATE_LIMIT=getattr(request, "param", "5 per minute"),
    )
    return config


@pytest.mark.parametrize(
    "app_config", ["5 per minute", "40 per minute"], ids=["exact", "batched"], indirect=True
)
def test_answers_go_through_when_the_counting_store_is_down(client, example_link, session, caplog):
    """Counted exactly (small limits) or in batches (two posts make a batch of 40/min)."""
    with caplog.at_level(logging.WARNING):
        response = finish(Respondent(client, example_link.token))
    assert response.status_code == 303
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1
    assert "rate limit not counted" in caplog.text


def two_workers_on_redis(database_url, tmp_path, rate: str):  # type: ignore[no-untyped-def]
    """Two application instances counting in the local Redis (they stand for two
    gunicorn workers), and a client address of this test's own, so counts left by
    another run in the last minute don't add."""
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        require_or_skip("no Redis server at 127.0.0.1:6379")
    config = base_config(database_url, tmp_path)
    config.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379",
        SUBMIT_RATE_LIMIT=rate,
    )
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    return [create_app(config), create_app(config)], address


def test_processes_sharing_redis_share_one_count(database_url, tmp_path, example_link):
    """Two application instances stand for two gunicorn workers."""
    workers, address = two_workers_on_redis(database_url, tmp_path, "3 per minute")
    statuses = []
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


def test_large_limits_are_shared_in_batches_and_still_stop_a_flood(
    database_url, tmp_path, example_link
):
    """40 per minute: each process sends its count every 2 posts. Posts alternating
    between two processes are refused at most one batch per process past the limit,
    and a process that saw fewer posts than a batch asked the store nothing."""
    workers, address = two_workers_on_redis(database_url, tmp_path, "40 per minute")
    sent: list[int] = []
    for worker in workers:
        storage = worker.extensions["rate_limits"].storage
        incr = storage.incr

        def counting_incr(*args, _incr=incr, **kwargs):  # type: ignore[no-untyped-def]
            sent.append(kwargs.get("amount", 1))
            return _incr(*args, **kwargs)

        storage.incr = counting_incr
    statuses = []

    def post(person: Respondent) -> int:
        status = person.press("back").status_code
        person.history_back()  # the same form again, as a flood would send it
        return status

    try:
        people = []
        for worker in workers:
            client = worker.test_client()
            client.environ_base["REMOTE_ADDR"] = address
            person = Respondent(client, example_link.token)
            person.open()
            people.append(person)
        statuses.append(post(people[0]))
        assert sent == []  # one post, less than a batch: no round trip
        for _ in range(25):
            for person in people:
                statuses.append(post(person))
    finally:
        for worker in workers:
            with worker.app_context():
                db.engine.dispose()
    accepted = statuses.count(200)
    assert 40 <= accepted <= 42
    assert statuses[accepted:] == [429] * (len(statuses) - accepted)
    assert sum(sent) >= 40 and set(sent) == {2}


def test_a_malformed_rate_stops_the_start(database_url, tmp_path):
    config = base_config(database_url, tmp_path)
    config["SUBMIT_RATE_LIMIT"] = "many"
    with pytest.raises(SystemExit, match="SUBMIT_RATE_LIMIT='many' is not a rate"):
        create_app(config)
