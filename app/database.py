"""Connection settings that must hold on every connection, and the one commit point."""

from __future__ import annotations

import collections
import contextlib
import typing as t

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import OperationalError


def configure_engine(engine: sa.Engine) -> None:
    """Apply SQLite pragmas on connect: WAL, a 15 s busy wait, foreign keys, NORMAL sync,
    a larger WAL between checkpoints.

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


def begin_write_on(connection: sa.Connection) -> None:
    """Prepare the write on a connection from ``connect_for_lookups``; the caller commits.

    On SQLite the write begins with ``BEGIN IMMEDIATE``, as ``begin_write`` requires, and
    its statements commit together. On PostgreSQL the connection stays in autocommit, so
    the write must be one statement, which is a transaction by itself (the respondent
    write is: see ``app.respond.service.record_once``).
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


class HotStatement:
    """A Core statement compiled once for a dialect and run straight on the DBAPI cursor.

    For the few statements of a survey submission, where SQLAlchemy's per-execution
    bookkeeping (execution context, result metadata, events) costs more than the
    statement itself. Values still go through each column type's bind processor and
    rows through its result processor, so what is stored and read is what SQLAlchemy
    would store and read; driver errors are raised as SQLAlchemy's own exceptions. The
    statement joins the Connection's transaction (beginning it if need be), so the
    caller commits or rolls back on the Connection as usual. Statement events and echo
    logging do not see these statements.
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

    def _values(self, params: dict[str, t.Any]) -> t.Any:
        values = dict(params)
        for name, processor in self.bind_processors.items():
            values[name] = processor(values[name])
        if self.positional:
            return tuple(values[name] for name in self.names)
        return values

    def _run(self, connection: sa.Connection, run: t.Callable[[t.Any], None]) -> t.Any:
        if not connection.in_transaction():
            connection.begin()
        dbapi_connection = connection.connection
        cursor = dbapi_connection.cursor()
        try:
            run(cursor)
        except self.dialect.loaded_dbapi.Error as error:
            cursor.close()
            disconnected = self.dialect.is_disconnect(error, dbapi_connection, cursor)
            if disconnected:
                connection.invalidate(error)
            raise sa.exc.DBAPIError.instance(
                self.sql,
                None,
                error,
                self.dialect.loaded_dbapi.Error,
                connection_invalidated=disconnected,
                dialect=self.dialect,
            ) from error
        return cursor

    def first(self, connection: sa.Connection, params: dict[str, t.Any]) -> t.Any:
        """The first row as a named tuple of processed values, or None."""
        cursor = self._run(connection, lambda c: c.execute(self.sql, self._values(params)))
        raw = cursor.fetchone()
        cursor.close()
        if raw is None:
            return None
        values = [p(v) if p else v for p, v in zip(self.result_processors, raw, strict=True)]
        return self.row._make(values)

    def execute_many(self, connection: sa.Connection, rows: list[dict[str, t.Any]]) -> None:
        values = [self._values(row) for row in rows]
        self._run(connection, lambda c: c.executemany(self.sql, values)).close()
