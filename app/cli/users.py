"""``users create``, ``users invite`` and ``users reset-link``.

They call the same service functions as the workspace pages and are audited the same
way (with no signed-in user: the command line is the actor).
"""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app import audit
from app.admin.services import FormProblem
from app.auth import account_links
from app.cli.common import database_command
from app.extensions import db
from app.mail import public_url
from app.models import Partner, Role, User
from app.users import AccountError, create_user, normalise_email

ROLES = click.Choice(["admin", "coordinator", "partner"])


@click.group()
def users() -> None:
    """Manage sign-in accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=ROLES)
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
    audit.record(
        db.session,
        None,
        "user_create",
        f"user:{user.id}",
        {"email": user.email, "role": user.role.value, "by": "command line"},
    )
    click.echo(f"created {user.role.value} {user.email}")


class _CommandLine:
    """The actor of an invitation made on the command line: it may invite any role."""

    id = None
    role = Role.ADMIN
    email = "the command line"


@users.command("invite")
@click.option("--email", required=True)
@click.option("--role", required=True, type=ROLES)
@click.option("--partner", "partner_name", help="Partner name (partner users only).")
@with_appcontext
@database_command
def invite(email: str, role: str, partner_name: str | None) -> None:
    """Make an invitation link (valid 7 days) and print it."""
    partner = None
    if partner_name:
        partner = db.session.scalar(sa.select(Partner).where(Partner.name == partner_name))
        if partner is None:
            raise click.ClickException(f"no partner named {partner_name!r}")
    try:
        link, token = account_links.invite(
            db.session,
            _CommandLine(),  # type: ignore[arg-type]
            email,
            Role(role),
            partner,
        )
    except FormProblem as problem:
        raise click.ClickException(problem.message) from None
    db.session.commit()
    click.echo(public_url("auth.invitation", token=token))


@users.command("reset-link")
@click.option("--email", required=True)
@with_appcontext
@database_command
def reset_link(email: str) -> None:
    """Make a password reset link (valid 24 hours) for an account and print it."""
    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.ClickException(f"no account with email {normalise_email(email)}")
    try:
        token = account_links.issue_reset(
            db.session,
            _CommandLine(),  # type: ignore[arg-type]
            user,
        )
    except FormProblem as problem:
        raise click.ClickException(problem.message) from None
    db.session.commit()
    click.echo(public_url("auth.reset_password", token=token))
