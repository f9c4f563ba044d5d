"""Roles, the public allow-list, the guard that runs before every request, and the one
way a request writes through the ORM session.

Writes: a view declared with ``roles_required(..., writes=True)`` (or ``writes`` for a
public one) runs each POST in one write transaction: begun before the view (``BEGIN
IMMEDIATE`` on SQLite), committed when the view returns a response below 400, rolled
back when it raises or answers 400 and above. A read page that records one thing at its
end (an audit entry) does it in ``with writing():``. Outside these the request's session
refuses to flush or commit, so a write that forgot the pattern fails loudly in the tests
instead of writing in a reader's transaction or being lost.
"""

from __future__ import annotations

import contextlib
import functools
import typing as t
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, abort, current_app, has_request_context, request, url_for
from flask_login import current_user
from sqlalchemy import orm

from app.database import begin_write, transaction
from app.extensions import db, login_manager
from app.models import Role, User

# Pages anyone may open: the landing page, the health check, static files, sign-in,
# the pages of one-time account links (setup, invitation, reset: the token is the key)
# and "forgot password", the respondent pages (the whole ``respond`` blueprint:
# /s/<token>) and the parents' preview of a wave's surveys (``preview``: /preview/<token>).
PUBLIC_ENDPOINTS = frozenset(
    {
        "main.index",
        "main.health",
        "static",
        "auth.signin",
        "auth.setup",
        "auth.invitation",
        "auth.reset_password",
        "auth.forgot_password",
    }
)
PUBLIC_BLUEPRINTS = frozenset({"respond", "preview", "results"})

STAFF = (Role.ADMIN, Role.COORDINATOR)
EVERYONE = (Role.ADMIN, Role.COORDINATOR, Role.PARTNER)
ADMINS = (Role.ADMIN,)

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def is_public(endpoint: str) -> bool:
    blueprint = endpoint.rpartition(".")[0]
    return endpoint in PUBLIC_ENDPOINTS or blueprint in PUBLIC_BLUEPRINTS


def roles_required(*roles: Role, writes: bool = False) -> t.Callable[[F], F]:
    """Declare which roles may use a view. The guard reads the declaration before the
    view runs; the wrapper checks again so a view called some other way stays closed.
    With ``writes=True`` its POST requests run as one write (see the module's text);
    the role is checked first, so a refused user never takes the write lock."""
    allowed = frozenset(roles)

    def decorate(view: F) -> F:
        inner = _one_write_per_post(view) if writes else view

        @functools.wraps(view)
        def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return inner(*args, **kwargs)

        wrapper.allowed_roles = allowed  # type: ignore[attr-defined]
        wrapper.writes = writes  # type: ignore[attr-defined]
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
    refuse_writes_outside_the_pattern(app)


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


# Keys in the request session's ``info``: the transaction the write pattern began (the
# only one allowed to flush), and whether the pattern itself is committing it.
_WRITE = "app.write_transaction"
_COMMITTING = "app.write_committing"
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class _Undone(Exception):
    """Leaves ``writing()`` without committing after ``undo_write()``."""


@contextlib.contextmanager
def writing() -> t.Iterator[orm.Session]:
    """The request's one write: begin it, commit when the block ends, roll back if it
    raises. The guard has already read the signed-in user in a read transaction; that is
    ended first (nothing was written) so that the writer's lock is taken before the
    write's first query, as ``begin_write`` requires."""
    session = db.session
    if session.info.get(_WRITE) is not None:
        raise RuntimeError("a request writes once: writing() inside a write")
    session.rollback()
    try:
        with transaction(session):
            begin_write(session)
            session.info[_WRITE] = session.get_transaction()
            yield session
            if session.info.get(_WRITE) is not session.get_transaction():
                raise _Undone
            session.info[_COMMITTING] = True
    except _Undone:
        pass
    finally:
        session.info.pop(_WRITE, None)
        session.info.pop(_COMMITTING, None)


def undo_write() -> None:
    """Roll back the request's write (a service refused the input); the rest of the
    request only reads, and nothing is committed."""
    session = db.session
    session.rollback()
    if _WRITE in session.info:
        session.info[_WRITE] = False


def writes(view: F) -> F:
    """Run each POST (any method but GET, HEAD and OPTIONS) of ``view`` as one write:
    committed when it returns a response below 400, rolled back when it raises or
    answers 400 and above. For public views; workspace views say
    ``roles_required(..., writes=True)``."""
    return _one_write_per_post(view)


def _one_write_per_post(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        if request.method in READ_ONLY_METHODS:
            return view(*args, **kwargs)
        with writing():
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code >= 400:
                undo_write()
        return response

    wrapper.writes = True  # type: ignore[attr-defined]
    return t.cast(F, wrapper)


def _refuse_unplanned_flush(session: orm.Session, _context: t.Any, _instances: t.Any) -> None:
    if not has_request_context():
        return
    current = session.get_transaction()
    if current is None or session.info.get(_WRITE) is not current:
        raise RuntimeError(
            f"{request.endpoint} writes outside its write transaction: declare the view "
            "with roles_required(..., writes=True) or write in `with writing():`"
        )


def _refuse_unplanned_commit(session: orm.Session) -> None:
    if has_request_context() and not session.info.get(_COMMITTING):
        raise RuntimeError(
            f"{request.endpoint} commits by hand: the write pattern commits "
            "(roles_required(..., writes=True) or `with writing():`)"
        )


def refuse_writes_outside_the_pattern(app: Flask) -> None:
    """Make the request session refuse to flush or commit outside ``writing()``."""
    with app.app_context():
        maker = db.sessionmaker
    sa.event.listen(maker, "before_flush", _refuse_unplanned_flush)
    sa.event.listen(maker, "before_commit", _refuse_unplanned_commit)
