"""Email: invitations and password-reset links, through Flask-Mailman's SMTP backend.

Mail is optional. Without ``MAIL_SERVER`` nothing is sent and every link is shown to the
person who made it, to pass on; with it, ``send`` delivers a plain-text message and says
whether it went. A refused or unreachable server never fails the request that made the
link (the link is already stored and shown): it is logged and reported as not sent.

Links in messages are built from ``PUBLIC_BASE_URL`` by the caller (``public_url``),
never from the request's Host header, which a client chooses.
"""

from __future__ import annotations

import smtplib

from flask import Flask, current_app
from flask_mailman import EmailMessage, Mail

mail = Mail()


def init_app(app: Flask) -> None:
    if app.config.get("MAIL_SERVER") and not app.config.get("MAIL_BACKEND"):
        # Flask-Mailman picks an in-memory backend under TESTING; a configured server
        # is always the real SMTP one (tests deliver to a local SMTP server).
        app.config["MAIL_BACKEND"] = "smtp"
    mail.init_app(app)


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def public_url(endpoint: str, **values: object) -> str:
    """An absolute URL on ``PUBLIC_BASE_URL`` for ``endpoint`` (never the Host header;
    works outside a request too, for the CLI)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def send(to: str, subject: str, body: str) -> bool:
    """Send one plain-text message; True if the SMTP server accepted it. False when mail
    is not configured or the server refused or could not be reached (logged)."""
    if not mail_configured():
        return False
    message = EmailMessage(subject=subject, body=body, to=[to])
    try:
        return message.send() == 1
    except (smtplib.SMTPException, OSError) as error:
        current_app.logger.warning("mail to %s not sent: %s", to.split("@")[-1], error)
        return False
