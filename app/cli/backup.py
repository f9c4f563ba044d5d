"""``backup create`` and ``backup restore``: online SQLite backups, pg_dump/pg_restore."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app.extensions import db

COUNTED = ("survey_version", "link", "response", "answer", "user_account", "audit_event")


@click.group()
def backup() -> None:
    """Back up and restore the database."""


def _url() -> sa.URL:
    return db.engine.url


def _libpq_url(url: sa.URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(url: sa.URL) -> str:
    if not url.database or url.database == ":memory:":
        raise click.ClickException("an in-memory database cannot be backed up")
    return url.database


def _counts(connection: sqlite3.Connection | sa.Connection) -> str:
    parts = []
    for table in COUNTED:
        if isinstance(connection, sqlite3.Connection):
            n = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        else:
            n = connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
        parts.append(f"{n} {table}")
    return ", ".join(parts)


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise click.ClickException(f"{name} is not installed (Debian: postgresql-client)")
    return path


@backup.command("create")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def create(path: Path) -> None:
    """Write a consistent copy of the live database to PATH (safe while serving)."""
    url = _url()
    if path.exists():
        raise click.ClickException(f"{path} exists; choose a new file name")
    if url.get_backend_name() == "sqlite":
        # SQLite's online backup copies a consistent snapshot while writers carry on.
        source = sqlite3.connect(_sqlite_path(url), timeout=30)
        target = sqlite3.connect(path)
        try:
            source.backup(target)
            check = target.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise click.ClickException(f"the copy failed its integrity check: {check}")
            summary = _counts(target)
        finally:
            target.close()
            source.close()
    else:
        result = subprocess.run(
            [
                _pg_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                f"--file={path}",
                _libpq_url(url),
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise click.ClickException(f"pg_dump failed: {result.stderr.strip()}")
        with db.engine.connect() as conn:
            summary = _counts(conn)
    click.echo(f"backup written to {path}: {summary}")


@backup.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Confirm replacing everything in the live database.")
@with_appcontext
def restore(path: Path, yes: bool) -> None:
    """Replace the live database's contents with the backup at PATH. Stop the service first."""
    if not yes:
        raise click.ClickException("restoring replaces every response in the database; add --yes")
    url = _url()
    db.session.close()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(path)
        try:
            if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise click.ClickException(f"{path} is damaged; nothing was restored")
        except sqlite3.DatabaseError:
            raise click.ClickException(
                f"{path} is not an SQLite backup; nothing was restored"
            ) from None
        target = sqlite3.connect(_sqlite_path(url), timeout=30)
        try:
            source.backup(target)
            summary = _counts(target)
        finally:
            target.close()
            source.close()
    else:
        result = subprocess.run(
            [
                _pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={_libpq_url(url)}",
                str(path),
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise click.ClickException(
                f"pg_restore failed; nothing was restored: {result.stderr.strip()}"
            )
        with db.engine.connect() as conn:
            summary = _counts(conn)
    click.echo(f"restored from {path}: {summary}")
