"""The sign-in limit holds however many gunicorn workers serve, on the default
``memory://`` storage, and counting sign-in attempts never holds up a family's answers."""

from __future__ import annotations

import random
import re
import sqlite3
import threading
import uuid

from app.ratelimit import FileCounts
from bench import _load
from bench.submission import ITEMS
from tests.reliability.conftest import responses_missing_answers, stored_uuids
from tests.reliability.server import running

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LIMIT = 5


def _guesser(url: str) -> tuple[_load.Client, str]:
    """A client with the sign-in page's session cookie and CSRF token."""
    client = _load.Client(url)
    status, page = client.request("GET", "/signin")
    assert status == 200
    match = CSRF.search(page)
    assert match, "no CSRF token on the sign-in page"
    return client, match.group(1)


def _attempt(client: _load.Client, token: str) -> int:
    wrong = {"email": "nobody@example.org", "password": "a wrong guess", "csrf_token": token}
    return client.request("POST", "/signin", wrong)[0]


def _env(tmp_path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "RATELIMIT_STORAGE_URI": "memory://",
        "SIGNIN_RATE_LIMIT": f"{LIMIT} per minute",
        "SUBMIT_RATE_LIMIT": "1000000 per minute",
        "RATELIMIT_SHARED_FILE": str(tmp_path / "signin-counts.db"),
    }


def test_the_sign_in_limit_holds_across_three_workers(database_url, tmp_path):
    """Attempts sent at once from many connections land on every worker; still only
    LIMIT of them are answered and the rest are refused with 429."""
    with running(database_url, tmp_path, workers=3, extra_env=_env(tmp_path)) as server:
        guessers = [_guesser(server.url) for _ in range(8)]
        statuses: list[int] = []
        lock = threading.Lock()

        def guess(client: _load.Client, token: str) -> None:
            for _ in range(3):
                status = _attempt(client, token)
                with lock:
                    statuses.append(status)

        threads = [threading.Thread(target=guess, args=g) for g in guessers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        log = server.log_text()
    uncounted = [line for line in log.splitlines() if "rate limit not counted" in line]
    assert uncounted == []
    assert len(statuses) == 24
    assert statuses.count(200) == LIMIT, statuses
    assert statuses.count(429) == 24 - LIMIT, statuses


def test_a_flood_of_sign_in_attempts_never_touches_a_family_s_answers(
    open_link, database_url, session, tmp_path
):
    """While another process holds the sign-in counts' file locked and a flood of
    attempts waits on it, families' posts are all stored: they never count there
    (had they, each would log that it went through uncounted)."""
    env = _env(tmp_path)
    with running(database_url, tmp_path, workers=3, extra_env=env) as server:
        guessers = [_guesser(server.url) for _ in range(4)]
        families = []
        for _ in range(6):
            client = _load.Client(server.url)
            families.append((client, _load.survey_form(client, open_link)))
        assert FileCounts(env["RATELIMIT_SHARED_FILE"]).check()  # the file, made
        holder = sqlite3.connect(env["RATELIMIT_SHARED_FILE"], isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        acknowledged: list[str] = []
        refused: list[int] = []
        lock = threading.Lock()

        def flood(client: _load.Client, token: str) -> None:
            for _ in range(2):
                _attempt(client, token)

        def answer(n: int, client: _load.Client, hidden: dict[str, str]) -> None:
            rng = random.Random(n)
            for _ in range(3):
                answers = {f"q{i}": str(rng.randint(1, 5)) for i in range(ITEMS)}
                body = {**hidden, "_uuid": str(uuid.uuid4()), **answers, "nav": "submit"}
                status = client.request("POST", f"/s/{open_link}", body)[0]
                with lock:
                    if status == 303:
                        acknowledged.append(body["_uuid"])
                    else:
                        refused.append(status)

        floods = [threading.Thread(target=flood, args=g) for g in guessers]
        answering = [
            threading.Thread(target=answer, args=(n, *family)) for n, family in enumerate(families)
        ]
        try:
            for thread in floods + answering:
                thread.start()
            for thread in answering:
                thread.join()
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        for thread in floods:
            thread.join()
        log = server.log_text()
    assert refused == []
    assert len(acknowledged) == 18
    assert stored_uuids(session) == set(acknowledged)
    assert responses_missing_answers(session) == 0
    # The sign-in attempts did wait on the locked file, and went through uncounted.
    assert "rate limit not counted (auth.signin)" in log
    assert "rate limit not counted (respond." not in log
