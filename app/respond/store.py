"""The respondent pages' database connection: one per request, opened on first use and
closed (rolled back unless committed) when the request ends."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g

from app.database import connect_for_lookups
from app.extensions import db
from app.respond import bp


def connection() -> sa.Connection:
    found = g.get("respond_connection")
    if found is None:
        found = g.respond_connection = connect_for_lookups(db.engine)
    return found


def discard() -> None:
    """Close the request's connection without committing; the next use opens another."""
    found = g.pop("respond_connection", None)
    if found is not None:
        found.close()


@bp.teardown_request
def _close(_error: BaseException | None) -> None:
    discard()
