"""``report build``: write a review report to a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.cli.common import database_command
from app.extensions import db

STEPS = ("query", "summaries", "changes", "partners", "summary", "done")


@click.group("report")
def report() -> None:
    """Partnership review reports."""


@report.command("build")
@click.option(
    "--survey",
    "survey_slug",
    metavar="ID",
    default=None,
    help="Survey id (as in its definition file). Omit for every instrument of the wave.",
)
@click.option("--wave", "wave_name", metavar="NAME", required=True, help="Wave name.")
@click.option(
    "--partner",
    "partner_name",
    metavar="NAME",
    default=None,
    help="Only responses that came through this partner's links.",
)
@click.option(
    "--format",
    "fmt",
    metavar="FORMAT",
    default=None,
    help="pdf, xlsx, csv or html (default: from the --out file's extension).",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="File to write.",
)
@click.option(
    "--figures",
    type=click.Choice(["live", "released"]),
    default="live",
    show_default=True,
    help="Live figures, or the wave's latest release to partners.",
)
@with_appcontext
@database_command
def build(
    survey_slug: str | None,
    wave_name: str,
    partner_name: str | None,
    fmt: str | None,
    out: Path,
    figures: str,
) -> None:
    """Build a report for a survey and wave, through the privacy rule."""
    from reports import FORMATS, ReportError, build_report, render

    fmt = (fmt or out.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise click.UsageError(
            f"give --format {'|'.join(FORMATS)} (or an --out file with that extension)"
        )
    if not out.parent.is_dir():
        raise click.ClickException(f"the folder {out.parent} does not exist")
    config = current_app.config
    with click.progressbar(
        length=len(STEPS) + 1, label=f"report ({fmt})", file=None, show_eta=False
    ) as bar:
        try:
            result = build_report(
                db.session,
                survey_slug,
                wave_name,
                partner_name,
                min_cell=config["MIN_CELL_SIZE"],
                comment_min=config["COMMENT_MIN_CELL_SIZE"],
                mode=config["SUPPRESSION"],
                figures=figures,
                paper=config["PAPER_SIZE"],
                progress=lambda _step: bar.update(1),
            )
        except ReportError as exc:
            raise click.ClickException(str(exc)) from None
        data = render(result, fmt)
        bar.update(1)
    _write_atomically(out, data)
    note = "" if result.has_responses else " (no responses in this wave)"
    click.echo(f"wrote {out} ({len(data):,} bytes){note}")


def _write_atomically(path: Path, data: bytes) -> None:
    """Write beside the target, then rename: a failed run never leaves half a file."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
