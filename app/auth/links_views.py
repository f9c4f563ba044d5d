"""Pages opened from one-time links: first-run setup, invitations and password resets,
and the "forgot password" and "change password" pages.

Each write is one transaction (the write pattern of ``app.auth.access``): the link is
locked and checked, the account made or changed, the link marked used and the audit
entries added, committed when the page answers below 400. A refused
form keeps what was typed (passwords excepted) and says what is wrong with a 400.
"""

from __future__ import annotations

import typing as t

from flask import current_app, flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user

from app.admin.services import FormProblem
from app.admin.views.common import show_problem
from app.auth import account_links, bp
from app.auth.access import EVERYONE, home_for, roles_required, writes
from app.auth.forms import ChangePasswordForm, ForgotPasswordForm, SetPasswordForm, SetupForm
from app.auth.service import start_session
from app.extensions import db
from app.mail import mail_configured, public_url, send
from app.models import AccountLink, AccountLinkKind, User
from app.ratelimit import rate_limited

LinkRefused = account_links.LinkRefused


def refused_page(error: LinkRefused) -> tuple[str, int]:
    status = 404 if error.state == "unknown" else 410
    return render_template("auth/link_refused.html", error=error), status


def _sign_in_as(user: User) -> None:
    """Start a fresh signed-in session for ``user`` (nothing from before survives)."""
    session.clear()
    start_session(db.session, user)
    login_user(user)


def _look_up(kind: AccountLinkKind, token: str) -> AccountLink:
    return account_links.find_link(db.session, kind, token, lock=False)


def _use_link(
    form: t.Any, complete: t.Callable[[], User]
) -> tuple[User | None, LinkRefused | None]:
    """Use a link in the view's one write (``@writes``): ``complete`` makes or changes the
    account, which is then signed in. A refusal is put on ``form`` (FormProblem) or
    returned (LinkRefused); either way the page answers 400 or above, so the write is
    rolled back."""
    try:
        user = complete()
    except FormProblem as problem:
        show_problem(form, problem)
        return None, None
    except LinkRefused as error:
        return None, error
    _sign_in_as(user)
    return user, None


@bp.route("/setup/<token>", methods=["GET", "POST"])
@writes
def setup(token: str) -> ResponseReturnValue:
    """The first-run page: the first admin chooses their own email and password."""
    form = SetupForm()
    try:
        _look_up(AccountLinkKind.SETUP, token)
    except LinkRefused as refused:
        return refused_page(refused)
    if form.validate_on_submit():
        user, error = _use_link(
            form,
            lambda: account_links.complete_setup(
                db.session, token, form.email.data, form.password.data, form.confirm.data
            ),
        )
        if error is not None:
            return refused_page(error)
        if user is not None:
            flash(
                "Your admin account is ready. Next: invite the people who will work here.",
                "success",
            )
            return redirect(url_for("admin.invitation_new"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/setup.html", form=form), status


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@writes
def invitation(token: str) -> ResponseReturnValue:
    """An invitee sets their own password; the account is made and signed in."""
    form = SetPasswordForm()
    try:
        link = _look_up(AccountLinkKind.INVITATION, token)
    except LinkRefused as refused:
        return refused_page(refused)
    details = {
        "email": link.email,
        "role": account_links.ROLE_LABELS[link.role] if link.role else "",
        "partner": link.partner.name if link.partner else None,
        "expires_at": link.expires_at,
    }
    if form.validate_on_submit():
        user, error = _use_link(
            form,
            lambda: account_links.accept_invitation(
                db.session, token, form.password.data, form.confirm.data
            ),
        )
        if error is not None:
            return refused_page(error)
        if user is not None:
            flash(f"Welcome. Your account {user.email} is ready.", "success")
            return redirect(home_for(user))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/invitation.html", form=form, invitation=details), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
@writes
def reset_password(token: str) -> ResponseReturnValue:
    """Choose a new password through a reset link; every other session ends."""
    form = SetPasswordForm()
    try:
        link = _look_up(AccountLinkKind.RESET, token)
    except LinkRefused as refused:
        return refused_page(refused)
    email = link.user.email if link.user else ""
    if form.validate_on_submit():
        user, error = _use_link(
            form,
            lambda: account_links.complete_reset(
                db.session, token, form.password.data, form.confirm.data
            ),
        )
        if error is not None:
            return refused_page(error)
        if user is not None:
            flash("Your password is changed. You were signed out everywhere else.", "success")
            return redirect(home_for(user))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/reset.html", form=form, email=email), status


FORGOT_ANSWER = (
    "If an active account uses that address, a link to choose a new password is on its "
    "way to it; the link works once, for an hour."
)


@bp.route("/forgot", methods=["GET", "POST"])
@rate_limited(
    "RESET_RATE_LIMIT",
    "Too many password reset requests from here. Please wait a few minutes and try again.",
    across_workers=True,
)
@writes
def forgot_password() -> ResponseReturnValue:
    """Ask for a reset link by email. Every well-formed request gets the same page in
    about the same time: the message is sent after the response has gone."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        reset = account_links.request_reset(db.session, form.email.data)
        response = current_app.make_response(
            render_template("auth/forgot_sent.html", answer=FORGOT_ANSWER, mail=mail_configured())
        )
        if reset is not None:
            user, token = reset
            address, url = user.email, public_url("auth.reset_password", token=token)
            app = current_app._get_current_object()  # type: ignore[attr-defined]

            def deliver() -> None:
                with app.app_context():
                    send(
                        address,
                        "Choose a new password",
                        account_links.reset_email(url, emailed=True),
                    )

            response.call_on_close(deliver)
        return response
    status = 400 if form.is_submitted() else 200
    return render_template("auth/forgot.html", form=form, mail=mail_configured()), status


@bp.route("/account/password", methods=["GET", "POST"])
@roles_required(*EVERYONE, writes=True)
def change_password() -> ResponseReturnValue:
    """Change one's own password; this session stays, every other one ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = db.session.get(User, current_user.id)
        assert user is not None
        try:
            account_links.change_password(
                db.session, user, form.current_password.data, form.password.data, form.confirm.data
            )
        except FormProblem as problem:
            show_problem(form, problem)
        else:
            # The new session token, in this session's cookie: the others stop working.
            login_user(user, fresh=True)
            flash("Your password is changed. You were signed out everywhere else.", "success")
            return redirect(home_for(user))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/change_password.html", form=form), status
