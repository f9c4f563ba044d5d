"""Built report files are kept by the fingerprint of everything they depend on: a second
download comes from the cache, a new or deleted response makes a new file (and the old
one goes), and concurrent requests build a file once."""

from __future__ import annotations

import datetime as dt
import threading
import time

import sqlalchemy as sa

from app.extensions import db
from app.models import ReportFile, Response
from reports import cache
from tests.reports.helpers import DATA

SETTINGS = {"min_cell": 10, "comment_min": 10, "mode": "respondents", "paper": "letter"}
SCOPE = "1:*:all:live:csv"


def test_a_second_request_is_served_from_the_cache(session, build, two_waves):
    survey = build.survey(DATA / "report-test.yaml")
    build.respond(survey, two_waves[1], "family", {"comm.referral_process_clear": ["4"] * 12})
    session.commit()
    builds: list[int] = []

    def make() -> bytes:
        builds.append(1)
        return b"report"

    key = cache.fingerprint(session, SCOPE, SETTINGS)
    assert cache.get_or_build(db.engine, key, SCOPE, "csv", make, 10) == (b"report", False)
    assert cache.get_or_build(db.engine, key, SCOPE, "csv", make, 10) == (b"report", True)
    assert builds == [1]


def test_a_new_or_deleted_response_makes_a_new_file_and_the_old_one_goes(session, build, two_waves):
    survey = build.survey(DATA / "report-test.yaml")
    build.respond(survey, two_waves[1], "family", {"comm.referral_process_clear": ["4"] * 12})
    session.commit()
    first = cache.fingerprint(session, SCOPE, SETTINGS)
    cache.get_or_build(db.engine, first, SCOPE, "csv", lambda: b"one", 10)
    session.commit()  # end the read snapshot the fingerprint took
    build.respond(survey, two_waves[1], "family", {"comm.referral_process_clear": ["5"]})
    session.commit()
    second = cache.fingerprint(session, SCOPE, SETTINGS)
    assert second != first
    assert cache.get_or_build(db.engine, second, SCOPE, "csv", lambda: b"two", 10) == (
        b"two",
        False,
    )
    # The superseded file is gone: nothing of what changed lives on in the cache.
    session.commit()
    assert list(session.scalars(sa.select(ReportFile.fingerprint))) == [second]
    session.commit()
    victim = session.scalar(sa.select(Response).order_by(Response.id.desc()).limit(1))
    victim.deleted_at = dt.datetime.now(dt.UTC)
    session.commit()
    assert cache.fingerprint(session, SCOPE, SETTINGS) not in (first, second)
    other = cache.fingerprint(session, SCOPE, {**SETTINGS, "min_cell": 12})
    assert other != cache.fingerprint(session, SCOPE, SETTINGS)


def test_concurrent_requests_build_a_file_once(app, session, build, two_waves):
    build.survey(DATA / "report-test.yaml")
    session.commit()
    key = cache.fingerprint(session, SCOPE, SETTINGS)
    builds: list[int] = []
    results: list[tuple[bytes, bool]] = []

    def make() -> bytes:
        builds.append(1)
        time.sleep(0.5)
        return b"built once"

    def request() -> None:
        with app.app_context():
            results.append(cache.get_or_build(db.engine, key, SCOPE, "csv", make, 20))

    threads = [threading.Thread(target=request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert builds == [1]
    assert sorted(results) == [(b"built once", False)] + [(b"built once", True)] * 3


def test_a_build_that_died_is_taken_over(app, session, build, two_waves):
    build.survey(DATA / "report-test.yaml")
    session.commit()
    key = cache.fingerprint(session, SCOPE, SETTINGS)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    session.add(ReportFile(fingerprint=key, scope=SCOPE, media_type="csv", claimed_at=old))
    session.commit()
    assert cache.get_or_build(db.engine, key, SCOPE, "csv", lambda: b"again", 60) == (
        b"again",
        False,
    )


def test_a_failed_build_leaves_no_claim(session, build, two_waves):
    build.survey(DATA / "report-test.yaml")
    session.commit()
    key = cache.fingerprint(session, SCOPE, SETTINGS)

    def broken() -> bytes:
        raise RuntimeError("boom")

    try:
        cache.get_or_build(db.engine, key, SCOPE, "csv", broken, 10)
    except RuntimeError:
        pass
    assert session.scalar(sa.select(sa.func.count()).select_from(ReportFile)) == 0
