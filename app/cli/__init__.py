"""Command-line interface: ``flask --app wsgi <command>``."""

from __future__ import annotations

import functools
import typing as t

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy.exc import OperationalError

from app.cli import actions, backup, data, report, surveys, users
from app.database import describe_connection_error


def register(app: Flask) -> None:
    """Add the project's commands, then make every command (Flask-Alembic's ``db`` ones
    too) report an unreachable database as one line instead of a traceback."""
    app.cli.add_command(surveys.surveys)
    app.cli.add_command(users.users)
    app.cli.add_command(data.links)
    app.cli.add_command(data.demo)
    app.cli.add_command(data.setup)
    app.cli.add_command(backup.backup)
    app.cli.add_command(report.report)
    app.cli.add_command(actions.actions)
    for command in app.cli.commands.values():
        _one_line_database_errors(command)


def _one_line_database_errors(command: click.Command) -> None:
    if isinstance(command, click.Group):
        for child in command.commands.values():
            _one_line_database_errors(child)
    if command.callback is not None and not getattr(command.callback, "_one_line", False):
        command.callback = _wrap(command.callback)


def _wrap(callback: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    @functools.wraps(callback)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        try:
            return callback(*args, **kwargs)
        except OperationalError as exc:
            # The command's own app context may be gone by now: ask the CLI for the app.
            app = click.get_current_context().ensure_object(ScriptInfo).load_app()
            url = sa.make_url(app.config["DATABASE_URL"])
            raise click.ClickException(describe_connection_error(exc, url)) from None

    wrapper._one_line = True  # type: ignore[attr-defined]
    return wrapper
