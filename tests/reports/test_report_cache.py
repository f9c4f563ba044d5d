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


SECRET = "Ms Alvarez phoned me at home about my son"


def _holds(content: bytes, text: str) -> bool:
    """Whether a stored file holds ``text``: in its bytes, or in any part of a zip
    (a workbook)."""
    import io
    import zipfile

    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return any(text.encode() in archive.read(name) for name in archive.namelist())
    return text.encode() in content


def _cached_files(app, session, wave, partner) -> list[bytes]:  # type: ignore[no-untyped-def]
    """Files of several scopes of ``wave`` built and cached as a download would be."""
    from app.admin.services.reporting import ReportScope, cached
    from reports.formats import FORMATS

    for scope, fmt in (
        (ReportScope(wave, None, None), "csv"),
        (ReportScope(wave, "report-test", None), "html"),
        (ReportScope(wave, "report-test", partner), "xlsx"),
    ):
        cached(session, db.engine, scope, fmt, app.config, FORMATS[fmt].render)
    session.commit()
    return [c for c in session.scalars(sa.select(ReportFile.content)) if c is not None]


def _wave_with_a_comment(session, build, two_waves):  # type: ignore[no-untyped-def]
    from app.models import Answer, User

    survey = build.survey(DATA / "report-test.yaml")
    partner = build.partner("Riverside Youth Centre")
    partner.share_results = True
    texts = [SECRET] + [f"Fine, thank you {k}" for k in range(11)]
    build.respond(survey, two_waves[1], "family", {"comments": texts}, partner=partner)
    build.respond(survey, two_waves[1], "family", {"comments": ["All good"] * 12})
    user = User(email="coordinator@example.org", password_hash="-", role="coordinator")
    session.add(user)
    session.commit()
    answer = session.scalar(sa.select(Answer).where(Answer.value_text == SECRET))
    return two_waves[1], partner, answer, user


def test_deleting_a_response_deletes_every_cached_file_that_held_it(app, session, build, two_waves):
    from app.admin.services.responses import soft_delete

    wave, partner, answer, user = _wave_with_a_comment(session, build, two_waves)
    files = _cached_files(app, session, wave, partner)
    assert len(files) == 3 and all(_holds(c, SECRET) for c in files)
    soft_delete(session, session.get(Response, answer.response_id), user, "asked to be removed")
    # In the deletion's own transaction: no moment where it is kept and the file too.
    assert session.scalar(sa.select(sa.func.count()).select_from(ReportFile)) == 0
    session.commit()
    assert not any(_holds(c, SECRET) for c in session.scalars(sa.select(ReportFile.content)))
    assert not any(_holds(c, SECRET) for c in _cached_files(app, session, wave, partner))


def test_redacting_or_restoring_a_comment_deletes_the_cached_files(app, session, build, two_waves):
    from app.admin.services.comments import redact, restore

    wave, partner, answer, user = _wave_with_a_comment(session, build, two_waves)
    assert all(_holds(c, SECRET) for c in _cached_files(app, session, wave, partner))
    redaction = redact(session, answer, "[name] phoned me at home", "a staff member's name", user)
    assert session.scalar(sa.select(sa.func.count()).select_from(ReportFile)) == 0
    session.commit()
    files = _cached_files(app, session, wave, partner)
    assert files and not any(_holds(c, "Alvarez") for c in files)
    assert all(_holds(c, "[name] phoned me at home") for c in files)
    restore(session, redaction, user)
    assert session.scalar(sa.select(sa.func.count()).select_from(ReportFile)) == 0
    session.commit()


def test_a_build_that_read_the_data_before_a_deletion_is_not_stored(session, build, two_waves):
    """A request that took its fingerprint (and read its data) before a deletion
    committed, and claims after the deletion's files were deleted, gets its file
    but leaves nothing of the deleted response in the cache."""
    from app.admin.services.responses import soft_delete
    from app.models import User

    survey = build.survey(DATA / "report-test.yaml")
    (victim, *_rest) = build.respond(survey, two_waves[1], "family", {"comments": [SECRET] * 12})
    user = User(email="coordinator@example.org", password_hash="-", role="coordinator")
    session.add(user)
    session.commit()
    before = cache.fingerprint(session, SCOPE, SETTINGS)
    session.commit()
    soft_delete(session, victim, user, "asked to be removed")
    session.commit()

    def current(now) -> str:  # type: ignore[no-untyped-def]
        return cache.fingerprint(now, SCOPE, SETTINGS)

    built = cache.get_or_build(db.engine, before, SCOPE, "csv", SECRET.encode, 10, current)
    assert built == (SECRET.encode(), False)
    assert session.scalar(sa.select(sa.func.count()).select_from(ReportFile)) == 0
    # A build from the data as it is now is kept.
    now = current(session)
    session.commit()
    assert cache.get_or_build(db.engine, now, SCOPE, "csv", lambda: b"kept", 10, current) == (
        b"kept",
        False,
    )
    assert list(session.scalars(sa.select(ReportFile.fingerprint))) == [now]


def test_the_code_version_changes_with_the_question_types(tmp_path):
    """Question types give reports their labels and scoring: a change to them builds
    every file again, as a change to ``reports`` does."""
    import shutil
    from pathlib import Path

    import app.definitions
    import reports

    roots = cache.code_roots()
    definitions = Path(app.definitions.__file__).resolve().parent
    assert Path(reports.__file__).resolve().parent in roots and definitions in roots
    copies = []
    for root in roots:
        copy = tmp_path / root.name
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns("__pycache__"))
        copies.append(copy)
    before = cache.digest_of(copies)
    base = tmp_path / "definitions" / "types" / "base.py"
    base.write_text(base.read_text() + "\n# scoring changed\n")
    assert cache.digest_of(copies) != before
    # The same code in another place is the same version.
    base.write_text((definitions / "types" / "base.py").read_text())
    assert cache.digest_of(copies) == before == cache.digest_of(roots)
    assert cache.code_version() == before
