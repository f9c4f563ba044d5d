"""Checking credentials and starting or ending a signed-in session (services flush)."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy import orm

from app import audit
from app.models import User, utcnow
from app.users import normalise_email, verify_password

# One message for an unknown email, a wrong password and a deactivated account, so
# the sign-in form never tells anyone which emails have accounts.
SIGN_IN_FAILED = "That email and password do not match an active account."


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def authenticate(session: orm.Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None. Failures are audited
    without the typed text (people type passwords into the email box)."""
    user = session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if verify_password(user, password) and user is not None and user.active:
        return user
    audit.record(
        session,
        user,
        "sign_in_failed",
        f"user:{user.id}" if user is not None else "unknown account",
    )
    return None


def start_session(session: orm.Session, user: User) -> None:
    """Record a successful sign-in and make sure the user has a session token."""
    if not user.session_token:
        user.session_token = new_session_token()
    user.last_sign_in_at = utcnow()
    audit.record(session, user, "sign_in", f"user:{user.id}")


def end_sessions(session: orm.Session, user: User, action: str | None = "sign_out") -> None:
    """Replace the user's session token: every session cookie issued so far stops working."""
    user.session_token = new_session_token()
    if action:
        audit.record(session, user, action, f"user:{user.id}")
    session.flush()
