"""The sign-in rate limit, switched on for this module only."""

from __future__ import annotations

import pytest

from tests.admin.conftest import PASSWORD, csrf_token, sign_in


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


def test_sign_in_behind_one_proxy_is_counted_per_person(make_app, world):  # type: ignore[no-untyped-def]
    """Both people reach the app from the proxy's address; the proxy's X-Forwarded-For
    entry tells them apart, so one person's failed attempts do not lock out the other."""
    app = make_app(TRUSTED_PROXIES=1)
    guesser, coordinator = app.test_client(), app.test_client()
    guesser.environ_base.update(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1")
    coordinator.environ_base.update(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2")
    token = csrf_token(guesser.get("/signin").text)
    wrong = {"email": "coord@example.org", "password": "wrong", "csrf_token": token}
    statuses = [guesser.post("/signin", data=wrong).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = sign_in(coordinator, "coord@example.org")
    assert response.status_code == 302
