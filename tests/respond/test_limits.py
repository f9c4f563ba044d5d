"""Oversized posts and repeated posts get a page in the person's language."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from app.models import Response
from tests.conftest import ROOT, base_config


@pytest.fixture
def app_config(database_url, tmp_path):  # type: ignore[no-untyped-def]
    config = base_config(database_url, tmp_path)
    config.update(
        MAX_CONTENT_LENGTH=6000,
        RATELIMIT_ENABLED=True,
        SUBMIT_RATE_LIMIT="4 per minute",
    )
    return config


def test_post_larger_than_the_limit_is_a_friendly_413_in_spanish(respondent, session):
    respondent.open("es")
    response = respondent.press("next", {"uses_services": "no", "contact_channel": "x" * 8000})
    assert response.status_code == 413
    body = respondent.text
    assert '<html lang="es">' in body
    assert "Sus respuestas son demasiado largas para enviarlas" in body
    assert "Sus respuestas están guardadas en este dispositivo" in body
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0


def test_too_many_posts_get_a_wait_page(respondent):
    respondent.open("es")
    statuses = []
    for _ in range(6):
        statuses.append(respondent.press("next", {"uses_services": "no"}).status_code)
        if statuses[-1] == 429:
            break
        respondent.history_back()
    assert statuses == [200, 200, 200, 200, 429]
    assert "Espere un momento" in respondent.text
    assert respondent.response.headers.get("Retry-After")


def test_each_address_is_counted_apart(respondent, client):
    respondent.open()
    for _ in range(4):
        assert respondent.press("next", {"uses_services": "no"}).status_code == 200
        respondent.history_back()
    assert respondent.press("next", {"uses_services": "no"}).status_code == 429
    retry_after = int(respondent.response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    respondent.history_back()
    assert respondent.press("next", {"uses_services": "no"}).status_code == 200


def test_opening_the_survey_is_not_counted(respondent):
    for _ in range(8):
        assert respondent.open().status_code == 200
    for _ in range(4):
        assert respondent.press("next", {"uses_services": "no"}).status_code == 200
        respondent.history_back()


@pytest.fixture
def gunicorn_url(database_url, example_link):  # type: ignore[no-untyped-def]
    """The app under gunicorn (the production server) on a free local port."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    env = dict(
        os.environ, DATABASE_URL=database_url, SECRET_KEY="test-secret", MAX_CONTENT_LENGTH="6000"
    )
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "1", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)


def test_a_big_refused_post_still_gets_its_page_under_gunicorn(gunicorn_url, example_link):
    """gunicorn closes the connection after answering; with the refused body unread the
    browser would see a reset instead of the page, so the body is read first."""
    address = urlsplit(gunicorn_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    body = b"comments=" + b"x" * (4 * 1024 * 1024)
    connection.request(
        "POST",
        f"/s/{example_link.token}?lang=es",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    page = response.read().decode()
    connection.close()
    assert response.status == 413
    assert "Sus respuestas son demasiado largas para enviarlas" in page
