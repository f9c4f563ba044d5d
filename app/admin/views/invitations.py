"""Invitations (staff) and reset links for anyone (admins).

A new link is shown once, on the page that answers the post, with a copy button: only
its hash is stored, so it cannot be shown again (inviting the same address again
replaces it). When mail is configured it is also emailed, after the commit, so a
message never points at a link that was rolled back.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import (
    Response,
    after_this_request,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.admin import bp
from app.admin.forms import ButtonForm, InvitationForm, options
from app.admin.services import FormProblem
from app.admin.views.common import acting_user, get_or_404, show_problem
from app.auth import account_links
from app.auth.access import ADMINS, STAFF, roles_required, undo_write
from app.extensions import db
from app.mail import mail_configured, public_url, send
from app.models import AccountLink, Partner, Role, User, utcnow


def _partner_choices() -> list[SelectChoice]:
    partners = db.session.scalars(sa.select(Partner).order_by(Partner.name))
    return options([("", "No partner")] + [(p.id, p.name) for p in partners])


def link_made_page(
    kind: str, url: str, details: dict[str, t.Any], subject: str, body: str
) -> Response:
    """The page showing a new link once. The email goes after the write has committed
    (a message never points at a link that was rolled back, and the database's writer
    lock is never held while an SMTP server answers), before the page is sent, so the
    page says whether it went."""

    def render(emailed: bool) -> str:
        return render_template(
            "admin/link_made.html",
            kind=kind,
            url=url,
            details=details,
            emailed=emailed,
            mail=mail_configured(),
        )

    @after_this_request
    def deliver(response: Response) -> Response:
        if response.status_code < 400 and mail_configured():
            response.set_data(render(send(details["email"], subject, body)))
        return response

    return make_response(render(False))


@bp.get("/invitations")
@roles_required(*STAFF)
def invitations() -> ResponseReturnValue:
    return render_template(
        "admin/invitations.html",
        invitations=account_links.invitations(db.session),
        now=utcnow(),
        role_labels=account_links.ROLE_LABELS,
        revoke_form=ButtonForm(),
    )


@bp.route("/invitations/new", methods=["GET", "POST"])
@roles_required(*STAFF, writes=True)
def invitation_new() -> ResponseReturnValue:
    form = InvitationForm()
    form.partner_id.choices = _partner_choices()
    if current_user.role is not Role.ADMIN:
        form.role.choices = [c for c in form.role.choices if c.value != "admin"]
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"][:254]
    if form.validate_on_submit():
        partner = db.session.get(Partner, form.partner_id.data) if form.partner_id.data else None
        acting = acting_user()
        try:
            link, token = account_links.invite(
                db.session, acting, form.email.data, Role(form.role.data), partner
            )
        except FormProblem as problem:
            show_problem(form, problem)
        else:
            role_label = account_links.ROLE_LABELS[Role(form.role.data)]
            partner_name = partner.name if partner else None
            details = {
                "email": link.email,
                "role": role_label,
                "partner": partner_name,
                "expires_at": link.expires_at,
            }
            inviter = acting.email
            url = public_url("auth.invitation", token=token)
            return link_made_page(
                "invitation",
                url,
                details,
                "You are invited to the Partnership feedback workspace",
                account_links.invitation_email(url, role_label, partner_name, inviter),
            )
    status = 400 if form.is_submitted() else 200
    return render_template("admin/invitation_form.html", form=form), status


@bp.post("/invitations/<int:invitation_id>/revoke")
@roles_required(*STAFF, writes=True)
def invitation_revoke(invitation_id: int) -> ResponseReturnValue:
    if not ButtonForm().validate_on_submit():
        flash("The form expired; please try again.", "info")
        return redirect(url_for("admin.invitations"))
    link = get_or_404(AccountLink, invitation_id)
    try:
        account_links.revoke_invitation(db.session, acting_user(), link)
    except FormProblem as problem:
        undo_write()
        flash(problem.message, "info")
    else:
        email = link.email
        flash(f"The invitation to {email} is withdrawn; its link no longer works.", "success")
    return redirect(url_for("admin.invitations"))


@bp.post("/users/<int:user_id>/reset")
@roles_required(*ADMINS, writes=True)
def user_reset_link(user_id: int) -> ResponseReturnValue:
    if not ButtonForm().validate_on_submit():
        flash("The form expired; please try again.", "info")
        return redirect(url_for("admin.user_edit", user_id=user_id))
    user = get_or_404(User, user_id)
    try:
        token = account_links.issue_reset(db.session, acting_user(), user)
    except FormProblem as problem:
        undo_write()
        flash(problem.message, "info")
        return redirect(url_for("admin.user_edit", user_id=user_id))
    email = user.email
    url = public_url("auth.reset_password", token=token)
    return link_made_page(
        "reset",
        url,
        {"email": email},
        "Choose a new password",
        account_links.reset_email(url, emailed=False),
    )
