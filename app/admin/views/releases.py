"""Releasing a closed wave's figures to partners (``reports.releases``): the page shows
the wave's releases and what changed since the last one; releasing again is refused,
with the reason, while that would let two releases be compared to show a small group."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from app import audit
from app.admin import bp
from app.admin.views.common import acting_user, get_or_404
from app.auth.access import STAFF, roles_required, undo_write
from app.extensions import db
from app.models import Release, Wave


class ReleaseForm(FlaskForm):
    """Release the wave's figures (a CSRF-protected POST)."""


def _page(
    wave: Wave, form: ReleaseForm, refusal: str | None = None, status: int = 200
) -> ResponseReturnValue:
    from reports.releases import pending_changes

    releases = list(
        db.session.scalars(
            sa.select(Release).where(Release.wave_id == wave.id).order_by(Release.number.desc())
        )
    )
    changed, blocked = pending_changes(
        db.session,
        wave,
        current_app.config["MIN_CELL_SIZE"],
        current_app.config["SUPPRESSION"],
    )
    return (
        render_template(
            "admin/release.html",
            wave=wave,
            state=wave.state(),
            releases=releases,
            changed=changed,
            blocked=refusal or blocked,
            form=form,
        ),
        status,
    )


@bp.get("/waves/<int:wave_id>/release")
@roles_required(*STAFF)
def wave_release(wave_id: int) -> ResponseReturnValue:
    return _page(get_or_404(Wave, wave_id), ReleaseForm())


@bp.post("/waves/<int:wave_id>/release")
@roles_required(*STAFF, writes=True)
def wave_release_make(wave_id: int) -> ResponseReturnValue:
    from reports.releases import ReleaseRefused, make_release

    form = ReleaseForm()
    if not form.validate_on_submit():
        abort(400)
    wave = get_or_404(Wave, wave_id)
    try:
        release = make_release(
            db.session,
            wave,
            acting_user(),
            current_app.config["MIN_CELL_SIZE"],
            mode=current_app.config["SUPPRESSION"],
        )
    except ReleaseRefused as refused:
        undo_write()
        return _page(
            get_or_404(Wave, wave_id), form, str(refused)[0].upper() + str(refused)[1:], 400
        )
    audit.record(
        db.session,
        acting_user(),
        "release",
        f"wave:{wave.id}",
        {"wave": wave.name, "release": release.number, "responses": release.responses},
    )
    flash(f"Results of “{wave.name}” released to partners (release {release.number}).", "success")
    return redirect(url_for("admin.wave_release", wave_id=wave_id))
