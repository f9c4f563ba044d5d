from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms.fields.choices import SelectChoice

from app.admin import bp
from app.admin.forms import ButtonForm, UserEditForm, options
from app.admin.services import FormProblem
from app.admin.services.accounts import all_users, update_user
from app.admin.views.common import acting_user, get_or_404, show_problem
from app.auth.access import ADMINS, roles_required
from app.extensions import db
from app.models import Partner, Role, User


def _partner_choices() -> list[SelectChoice]:
    partners = db.session.scalars(sa.select(Partner).order_by(Partner.name))
    return options([("", "No partner")] + [(p.id, p.name) for p in partners])


@bp.get("/users")
@roles_required(*ADMINS)
def users() -> ResponseReturnValue:
    return render_template("admin/users.html", users=all_users(db.session))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(*ADMINS, writes=True)
def user_edit(user_id: int) -> ResponseReturnValue:
    user = get_or_404(User, user_id)
    form = UserEditForm(
        data=None
        if request.method == "POST"
        else {
            "role": user.role.value,
            "partner_id": user.partner_id,
            "active": user.active,
        }
    )
    form.partner_id.choices = _partner_choices()
    if form.validate_on_submit():
        partner = db.session.get(Partner, form.partner_id.data) if form.partner_id.data else None
        try:
            update_user(
                db.session,
                acting_user(),
                user,
                Role(form.role.data),
                partner,
                form.active.data,
            )
        except FormProblem as problem:
            show_problem(form, problem)
        else:
            flash(f"User {user.email} saved.", "success")
            return redirect(url_for("admin.users"))
    status = 400 if form.is_submitted() else 200
    return (
        render_template("admin/user_form.html", form=form, user=user, reset_form=ButtonForm()),
        status,
    )
