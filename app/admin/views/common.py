"""Small helpers shared by the workspace views."""

from __future__ import annotations

import typing as t

from flask import abort
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf

from app.admin.services import FormProblem
from app.auth.access import undo_write
from app.extensions import db
from app.models import User


class _Row(t.Protocol):
    @property
    def id(self) -> int: ...


M = t.TypeVar("M", bound=_Row)


# Primary keys are 32-bit integers; a larger id in a URL names nothing (and PostgreSQL
# would refuse to compare it with an integer column).
MAX_ID = 2**31 - 1


def get_or_404(model: type[M], ident: int) -> M:
    if not 0 < ident <= MAX_ID:
        abort(404)
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    return row


def acting_user() -> User:
    """The signed-in user as a database object (for audit events and ownership)."""
    return t.cast(User, current_user._get_current_object())


def show_problem(form: FlaskForm, problem: FormProblem) -> None:
    """Undo what the refused service did, and put its refusal next to its field, or at
    the top of the form (the page is then answered with a 400; nothing is committed)."""
    undo_write()
    field = getattr(form, problem.field, None) if problem.field else None
    if field is not None:
        field.errors = [*field.errors, problem.message]
    else:
        form.form_errors.append(problem.message)


class OpenCloseForm(FlaskForm):
    """Open or close a wave or link (CSRF-protected POST)."""

    open = HiddenField(validators=[AnyOf(["1", "0"])])


def open_or_close(
    model: type[M], ident: int, apply: t.Callable[..., None], kind: str
) -> tuple[M, bool]:
    """The shared body of the open/close buttons (waves, links; views declared with
    ``writes=True``): check the form, switch the target, audit it. Returns the target
    and whether it is now open."""
    from app import audit

    form = OpenCloseForm()
    if not form.validate_on_submit():
        abort(400)
    target = get_or_404(model, ident)
    is_open = form.open.data == "1"
    apply(db.session, target, is_open)
    action = f"{kind}_open" if is_open else f"{kind}_close"
    audit.record(db.session, acting_user(), action, f"{kind}:{target.id}")
    return target, is_open
