"""The partner directory: list, add, change, delete; each partner's page."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app import audit
from app.admin import bp
from app.admin.forms import ConfirmForm, PartnerForm
from app.admin.services import FormProblem
from app.admin.services.links import CHANNEL_LABELS, link_url
from app.admin.services.partners import (
    RENEWAL_NOTICE_DAYS,
    PartnerDetails,
    create_partner,
    delete_partner,
    details_of,
    directory,
    partner_counts,
    partner_links,
    partner_users,
    today_utc,
    update_partner,
    usage,
)
from app.admin.services.surveys import survey_titles
from app.admin.views.common import acting_user, get_or_404, show_problem
from app.auth.access import EVERYONE, STAFF, roles_required, undo_write
from app.extensions import db
from app.models import AgreementKind, Partner, PartnerCategory, Role

SHOW_CHOICES = {
    "active": "Active partners",
    "inactive": "Inactive partners",
    "all": "Every partner",
}


def _details(form: PartnerForm) -> PartnerDetails:
    return PartnerDetails(
        name=form.name.data or "",
        category=PartnerCategory(form.category.data),
        contact_name=form.contact_name.data or "",
        contact_email=form.contact_email.data or "",
        contact_phone=form.contact_phone.data or "",
        services=form.services.data or "",
        agreement_kind=AgreementKind(form.agreement_kind.data),
        agreement_signed_on=form.agreement_signed_on.data,
        agreement_renews_on=form.agreement_renews_on.data,
        notes=form.notes.data or "",
        active=bool(form.active.data),
        share_results=bool(form.share_results.data),
    )


@bp.get("/partners")
@roles_required(*STAFF)
def partners() -> ResponseReturnValue:
    show = request.args.get("show", "active")
    if show not in SHOW_CHOICES:
        show = "active"
    return render_template(
        "admin/partners.html",
        rows=directory(db.session, show),
        show=show,
        show_choices=SHOW_CHOICES,
        notice_days=RENEWAL_NOTICE_DAYS,
    )


@bp.route("/partners/new", methods=["GET", "POST"])
@roles_required(*STAFF, writes=True)
def partner_new() -> ResponseReturnValue:
    form = PartnerForm()
    if form.validate_on_submit():
        try:
            partner = create_partner(db.session, _details(form))
        except FormProblem as problem:
            undo_write()
            show_problem(form, problem)
        else:
            audit.record(
                db.session,
                acting_user(),
                "partner_create",
                f"partner:{partner.id}",
                {"name": partner.name, "category": partner.category.value},
            )
            flash(f"{partner.name} added to the directory.", "success")
            return redirect(url_for("admin.partner", partner_id=partner.id))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/partner_form.html", form=form, partner=None), status


@bp.route("/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF, writes=True)
def partner_edit(partner_id: int) -> ResponseReturnValue:
    partner = get_or_404(Partner, partner_id)
    form = PartnerForm(obj=None if request.method == "POST" else partner)
    if request.method == "GET":
        form.category.data = partner.category.value
        form.agreement_kind.data = partner.agreement_kind.value
    if form.validate_on_submit():
        partner = get_or_404(Partner, partner_id)
        try:
            changes = update_partner(db.session, partner, _details(form))
        except FormProblem as problem:
            undo_write()
            show_problem(form, problem)
        else:
            if changes:
                audit.record(
                    db.session,
                    acting_user(),
                    "partner_update",
                    f"partner:{partner.id}",
                    {"name": partner.name, "changes": changes},
                )
                flash(f"{partner.name} saved.", "success")
            else:
                undo_write()
                flash("Nothing was changed.", "info")
            return redirect(url_for("admin.partner", partner_id=partner_id))
    status = 400 if form.is_submitted() else 200
    used = usage(db.session, partner)
    return render_template(
        "admin/partner_form.html", form=form, partner=partner, used=used, delete=ConfirmForm()
    ), status


@bp.post("/partners/<int:partner_id>/delete")
@roles_required(*STAFF, writes=True)
def partner_delete(partner_id: int) -> ResponseReturnValue:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    partner = get_or_404(Partner, partner_id)
    name = partner.name
    try:
        used = delete_partner(db.session, partner)
    except FormProblem as problem:
        undo_write()
        flash(problem.message, "error")
        return redirect(url_for("admin.partner_edit", partner_id=partner_id))
    audit.record(
        db.session,
        acting_user(),
        "partner_delete",
        f"partner:{partner_id}",
        {"name": name, "links_deleted": used.links},
    )
    flash(f"{name} deleted from the directory.", "success")
    return redirect(url_for("admin.partners"))


@bp.get("/partners/<int:partner_id>")
@roles_required(*EVERYONE)
def partner(partner_id: int) -> ResponseReturnValue:
    """A partner's page. Partner users may open only their own, read-only, with
    figures from releases; staff see live figures and may edit."""
    user = acting_user()
    if user.role is Role.PARTNER and user.partner_id != partner_id:
        abort(403)
    partner_row = get_or_404(Partner, partner_id)
    staff = user.role is not Role.PARTNER
    titles = survey_titles(db.session)
    base_url = current_app.config["PUBLIC_BASE_URL"]
    return render_template(
        "admin/partner.html",
        partner=partner_row,
        details=details_of(partner_row),
        staff=staff,
        renewal_due=partner_row.renewal_due(today_utc(), RENEWAL_NOTICE_DAYS),
        links=partner_links(db.session, partner_row),
        users=partner_users(db.session, partner_row),
        counts=partner_counts(
            db.session,
            partner_row,
            current_app.config["MIN_CELL_SIZE"],
            titles,
            released_only=not staff,
        ),
        titles=titles,
        url_of=lambda link: link_url(base_url, link),
        channel_labels=CHANNEL_LABELS,
        min_n=current_app.config["MIN_CELL_SIZE"],
    )
