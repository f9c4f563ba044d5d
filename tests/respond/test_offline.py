"""Offline interviews, server side: the bundle, the worker, and queued records stored
exactly once and checked as strictly as an online post."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa

from app.models import Response
from tests.conftest import ROOT
from tests.factories import store_survey
from tests.respond.helpers import open_link

INTERVIEW = ROOT / "surveys" / "community-interview.yaml"
FAMILY = ROOT / "surveys" / "family-feedback.yaml"

GOOD = [
    ["consent.interview", "given"],
    ["interviewee.role", "youth"],
    ["interviewee.under_18", "no"],
    ["interview.barriers", "The bus is slow."],
]


@pytest.fixture
def interview_link(session):  # type: ignore[no-untyped-def]
    link = open_link(session, store_survey(session, INTERVIEW), audience="student")
    session.commit()
    return link


def bundle(client, token):  # type: ignore[no-untyped-def]
    response = client.get(f"/s/{token}/offline.json")
    assert response.status_code == 200
    return response.get_json()


def send(client, token, record):  # type: ignore[no-untyped-def]
    csrf = client.get(f"/s/{token}/offline/token").get_json()["csrf_token"]
    return client.post(
        f"/s/{token}/records", data={"csrf_token": csrf, "record": json.dumps(record)}
    )


def record(version: int, fields=GOOD, **extra):  # type: ignore[no-untyped-def]
    return {
        "uuid": str(uuid.uuid4()),
        "version": version,
        "started": "",
        "language": "en",
        "fields": fields,
        **extra,
    }


def count(session) -> int:  # type: ignore[no-untyped-def]
    session.rollback()
    return session.scalar(sa.select(sa.func.count()).select_from(Response))


def test_the_worker_is_served_above_the_links_with_a_scope_for_them(client):
    response = client.get("/s/sw.js")
    assert response.status_code == 200
    assert response.headers["Service-Worker-Allowed"] == "/s/"
    assert response.mimetype == "text/javascript"
    assert "no-cache" in response.headers["Cache-Control"]


def test_the_bundle_is_made_from_the_stored_definition(client, interview_link):
    data = bundle(client, interview_link.token)
    assert data["interview"] is True and data["languages"] == ["en", "es"]
    items = [q["item"] for page in data["pages"] for q in page["questions"]]
    assert items[:3] == ["consent.interview", "interviewee.role", "interviewee.under_18"]
    permission = data["pages"][0]["questions"][3]
    assert permission["show_if"] == {"question": "interviewee.under_18", "equals": "yes"}
    assert permission["checks"]["consent"] is True
    spanish = data["texts"]["es"]
    assert "¿La persona aceptó participar" in spanish["pages"][0]["html"]
    messages = spanish["pages"][0]["messages"]["consent.interview"]["consent.interview"]
    assert messages["consent_required"].startswith("Sin consentimiento")
    assert spanish["ui"]["save"] == "Guardar la entrevista"
    # The worker caches the page in each language, the bundle and the page's files.
    assert f"/s/{interview_link.token}/offline?lang=es" in data["assets"]
    assert any(a.startswith("/static/interview.js?v=") for a in data["assets"])


def test_offline_parts_exist_only_on_interview_links(client, session):
    family = open_link(session, store_survey(session, FAMILY))
    session.commit()
    for path in ("offline", "offline.json", "offline/token"):
        assert client.get(f"/s/{family.token}/{path}").status_code == 404
    page = client.get(f"/s/{family.token}").get_data(as_text=True)
    assert "interview.js" not in page and "/offline" not in page


def test_the_offline_page_loads_its_own_script_only(client, interview_link):
    body = client.get(f"/s/{interview_link.token}/offline?lang=es").get_data(as_text=True)
    assert "interview.js" in body and "respond.js" not in body
    assert "Download a backup" in body or "copia de seguridad" in body


def test_a_record_sent_twice_is_stored_once(client, session, interview_link):
    version = bundle(client, interview_link.token)["version"]
    taken = record(version)
    first = send(client, interview_link.token, taken)
    again = send(client, interview_link.token, taken)
    assert (first.status_code, first.get_json()["stored"]) == (201, True)
    assert (again.status_code, again.get_json()["stored"]) == (200, False)
    assert count(session) == 1


@pytest.mark.parametrize(
    ("fields", "status", "reason"),
    [
        (GOOD[1:], 422, "consent script? Tick the box to continue."),
        (
            [*GOOD[:2], ["interviewee.under_18", "yes"], GOOD[3]],
            422,
            "Without consent the interview cannot go ahead.",
        ),
        ([*GOOD[:3], ["interview.barriers", "x" * 6000]], 422, "characters or fewer"),
        ([*GOOD, ["injected", "1"]], 400, "answers the survey does not ask"),
    ],
    ids=["no-consent", "minor-without-permission", "too-long", "unknown-field"],
)
def test_a_record_is_checked_as_strictly_as_an_online_post(
    client, session, interview_link, fields, status, reason
):
    version = bundle(client, interview_link.token)["version"]
    response = send(client, interview_link.token, record(version, fields))
    assert response.status_code == status
    assert reason in response.get_json()["reason"]
    assert count(session) == 0


def test_a_record_without_an_id_or_with_a_foreign_version_is_refused(
    client, session, interview_link
):
    version = bundle(client, interview_link.token)["version"]
    no_id = send(client, interview_link.token, {**record(version), "uuid": ""})
    assert no_id.status_code == 400 and "submission id" in no_id.get_json()["reason"]
    foreign = send(client, interview_link.token, record(version + 1000))
    assert foreign.status_code == 409
    assert count(session) == 0


def test_a_record_for_a_closed_wave_is_refused_with_its_reason(client, session, interview_link):
    version = bundle(client, interview_link.token)["version"]
    csrf = client.get(f"/s/{interview_link.token}/offline/token").get_json()["csrf_token"]
    interview_link.wave.is_open = False
    session.commit()
    response = client.post(
        f"/s/{interview_link.token}/records",
        data={"csrf_token": csrf, "record": json.dumps(record(version))},
    )
    assert response.status_code == 410
    assert "Download a backup" in response.get_json()["reason"]
    assert count(session) == 0


def test_a_record_without_the_form_token_is_refused(client, session, interview_link):
    version = bundle(client, interview_link.token)["version"]
    response = client.post(
        f"/s/{interview_link.token}/records", data={"record": json.dumps(record(version))}
    )
    assert response.status_code == 403 and response.get_json()["refused"] == "form_token"
    assert count(session) == 0


def test_malformed_records_are_refused_not_failed(client, session, interview_link):
    token = interview_link.token
    csrf = client.get(f"/s/{token}/offline/token").get_json()["csrf_token"]
    for raw in ["", "[]", "{", '{"uuid": "x"}', json.dumps(record(1, fields=[[1, 2]]))]:
        response = client.post(f"/s/{token}/records", data={"csrf_token": csrf, "record": raw})
        assert 400 <= response.status_code < 500, raw
        assert response.get_json()["reason"]
    assert count(session) == 0
