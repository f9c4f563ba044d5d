from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, render_template, request
from flask.typing import ResponseReturnValue

from app.admin import bp
from app.admin.services.actions import overdue_count
from app.admin.services.partners import renewals_due
from app.admin.services.surveys import survey_titles
from app.admin.services.tracking import day_chart, link_progress, responses_per_week, shown_total
from app.admin.services.waves import all_waves, current_wave, today_utc
from app.admin.views.common import acting_user, get_or_404
from app.auth.access import STAFF, roles_required
from app.extensions import db
from app.models import Role, Survey, Wave


@bp.get("/")
@roles_required(*STAFF)
def dashboard() -> ResponseReturnValue:
    """The wave open today (or the one picked with ``?wave=``) and its responses."""
    today = today_utc()
    waves = all_waves(db.session)
    picked = request.args.get("wave", "")
    if picked:
        if not picked.isascii() or not picked.isdecimal() or len(picked) > 10:
            abort(404)
        wave: Wave | None = get_or_404(Wave, int(picked))
    else:
        wave = current_wave(db.session, today)
    min_n = current_app.config["MIN_CELL_SIZE"]
    progress = link_progress(db.session, wave, min_n) if wave else []
    total = shown_total(db.session, wave, min_n) if wave else None
    weeks = responses_per_week(db.session, wave, min_n, whole=total) if wave else []
    return render_template(
        "admin/dashboard.html",
        wave=wave,
        state=wave.state(today) if wave else None,
        picked=bool(picked),
        waves=[(w, w.state(today)) for w in waves],
        progress=progress,
        titles=survey_titles(db.session),
        chart=day_chart(weeks) if weeks else None,
        total=total,
        renewals=renewals_due(db.session, today),
        overdue_actions=overdue_count(db.session, today),
        min_n=min_n,
    )


@bp.get("/partner")
@roles_required(Role.PARTNER)
def partner_home() -> ResponseReturnValue:
    """A partner user's own page: its responses per survey in every wave released to
    partners (through the privacy rule, from the release), with links to the reports.
    Waves not released yet say so."""
    from reports.query import Tally
    from reports.releases import releases_of
    from reports.suppress import Decisions

    user = acting_user()
    min_n = current_app.config["MIN_CELL_SIZE"]
    waves = list(db.session.scalars(sa.select(Wave).order_by(Wave.opens_on.desc())))
    released = releases_of(db.session, [w.id for w in waves])
    slugs = dict(db.session.execute(sa.select(Survey.id, Survey.slug)).all())
    rows = []
    for wave in waves:
        release = released.get(wave.id)
        if release is None:
            continue
        tally = Tally.from_json(release.data["tally"])
        decisions = Decisions(tally, {}, min_n, min_n)
        groups = sorted(
            {
                (f.survey_id, f.audience)
                for link, f in tally.links.items()
                if f.partner_id == user.partner_id and tally.responses.get(link)
            }
        )
        for survey_id, audience in groups:
            status, count, _expected = decisions.responses(user.partner_id, survey_id, audience)
            rows.append((wave, slugs.get(survey_id, "?"), audience, status.value, count))
    unreleased = [w for w in waves if w.id not in released]
    return render_template(
        "admin/partner_home.html",
        partner=user.partner,
        rows=rows,
        waves=[w for w in waves if w.id in released],
        unreleased=unreleased,
        min_cell=min_n,
    )
