"""Configuration: code defaults, then the instance folder, then the environment.

Read inside the factory only (never at import time) so tests can pass their own.
"""

from __future__ import annotations

import os
import typing as t
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import ArgumentError

# Settings taken from environment variables of the same name, with their type.
ENV_SETTINGS: dict[str, type] = {
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "MIN_CELL_SIZE": int,
    "COMMENT_MIN_CELL_SIZE": int,
    "SUPPRESSION": str,
    "PAPER_SIZE": str,
    "REPORT_TIME_LIMIT": int,
    "MAX_CONTENT_LENGTH": int,
    "SESSION_COOKIE_SECURE": bool,
    "RATELIMIT_STORAGE_URI": str,
    "RATELIMIT_SHARED_FILE": str,
    "SIGNIN_RATE_LIMIT": str,
    "SUBMIT_RATE_LIMIT": str,
    "TRUSTED_PROXIES": int,
    "PUBLIC_BASE_URL": str,
    "SURVEYS_DIR": str,
    "FEEDBACK_ENV": str,
    "RESET_RATE_LIMIT": str,
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_USE_TLS": bool,
    "MAIL_USE_SSL": bool,
    "MAIL_DEFAULT_SENDER": str,
    "MAIL_TIMEOUT": int,
    "PARENT_CONTACT": str,
    "REMINDER_CHECK_MINUTES": int,
}

DEFAULTS: dict[str, t.Any] = {
    "FEEDBACK_ENV": "production",
    "SECRET_KEY": None,
    "DATABASE_URL": None,  # None: an SQLite file in the instance folder
    # Reports never show a figure describing fewer people than this.
    "MIN_CELL_SIZE": 10,
    "COMMENT_MIN_CELL_SIZE": 10,
    # "respondents": groups under MIN_CELL_SIZE are not shown (reports.suppress);
    # "cells": no count from 1 to MIN_CELL_SIZE - 1 at all (reports.cells).
    "SUPPRESSION": "respondents",
    "PAPER_SIZE": "letter",
    # Seconds a report may take to build before the request stops with an error page.
    "REPORT_TIME_LIMIT": 60,
    # 1 MiB: far above the longest honest survey post, far below a memory problem.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # A family may leave a form open for hours: the CSRF token must not expire.
    "WTF_CSRF_TIME_LIMIT": None,
    "RATELIMIT_STORAGE_URI": "memory://",
    # With memory://, where sign-in attempts are counted for every process at once;
    # None: beside the SQLite database file, or in the instance folder (app.ratelimit).
    "RATELIMIT_SHARED_FILE": None,
    "RATELIMIT_ENABLED": True,
    "SIGNIN_RATE_LIMIT": "10 per minute",
    "SUBMIT_RATE_LIMIT": "120 per minute",
    # "Forgot password" posts per address (each may send an email).
    "RESET_RATE_LIMIT": "5 per 15 minutes",
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed.
    # 0: none, so a client cannot name its own address to get around the rate limits.
    "TRUSTED_PROXIES": 0,
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    "SURVEYS_DIR": None,  # None: surveys/ beside the app package
    # Whom parents contact about the surveys, on the public preview of each wave, e.g.
    # "Ms. Rivera, school counselor, 555-0100"; empty: "the school office".
    "PARENT_CONTACT": "",
    "LANGUAGES": ["en", "es"],
    "BABEL_DEFAULT_LOCALE": "en",
    "SEND_FILE_MAX_AGE_DEFAULT": 86400,
    # Email (invitations, password resets) through an SMTP server; none when MAIL_SERVER
    # is empty: links are then only shown to the person who made them (app/mail.py).
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_DEFAULT_SENDER": None,
    # Seconds to wait for the SMTP server; a request sending mail waits at most this.
    "MAIL_TIMEOUT": 10,
    # With mail, each worker looks this often (as workspace pages are served) for action
    # reminders owed today and sends them (app/reminders.py); 0: only the
    # `flask actions remind` command sends them, e.g. from cron.
    "REMINDER_CHECK_MINUTES": 30,
}

MIN_SUPPRESSION_FLOOR = 5


class ConfigError(SystemExit):
    """A setting is missing or malformed; the message says which and how to fix it.

    A SystemExit, so the CLI and gunicorn print the one line and stop, no traceback.
    """

    def __init__(self, message: str):
        super().__init__(f"configuration error: {message}")


def _coerce(name: str, raw: str, kind: type) -> t.Any:
    if kind is bool:
        if raw.strip().lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.strip().lower() in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigError(f"{name}={raw!r} is not a yes/no value (use 1 or 0)")
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    return raw


