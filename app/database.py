"""Connection settings that must hold on every connection, and the one commit point."""

from __future__ import annotations

import contextlib
import typing as t

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import OperationalError


def configure_engine(engine: sa.Engine) -> None:
    """Apply SQLite pragmas on connect: WAL, a 15 s busy wait, foreign keys, NORMAL sync.

    WAL with ``synchronous=NORMAL`` is durable against application crashes; a power
    loss may lose the last transactions (docs/deploy.md says what each setting promises).
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _set_pragmas(dbapi_connection: t.Any, _record: t.Any) -> None:
        # The driver's own transaction handling would delay BEGIN; issue it ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        # Writers take the write lock at BEGIN (see begin_write) so that two writers wait
        # on busy_timeout instead of one failing when it upgrades a stale read snapshot.
        # Readers stay deferred so a long report never blocks a family's submission.
        options = conn.get_execution_options()
        if options.get("sqlite_immediate"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif not options.get("sqlite_statement_reads"):
            conn.exec_driver_sql("BEGIN")


def begin_write(session: t.Any) -> sa.Connection:
    """Start ``session``'s transaction as a writer; call before the first query of a write.

    On SQLite this is ``BEGIN IMMEDIATE``; elsewhere it is an ordinary transaction.
    """
    return session.connection(execution_options={"sqlite_immediate": True})


def connect_for_lookups(engine: sa.Engine) -> sa.Connection:
    """A connection for a request that looks up a few rows and may then write once (the
    respondent pages); ``begin_write_on`` starts the write.

    On SQLite its reads hold no transaction: each statement reads a consistent snapshot
    of its own, which is all a lookup of one row needs, and nothing is left to end
    before the writer's ``BEGIN IMMEDIATE``. Elsewhere reads begin a transaction as
    usual.
    """
    return engine.connect().execution_options(sqlite_statement_reads=True)


def begin_write_on(connection: sa.Connection) -> None:
    """Begin the write on a connection from ``connect_for_lookups``; the caller commits.

    On SQLite the write begins with ``BEGIN IMMEDIATE``, as ``begin_write`` requires. On
    PostgreSQL the transaction the reads began simply goes on: writers lock rows, not
    the database, so a ROLLBACK and a BEGIN would buy nothing.
    """
    if connection.dialect.name != "sqlite":
        return
    if connection.in_transaction():
        connection.rollback()
    connection.execution_options(sqlite_statement_reads=False, sqlite_immediate=True)
    connection.begin()


def describe_connection_error(exc: OperationalError, url: sa.URL) -> str:
    """One line that says which database could not be reached and why."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    where = url.render_as_string(hide_password=True)
    return f"cannot reach the database at {where}: {reason}"


@contextlib.contextmanager
def transaction(session: t.Any) -> t.Iterator[t.Any]:
    """Commit once on success, roll back on any exception."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
