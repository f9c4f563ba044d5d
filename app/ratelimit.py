"""Per-address rate limits on the posts worth flooding: survey pages and sign-in.

A view declares its limit with ``@rate_limited("SETTING")``, where the setting holds a
rate such as ``"120 per minute"``. Counting uses the ``limits`` library's fixed windows:
in each process's memory by default (``RATELIMIT_STORAGE_URI=memory://``), or shared by
every process through Redis (``redis://host:6379``). Nothing runs for requests to views
without a limit, and the count is read only when a request is refused, to say when to
try again (``Retry-After``).

If the counting store cannot be reached the post goes through and a warning is logged:
a family's answers matter more than a flood limit.

With a shared store, each process sends its counts in batches of a twentieth of the
limit (for limits of 40 or more; smaller ones, like sign-in's, are counted exactly):
a family sending a handful of pages costs no round trip to Redis at all, and a flood
is still refused, at most (processes x batch) posts past the limit. A refused post
counts like any other.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import threading
import time
import typing as t

import limits
from flask import Flask, current_app, request
from limits.errors import ConfigurationError, StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

# A process may hold back up to this share of a limit before sending its count.
BATCH_SHARE = 20
# Windows kept in a process before finished ones are dropped.
_WINDOWS_KEPT = 10_000


@dataclasses.dataclass(slots=True)
class _Window:
    """One process's view of one address's window on a shared store."""

    ends: float
    pending: int = 0  # posts counted here and not yet sent to the store
    known: int = 0  # the store's count when this process last sent its own


class RateLimits:
    """One application's counters and parsed limits."""

    def __init__(self, app: Flask):
        self.enabled = bool(app.config.get("RATELIMIT_ENABLED", True))
        uri = app.config["RATELIMIT_STORAGE_URI"]
        self.storage = storage_from_string(uri, wrap_exceptions=True)
        self.counter = FixedWindowRateLimiter(self.storage)
        self.shared = not isinstance(self.storage, MemoryStorage)
        self._parsed: dict[str, limits.RateLimitItem] = {}
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def parse(self, rate: str) -> limits.RateLimitItem:
        found = self._parsed.get(rate)
        if found is None:
            found = self._parsed[rate] = limits.parse(rate)
        return found

    def check(self, rate: str, scope: str, address: str, message: str | None) -> None:
        """Count one post by ``address`` to ``scope``; raise 429 if over ``rate``."""
        limit = self.parse(rate)
        batch = limit.amount // BATCH_SHARE
        if self.shared and batch > 1:
            retry_after = self._check_batched(limit, limit.key_for(scope, address), batch)
            if retry_after is None:
                return
            raise TooManyRequests(description=message, retry_after=retry_after)
        try:
            if self.counter.hit(limit, scope, address):
                return
            reset_at = self.counter.get_window_stats(limit, scope, address).reset_time
        except StorageError as error:
            current_app.logger.warning("rate limit not counted (%s): %s", scope, error)
            return
        raise TooManyRequests(
            description=message, retry_after=max(1, math.ceil(reset_at - time.time()))
        )

    def _check_batched(self, limit: limits.RateLimitItem, key: str, batch: int) -> int | None:
        """Count one post in this process, sending the count to the shared store once
        ``batch`` have gathered; None if allowed, else seconds until the window ends."""
        now = time.time()
        expiry = limit.get_expiry()
        with self._lock:
            window = self._windows.get(key)
            if window is None or now >= window.ends:
                if len(self._windows) >= _WINDOWS_KEPT:
                    self._windows = {k: w for k, w in self._windows.items() if now < w.ends}
                window = self._windows[key] = _Window(ends=now + expiry)
            window.pending += 1
            send = window.pending if window.pending >= batch else 0
            if send:
                window.pending = 0
        if send:
            try:
                counted = self.storage.incr(key, expiry, amount=send)
            except StorageError as error:
                current_app.logger.warning("rate limit not counted (%s): %s", key, error)
            else:
                window.known = counted  # the store's count is the one that holds
        if window.known + window.pending <= limit.amount:
            return None
        return max(1, math.ceil(window.ends - now))


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


def rate_limited(
    setting: str, message: str | None = None, methods: tuple[str, ...] = ("POST",)
) -> t.Callable[[F], F]:
    """Limit how often one address may send ``methods`` requests to the view, at the rate
    held by the configuration ``setting``; a refused request gets 429 and ``message``."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
            state: RateLimits = current_app.extensions["rate_limits"]
            if state.enabled and request.method in methods:
                address = request.remote_addr or "unknown"
                state.check(current_app.config[setting], request.endpoint or "", address, message)
            return view(*args, **kwargs)

        return t.cast(F, wrapper)

    return decorate
