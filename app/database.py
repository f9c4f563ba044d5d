"""Connection settings that must hold on every connection, and the one commit point."""

from __future__ import annotations

import collections
import contextlib
import fcntl
import logging
import os
import threading
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
    respondent pages); ``begin_write_on`` prepares the write.

    Its reads hold no transaction: each statement reads a consistent snapshot of its
    own, which is all a lookup of one row needs. On SQLite nothing is then left to end
    before the writer's ``BEGIN IMMEDIATE``; on PostgreSQL the connection is in
    autocommit, which saves the round trips of a BEGIN and a COMMIT.
    """
    if engine.dialect.name == "sqlite":
        return engine.connect().execution_options(sqlite_statement_reads=True)
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def _reads_outside_transactions(connection: sa.Connection) -> bool:
    options = connection.get_execution_options()
    return bool(options.get("sqlite_statement_reads")) or (
        options.get("isolation_level") == "AUTOCOMMIT"
    )


@contextlib.contextmanager
def write_transaction(connection: sa.Connection) -> t.Iterator[sa.Connection]:
    """The one write of a connection from ``connect_for_lookups``, all or nothing.

    On SQLite: ``BEGIN IMMEDIATE`` (the write lock, as ``begin_write`` takes it) and
    ``COMMIT`` on leaving, ``ROLLBACK`` if the block raises; issued on the driver's
    connection, since its lookups ran outside any transaction. Elsewhere the connection
    is in autocommit and the write inside must be one statement, which is a transaction
    by itself (the respondent write is: see ``app.respond.service.record_once``).
    Driver errors are raised as SQLAlchemy's.
    """
    if connection.dialect.name != "sqlite":
        yield connection
        if connection.in_transaction():
            connection.commit()
        return
    driver = connection.connection.dbapi_connection
    assert driver is not None
    with _writers_take_turns(connection.engine.url.database):
        _on_driver(connection, "BEGIN IMMEDIATE", lambda: driver.execute("BEGIN IMMEDIATE"))
        try:
            yield connection
            _on_driver(connection, "COMMIT", driver.commit)
        except BaseException:
            with contextlib.suppress(Exception):
                driver.rollback()
            raise


_TURN_FILES: dict[str, tuple[int, int, threading.Lock]] = {}
_TURN_FILES_LOCK = threading.Lock()


@contextlib.contextmanager
def _writers_take_turns(database: str | None) -> t.Iterator[None]:
    """Queue the survey writers of every process on one SQLite file in the kernel.

    When a writer finds the write lock taken, SQLite's busy handler sleeps 1 ms, then
    2, 5, 10 ms ... before it tries again, while a survey write holds the lock for a
    fraction of a millisecond: under load, workers sat idle with posts waiting. An
    exclusive ``flock`` on ``<database>-writers.lock`` (threads of one process first
    take a lock of their own) wakes the next writer the moment the last one commits.
    The kernel releases it if its holder dies. Other writers (coordinator pages, the
    command line) don't queue here; they meet the survey writers at SQLite's own lock
    and its busy timeout, as before.
    """
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    path = f"{database}-writers.lock"
    pid = os.getpid()
    with _TURN_FILES_LOCK:
        found = _TURN_FILES.get(path)
        if found is None or found[0] != pid:  # none yet, or inherited across a fork
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as error:
                # Writers then meet at SQLite's own lock only, as they always may.
                logging.getLogger(__name__).warning("no writers' queue at %s: %s", path, error)
                fd = -1
            found = _TURN_FILES[path] = (pid, fd, threading.Lock())
    _pid, fd, in_process = found
    if fd < 0:
        yield
        return
    with in_process:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


def _on_driver(connection: sa.Connection, sql: str, call: t.Callable[[], t.Any]) -> t.Any:
    """Run ``call`` on the driver's connection; its errors raised as SQLAlchemy's."""
    dialect = connection.dialect
    try:
        return call()
    except dialect.loaded_dbapi.Error as error:
        _raise_wrapped(connection, sql, error, None)


def _raise_wrapped(
    connection: sa.Connection, sql: str, error: Exception, cursor: t.Any
) -> t.NoReturn:
    dialect = connection.dialect
    dbapi_connection = connection.connection
    disconnected = dialect.is_disconnect(error, dbapi_connection, cursor)
    if disconnected:
        connection.invalidate(error)
    raise sa.exc.DBAPIError.instance(
        sql,
        None,
        error,
        dialect.loaded_dbapi.Error,
        connection_invalidated=disconnected,
        dialect=dialect,
    ) from error


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


class HotStatement:
    """A Core statement compiled once for a dialect and run straight on the DBAPI cursor.

    For the few statements of a survey submission, where SQLAlchemy's per-execution
    bookkeeping (execution context, result metadata, events) costs more than the
    statement itself. Values still go through each column type's bind processor and
    rows through its result processor, so what is stored and read is what SQLAlchemy
    would store and read; driver errors are raised as SQLAlchemy's own exceptions. On
    a connection from ``connect_for_lookups`` the statement runs outside any transaction
    (or inside ``write_transaction``); on any other it joins the Connection's
    transaction, beginning it if need be, and the caller commits or rolls back as usual.
    Statement events and echo logging do not see these statements.
    """

    def __init__(self, statement: t.Any, dialect: sa.Dialect):
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.dialect = dialect
        binds = compiled.binds
        # Every value comes from the caller: the statements here bind no constants.
        self.names: list[str] = list(compiled.positiontup or []) if compiled.positional else []
        self.positional = compiled.positional
        self.bind_processors = {
            name: processor
            for name, bind in binds.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect))
        }
        # What a SELECT selects, or what an INSERT ... RETURNING returns.
        columns = list(
            statement.selected_columns
            if isinstance(statement, sa.Select)
            else statement.exported_columns
        )
        self.row = collections.namedtuple("Row", [c.key for c in columns])  # type: ignore[misc]
        self.result_processors = [
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        ]
        self._processed_row = any(self.result_processors)

    def _values(
        self, params: dict[str, t.Any], processors: t.Iterable[tuple[str, t.Any]] | None = None
    ) -> t.Any:
        """``params`` through the bind processors (all, or those given), in the order
        the driver takes them."""
        values = dict(params)
        for name, processor in self.bind_processors.items() if processors is None else processors:
            values[name] = processor(values[name])
        if self.positional:
            return tuple([values[name] for name in self.names])
        return values

    def _run(self, connection: sa.Connection, run: t.Callable[[t.Any], t.Any]) -> t.Any:
        """``run(cursor)`` on the driver's connection; returns the open cursor."""
        if not connection.in_transaction() and not _reads_outside_transactions(connection):
            connection.begin()
        cursor = connection.connection.cursor()
        try:
            run(cursor)
        except self.dialect.loaded_dbapi.Error as error:
            cursor.close()
            _raise_wrapped(connection, self.sql, error, cursor)
        return cursor

    def first(self, connection: sa.Connection, params: dict[str, t.Any]) -> t.Any:
        """The first row as a named tuple of processed values, or None."""
        values = self._values(params)
        cursor = self._run(connection, lambda c: c.execute(self.sql, values))
        raw = cursor.fetchone()
        cursor.close()
        if raw is None:
            return None
        if not self._processed_row:
            return self.row._make(raw)
        values = [p(v) if p else v for p, v in zip(self.result_processors, raw, strict=True)]
        return self.row._make(values)

    def execute_many(
        self,
        connection: sa.Connection,
        rows: t.Sequence[dict[str, t.Any]],
        shared: dict[str, t.Any] | None = None,
    ) -> None:
        """Run the statement once per row; ``shared`` holds values that are the same in
        every row (processed once, not per row)."""
        processors = self.bind_processors
        common = {
            name: processors[name](value) if name in processors else value
            for name, value in (shared or {}).items()
        }
        per_row = [(n, p) for n, p in processors.items() if n not in common]
        values = [self._values({**common, **row}, per_row) for row in rows]
        self._run(connection, lambda c: c.executemany(self.sql, values)).close()
