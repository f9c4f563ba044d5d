"""One way to write: a POST view declared with ``writes=True`` is one transaction,
committed on success and rolled back on error, and the request session refuses any
flush or commit outside that pattern. The first test walks the URL map, so a POST
view added later without the pattern fails here; the suite's POSTs to every real
view then run under the refusing session."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import redirect

from app import audit
from app.admin.views.common import acting_user
from app.auth.access import (
    ADMINS,
    PUBLIC_BLUEPRINTS,
    READ_ONLY_METHODS,
    roles_required,
    undo_write,
    writing,
)
from app.extensions import db
from app.models import AuditEvent
from tests.admin.conftest import as_user, database

# The respondent pages write through their own connection, not the ORM session:
# ``app.database.write_transaction`` (one BEGIN IMMEDIATE ... COMMIT per submission).
OWN_WRITE_PATH = PUBLIC_BLUEPRINTS


@pytest.fixture
def app_config(app_config):  # type: ignore[no-untyped-def]
    return {**app_config, "WTF_CSRF_ENABLED": False}


def test_every_post_view_writes_through_the_pattern(app):  # type: ignore[no-untyped-def]
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.rpartition(".")[0] in OWN_WRITE_PATH:
            continue
        view = app.view_functions[rule.endpoint]
        posts = bool(set(rule.methods or ()) - READ_ONLY_METHODS)
        declared = getattr(view, "writes", False)
        if posts:
            assert declared, (
                f"{rule.endpoint} accepts POST without the write pattern: declare it with "
                "roles_required(..., writes=True) (or @writes for a public view)"
            )
            checked += 1
        else:
            assert not declared, f"{rule.endpoint} declares writes but takes no POST"
    # Sign-in and -out, waves, links, users, responses, comments, releases at least.
    assert checked >= 12


def _events(app, target: str) -> int:  # type: ignore[no-untyped-def]
    with database(app) as session:
        return session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.target == target)
        )


def _record(target: str) -> None:
    audit.record(db.session, acting_user(), "wave_create", target)


@pytest.fixture
def probe(app, client, world):  # type: ignore[no-untyped-def]
    """Views made for this test, on an admin's signed-in client."""

    def add(rule: str, view, methods=("POST",)) -> None:  # type: ignore[no-untyped-def]
        app.add_url_rule(rule, endpoint=f"probe_{view.__name__}", view_func=view, methods=methods)

    @roles_required(*ADMINS)
    def forgot():  # type: ignore[no-untyped-def]
        _record("probe:forgot")
        db.session.flush()
        return "written?"

    @roles_required(*ADMINS, writes=True)
    def by_hand():  # type: ignore[no-untyped-def]
        _record("probe:by_hand")
        db.session.commit()
        return "committed?"

    @roles_required(*ADMINS, writes=True)
    def stored():  # type: ignore[no-untyped-def]
        _record("probe:stored")
        return redirect("/admin/")

    @roles_required(*ADMINS, writes=True)
    def refused():  # type: ignore[no-untyped-def]
        _record("probe:refused")
        return "refused", 400

    @roles_required(*ADMINS, writes=True)
    def raises():  # type: ignore[no-untyped-def]
        _record("probe:raises")
        db.session.flush()
        raise LookupError("after the flush")

    @roles_required(*ADMINS, writes=True)
    def undone():  # type: ignore[no-untyped-def]
        _record("probe:undone")
        db.session.flush()
        undo_write()
        _record("probe:after_undo")
        return redirect("/admin/")

    @roles_required(*ADMINS)
    def read_then_write():  # type: ignore[no-untyped-def]
        with writing():
            _record("probe:read_then_write")
        return "recorded"

    for view in (forgot, by_hand, stored, refused, raises, undone):
        add(f"/probe/{view.__name__}", view)
    add("/probe/read_then_write", read_then_write, methods=("GET",))
    as_user(client, app, world.admin)
    return client


def test_a_write_outside_the_pattern_is_refused(app, probe):  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError, match="outside its write transaction"):
        probe.post("/probe/forgot")
    assert _events(app, "probe:forgot") == 0


def test_a_commit_by_hand_is_refused(app, probe):  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError, match="commits by hand"):
        probe.post("/probe/by_hand")
    assert _events(app, "probe:by_hand") == 0


def test_success_commits_once(app, probe):  # type: ignore[no-untyped-def]
    assert probe.post("/probe/stored").status_code == 302
    assert _events(app, "probe:stored") == 1


def test_a_refusal_or_an_error_rolls_back(app, probe):  # type: ignore[no-untyped-def]
    assert probe.post("/probe/refused").status_code == 400
    assert _events(app, "probe:refused") == 0
    with pytest.raises(LookupError):
        probe.post("/probe/raises")
    assert _events(app, "probe:raises") == 0


def test_after_undo_the_request_only_reads(app, probe):  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError, match="outside its write transaction"):
        probe.post("/probe/undone")
    assert _events(app, "probe:undone") == 0
    assert _events(app, "probe:after_undo") == 0


def test_a_read_page_records_in_one_short_write(app, probe):  # type: ignore[no-untyped-def]
    assert probe.get("/probe/read_then_write").status_code == 200
    assert _events(app, "probe:read_then_write") == 1
