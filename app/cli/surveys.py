"""``surveys check`` and ``surveys sync``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.cli.common import database_command
from app.definitions import DefinitionError, definition_files, load_file
from app.definitions.sync import sync_paths
from app.extensions import db


@click.group()
def surveys() -> None:
    """Check and store survey definitions."""


def _paths(paths: tuple[str, ...]) -> list[Path]:
    if not paths:
        files = definition_files(current_app.config["SURVEYS_DIR"])
        if not files:
            folder = current_app.config["SURVEYS_DIR"]
            raise click.ClickException(f"no .yaml or .xlsx files in {folder}")
        return files
    result: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            result += definition_files(path)
        elif path.exists():
            result.append(path)
        else:
            raise click.ClickException(f"{raw}: no such file or folder")
    return result


@surveys.command("check")
@click.argument("paths", nargs=-1)
@with_appcontext
def check(paths: tuple[str, ...]) -> None:
    """Check definitions (default: every file in surveys/): YAML, or XLSForm (.xlsx,
    .csv, .md). Prints file:line: message (file:sheet:row: for a spreadsheet)."""
    failed = 0
    files = _paths(paths)
    for path in files:
        try:
            survey = load_file(path)
        except DefinitionError as exc:
            failed += 1
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            continue
        languages = ", ".join(survey.languages)
        click.echo(f"{path}: ok ({survey.id}, {len(survey.item_ids())} items, {languages})")
    if failed:
        raise click.ClickException(f"{failed} of {len(files)} definition(s) have problems")


@surveys.command("sync")
@click.argument("paths", nargs=-1)
@click.option(
    "--force",
    is_flag=True,
    help="Also take surveys published in the workspace back from their files.",
)
@with_appcontext
@database_command
def sync(paths: tuple[str, ...], force: bool) -> None:
    """Store each definition whose content changed as a new immutable version. Surveys
    published in the workspace are left alone unless --force."""
    from app import audit

    try:
        results = sync_paths(db.session, _paths(paths), force)
    except DefinitionError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException("nothing was stored: fix the problems above first") from None
    for result in results:
        if result.action.startswith("taken back"):
            audit.record(
                db.session,
                None,
                "survey_sync_force",
                f"survey:{result.slug}",
                {"version": result.version, "action": result.action},
            )
        click.echo(str(result))
