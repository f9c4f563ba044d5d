"""Per-address rate limits on the posts worth flooding: survey pages and sign-in.

A view declares its limit with ``@rate_limited("SETTING")``, where the setting holds a
rate such as ``"120 per minute"``. Counting uses the ``limits`` library's fixed windows:
in each process's memory by default (``RATELIMIT_STORAGE_URI=memory://``), or shared by
every process through Redis (``redis://host:6379``). Nothing runs for requests to views
without a limit, and the count is read only when a request is refused, to say when to
try again (``Retry-After``).

If the counting store cannot be reached the post goes through and a warning is logged:
a family's answers matter more than a flood limit.
"""

from __future__ import annotations

import functools
import math
import time
import typing as t

import limits
from flask import Flask, current_app, request
from limits.errors import ConfigurationError, StorageError
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


class RateLimits:
    """One application's counters and parsed limits."""

    def __init__(self, app: Flask):
        self.enabled = bool(app.config.get("RATELIMIT_ENABLED", True))
        uri = app.config["RATELIMIT_STORAGE_URI"]
        self.counter = FixedWindowRateLimiter(storage_from_string(uri, wrap_exceptions=True))
        self._parsed: dict[str, limits.RateLimitItem] = {}

    def parse(self, rate: str) -> limits.RateLimitItem:
        found = self._parsed.get(rate)
        if found is None:
            found = self._parsed[rate] = limits.parse(rate)
        return found

    def check(self, rate: str, scope: str, address: str, message: str | None) -> None:
        """Count one post by ``address`` to ``scope``; raise 429 if over ``rate``."""
        limit = self.parse(rate)
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


def init_app(app: Flask) -> None:
    """Check the limit settings now, so a malformed one stops the start, not a request."""
    from app.config import ConfigError

    try:
        state = app.extensions["rate_limits"] = RateLimits(app)
    except ConfigurationError as error:
        uri = app.config["RATELIMIT_STORAGE_URI"]
        raise ConfigError(f"RATELIMIT_STORAGE_URI={uri!r}: {error}") from None
    for name in ("SUBMIT_RATE_LIMIT", "SIGNIN_RATE_LIMIT"):
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
