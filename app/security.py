"""Security headers on every response, and the cookie settings that go with HTTPS.

The Content-Security-Policy allows scripts and styles from our own origin only: no
inline ``<script>`` bodies, ``style="..."`` attributes or ``on*=`` handlers anywhere.
"""

from __future__ import annotations

import typing as t

from flask import Flask, Response, g, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Not "no-referrer": over HTTPS, Flask-WTF refuses a form post without a same-origin
    # Referer (WTF_CSRF_SSL_STRICT). "same-origin" sends it to us and to no one else, so
    # survey link tokens in our URLs never reach another site.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}

HSTS = "max-age=31536000; includeSubDomains"


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, minus the work a request without one paid for.

    Survey pages never use the session (their forms carry their own anti-forgery token),
    so most requests come without a session cookie and leave without one; Flask would
    still build a signing serializer to open nothing and read seven cookie settings to
    save nothing. Behaviour is otherwise Flask's own, which it calls.
    """

    def open_session(self, app: Flask, request: t.Any) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: t.Any, response: t.Any) -> None:
        # An empty session nobody looked at or changed sets, deletes and varies nothing.
        if session or session.modified or session.accessed:
            super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    # The remember-me cookie (unused today) follows the session cookie's settings.
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"])
    app.session_interface = CookieSessionInterface()
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    """Set the headers on ``response``; runs after every request, error pages included."""
    headers = response.headers
    present = {name.lower() for name, _value in headers.items()}
    for name, value in SECURITY_HEADERS.items():
        if name.lower() in present:
            headers[name] = value  # ours wins over whatever the view set
        else:
            headers.add(name, value)
    req = request._get_current_object()  # type: ignore[attr-defined]
    if req.is_secure:
        headers["Strict-Transport-Security"] = HSTS
    if req.endpoint != "static":
        if _signed_in():
            # Pages behind sign-in hold children's data: never keep them in any cache.
            headers["Cache-Control"] = "no-store"
            headers["Vary"] = "Cookie"
        else:
            headers.setdefault("Cache-Control", "no-store")
    return response


def _signed_in() -> bool:
    """Whether this request was served to a signed-in user. Every page behind sign-in
    looks at the user before its view runs (app.auth.access.guard); a request that never
    did, such as a survey page, showed nothing of anyone's, and is not made to look
    now: that would cost a user lookup and rewrite the session cookie."""
    user = g.get("_login_user")
    try:
        return bool(user is not None and user.is_authenticated)
    except Exception:  # noqa: BLE001 - headers must be added even if the user lookup fails
        return False
