"""The sign-in rate limit, switched on for this module only."""

from __future__ import annotations

import pytest

from tests.admin.conftest import PASSWORD, csrf_token


@pytest.fixture
def app_config(app_config):  # type: ignore[no-untyped-def]
    return {**app_config, "RATELIMIT_ENABLED": True, "SIGNIN_RATE_LIMIT": "3 per minute"}


def test_sign_in_attempts_are_limited_with_retry_after(client, world):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/signin").text)
    for _ in range(3):
        response = client.post(
            "/signin", data={"email": "coord@example.org", "password": "wrong", "csrf_token": token}
        )
        assert response.status_code == 200
    blocked = client.post(
        "/signin", data={"email": "coord@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many sign-in attempts" in blocked.text
    assert blocked.headers["Content-Security-Policy"].startswith("default-src 'self'")
    # Even the right password waits: the limit is on attempts, not on failures.
    assert client.get("/admin/").status_code == 302
    # Reading the page is not an attempt.
    assert client.get("/signin").status_code == 200
