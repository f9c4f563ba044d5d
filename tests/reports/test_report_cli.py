"""``flask --app wsgi report build`` and the Flask-free package."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.reports.helpers import DATA

WAVE = "2026 Fall review"


@pytest.fixture
def demo(runner, session):
    assert runner.invoke(args=["surveys", "sync"]).exit_code == 0
    result = runner.invoke(args=["demo", "--responses", "300", "--seed", "3"])
    assert result.exit_code == 0, result.output
    import sqlalchemy as sa

    from app.models import Wave

    return session.scalar(sa.select(Wave.name).order_by(Wave.opens_on.desc()).limit(1))


@pytest.mark.parametrize("fmt", ["html", "pdf", "csv", "xlsx"])
def test_report_build_writes_each_format(runner, demo, tmp_path, fmt):
    out = tmp_path / f"family.{fmt}"
    result = runner.invoke(
        args=[
            "report",
            "build",
            "--survey",
            "family-feedback",
            "--wave",
            demo,
            "--format",
            fmt,
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    data = out.read_bytes()
    magic = {"html": b"<!doctype html>", "pdf": b"%PDF", "xlsx": b"PK", "csv": b"Report,"}
    assert data.startswith(magic[fmt])
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_report_build_for_a_partner_and_the_whole_packet(runner, demo, tmp_path):
    out = tmp_path / "packet.csv"
    result = runner.invoke(
        args=[
            "report",
            "build",
            "--wave",
            demo,
            "--partner",
            "Riverside Community Health Clinic",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "Riverside Community Health Clinic" in text and "Family survey" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--survey", "nope"], "unknown survey 'nope'"),
        (["--wave", "Never"], "unknown wave 'Never'"),
        (["--partner", "Nobody"], "unknown partner 'Nobody'"),
    ],
)
def test_report_build_rejects_unknown_names(runner, demo, tmp_path, args, message):
    options = {"--survey": "family-feedback", "--wave": demo}
    options.update(zip(args[::2], args[1::2], strict=True))
    flat = [x for pair in options.items() for x in pair]
    out = tmp_path / "r.pdf"
    result = runner.invoke(args=["report", "build", *flat, "--out", str(out)])
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_report_build_needs_a_known_format(runner, demo, tmp_path):
    result = runner.invoke(args=["report", "build", "--wave", demo, "--out", str(tmp_path / "r")])
    assert result.exit_code != 0 and "--format" in result.output


def test_report_build_for_an_empty_wave_says_so(runner, session, tmp_path):
    import datetime as dt

    from tests.reports.helpers import Builder

    builder = Builder(session)
    builder.survey(DATA / "report-test.yaml")
    builder.wave("Quiet wave", dt.date(2026, 1, 5))
    session.commit()
    out = tmp_path / "quiet.html"
    result = runner.invoke(
        args=[
            "report",
            "build",
            "--survey",
            "report-test",
            "--wave",
            "Quiet wave",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "no responses in this wave" in result.output
    assert "No responses were received for Quiet wave" in out.read_text()


def test_importing_reports_loads_neither_flask_nor_matplotlib():
    code = (
        "import sys, reports, reports.service, reports.summaries, reports.suppress;"
        "import reports.charts, reports.html, reports.pdf, reports.tables;"
        "bad = [m for m in ('flask', 'matplotlib', 'fpdf', 'openpyxl') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    _python_succeeds(code)


def test_charts_draw_without_loading_matplotlib():
    """A cold HTML packet must not pay for matplotlib's import (0.4-1 s, more than the
    whole CSV): charts are written straight from their scenes."""
    code = (
        "import sys; from reports import charts, html;"
        "from reports.model import Cell, ItemSummary, OptionCount;"
        "item = ItemSummary('x', 'A statement', 'scored', n=Cell(50));"
        "item.options = [OptionCount(str(k), f'Opt {k}', Cell(10), Cell(20.0), neutral=k == 3)"
        " for k in range(1, 6)];"
        "svg = charts.diverging([item], 'x').svg();"
        "assert '<rect' in svg and 'report-chart' in svg, svg;"
        "sys.exit(1 if 'matplotlib' in sys.modules else 0)"
    )
    _python_succeeds(code)


def _python_succeeds(code: str) -> None:
    """Run ``code`` in a fresh interpreter (nothing imported yet) and expect exit 0."""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
