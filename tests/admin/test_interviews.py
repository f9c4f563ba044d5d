"""Importing an interviewer's backup file: each interview stored once, checked like an
online post, refusals named, audited; a released wave keeps its release."""

from __future__ import annotations

import io
import json
import uuid

import sqlalchemy as sa

from app.models import Answer, AuditEvent, Link, Response, Survey, SurveyVersion
from tests.admin.conftest import as_user, csrf_token, database

GOOD = [
    ["consent.interview", "given"],
    ["interviewee.role", "partner_staff"],
    ["interviewee.under_18", "no"],
    ["interview.barriers", "Waiting lists of three months."],
]


def interview_link(app, world) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    with database(app) as session:
        link = session.scalar(
            sa.select(Link)
            .join(Survey, Survey.id == Link.survey_id)
            .where(Survey.slug == "community-interview", Link.wave_id == world.current)
            .limit(1)
        )
        version = session.scalar(
            sa.select(sa.func.max(SurveyVersion.id)).where(
                SurveyVersion.survey_id == link.survey_id
            )
        )
        return link.token, version


def backup(token: str, records: list[dict]) -> bytes:
    return json.dumps(
        {"kind": "interview-backup", "format": 1, "token": token, "records": records}
    ).encode()


def record(version: int, fields=GOOD) -> dict:  # type: ignore[no-untyped-def]
    return {"uuid": str(uuid.uuid4()), "version": version, "language": "es", "fields": fields}


def upload(client, data: bytes, name: str = "interviews-backup.json"):  # type: ignore[no-untyped-def]
    page = client.get("/admin/interviews/import")
    return client.post(
        "/admin/interviews/import",
        data={"csrf_token": csrf_token(page.text), "backup": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def stored_uuids(app, uuids: list[str]) -> int:  # type: ignore[no-untyped-def]
    with database(app) as session:
        return session.scalar(
            sa.select(sa.func.count())
            .select_from(Response)
            .where(Response.submission_uuid.in_([uuid.UUID(u) for u in uuids]))
        )


def test_a_backup_imported_twice_stores_each_interview_once(client, app, world):
    token, version = interview_link(app, world)
    good = record(version)
    no_consent = record(version, GOOD[1:])
    data = backup(token, [good, no_consent])
    as_user(client, app, world.coordinator)
    first = upload(client, data)
    assert first.status_code == 200
    assert "1 interview stored now" in first.text
    assert "Interview 2 in the file:" in first.text and "Tick the box to continue." in first.text
    again = upload(client, data)
    assert "0 interviews stored now" in again.text
    assert "1 already stored before" in again.text
    assert stored_uuids(app, [good["uuid"], no_consent["uuid"]]) == 1
    with database(app) as session:
        events = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "interviews_import")
        ).all()
        assert [e.detail["stored"] for e in events] == [1, 0]


def test_a_file_that_is_not_a_backup_is_refused_with_a_reason(client, app, world):
    as_user(client, app, world.coordinator)
    for data in [b"\xff\xfe", b"{}", b'{"kind": "interview-backup", "records": 3}', b"[1]"]:
        response = upload(client, data)
        assert response.status_code == 400
        assert "This file is not an interview backup." in response.text


def test_a_record_for_an_unknown_link_is_refused_not_guessed(client, app, world):
    _token, version = interview_link(app, world)
    as_user(client, app, world.coordinator)
    response = upload(client, backup("no-such-link", [record(version)]))
    assert "The interview link is not in this workspace." in response.text
    assert "0 interviews stored now" in response.text


def test_importing_into_a_released_wave_points_to_the_release_rule(client, app, world):
    from app.models import Wave
    from reports.releases import make_release

    token, version = interview_link(app, world)
    with database(app) as session:
        wave = session.get(Wave, world.current)
        wave.is_open = False
        make_release(session, wave, None, min_n=1)
        session.commit()
    as_user(client, app, world.coordinator)
    response = upload(client, backup(token, [record(version)]))
    assert "1 interview stored now" in response.text
    assert "was already released to partners" in response.text
    assert f"/admin/waves/{world.current}/release" in response.text


def coding_page(client, wave_id: int, n: int = 1):  # type: ignore[no-untyped-def]
    return client.get(f"/admin/interviews/coding?wave={wave_id}&n={n}")


def first_note(app, world):  # type: ignore[no-untyped-def]
    from app.admin.services.interviews_coding import note_ids

    with database(app) as session:
        ids = note_ids(session, world.current)
        answer = session.get(Answer, ids[0])
        return ids, answer.id, answer.value_text


def code(client, wave_id, answer_id, themes, quote=""):  # type: ignore[no-untyped-def]
    page = coding_page(client, wave_id)
    return client.post(
        f"/admin/interviews/coding/{answer_id}",
        data={"csrf_token": csrf_token(page.text), "themes": themes, "quote": quote},
    )


def test_a_coordinator_codes_notes_one_by_one_and_sees_progress(client, app, world):
    from app.models import CodedNote, ThemeTag

    ids, answer_id, text = first_note(app, world)
    as_user(client, app, world.coordinator)
    page = coding_page(client, world.current)
    assert f"0 of {len(ids)}" in page.text and "Note 1 of" in page.text
    assert "Transport to services" in page.text and text in page.text
    quote = " ".join(text.split())[:40].strip()
    saved = code(client, world.current, answer_id, ["cost", "transport"], quote)
    assert saved.status_code == 303 and saved.headers["Location"].endswith("n=2")
    assert f"1 of {len(ids)}" in coding_page(client, world.current, 2).text
    # Coding again replaces the themes; the note still counts once.
    code(client, world.current, answer_id, ["stigma"])
    with database(app) as session:
        assert session.get(CodedNote, answer_id).quote is None
        tags = session.scalars(sa.select(ThemeTag.theme).where(ThemeTag.answer_id == answer_id))
        assert list(tags) == ["stigma"]
        actions = session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.action == "interview_note_code")
        ).all()
        assert len(actions) == 2


def test_themes_outside_the_codebook_and_made_up_quotes_are_refused(client, app, world):
    from app.models import CodedNote

    _ids, answer_id, _text = first_note(app, world)
    as_user(client, app, world.coordinator)
    unknown = code(client, world.current, answer_id, ["parking"])
    assert unknown.status_code == 400 and "Not a theme of this survey" in unknown.text
    invented = code(client, world.current, answer_id, ["cost"], "words nobody said here")
    assert invented.status_code == 400 and "copied from the note" in invented.text
    with database(app) as session:
        assert session.get(CodedNote, answer_id) is None


def test_a_theme_dropped_from_the_codebook_stays_on_the_notes_it_tagged(client, app, world):
    from app.admin.services.interviews_coding import note
    from app.models import CodedNote, ThemeTag

    _ids, answer_id, _text = first_note(app, world)
    with database(app) as session:
        answer = session.get(Answer, answer_id)
        session.add(CodedNote(answer_id=answer_id, wave_id=answer.wave_id))
        session.flush()
        session.add(ThemeTag(answer_id=answer_id, theme="housing"))
        session.commit()
        shown = note(session, answer)
        assert ("housing", "housing (no longer in the codebook)") in shown.themes
        assert shown.chosen == {"housing"}
    as_user(client, app, world.coordinator)
    kept = code(client, world.current, answer_id, ["housing", "cost"])
    assert kept.status_code == 303
