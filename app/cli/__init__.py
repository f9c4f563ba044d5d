"""Command-line interface: ``flask --app wsgi <command>``."""

from __future__ import annotations

from flask import Flask

from app.cli import data, report, surveys, users


def register(app: Flask) -> None:
    app.cli.add_command(surveys.surveys)
    app.cli.add_command(users.users)
    app.cli.add_command(data.links)
    app.cli.add_command(data.demo)
    app.cli.add_command(data.setup)
    app.cli.add_command(report.report)
