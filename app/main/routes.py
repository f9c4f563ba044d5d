from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify, render_template
from flask.typing import ResponseReturnValue

from app.extensions import db
from app.main import bp


@bp.get("/")
def index() -> str:
    return render_template("main/index.html")


@bp.get("/healthz")
def health() -> ResponseReturnValue:
    """Liveness and database reachability, for load balancers."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError:
        return jsonify(status="database unavailable"), 503
    return jsonify(status="ok")
