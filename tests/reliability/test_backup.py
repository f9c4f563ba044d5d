"""A backup taken while the service runs restores every response and answer."""

from __future__ import annotations

import sqlalchemy as sa

from app.models import Answer, Response
from tests.conftest import FIXTURES


def _counts(session):
    return (
        session.scalar(sa.select(sa.func.count()).select_from(Response)),
        session.scalar(sa.select(sa.func.count()).select_from(Answer)),
    )


def test_backup_then_restore_brings_back_every_answer(runner, session, tmp_path):
    assert runner.invoke(args=["surveys", "sync", str(FIXTURES)]).exit_code == 0
    assert runner.invoke(args=["demo", "--responses", "120"]).exit_code == 0
    before = _counts(session)
    session.close()

    target = tmp_path / "backup.dump"
    result = runner.invoke(args=["backup", "create", str(target)])
    assert result.exit_code == 0, result.output
    assert "120 response" in result.output

    session.execute(sa.delete(Answer))
    session.execute(sa.delete(Response))
    session.commit()
    assert _counts(session) == (0, 0)
    session.close()

    assert "add --yes" in runner.invoke(args=["backup", "restore", str(target)]).output
    result = runner.invoke(args=["backup", "restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert _counts(session) == before


def test_backup_refuses_to_overwrite_and_restore_refuses_garbage(runner, tmp_path):
    existing = tmp_path / "exists.dump"
    existing.write_text("keep me")
    result = runner.invoke(args=["backup", "create", str(existing)])
    assert result.exit_code != 0 and "exists" in result.output
    assert existing.read_text() == "keep me"
    result = runner.invoke(args=["backup", "restore", str(existing), "--yes"])
    assert result.exit_code != 0 and "nothing was restored" in result.output
