from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app import audit
from app.admin import bp
from app.admin.forms import WaveEditForm, WaveForm
from app.admin.services import FormProblem
from app.admin.services.waves import (
    create_wave,
    latest_wave,
    set_wave_open,
    today_utc,
    update_wave,
    wave_rows,
)
from app.admin.views.common import (
    OpenCloseForm,
    acting_user,
    get_or_404,
    open_or_close,
    show_problem,
)
from app.auth.access import STAFF, roles_required
from app.extensions import db
from app.models import Wave


@bp.get("/waves")
@roles_required(*STAFF)
def waves() -> ResponseReturnValue:
    from app.preview import preview_token

    secret = current_app.config["SECRET_KEY"]
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return render_template(
        "admin/waves.html",
        rows=wave_rows(db.session),
        toggle=OpenCloseForm(),
        today=today_utc(),
        preview_url=lambda wave: f"{base}/preview/{preview_token(secret, wave.id)}",
    )


@bp.route("/waves/new", methods=["GET", "POST"])
@roles_required(*STAFF, writes=True)
def wave_new() -> ResponseReturnValue:
    form = WaveForm()
    last = latest_wave(db.session)
    if form.validate_on_submit():
        try:
            wave = create_wave(
                db.session,
                form.name.data,
                form.opens_on.data,
                form.closes_on.data,
                copy_links_from=last if form.copy_links.data else None,
            )
        except FormProblem as problem:
            show_problem(form, problem)
        else:
            audit.record(
                db.session,
                acting_user(),
                "wave_create",
                f"wave:{wave.id}",
                {
                    "name": wave.name,
                    "copied_from": last.name if form.copy_links.data and last else None,
                },
            )
            flash(f"Wave “{wave.name}” created.", "success")
            return redirect(url_for("admin.links", wave=wave.id))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/wave_form.html", form=form, last=last), status


@bp.post("/waves/<int:wave_id>/state")
@roles_required(*STAFF, writes=True)
def wave_state(wave_id: int) -> ResponseReturnValue:
    wave, is_open = open_or_close(Wave, wave_id, set_wave_open, "wave")
    flash(f"Wave “{wave.name}” is now {wave.state(today_utc())}.", "success")
    return redirect(url_for("admin.waves"))


@bp.route("/waves/<int:wave_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF, writes=True)
def wave_edit(wave_id: int) -> ResponseReturnValue:
    wave = get_or_404(Wave, wave_id)
    form = WaveEditForm(obj=None if request.method == "POST" else wave)
    if form.validate_on_submit():
        try:
            changes = update_wave(
                db.session, wave, form.name.data, form.opens_on.data, form.closes_on.data
            )
        except FormProblem as problem:
            show_problem(form, problem)
        else:
            if changes:
                audit.record(db.session, acting_user(), "wave_update", f"wave:{wave.id}", changes)
            flash(f"Wave “{wave.name}” saved." if changes else "Nothing was changed.", "success")
            return redirect(url_for("admin.waves"))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/wave_edit.html", form=form, wave=wave), status
