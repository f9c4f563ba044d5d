"""Built report files, kept in the database and found again by the fingerprint of
everything they depend on, so a second download is served without building again.

The fingerprint covers the wave and its state, the scope and format, the settings, the
survey versions, partners (names and sharing), links, redactions, releases, the
reviews' actions and their notes, the latest response and deletion anywhere, today's
date (a wave's state moves with it) and the code of ``reports`` and of the definitions
(``code_roots``): any change to any of them makes a new fingerprint. When a file is
stored, every older file of the same scope is deleted. Deleting a response and
redacting a comment (or undoing a redaction) call :func:`forget` in their own
transaction, which deletes every stored file, of every scope and format: nothing of
a deleted response or a redacted comment lives on in a cached file, even one whose
scope is not asked for again.

Concurrent requests for the same file build it once: the first inserts a claim (a row
without content) and builds; the others wait for its content. A claim older than the
time limit belongs to a build that died and is taken over. Claims and files are written
in short transactions of their own, beside the request's.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import time
import typing as t
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import orm

from app.models import (
    ActionItem,
    ActionNote,
    CodedNote,
    CommentRedaction,
    Link,
    Partner,
    Release,
    ReportFile,
    Response,
    SurveyVersion,
    ThemeTag,
    Wave,
)
from app.models.base import table_of

POLL_SECONDS = 0.1


def code_roots() -> list[Path]:
    """The code a report's content comes from: ``reports`` and the definitions (the
    question types give labels, scoring and how answers read)."""
    import app.definitions

    return [Path(__file__).resolve().parent, Path(app.definitions.__file__).resolve().parent]


def digest_of(roots: list[Path]) -> str:
    """A digest of the code files below ``roots`` (names relative to each root)."""
    digest = hashlib.sha256()
    for root in roots:
        digest.update(f"\0{root.name}\0".encode())
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".html", ".css") and path.is_file():
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@functools.cache
def code_version() -> str:
    """A digest of the report code: a new release of it builds every file again."""
    return digest_of(code_roots())


def _rows(session: orm.Session, query: sa.Select[*tuple[t.Any, ...]]) -> list[list[t.Any]]:
    return [[str(v) for v in row] for row in session.execute(query)]


def fingerprint(
    session: orm.Session, scope: str, settings: dict[str, t.Any], today: dt.date | None = None
) -> str:
    """The fingerprint of a file of ``scope`` (wave, survey, partner, format, figures)
    built with ``settings``, from the data as it is now."""
    inputs = {
        "scope": scope,
        "settings": settings,
        "today": (today or dt.date.today()).isoformat(),
        "code": code_version(),
        "waves": _rows(
            session,
            sa.select(Wave.id, Wave.name, Wave.opens_on, Wave.closes_on, Wave.is_open).order_by(
                Wave.id
            ),
        ),
        "responses": _rows(
            session,
            sa.select(
                sa.func.count(),
                sa.func.max(Response.id),
                sa.func.count(Response.deleted_at),
                sa.func.max(Response.deleted_at),
            ),
        ),
        "versions": _rows(session, sa.select(sa.func.count(), sa.func.max(SurveyVersion.id))),
        "partners": _rows(
            session, sa.select(Partner.id, Partner.name, Partner.share_results).order_by(Partner.id)
        ),
        "links": _rows(
            session,
            sa.select(
                Link.id, Link.wave_id, Link.partner_id, Link.channel, Link.expected_n
            ).order_by(Link.id),
        ),
        "redactions": _rows(
            session,
            sa.select(
                sa.func.count(),
                sa.func.max(CommentRedaction.id),
                sa.func.max(CommentRedaction.undone_at),
            ),
        ),
        "releases": _rows(session, sa.select(sa.func.max(Release.id))),
        # Theme coding: any note coded, recoded or its themes changed.
        "coding": _rows(
            session,
            sa.select(sa.func.count(), sa.func.max(CodedNote.coded_at)),
        ),
        "tags": _rows(session, sa.select(sa.func.count(), sa.func.max(ThemeTag.id))),
        # What the reviews decided (the next packet reports on it): any action added,
        # changed or deleted, any progress note.
        "actions": _rows(
            session,
            sa.select(
                sa.func.count(), sa.func.max(ActionItem.id), sa.func.max(ActionItem.updated_at)
            ),
        ),
        "action_notes": _rows(session, sa.select(sa.func.count(), sa.func.max(ActionNote.id))),
    }
    encoded = json.dumps(inputs, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


def forget(session: orm.Session) -> None:
    """Delete every stored file (and claim) in ``session``'s transaction: called where a
    response is deleted or a comment redacted, so the files that hold them go with them.

    Every file, not only the wave's: every fingerprint covers the latest deletion and
    redaction anywhere, so no stored file could be served again anyway, and a later
    wave's packet carries this wave's figures. A build under way when this commits
    finds its claim gone, or its fingerprint out of date, and stores nothing
    (``get_or_build``)."""
    session.execute(sa.delete(ReportFile))


class CacheTimeout(RuntimeError):
    """Waited longer than the time limit for another request's build."""


