"""``users create``."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from app.cli.common import database_command
from app.extensions import db
from app.users import AccountError, create_user


@click.group()
def users() -> None:
    """Manage sign-in accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "coordinator", "partner"]))
@click.option("--partner", "partner_name", help="Partner name (partner users only).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
@database_command
def create(email: str, role: str, partner_name: str | None, password_stdin: bool) -> None:
    """Create a user; the password comes from a prompt or standard input."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(db.session, email, password, role, partner_name)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {user.role.value} {user.email}")
