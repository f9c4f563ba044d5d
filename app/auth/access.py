"""Roles, the public allow-list, and the guard that runs before every request."""

from __future__ import annotations

import functools
import typing as t
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, abort, current_app, request, url_for
from flask_login import current_user

from app.database import begin_write
from app.extensions import db, login_manager
from app.models import Role, User

# Pages anyone may open: the landing page, the health check, static files, sign-in,
# the respondent pages (the whole ``respond`` blueprint: /s/<token>) and the parents'
# preview of a wave's surveys (``preview``: /preview/<token>).
PUBLIC_ENDPOINTS = frozenset({"main.index", "main.health", "static", "auth.signin"})
PUBLIC_BLUEPRINTS = frozenset({"respond", "preview"})

STAFF = (Role.ADMIN, Role.COORDINATOR)
EVERYONE = (Role.ADMIN, Role.COORDINATOR, Role.PARTNER)
ADMINS = (Role.ADMIN,)

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def is_public(endpoint: str) -> bool:
    blueprint = endpoint.rpartition(".")[0]
    return endpoint in PUBLIC_ENDPOINTS or blueprint in PUBLIC_BLUEPRINTS


def roles_required(*roles: Role) -> t.Callable[[F], F]:
    """Declare which roles may use a view. The guard reads the declaration before the
    view runs; the wrapper checks again so a view called some other way stays closed."""
    allowed = frozenset(roles)

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapper.allowed_roles = allowed  # type: ignore[attr-defined]
        return t.cast(F, wrapper)

    return decorate


def guard() -> t.Any:
    """Refuse every non-public endpoint to anonymous users (redirect to sign-in) and to
    roles the view did not declare (403). A view that declares nothing is refused."""
    endpoint = request.endpoint
    if endpoint is None or is_public(endpoint):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    view = current_app.view_functions.get(endpoint)
    allowed = getattr(view, "allowed_roles", None)
    if not allowed or current_user.role not in allowed:
        abort(403)
    return None


def load_user(session_token: str) -> User | None:
    if not session_token:
        return None
    return db.session.scalar(
        sa.select(User).where(User.session_token == session_token, User.active.is_(True))
    )


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.signin"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)
    app.before_request(guard)


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirect)."""
    if not target or len(target) > 2000:
        return None
    if any(c in target for c in "\\\r\n\t") or any(ord(c) < 32 for c in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def home_for(user: User) -> str:
    """Where a user lands after signing in."""
    if user.role is Role.PARTNER:
        return url_for("admin.partner_home")
    return url_for("admin.dashboard")


def start_write() -> None:
    """Begin the request's write transaction. The guard has already read the signed-in
    user in a read transaction; end it (nothing was written) so that the writer's lock
    is taken before the first query of the write, as ``begin_write`` requires."""
    db.session.rollback()
    begin_write(db.session)