def get_or_build(
    engine: sa.Engine,
    key: str,
    scope: str,
    media_type: str,
    build: Callable[[], bytes],
    time_limit: float,
    current: Callable[[orm.Session], str] | None = None,
) -> tuple[bytes, bool]:
    """The file with fingerprint ``key``: (content, whether it came from the cache).
    Builds it with ``build`` unless another request is building it already.

    ``current`` gives the fingerprint as the data stands when the file is stored: a
    build that read the data before a deletion or redaction committed (and claimed
    after :func:`forget` had run) is returned but not stored."""
    started = time.monotonic()
    while True:
        content, claimed_at = _lookup(engine, key)
        if content is not None:
            return content, True
        if claimed_at is None or _stale(claimed_at, time_limit):
            if _claim(engine, key, scope, media_type, stale=claimed_at is not None):
                break
            continue
        if time.monotonic() - started > time_limit:
            raise CacheTimeout("another request has been building this report for too long")
        time.sleep(POLL_SECONDS)
    try:
        content = build()
    except BaseException:
        with engine.begin() as conn:
            conn.execute(sa.delete(ReportFile).where(ReportFile.fingerprint == key))
        raise
    with engine.begin() as conn:
        # The write first: it waits for a deletion's transaction, whose data the
        # fingerprint below then reads (a claim it deleted updates nothing).
        conn.execute(
            sa.update(ReportFile)
            .where(ReportFile.fingerprint == key)
            .values(content=content, built_at=dt.datetime.now(dt.UTC))
        )
        if current is not None:
            with orm.Session(bind=conn) as now:
                stale = current(now) != key
            if stale:
                conn.execute(sa.delete(ReportFile).where(ReportFile.fingerprint == key))
                return content, False
        # Superseded files of this scope go: they may hold what no longer exists.
        conn.execute(
            sa.delete(ReportFile).where(ReportFile.scope == scope, ReportFile.fingerprint != key)
        )
    return content, False


def _lookup(engine: sa.Engine, key: str) -> tuple[bytes | None, dt.datetime | None]:
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(ReportFile.content, ReportFile.claimed_at).where(
                ReportFile.fingerprint == key
            )
        ).first()
    if row is None:
        return None, None
    claimed = row.claimed_at
    if claimed is not None and claimed.tzinfo is None:
        claimed = claimed.replace(tzinfo=dt.UTC)
    return row.content, claimed


def _stale(claimed_at: dt.datetime, time_limit: float) -> bool:
    return (dt.datetime.now(dt.UTC) - claimed_at).total_seconds() > time_limit


def _claim(engine: sa.Engine, key: str, scope: str, media_type: str, stale: bool) -> bool:
    """Insert the claim for ``key``; True when this request is now the builder."""
    with engine.begin() as conn:
        if stale:
            conn.execute(
                sa.delete(ReportFile).where(
                    ReportFile.fingerprint == key, ReportFile.content.is_(None)
                )
            )
        values = {
            "fingerprint": key,
            "scope": scope[:255],
            "media_type": media_type,
            "claimed_at": dt.datetime.now(dt.UTC),
        }
        from sqlalchemy.dialects import postgresql, sqlite

        table = table_of(ReportFile)
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        inserted = conn.execute(
            insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
        ).first()
    return inserted is not None


__all__ = ["CacheTimeout", "code_version", "fingerprint", "forget", "get_or_build"]
