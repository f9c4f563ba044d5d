"""``flask actions remind``: email the owners of actions due within a week or overdue
(each reminder once). The workspace sends them itself as it is used (app/reminders.py);
this is for cron, where nobody may open the workspace for days."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext

from app.cli.common import database_command
from app.extensions import db


@click.group("actions")
def actions() -> None:
    """Action items decided at review meetings."""


@actions.command("remind")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Act as if today were this date (UTC), e.g. to catch up a missed day.",
)
@with_appcontext
@database_command
def remind(today: dt.datetime | None) -> None:
    """Email owners of actions due within a week, and of actions now overdue. Each
    action gets each reminder once; users who turned reminders off get none."""
    from app.admin.services.actions import send_reminders, today_utc
    from app.mail import mail_configured, public_url, send

    if not mail_configured():
        raise click.ClickException("mail is not configured (MAIL_SERVER); no reminders sent")
    run = send_reminders(
        db.session,
        today.date() if today else today_utc(),
        send,
        lambda action: public_url("admin.action", action_id=action.id),
        public_url("auth.change_password"),
    )
    line = f"reminders: {run.sent} sent about {run.actions} action{'' if run.actions == 1 else 's'}"
    if run.failed:
        line += f", {run.failed} not delivered (tried again on the next run)"
    if run.skipped_opted_out:
        line += f", {run.skipped_opted_out} owner(s) turned reminders off"
    click.echo(line)
