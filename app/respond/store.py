"""The respondent pages' database connection: one per request, opened on first use and
closed (rolled back unless committed) when the request ends."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g

from app.database import connect_for_lookups
from app.extensions import db
from app.respond import bp


def connection() -> sa.Connection:
    request_connection = g.get("respond_connection")
    if request_connection is None:
        request_connection = g.respond_connection = connect_for_lookups(db.engine)
    return request_connection


def discard() -> None:
    """Close the request's connection without committing; the next use opens another."""
    request_connection = g.pop("respond_connection", None)
    if request_connection is not None:
        request_connection.close()


@bp.teardown_request
def _close(_error: BaseException | None) -> None:
    discard()
