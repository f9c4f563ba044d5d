"""The packet in the workspace: the time limit, releasing a wave to partners, redacting
a comment - each write one transaction, audited, and refused input kept on the page."""

from __future__ import annotations

import time

import sqlalchemy as sa

from app.models import AuditEvent, CommentRedaction, Release, ReportFile, Wave
from tests.admin.conftest import as_user, csrf_token, database


def events(app, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with database(app) as session:
        matching = list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))
        session.expunge_all()
        return matching


def test_a_build_past_the_time_limit_ends_with_a_clear_page(world, make_app, monkeypatch):  # type: ignore[no-untyped-def]
    import reports

    real = reports.build_report

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(3)
        return real(*args, **kwargs)

    monkeypatch.setattr(reports, "build_report", slow)
    strict = make_app(REPORT_TIME_LIMIT=1)
    client = strict.test_client()
    as_user(client, strict, world.coordinator)
    started = time.monotonic()
    response = client.get(f"/admin/reports/download/pdf?wave={world.current}")
    assert response.status_code == 503
    assert "took longer than 1 seconds to build, so it was stopped" in response.text
    assert time.monotonic() - started < 3  # the worker was freed at the limit
    with database(strict) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ReportFile)) == 0


def test_a_wave_is_released_only_once_closed_and_the_release_is_audited(app, client_as, world):  # type: ignore[no-untyped-def]
    client = client_as(world.coordinator)
    page = client.get(f"/admin/waves/{world.current}/release")
    assert page.status_code == 200 and "can be released once the wave has closed" in page.text
    refused = client.post(
        f"/admin/waves/{world.current}/release", data={"csrf_token": csrf_token(page.text)}
    )
    assert refused.status_code == 400 and "is still open" in refused.text
    page = client.get(f"/admin/waves/{world.previous}/release")
    made = client.post(
        f"/admin/waves/{world.previous}/release", data={"csrf_token": csrf_token(page.text)}
    )
    assert made.status_code == 302
    again = client.get(made.headers["Location"])
    assert "released to partners (release 1)" in again.text
    assert "Release again" in again.text
    (event,) = events(app, "release")
    assert event.user_id == world.coordinator and event.detail["release"] == 1
    with database(app) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Release)) == 1
    # Nothing changed since: a second release is refused, with the reason.
    page = client.get(f"/admin/waves/{world.previous}/release")
    second = client.post(
        f"/admin/waves/{world.previous}/release", data={"csrf_token": csrf_token(page.text)}
    )
    assert second.status_code == 400 and "Nothing has changed since the last release" in second.text


def test_redacting_a_comment_is_audited_and_reversible(app, client_as, world):  # type: ignore[no-untyped-def]
    client = client_as(world.coordinator)
    url = f"/admin/comments/{world.partner_b_answer}/redact"
    page = client.get(url)
    assert page.status_code == 200
    refused = client.post(
        url, data={"csrf_token": csrf_token(page.text), "text": "[name] said hi", "reason": "  "}
    )
    assert refused.status_code == 400
    assert "Say why, for the audit log" in refused.text and "[name] said hi" in refused.text
    done = client.post(
        url,
        data={
            "csrf_token": csrf_token(page.text),
            "text": "",
            "remove": "y",
            "reason": "names a student",
        },
    )
    assert done.status_code == 302
    with database(app) as session:
        active = session.scalars(
            sa.select(CommentRedaction).where(
                CommentRedaction.answer_id == world.partner_b_answer,
                CommentRedaction.undone_at.is_(None),
            )
        ).all()
        assert [(r.text, r.reason) for r in active] == [(None, "names a student")]
        redaction_id = active[0].id
    # Back on the list of comments (whichever page the comment is on), the coordinator
    # is told what happened.
    listing = client.get(done.headers["Location"])
    assert "Redacted: reports now show the comment" in listing.text
    restored = client.post(
        f"/admin/comments/redactions/{redaction_id}/restore",
        data={"csrf_token": csrf_token(listing.text)},
    )
    assert restored.status_code == 302
    assert [e.detail for e in events(app, "comment_redact")] == [
        {"reason": "names a student", "whole": True}
    ]
    assert len(events(app, "comment_restore")) == 1


def test_partner_users_cannot_release_or_redact(client_as, world):  # type: ignore[no-untyped-def]
    client = client_as(world.partner_a_user)
    assert client.get(f"/admin/waves/{world.previous}/release").status_code == 403
    assert client.get("/admin/comments").status_code == 403


def test_report_sections_each_load_on_their_own(client_as, world):  # type: ignore[no-untyped-def]
    client = client_as(world.coordinator)
    page = client.get(f"/admin/reports?wave={world.current}")
    links = [
        href.replace("&amp;", "&")
        for href in __import__("re").findall(r'href="(/admin/reports/section/[^"]+)"', page.text)
    ]
    assert len(links) >= 4
    for href in links:
        section = client.get(href)
        assert section.status_code == 200, href
        assert len(section.data) < 200_000, href
    assert client.get(f"/admin/reports/section/nope?wave={world.current}").status_code == 404


def test_the_dashboard_follows_the_open_wave(client_as, world, app):  # type: ignore[no-untyped-def]
    with database(app) as session:
        wave = session.get(Wave, world.current)
        name = wave.name
    assert name in client_as(world.coordinator).get("/admin/").text
