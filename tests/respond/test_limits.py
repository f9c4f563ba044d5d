"""Oversized posts and repeated posts get a page in the person's language."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.models import Response
from tests.conftest import base_config


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
