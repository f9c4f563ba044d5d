"""Per-address rate limits on the posts worth flooding: survey pages and sign-in.

A view declares its limit with ``@rate_limited("SETTING")``, where the setting holds a
rate such as ``"120 per minute"``. Counting uses the ``limits`` library's fixed windows,
in the store ``RATELIMIT_STORAGE_URI`` names: each process's memory by default
(``memory://``), or Redis (``redis://host:6379``), which every process shares. Nothing
runs for requests to views without a limit, and the count is read only when a request
is refused, to say when to try again (``Retry-After``).

A limit declared ``across_workers=True`` (sign-in's) must hold however many processes
serve: on ``memory://`` it is counted in an SQLite file of its own
(``RATELIMIT_SHARED_FILE``, by default beside the SQLite database or in the instance
folder) that every process on the machine shares. That file is not the survey
database, so a flood of sign-in attempts never waits on, or holds up, a survey write.
Other limits on ``memory://`` (the survey pages') are counted by each process apart.

If the counting store cannot be reached the post goes through and a warning is logged:
a family's answers matter more than a flood limit.
"""

from __future__ import annotations

import functools
import math
import os
import sqlite3
import time
import typing as t
from pathlib import Path

import limits
import sqlalchemy as sa
from flask import Flask, current_app, request
from limits.errors import ConfigurationError, StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

# How long a count waits for another process's count to finish (each takes well
# under a millisecond) before the request goes through uncounted.
FILE_BUSY_SECONDS = 2.0


class FileCounts(Storage):
    """Fixed-window counts in an SQLite file, shared by every process that opens it.

    Each call opens the file, counts in one short ``BEGIN IMMEDIATE`` transaction and
    closes it again: nothing is kept open, so nothing needs care across a fork. Only
    the few limits that must hold across processes count here (sign-in), so the cost
    of opening (a fraction of a millisecond) is paid only by those requests.
    """

    STORAGE_SCHEME = None

    def __init__(self, path: str | os.PathLike[str], wrap_exceptions: bool = True):
        super().__init__(wrap_exceptions=wrap_exceptions)
        self.path = str(path)
        self._prepared = False

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=FILE_BUSY_SECONDS, isolation_level=None)
        connection.execute("PRAGMA synchronous=NORMAL")
        if not self._prepared:
            try:
                self._prepare(connection)
            except BaseException:
                connection.close()
                raise
            self._prepared = True
        return connection

    def _prepare(self, connection: sqlite3.Connection) -> None:
        """Switch the file to WAL and make its table, once per process.

        Several workers starting at once race to switch a new file to WAL, and SQLite
        answers that race with "database is locked" at once, without waiting the busy
        timeout; so the switch is tried again until ``FILE_BUSY_SECONDS`` have passed.
        """
        deadline = time.monotonic() + FILE_BUSY_SECONDS
        while True:
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS counts ("
                    "key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires_at REAL NOT NULL)"
                )
                connection.execute(
                    "CREATE INDEX IF NOT EXISTS counts_expiry ON counts (expires_at)"
                )
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        connection = self._connect()
        try:
            connection.execute("BEGIN IMMEDIATE")
            # Finished windows go first, so a key whose window ended starts again at 0.
            connection.execute("DELETE FROM counts WHERE expires_at <= ?", (now,))
            (count,) = connection.execute(
                "INSERT INTO counts (key, count, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET count = count + excluded.count "
                "RETURNING count",
                (key, amount, now + expiry),
            ).fetchone()
            connection.execute("COMMIT")
            return int(count)
        finally:
            connection.close()

    def _row(self, key: str) -> tuple[int, float] | None:
        connection = self._connect()
        try:
            return connection.execute(
                "SELECT count, expires_at FROM counts WHERE key = ? AND expires_at > ?",
                (key, time.time()),
            ).fetchone()
        finally:
            connection.close()

    def get(self, key: str) -> int:
        row = self._row(key)
        return 0 if row is None else int(row[0])

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return time.time() if row is None else float(row[1])

    def check(self) -> bool:
        try:
            self._connect().close()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        connection = self._connect()
        try:
            return connection.execute("DELETE FROM counts").rowcount
        finally:
            connection.close()

    def clear(self, key: str) -> None:
        connection = self._connect()
        try:
            connection.execute("DELETE FROM counts WHERE key = ?", (key,))
        finally:
            connection.close()


