from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, render_template

from app.admin import bp
from app.admin.tracking import day_chart, link_progress, responses_per_day
from app.admin.views.common import acting_user
from app.admin.waves import current_wave
from app.auth.access import STAFF, roles_required
from app.extensions import db
from app.models import Response, Role, Survey, Wave


@bp.get("/")
@roles_required(*STAFF)
def dashboard():  # type: ignore[no-untyped-def]
    wave = current_wave(db.session)
    progress = link_progress(db.session, wave) if wave else []
    days = responses_per_day(db.session, wave) if wave else []
    return render_template(
        "admin/dashboard.html",
        wave=wave,
        progress=progress,
        chart=day_chart(days) if days else None,
        total=sum(p.responses for p in progress),
    )


@bp.get("/partner")
@roles_required(Role.PARTNER)
def partner_home():  # type: ignore[no-untyped-def]
    """A partner user's own page: which surveys and waves its partner took part in, with
    links to their reports. Counts below the minimum cell size show as "fewer than N"."""
    user = acting_user()
    rows = db.session.execute(
        sa.select(Survey.slug, Wave.name, sa.func.count(), Wave.id)
        .select_from(Response)
        .join(Survey, Survey.id == Response.survey_id)
        .join(Wave, Wave.id == Response.wave_id)
        .where(Response.partner_id == user.partner_id, Response.deleted_at.is_(None))
        .group_by(Survey.slug, Wave.name, Wave.opens_on, Wave.id)
        .order_by(Wave.opens_on.desc(), Survey.slug)
    ).all()
    waves = list(dict.fromkeys((wave_id, wave_name) for _slug, wave_name, _n, wave_id in rows))
    return render_template(
        "admin/partner_home.html",
        partner=user.partner,
        rows=rows,
        waves=waves,
        min_cell=current_app.config["MIN_CELL_SIZE"],
    )
