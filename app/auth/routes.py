from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user

from app.auth import bp
from app.auth.access import EVERYONE, home_for, roles_required, safe_next, writes
from app.auth.forms import SignInForm
from app.auth.service import SIGN_IN_FAILED, authenticate, end_sessions, start_session
from app.extensions import db
from app.ratelimit import rate_limited


@bp.route("/signin", methods=["GET", "POST"])
@rate_limited(
    "SIGNIN_RATE_LIMIT",
    "Too many sign-in attempts from here. Please wait a minute and try again.",
    across_workers=True,
)
@writes
def signin() -> ResponseReturnValue:
    form = SignInForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
        if current_user.is_authenticated:
            return redirect(form.next.data or home_for(current_user))
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            # The failure's audit entry is committed: the page is a 200.
            form.password.data = ""
            return render_template("auth/signin.html", form=form, failed=SIGN_IN_FAILED), 200
        target = safe_next(form.next.data)
        # Rotate the session: nothing from before sign-in (a planted cookie, an old
        # CSRF token) survives into the signed-in session.
        session.clear()
        start_session(db.session, user)
        login_user(user)
        return redirect(target or home_for(user))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/signin.html", form=form, failed=None), status


@bp.post("/signout")
@roles_required(*EVERYONE, writes=True)
def signout() -> ResponseReturnValue:
    end_sessions(db.session, current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.signin"))
