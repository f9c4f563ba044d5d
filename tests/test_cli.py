"""The command-line interface."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from app.models import Answer, Link, Partner, PartnerCategory, Response, SurveyVersion, User, Wave
from tests.conftest import EXAMPLE, FIXTURES, ROOT


def test_surveys_check_passes_on_shipped_instruments(runner):
    result = runner.invoke(args=["surveys", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok (") >= 6


def test_surveys_check_reports_file_line_message_and_fails(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        EXAMPLE.read_text().replace(
            "scale: agree5\n        required: true", "scale: agree9\n        required: true"
        )
    )
    result = runner.invoke(args=["surveys", "check", str(bad)])
    assert result.exit_code != 0
    assert f"{bad}:" in result.output and "unknown scale 'agree9'" in result.output


def test_surveys_check_names_missing_path(runner):
    result = runner.invoke(args=["surveys", "check", "nope.yaml"])
    assert result.exit_code != 0 and "nope.yaml: no such file" in result.output


def test_surveys_sync_says_what_it_did_and_stores_nothing_when_broken(runner, session, tmp_path):
    result = runner.invoke(args=["surveys", "sync", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "example-feedback: created (version 1)" in result.output
    result = runner.invoke(args=["surveys", "sync", str(EXAMPLE)])
    assert "example-feedback: unchanged (version 1)" in result.output

    good = tmp_path / "a.yaml"
    good.write_text(EXAMPLE.read_text().replace("id: example-feedback", "id: another"))
    bad = tmp_path / "b.yaml"
    bad.write_text("id: [broken\n")
    result = runner.invoke(args=["surveys", "sync", str(good), str(bad)])
    assert result.exit_code != 0
    assert "nothing was stored" in result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(SurveyVersion)) == 1


def test_users_create_with_password_from_stdin(runner, session):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Coord@Example.org",
            "--role",
            "coordinator",
            "--password-stdin",
        ],
        input="correct horse battery\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(sa.select(User))
    assert user.email == "coord@example.org"
    assert user.password_hash.startswith("$argon2")


def test_users_create_partner_needs_existing_partner(runner, session):
    args = ["users", "create", "--email", "p@example.org", "--role", "partner", "--password-stdin"]
    result = runner.invoke(args=args, input="correct horse battery\n")
    assert result.exit_code != 0 and "needs --partner" in result.output
    result = runner.invoke(args=args + ["--partner", "Nobody"], input="correct horse battery\n")
    assert result.exit_code != 0 and "no partner named 'Nobody'" in result.output
    session.add(Partner(name="Clinic", category=PartnerCategory.HEALTHCARE_PROVIDER))
    session.commit()
    result = runner.invoke(args=args + ["--partner", "Clinic"], input="correct horse battery\n")
    assert result.exit_code == 0, result.output


def test_users_create_rejects_short_password_and_duplicates(runner, session):
    args = ["users", "create", "--email", "a@example.org", "--role", "admin", "--password-stdin"]
    assert "at least 12" in runner.invoke(args=args, input="short\n").output
    assert runner.invoke(args=args, input="long enough password\n").exit_code == 0
    result = runner.invoke(args=args, input="long enough password\n")
    assert result.exit_code != 0 and "already exists" in result.output


def test_demo_is_repeatable_and_realistic(runner, session, app):
    assert runner.invoke(args=["surveys", "sync", str(FIXTURES)]).exit_code == 0
    result = runner.invoke(args=["demo", "--responses", "400", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(Partner)) == 6
    assert session.scalar(sa.select(sa.func.count()).select_from(Wave)) == 2
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 400
    languages = dict(
        session.execute(
            sa.select(Response.language, sa.func.count()).group_by(Response.language)
        ).all()
    )
    assert languages.get("es", 0) > 20 and languages.get("en", 0) > 100
    audiences = {a for (a,) in session.execute(sa.select(Response.audience).distinct())}
    assert len(audiences) == 2
    texts = session.scalar(
        sa.select(sa.func.count()).select_from(Answer).where(Answer.item_id == "comments")
    )
    assert texts > 0

    def fingerprint():
        return session.execute(
            sa.select(Answer.item_id, Answer.choice, sa.func.count())
            .group_by(Answer.item_id, Answer.choice)
            .order_by(Answer.item_id, Answer.choice)
        ).all()

    first = fingerprint()
    # Same seed into a second, empty database gives the same answers.
    session.execute(sa.delete(Answer))
    session.execute(sa.delete(Response))
    session.commit()
    assert runner.invoke(args=["demo", "--responses", "400", "--seed", "7"]).exit_code == 0
    assert fingerprint() == first


def test_demo_without_surveys_explains(runner):
    result = runner.invoke(args=["demo", "--responses", "5"])
    assert result.exit_code != 0 and "surveys sync" in result.output


def test_links_prints_tab_separated_urls(runner):
    runner.invoke(args=["surveys", "sync", str(FIXTURES)])
    runner.invoke(args=["demo", "--responses", "1"])
    result = runner.invoke(args=["links"])
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.output), delimiter="\t"))
    assert len(rows) == 8  # 2 waves x (family: general + 2 partner text links; staff: general)
    assert all(len(r) == 6 and r[5].startswith("http://localhost/s/") for r in rows)


def test_setup_prepares_an_empty_database_once(runner, session):
    result = runner.invoke(args=["setup", "--demo-responses", "50"])
    assert result.exit_code == 0, result.output
    assert "http://localhost/setup/" in result.output and "Family survey" in result.output
    assert "password" not in result.output  # no shared password: the admin chooses one
    assert session.scalar(sa.select(sa.func.count()).select_from(Link)) > 0
    again = runner.invoke(args=["setup", "--demo-responses", "50"])
    assert again.exit_code == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 50


@pytest.mark.parametrize("command", [["links"], ["db", "upgrade"], ["surveys", "sync"]])
def test_unreachable_database_is_one_line(command):
    from app import create_app

    app = create_app(
        {"TESTING": True, "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    )
    with app.app_context():  # as `flask` itself provides for Flask-Alembic's group
        result = app.test_cli_runner().invoke(args=command)
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: cannot reach the database at postgresql+psycopg://nobody@127.0.0.1:1/none"
    )
    assert "Traceback" not in result.output


def test_readme_begins_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    commands = [line for line in text.splitlines() if line.startswith("make ")][:2]
    assert commands == ["make run", "make test"]
