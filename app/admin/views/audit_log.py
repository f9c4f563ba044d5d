from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request
from flask.typing import ResponseReturnValue

from app import audit
from app.admin import bp
from app.auth.access import ADMINS, roles_required
from app.extensions import db

PER_PAGE = 100


@bp.get("/audit")
@roles_required(*ADMINS)
def audit_log() -> ResponseReturnValue:
    action = request.args.get("action", "")
    if action not in audit.ACTIONS:
        action = ""
    query = audit.events_query(action or None)
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    pages = max(1, -(-(total or 0) // PER_PAGE))
    page = min(max(1, request.args.get("page", 1, type=int)), pages)
    events = db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).unique()
    return render_template(
        "admin/audit.html",
        events=list(events),
        actions=audit.ACTIONS,
        action=action,
        page=page,
        pages=pages,
        total=total,
    )
