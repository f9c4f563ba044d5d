"""Signing in and out: one message for every failure, rotated sessions, safe redirects,
cookie flags, CSRF on every form."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.auth.access import safe_next
from app.models import AuditEvent, User, Wave
from tests.admin.conftest import PASSWORD, as_user, csrf_token, database, sign_in

SESSION_COOKIE = "session"


def cookie_value(client) -> str | None:  # type: ignore[no-untyped-def]
    cookie = client.get_cookie(SESSION_COOKIE)
    return cookie.value if cookie else None


def with_cookie(app, value: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.set_cookie(SESSION_COOKIE, value)
    return client


def test_coordinator_signs_in_lands_on_the_dashboard_and_is_audited(app, client, world):  # type: ignore[no-untyped-def]
    response = sign_in(client, "Coord@Example.org ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    with database(app) as session:
        user = session.get(User, world.coordinator)
        assert user.last_sign_in_at is not None
        events = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "sign_in"))
        assert [e.user_id for e in events] == [world.coordinator]


def _message(html: str) -> str:
    match = re.search(r'<div class="error-summary" role="alert"><p>(.*?)</p>', html)
    assert match, "no failure message"
    return match.group(1)


def test_unknown_email_wrong_password_and_inactive_account_get_the_same_message(app, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        session.get(User, world.partner_b_user).active = False
        session.commit()
    answers = []
    for email, password in [
        ("nobody@example.org", PASSWORD),
        ("coord@example.org", "wrong password, wrong"),
        ("b@example.org", PASSWORD),
    ]:
        client = app.test_client()
        response = sign_in(client, email, password)
        assert response.status_code == 200
        answers.append(_message(response.text))
        assert client.get("/admin/").status_code == 302  # still signed out
        assert password not in response.text
    assert len(set(answers)) == 1
    with database(app) as session:
        failed = list(
            session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "sign_in_failed"))
        )
        assert [e.target for e in failed] == [
            "unknown account",
            f"user:{world.coordinator}",
            f"user:{world.partner_b_user}",
        ]
        # What was typed is never stored.
        assert all("nobody" not in str(e.detail) for e in failed)


def test_signing_in_keeps_the_typed_email_and_not_the_password(client, world):  # type: ignore[no-untyped-def]
    response = sign_in(client, "coord@example.org", "not the password at all")
    assert 'value="coord@example.org"' in response.text
    assert "not the password at all" not in response.text


def test_sign_in_rotates_the_session(app, client, world):  # type: ignore[no-untyped-def]
    """Session fixation: nothing planted before sign-in survives it, and the cookie an
    attacker held before sign-in does not become a signed-in session."""
    page = client.get("/signin")
    token_before = csrf_token(page.text)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    planted_cookie = cookie_value(client)

    response = client.post(
        "/signin",
        data={"email": "coord@example.org", "password": PASSWORD, "csrf_token": token_before},
    )
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") is None  # a new token is made on the next form
    assert cookie_value(client) != planted_cookie
    assert csrf_token(client.get("/admin/waves/new").text) != token_before

    attacker = with_cookie(app, planted_cookie)
    assert attacker.get("/admin/").status_code == 302


def test_sign_out_invalidates_every_copy_of_the_session_cookie(app, client, world):  # type: ignore[no-untyped-def]
    sign_in(client, "coord@example.org")
    stolen = cookie_value(client)
    assert with_cookie(app, stolen).get("/admin/").status_code == 200

    token = csrf_token(client.get("/admin/").text)
    response = client.post("/signout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/signin"
    assert client.get("/admin/").status_code == 302
    assert with_cookie(app, stolen).get("/admin/").status_code == 302
    with database(app) as session:
        assert (
            session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "sign_out")) == 1
        )


def test_sign_out_needs_a_post_with_a_csrf_token(client, world):  # type: ignore[no-untyped-def]
    sign_in(client, "coord@example.org")
    assert client.get("/signout").status_code == 405
    assert client.post("/signout").status_code == 400
    assert client.get("/admin/").status_code == 200  # still signed in


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/admin/\r\nSet-Cookie: x=y",
        "admin/",
        "",
    ],
)
def test_next_never_leads_off_the_site(client, world, target):  # type: ignore[no-untyped-def]
    assert safe_next(target) is None
    response = sign_in(client, "coord@example.org", next_url=target)
    assert response.headers["Location"] == "/admin/"


def test_next_leads_back_to_the_page_asked_for(client, world):  # type: ignore[no-untyped-def]
    first = client.get("/admin/links?wave=1")
    assert first.status_code == 302
    login_url = first.headers["Location"]
    assert login_url.startswith("/signin?next=")
    page = client.get(login_url)
    assert 'value="/admin/links?wave=1"' in page.text
    response = client.post(
        "/signin",
        data={
            "email": "coord@example.org",
            "password": PASSWORD,
            "next": "/admin/links?wave=1",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert response.headers["Location"] == "/admin/links?wave=1"


def test_session_cookie_is_httponly_and_samesite_lax(client, world):  # type: ignore[no-untyped-def]
    response = sign_in(client, "coord@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_when_served_over_https(make_app, world):  # type: ignore[no-untyped-def]
    app = make_app(SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    page = client.get("/signin", base_url="https://localhost")
    assert page.headers["Referrer-Policy"] == "same-origin"
    response = client.post(
        "/signin",
        base_url="https://localhost",
        # A browser sends this under Referrer-Policy: same-origin; Flask-WTF requires it
        # over HTTPS.
        headers={"Referer": "https://localhost/signin"},
        data={
            "email": "coord@example.org",
            "password": PASSWORD,
            "csrf_token": csrf_token(page.text),
        },
    )
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_missing_csrf_token_is_refused_and_changes_nothing(app, client, world):  # type: ignore[no-untyped-def]
    as_user(client, app, world.coordinator)
    response = client.post(
        "/admin/waves/new",
        data={"name": "Sneaky wave", "opens_on": "2027-01-01", "closes_on": "2027-02-01"},
    )
    assert response.status_code == 400
    assert client.post(f"/admin/waves/{world.current}/state", data={"open": "0"}).status_code == 400
    assert (
        client.post(
            f"/admin/responses/{world.response}/delete", data={"reason": "no token here"}
        ).status_code
        == 400
    )
    forged = client.post(
        "/admin/waves/new",
        data={
            "name": "Sneaky wave",
            "opens_on": "2027-01-01",
            "closes_on": "2027-02-01",
            "csrf_token": "made-up",
        },
    )
    assert forged.status_code == 400
    anonymous = app.test_client()
    assert (
        anonymous.post(
            "/signin", data={"email": "coord@example.org", "password": PASSWORD}
        ).status_code
        == 400
    )
    with database(app) as session:
        assert session.scalar(sa.select(Wave).where(Wave.name == "Sneaky wave")) is None
        assert session.get(Wave, world.current).is_open
        from app.models import Response

        assert session.get(Response, world.response).deleted_at is None
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0
