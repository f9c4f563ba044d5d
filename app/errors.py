"""Friendly error pages. Nothing here may itself fail: a failing error page is a 500."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db

MESSAGES = {
    400: "The request could not be understood.",
    403: "You don't have access to this page.",
    404: "We couldn't find that page.",
    405: "That action isn't allowed here.",
    410: "This page is no longer available.",
    413: "What was sent is too large.",
    429: "Too many requests. Please wait a moment and try again.",
    500: "Something went wrong on our side. Your answers are still on your device; "
    "please try again.",
    503: "The service is busy or briefly unavailable. Please try again in a moment.",
}


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        code = error.code or 500
        # 5xx pages say only what the app itself wrote (a 503's reason), never an exception.
        shown = error.description if code < 500 or code == 503 else None
        response = render_error(code, shown)
        headers = error.get_headers() if hasattr(error, "get_headers") else []
        for name, value in headers:
            if name.lower() not in {"content-type", "content-length"}:
                response[2][name] = value
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        return render_error(
            400,
            "Your form has expired or was sent from elsewhere. "
            "Reload the page and send it again; your answers are kept.",
        )

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> ResponseReturnValue:
        app.logger.error("database error on %s: %s", request.path, error.orig)
        db.session.rollback()
        return render_error(503)

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError) -> ResponseReturnValue:
        return render_error(500)


def render_error(code: int, detail: str | None = None) -> tuple[str, int, dict[str, str]]:
    message = MESSAGES.get(code, "Something went wrong.")
    if detail and detail != message and not _is_default_description(code, detail):
        message = detail
    try:
        body = render_template("errors/error.html", code=code, message=message)
    except Exception:  # noqa: BLE001 - the error page must never fail in turn
        body = f"<!doctype html><title>{code}</title><p>{code}</p>"
    return body, code, {"Cache-Control": "no-store"}


def _is_default_description(code: int, detail: str) -> bool:
    from werkzeug.exceptions import default_exceptions

    cls = default_exceptions.get(code)
    return cls is not None and detail == cls.description
