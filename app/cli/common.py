"""Helpers shared by the commands: one commit per command, one-line database errors."""

from __future__ import annotations

import functools
import typing as t

import click
from flask import current_app
from sqlalchemy.exc import OperationalError, ProgrammingError

from app.database import describe_connection_error, transaction
from app.extensions import db


def database_command(func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    """Run a command in one transaction (committed when it returns, rolled back when it
    raises); turn database failures into one clear line."""

    @functools.wraps(func)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        try:
            with transaction(db.session):
                return func(*args, **kwargs)
        except OperationalError as exc:
            message = describe_connection_error(exc, db.engine.url)
            if "no such table" in str(exc.orig) or "does not exist" in str(exc.orig):
                message = "the database has no tables yet; run `flask --app wsgi db upgrade` first"
            raise click.ClickException(message) from None
        except ProgrammingError as exc:
            if "does not exist" in str(exc.orig):
                raise click.ClickException(
                    "the database has no tables yet; run `flask --app wsgi db upgrade` first"
                ) from None
            raise

    return wrapper


def base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"]
