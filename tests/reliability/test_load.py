"""Under concurrent load, retries and killed processes, nothing acknowledged is lost and
nothing is stored twice. Runs against gunicorn on SQLite, or PostgreSQL in its CI run."""

from __future__ import annotations

import http.client
import os
import random
import signal
import threading
import time
import uuid

import sqlalchemy as sa

from bench import _load
from bench.submission import ITEMS
from tests.conftest import PG_URL
from tests.reliability.conftest import responses_missing_answers, stored_uuids
from tests.reliability.server import running, wait_until_up

SOAK = bool(os.environ.get("SOAK"))
CLIENTS = 200 if SOAK else 40
SUBMIT_ENV = {"SUBMIT_RATE_LIMIT": "1000000 per minute"}


def _answers(rng: random.Random) -> dict[str, str]:
    return {f"q{i}": str(rng.randint(1, 5)) for i in range(ITEMS)}


def test_concurrent_clients_retrying_leave_exactly_one_response_each(
    open_link, database_url, session, tmp_path
):
    acknowledged: list[str] = []
    sent = 0
    lock = threading.Lock()
    with running(database_url, tmp_path, workers=3, extra_env=SUBMIT_ENV) as server:

        def client_life(n: int) -> None:
            nonlocal sent
            rng = random.Random(n)
            client = _load.Client(server.url)
            hidden = _load.survey_form(client, open_link)
            body = {**hidden, "_uuid": str(uuid.uuid4()), **_answers(rng), "nav": "submit"}
            attempts = rng.randint(1, 3)  # the first try, then up to two retries
            # Retries overlap the first try, as a double tap or a client timeout would.
            statuses: list[int] = []

            def post() -> None:
                statuses.append(client.request("POST", f"/s/{open_link}", body)[0])

            threads = [threading.Thread(target=post) for _ in range(attempts)]
            for t in threads:
                t.start()
                time.sleep(rng.random() * 0.01)
            for t in threads:
                t.join()
            with lock:
                sent += attempts
                if 303 in statuses:
                    acknowledged.append(body["_uuid"])
            assert set(statuses) == {303}, statuses

        threads = [threading.Thread(target=client_life, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sent > CLIENTS  # some clients really did retry
    assert len(acknowledged) == CLIENTS
    assert stored_uuids(session) == set(acknowledged)
    assert responses_missing_answers(session) == 0


def _integrity_ok(database_url: str) -> bool:
    if PG_URL:
        return True
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        result = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
    engine.dispose()
    return result == "ok"


def test_killing_a_worker_then_the_master_loses_no_acknowledged_submission(
    open_link, database_url, session, tmp_path
):
    acknowledged: list[str] = []
    failures = 0
    stop = threading.Event()
    lock = threading.Lock()
    faults = []

    with running(database_url, tmp_path, workers=3, extra_env=SUBMIT_ENV) as server:

        def submitter(n: int) -> None:
            nonlocal failures
            rng = random.Random(n)
            client = _load.Client(server.url)
            try:
                hidden = _load.survey_form(client, open_link)
            except (OSError, RuntimeError, http.client.HTTPException):
                return
            deadline = time.monotonic() + 60
            while not stop.is_set() and time.monotonic() < deadline:
                body = {**hidden, "_uuid": str(uuid.uuid4()), **_answers(rng), "nav": "submit"}
                try:
                    status, _ = client.request("POST", f"/s/{open_link}", body, timeout=10)
                except (OSError, http.client.HTTPException):
                    # Cut off mid-answer by a kill: not acknowledged, so not counted.
                    status = 0
                with lock:
                    if status == 303:
                        acknowledged.append(body["_uuid"])
                    else:
                        failures += 1

        threads = [threading.Thread(target=submitter, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        # Faults strike mid-load: once submissions flow, and again once they flow anew.
        _wait_for(lambda: len(acknowledged) >= 10)
        worker = server.worker_pids()[0]
        os.kill(worker, signal.SIGKILL)
        faults.append(f"SIGKILL worker {worker}")
        after_first = len(acknowledged)
        _wait_for(lambda: len(acknowledged) >= after_first + 10)
        os.kill(server.process.pid, signal.SIGKILL)
        faults.append(f"SIGKILL master {server.process.pid}")
        for pid in server.worker_pids():
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()
        server.process.wait(timeout=10)

    assert len(faults) == 2
    assert len(acknowledged) > 10, "the load never got going"
    # Restart on the same database: everything acknowledged is there, intact.
    with running(database_url, tmp_path, workers=1, extra_env=SUBMIT_ENV) as again:
        wait_until_up(again.url)
    assert _integrity_ok(database_url)
    stored = stored_uuids(session)
    assert set(acknowledged) <= stored
    assert responses_missing_answers(session) == 0


def _wait_for(condition, timeout: float = 45.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the load did not get going"
        time.sleep(0.05)
