"""Connection settings that must hold on every connection, and the two places that
commit: ``transaction()`` for the ORM session (the workspace's write pattern in
``app.auth.access`` and the commands) and ``write_transaction()`` for the survey
path's own connection."""

from __future__ import annotations

import contextlib
import time
import typing as t

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

# A pooled server connection unused for longer than this is pinged before it is lent.
PING_AFTER_IDLE_SECONDS = 1.0


def configure_engine(engine: sa.Engine) -> None:
    """Apply SQLite pragmas on connect: WAL, a 15 s busy wait, foreign keys, NORMAL sync,
    a larger WAL between checkpoints. For a database server, check idle connections
    before lending them (see ``_ping_idle_connections``).

    WAL with ``synchronous=NORMAL`` is durable against application crashes; a power
    loss may lose the last transactions (docs/deploy.md says what each setting promises).
    """
    if engine.dialect.name != "sqlite":
        _ping_idle_connections(engine)
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
        # Copy the WAL back into the database every 10,000 pages (~40 MB) rather than
        # 1,000: pages that every submission touches (index roots, the table's last
        # page) are then written back once per many commits, not once per hundred.
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
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


def _ping_idle_connections(engine: sa.Engine) -> None:
    """Ping a pooled connection before lending it if it sat unused for more than
    ``PING_AFTER_IDLE_SECONDS``; a dead one is replaced before the request sees it.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a round trip per request
    that, under load, only ever finds connections used a few milliseconds before. A
    server restart or an idle timeout shows up on connections that waited; one that
    dies within the second after its last use fails its statement as any in-flight
    statement would (a 503 page; a family's answers stay on their device).
    """
    dialect = engine.dialect

    @event.listens_for(engine, "connect")
    def _fresh(_dbapi_connection: t.Any, record: t.Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: t.Any, record: t.Any) -> None:
        if record is not None:
            record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection: t.Any, record: t.Any, _proxy: t.Any) -> None:
        returned = record.info.get("returned_at")
        if returned is not None and time.monotonic() - returned < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            # The pool throws this connection away and lends a new one (or says why it
            # cannot connect).
            raise sa.exc.DisconnectionError(str(error)) from error


def begin_write(session: t.Any) -> sa.Connection:
    """Start ``session``'s transaction as a writer; call before the first query of a write.

    On SQLite this is ``BEGIN IMMEDIATE``; elsewhere it is an ordinary transaction.
    """
    return session.connection(execution_options={"sqlite_immediate": True})


def connect_for_lookups(engine: sa.Engine) -> sa.Connection:
    """A connection for a request that looks up a few rows and may then write once (the
    respondent pages); ``write_transaction`` makes the write.

    Its reads hold no transaction: each statement reads a consistent snapshot of its
    own, which is all a lookup of one row needs. On SQLite nothing is then left to end
    before the writer's ``BEGIN IMMEDIATE``; on PostgreSQL the connection is in
    autocommit, which saves the round trips of a BEGIN and a COMMIT.
    """
    if engine.dialect.name == "sqlite":
        return engine.connect().execution_options(sqlite_statement_reads=True)
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


@contextlib.contextmanager
def write_transaction(connection: sa.Connection) -> t.Iterator[sa.Connection]:
    """The one write of a connection from ``connect_for_lookups``, all or nothing.

    On SQLite: ``BEGIN IMMEDIATE`` (the write lock, as ``begin_write`` takes it), then
    ``COMMIT`` on leaving, ``ROLLBACK`` if the block raises. Elsewhere the connection is
    in autocommit and the write inside must be one statement, which is a transaction by
    itself (the respondent write is: see ``app.respond.service.record_once``).
    """
    if connection.dialect.name != "sqlite":
        yield connection
        if connection.in_transaction():
            connection.commit()
        return
    # The lookups ran outside any transaction (SQLAlchemy's record of one issued no
    # BEGIN), so the write lock is taken here; commit() and rollback() then end it.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.rollback()
        raise
    connection.commit()


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