def load(app_config: t.Any, instance_path: str, overrides: dict[str, t.Any] | None) -> None:
    """Fill ``app_config`` from defaults, ``instance/config.py``, environment and overrides."""
    app_config.from_mapping(DEFAULTS)
    app_config.from_pyfile(os.path.join(instance_path, "config.py"), silent=True)
    for name, kind in ENV_SETTINGS.items():
        if name in os.environ:
            app_config[name] = _coerce(name, os.environ[name], kind)
    if overrides:
        app_config.from_mapping(overrides)

    if app_config.get("TESTING"):
        app_config["FEEDBACK_ENV"] = "testing"
    if not app_config.get("SECRET_KEY"):
        key_file = Path(instance_path) / "secret_key"
        if key_file.is_file():
            app_config["SECRET_KEY"] = key_file.read_text().strip()
    if not app_config.get("SECRET_KEY"):
        if app_config["FEEDBACK_ENV"] in {"development", "testing"}:
            app_config["SECRET_KEY"] = "insecure-development-key"
        else:
            raise ConfigError(
                "SECRET_KEY is not set. Set the SECRET_KEY environment variable, or write "
                f"a random value to {key_file} (make run does this for you)."
            )

    if app_config["MIN_CELL_SIZE"] < MIN_SUPPRESSION_FLOOR:
        raise ConfigError(
            f"MIN_CELL_SIZE={app_config['MIN_CELL_SIZE']} is below {MIN_SUPPRESSION_FLOOR}; "
            "small groups could be identified"
        )
    if app_config["COMMENT_MIN_CELL_SIZE"] < MIN_SUPPRESSION_FLOOR:
        raise ConfigError(
            f"COMMENT_MIN_CELL_SIZE={app_config['COMMENT_MIN_CELL_SIZE']} is below "
            f"{MIN_SUPPRESSION_FLOOR}"
        )

    _choice(app_config, "SUPPRESSION", ("respondents", "cells"))
    _choice(app_config, "PAPER_SIZE", ("letter", "a4"))
    limit = app_config["REPORT_TIME_LIMIT"]
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ConfigError(f"REPORT_TIME_LIMIT={limit!r} is not a whole number of seconds above 0")

    _check_mail(app_config)

    proxies = app_config["TRUSTED_PROXIES"]
    if not isinstance(proxies, int) or isinstance(proxies, bool):
        raise ConfigError(f"TRUSTED_PROXIES={proxies!r} is not a whole number")
    if proxies < 0:
        raise ConfigError(
            f"TRUSTED_PROXIES={proxies} is below 0; write how many proxies are in front "
            "of the app (0 for none)"
        )

    url = app_config.get("DATABASE_URL") or (
        "sqlite:///" + os.path.join(instance_path, "feedback.db")
    )
    app_config["DATABASE_URL"] = normalise_database_url(url)
    app_config["SQLALCHEMY_ENGINES"] = {"default": engine_options(app_config["DATABASE_URL"])}

    if not app_config.get("SURVEYS_DIR"):
        app_config["SURVEYS_DIR"] = str(Path(__file__).resolve().parent.parent / "surveys")


def _check_mail(app_config: t.Any) -> None:
    if not app_config.get("MAIL_SERVER"):
        return
    if app_config.get("MAIL_USE_TLS") and app_config.get("MAIL_USE_SSL"):
        raise ConfigError(
            "MAIL_USE_TLS and MAIL_USE_SSL are both on; use MAIL_USE_TLS=1 for STARTTLS "
            "(usually port 587) or MAIL_USE_SSL=1 for implicit TLS (port 465), not both"
        )
    if not app_config.get("MAIL_DEFAULT_SENDER"):
        raise ConfigError(
            "MAIL_SERVER is set but MAIL_DEFAULT_SENDER is not; set the address emails "
            "come from, e.g. MAIL_DEFAULT_SENDER='Partnership feedback <noreply@school.org>'"
        )
    for name in ("MAIL_PORT", "MAIL_TIMEOUT"):
        value = app_config.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"{name}={value!r} is not a whole number above 0")


def _choice(app_config: t.Any, name: str, allowed: tuple[str, ...]) -> None:
    value = str(app_config[name]).strip().lower()
    if value not in allowed:
        raise ConfigError(f"{name}={app_config[name]!r} is not one of {', '.join(allowed)}")
    app_config[name] = value


def normalise_database_url(url: str) -> str:
    """Check a database URL and pick the psycopg 3 driver for plain postgresql:// URLs."""
    try:
        parsed = sa.make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"DATABASE_URL {url!r} is not a database URL; expected e.g. "
            "postgresql+psycopg://user@host/dbname or sqlite:///path/to/file.db"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise ConfigError(f"DATABASE_URL uses {backend!r}; only sqlite and postgresql work")
    if backend == "postgresql" and parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def engine_options(url: str) -> dict[str, t.Any]:
    """Engine options for the database behind ``url``."""
    options: dict[str, t.Any] = {"url": url}
    if url.startswith("sqlite"):
        # Pragmas are set per connection in app.database; timeout is the driver's busy wait.
        options["connect_args"] = {"timeout": 15}
    else:
        # Idle connections are pinged before use: app.database._ping_idle_connections.
        options["pool_size"] = 5
        options["max_overflow"] = 5
    return options
