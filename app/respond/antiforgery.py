"""The survey form's anti-forgery check, without a server-side or signed session.

A survey page sets a random key in a cookie that only the survey pages see (``/s/``,
HttpOnly, SameSite=Lax, gone when the browser closes) and puts in the form a MAC of
that key under the application's secret. A post is accepted when its form token is
the MAC of the key its cookie carries: another site can neither read the cookie nor
make the MAC, so it cannot post a survey page in a family's name.

This is the same protection Flask-WTF gives the coordinator pages (its secret lives in
the signed session cookie), with the same rules: no time limit (a form may stay open
for hours, and across a restart of the service), and over HTTPS the post must come
with a Referer of this host. It costs one HMAC per post instead of opening and
re-signing a session, and a family's browser keeps no session cookie at all.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Flask, Response, current_app, g, request
from flask_wtf.csrf import CSRFError, same_origin

COOKIE = "survey_key"
FIELD = "csrf_token"
# The key is 128 random bits, written as 22 URL-safe characters.
_KEY_LENGTH = 22


def _mac_key(app: Flask) -> bytes:
    key = app.extensions.get("survey_form_mac_key")
    if key is None:
        secret = app.secret_key
        if secret is None:
            raise RuntimeError("survey forms are signed with SECRET_KEY, which is not set")
        if isinstance(secret, str):
            secret = secret.encode()
        key = app.extensions["survey_form_mac_key"] = hmac.digest(
            secret, b"survey-form-token", hashlib.sha256
        )
    return key


def _token_for(key: str) -> str:
    return hmac.digest(_mac_key(current_app), key.encode(), hashlib.sha256).hex()


def _cookie_key() -> str | None:
    key = request.cookies.get(COOKIE)
    if key and len(key) == _KEY_LENGTH and key.isascii():
        return key
    return None


def form_token() -> str:
    """The token to put in a survey form; sets the cookie key if the browser has none."""
    key = _cookie_key() or g.get("survey_key_issued")
    if key is None:
        key = g.survey_key_issued = secrets.token_urlsafe(16)
    return _token_for(key)


def set_cookie(response: Response) -> Response:
    """Send the key issued by ``form_token`` in this request, if it issued one."""
    key = g.get("survey_key_issued")
    if key is not None:
        config = current_app.config
        response.set_cookie(
            COOKIE,
            key,
            path=f"{request.script_root}/s/",
            secure=config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite=config["SESSION_COOKIE_SAMESITE"] or "Lax",
        )
    return response


def check() -> None:
    """Refuse the post (CSRFError, a 400 that says to reload) unless its form token
    matches its cookie key, and, over HTTPS, its Referer is this host."""
    token = request.form.get(FIELD)
    if not token:
        raise CSRFError("The CSRF token is missing.")
    key = _cookie_key()
    if key is None:
        raise CSRFError("The CSRF session token is missing.")
    if not hmac.compare_digest(token.encode("utf-8", "replace"), _token_for(key).encode()):
        raise CSRFError("The CSRF token is invalid.")
    if request.is_secure and current_app.config["WTF_CSRF_SSL_STRICT"]:
        referrer = request.referrer
        if not referrer:
            raise CSRFError("The referrer header is missing.")
        if not _same_origin(referrer, f"https://{request.host}/"):
            raise CSRFError("The referrer does not match the host.")


def _same_origin(uri: str, other: str) -> bool:
    """Flask-WTF's rule (scheme, host and port alike); a malformed URI is not ours."""
    try:
        return same_origin(uri, other)
    except ValueError:
        return False