def shared_file(app: Flask) -> Path:
    """Where limits that must hold across processes are counted on ``memory://``:
    ``RATELIMIT_SHARED_FILE``, else ``<database>-ratelimits.db`` beside an SQLite
    database file, else ``ratelimits.db`` in the instance folder."""
    configured = app.config.get("RATELIMIT_SHARED_FILE")
    if configured:
        return Path(configured)
    url = sa.make_url(app.config["DATABASE_URL"])
    database = url.database
    if (
        url.get_backend_name() == "sqlite"
        and database
        and database != ":memory:"
        and not database.startswith("file:")
        and url.query.get("mode") != "memory"
    ):
        path = Path(database)
        return path.with_name(f"{path.stem}-ratelimits.db")
    return Path(app.instance_path) / "ratelimits.db"


class RateLimits:
    """One application's counters and parsed limits."""

    def __init__(self, app: Flask):
        self.enabled = bool(app.config.get("RATELIMIT_ENABLED", True))
        uri = app.config["RATELIMIT_STORAGE_URI"]
        storage = storage_from_string(uri, wrap_exceptions=True)
        self.counter = FixedWindowRateLimiter(storage)
        self.shared_path: Path | None = None
        if isinstance(storage, MemoryStorage):
            self.shared_path = shared_file(app)
            self.across_workers = FixedWindowRateLimiter(FileCounts(self.shared_path))
        else:
            self.across_workers = self.counter
        self._parsed: dict[str, limits.RateLimitItem] = {}

    def parse(self, rate: str) -> limits.RateLimitItem:
        parsed = self._parsed.get(rate)
        if parsed is None:
            parsed = self._parsed[rate] = limits.parse(rate)
        return parsed

    def check(
        self,
        rate: str,
        scope: str,
        address: str,
        message: str | None,
        across_workers: bool = False,
    ) -> None:
        """Count one post by ``address`` to ``scope``; raise 429 if over ``rate``."""
        limit = self.parse(rate)
        counter = self.across_workers if across_workers else self.counter
        try:
            if counter.hit(limit, scope, address):
                return
            reset_at = counter.get_window_stats(limit, scope, address).reset_time
        except StorageError as error:
            current_app.logger.warning("rate limit not counted (%s): %s", scope, error)
            return
        raise TooManyRequests(
            description=message, retry_after=max(1, math.ceil(reset_at - time.time()))
        )


def init_app(app: Flask) -> None:
    """Check the limit settings now, so a malformed one stops the start, not a request."""
    from app.config import ConfigError

    try:
        state = app.extensions["rate_limits"] = RateLimits(app)
    except ConfigurationError as error:
        uri = app.config["RATELIMIT_STORAGE_URI"]
        raise ConfigError(f"RATELIMIT_STORAGE_URI={uri!r}: {error}") from None
    for name in ("SUBMIT_RATE_LIMIT", "SIGNIN_RATE_LIMIT", "RESET_RATE_LIMIT"):
        try:
            state.parse(app.config[name])
        except ValueError:
            raise ConfigError(
                f"{name}={app.config[name]!r} is not a rate (write e.g. '120 per minute')"
            ) from None
    path = state.shared_path
    if state.enabled and path is not None and not path.parent.is_dir():
        raise ConfigError(
            f"RATELIMIT_SHARED_FILE={str(path)!r}: the folder {str(path.parent)!r} does not exist"
        )


def rate_limited(
    setting: str,
    message: str | None = None,
    methods: tuple[str, ...] = ("POST",),
    across_workers: bool = False,
) -> t.Callable[[F], F]:
    """Limit how often one address may send ``methods`` requests to the view, at the rate
    held by the configuration ``setting``; a refused request gets 429 and ``message``.
    With ``across_workers`` the limit holds however many processes serve, even on
    ``memory://`` (see the module's docstring)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
            state: RateLimits = current_app.extensions["rate_limits"]
            if state.enabled and request.method in methods:
                address = request.remote_addr or "unknown"
                state.check(
                    current_app.config[setting],
                    request.endpoint or "",
                    address,
                    message,
                    across_workers,
                )
            return view(*args, **kwargs)

        return t.cast(F, wrapper)

    return decorate
