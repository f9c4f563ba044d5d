"""``links``, ``demo`` and ``setup`` (what ``make run`` calls)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from app.admin.services.links import all_links, link_url
from app.auth.account_links import create_setup_link
from app.cli.common import base_url, database_command
from app.definitions import DefinitionError
from app.definitions.sync import sync_directory
from app.demo import generate
from app.extensions import alembic, db
from app.mail import public_url
from app.models import Audience, Channel, Link, Response, Wave


@click.command("links")
@with_appcontext
@database_command
def links() -> None:
    """Print every link: audience, survey, wave, partner, channel and URL, tab-separated."""
    for link in all_links(db.session):
        click.echo(
            "\t".join(
                [
                    link.audience.value,
                    link.survey.slug,
                    link.wave.name,
                    link.partner.name if link.partner else "-",
                    link.channel.value,
                    link_url(base_url(), link),
                ]
            )
        )


@click.command("demo")
@click.option(
    "--responses", "n_responses", type=click.IntRange(0, 5_000_000), default=2000, show_default=True
)
@click.option("--seed", type=int, default=1, show_default=True)
@with_appcontext
@database_command
def demo(n_responses: int, seed: int) -> None:
    """Create demo partners, two waves, links and N synthetic responses; release the
    closed previous wave to partners."""
    _load_demo(n_responses, seed)


def _load_demo(n_responses: int, seed: int) -> None:
    with click.progressbar(length=n_responses, label="demo responses", file=None) as bar:
        try:
            summary = generate(
                db.session,
                n_responses,
                seed=seed,
                progress=bar.update,
                release_min_n=current_app.config["MIN_CELL_SIZE"],
                report_settings=current_app.config,
            )
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(
        f"demo data: {summary.partners} partners, {summary.waves} waves, {summary.links} links, "
        f"{summary.responses} responses, {summary.answers} answers"
    )
    if summary.released:
        click.echo(summary.released)
    if summary.review:
        click.echo(summary.review)


@click.command("setup")
@click.option(
    "--demo-responses", type=click.IntRange(0, 5_000_000), default=2000, show_default=True
)
@with_appcontext
@database_command
def setup(demo_responses: int) -> None:
    """Migrate, sync surveys, load demo data into an empty database; while no one has an
    account, print a one-time link to create the first admin."""
    alembic.upgrade()
    click.echo("database: up to date")
    try:
        for result in sync_directory(db.session, current_app.config["SURVEYS_DIR"]):
            click.echo(f"survey {result}")
    except DefinitionError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException("survey definitions have problems; nothing was stored") from None

    if db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0 and demo_responses:
        _load_demo(demo_responses, seed=1)

    setup_token = create_setup_link(db.session)
    db.session.commit()
    if setup_token is not None:
        click.echo("")
        click.echo("No one has an account yet. To create the first admin account, open:")
        click.echo(f"  {public_url('auth.setup', token=setup_token)}")
        click.echo("This link works once, for 24 hours; each start prints a new one until")
        click.echo("it is used. (Or: flask --app wsgi users create --role admin --email ...)")

    family = _family_link()
    if family:
        click.echo("")
        click.echo(f"Family survey ({family.wave.name}): {link_url(base_url(), family)}")
    click.echo(f"Serving at {base_url()}")


def _family_link() -> Link | None:
    from app.models import Link

    return db.session.scalar(
        sa.select(Link)
        .join(Link.wave)
        .where(
            Link.audience == Audience.FAMILY,
            Link.partner_id.is_(None),
            Link.channel == Channel.FLYER_QR,
            Wave.is_open.is_(True),
        )
        .order_by(Wave.opens_on.desc())
        .limit(1)
    )
