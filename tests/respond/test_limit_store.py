"""Rate-limit counting: where counts are kept, and what happens when that store fails."""

from __future__ import annotations

import logging
import re
import socket
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.models import Response
from app.ratelimit import FileCounts, shared_file
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
    config.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:1",
        SUBMIT_RATE_LIMIT="5 per minute",
    )
    return config


def test_answers_go_through_when_the_counting_store_is_down(client, example_link, session, caplog):
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


def test_a_malformed_rate_stops_the_start(database_url, tmp_path):
    config = base_config(database_url, tmp_path)
    config["SUBMIT_RATE_LIMIT"] = "many"
    with pytest.raises(SystemExit, match="SUBMIT_RATE_LIMIT='many' is not a rate"):
        create_app(config)


def _sign_in_attempts(app, address: str, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    page = client.get("/signin").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    wrong = {"email": "nobody@example.org", "password": "wrong", "csrf_token": token}
    return [client.post("/signin", data=wrong).status_code for _ in range(count)]


def test_sign_in_attempts_on_memory_storage_are_counted_once_for_every_process(
    database_url, tmp_path
):
    """Two application instances (two gunicorn workers) on the default memory://
    storage: sign-in attempts add up in the file they share, so the limit holds for
    both together, while each counts survey pages on its own."""
    config = base_config(database_url, tmp_path)
    config.update(RATELIMIT_ENABLED=True, SIGNIN_RATE_LIMIT="3 per minute")
    workers = [create_app(config), create_app(config)]
    try:
        statuses = [
            status for worker in workers * 2 for status in _sign_in_attempts(worker, "10.1.1.1", 1)
        ]
        assert statuses == [200, 200, 200, 429]
        # Another address has its own count.
        assert _sign_in_attempts(workers[1], "10.1.1.2", 1) == [200]
    finally:
        for worker in workers:
            with worker.app_context():
                db.engine.dispose()
    assert (tmp_path / "ratelimits.db").is_file()


def test_the_shared_count_file_defaults_beside_the_sqlite_database(tmp_path):
    database = tmp_path / "data" / "feedback.db"
    database.parent.mkdir()
    config = base_config(f"sqlite:///{database}", tmp_path)
    config.pop("RATELIMIT_SHARED_FILE")
    app = create_app(config)
    assert shared_file(app) == tmp_path / "data" / "feedback-ratelimits.db"
    config["DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/feedback"
    app = create_app(config)
    assert shared_file(app) == Path(app.instance_path) / "ratelimits.db"


def test_a_count_file_in_a_missing_folder_stops_the_start(database_url, tmp_path):
    config = base_config(database_url, tmp_path)
    config.update(RATELIMIT_ENABLED=True, RATELIMIT_SHARED_FILE=str(tmp_path / "no" / "x.db"))
    with pytest.raises(SystemExit, match="RATELIMIT_SHARED_FILE=.*does not exist"):
        create_app(config)


def test_file_counts_start_again_when_the_window_ends(tmp_path, monkeypatch):
    counts = FileCounts(tmp_path / "counts.db")
    now = [1000.0]
    monkeypatch.setattr("app.ratelimit.time.time", lambda: now[0])
    assert [counts.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert counts.get("k") == 3 and counts.get_expiry("k") == 1060.0
    now[0] = 1060.0
    assert counts.get("k") == 0
    assert counts.incr("k", 60) == 1
    assert counts.get_expiry("k") == 1120.0
    counts.clear("k")
    assert counts.get("k") == 0
    assert counts.check()


def test_sign_in_goes_through_counted_nowhere_when_the_count_file_is_unusable(
    database_url, tmp_path, caplog
):
    """A count file that cannot be opened (here: a folder stands in its place) lets the
    attempt through, as any unreachable store does, and says so in the log."""
    (tmp_path / "ratelimits.db").mkdir()
    config = base_config(database_url, tmp_path)
    config.update(RATELIMIT_ENABLED=True, SIGNIN_RATE_LIMIT="1 per minute")
    app = create_app(config)
    try:
        with caplog.at_level(logging.WARNING):
            assert _sign_in_attempts(app, "10.1.1.3", 2) == [200, 200]
    finally:
        with app.app_context():
            db.engine.dispose()
    assert "rate limit not counted (auth.signin)" in caplog.text


def _count_from_a_new_process(path: str, start: float, hits: int) -> int:
    """Wait for ``start`` (so every process counts at once), then count ``hits`` times;
    return how many of them went uncounted."""
    import time

    from limits.errors import StorageError

    while time.time() < start:
        pass
    counts = FileCounts(path)
    uncounted = 0
    for _ in range(hits):
        try:
            counts.incr("signin", 60)
        except StorageError:
            uncounted += 1
    return uncounted


def test_workers_starting_at_once_on_a_new_count_file_count_every_attempt(tmp_path):
    """Workers that start together all set up the new file: SQLite answers their race
    to switch it to WAL with "database is locked" at once, and not one attempt may go
    through uncounted for it."""
    import multiprocessing
    import time

    context = multiprocessing.get_context("spawn")
    with context.Pool(6) as pool:
        for trial in range(8):
            path = str(tmp_path / f"counts-{trial}.db")
            start = time.time() + (2.0 if trial == 0 else 0.3)
            uncounted = pool.starmap(_count_from_a_new_process, [(path, start, 10)] * 6)
            assert uncounted == [0] * 6, f"trial {trial}"
            assert FileCounts(path).get("signin") == 60
