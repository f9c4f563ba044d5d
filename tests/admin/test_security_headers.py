"""Security headers on every response, and pages that keep to the CSP."""

from __future__ import annotations

import re

import pytest
from flask import Blueprint

from app.auth.access import STAFF, roles_required
from app.security import CONTENT_SECURITY_POLICY
from tests.admin import test_access
from tests.admin.conftest import as_user
from tests.admin.test_access import argument_values, build

# A review and an action, for the pages that show one.
loop_values = test_access.loop_values

EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def assert_security_headers(response, where: str) -> None:  # type: ignore[no-untyped-def]
    headers = response.headers
    assert headers["Content-Security-Policy"] == EXPECTED_CSP, where
    assert headers["X-Content-Type-Options"] == "nosniff", where
    assert headers["X-Frame-Options"] == "DENY", where
    assert headers["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin"}, where


def test_policy_is_the_documented_one():
    assert CONTENT_SECURITY_POLICY == EXPECTED_CSP


def _get_routes(app):  # type: ignore[no-untyped-def]
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" in rule.methods and rule.endpoint != "static":
            yield rule


def test_every_page_has_the_headers_and_no_inline_script_or_style(app, world, loop_values):  # type: ignore[no-untyped-def]
    from app.preview import preview_token

    values = {
        **argument_values(world),
        **loop_values,
        "token": preview_token(app.config["SECRET_KEY"], world.current),
    }
    admin = app.test_client()
    as_user(admin, app, world.admin)
    anonymous = app.test_client()
    for rule in _get_routes(app):
        if rule.endpoint.startswith("respond."):
            continue  # the respondent pages have their own tests; headers are checked below
        url = build(rule, values)
        for who, client in (("admin", admin), ("anonymous", anonymous)):
            response = client.get(url)
            assert_security_headers(response, f"{who} {url}")
            if response.mimetype == "text/html":
                html = response.text
                assert not INLINE_SCRIPT.search(html), f"inline script on {url}"
                assert not STYLE_ATTRIBUTE.search(html), f"style attribute on {url}"
                assert not STYLE_ELEMENT.search(html), f"style element on {url}"
                assert not EVENT_HANDLER.search(html), f"event handler attribute on {url}"
            if who == "admin" and response.status_code == 200:
                assert response.headers["Cache-Control"] == "no-store", url


def test_error_pages_static_files_and_public_pages_have_the_headers(app, client):  # type: ignore[no-untyped-def]
    for url in ["/", "/healthz", "/signin", "/no-such-page", "/s/not-a-token"]:
        assert_security_headers(client.get(url), url)
    with client.get("/static/app.css") as response:
        assert_security_headers(response, "static")
    assert_security_headers(client.post("/healthz"), "405")
    assert_security_headers(client.post("/signin"), "csrf 400")


@pytest.fixture
def failing_app(make_app):  # type: ignore[no-untyped-def]
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    broken = Blueprint("broken", __name__)

    @broken.get("/broken")
    @roles_required(*STAFF)
    def fails():  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    app.register_blueprint(broken)
    return app


def test_server_errors_have_the_headers(failing_app, world):  # type: ignore[no-untyped-def]
    client = failing_app.test_client()
    assert client.get("/broken").status_code == 302  # anonymous: refused before the view
    as_user(client, failing_app, world.admin)
    response = client.get("/broken")
    assert response.status_code == 500
    assert "boom" not in response.text
    assert_security_headers(response, "500")
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_behind_sign_in_are_never_cached(app, world):  # type: ignore[no-untyped-def]
    client = app.test_client()
    as_user(client, app, world.coordinator)
    for url in ["/admin/", f"/admin/links/{world.link}/qr.png", "/admin/exports"]:
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    with client.get("/static/admin.css") as response:
        assert response.headers.get("Cache-Control") != "no-store"
