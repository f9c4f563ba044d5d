"""The respondent flow: public link -> pages -> one transaction -> thank-you page."""

from flask import Blueprint

bp = Blueprint("respond", __name__)

from app.respond import errors, offline_routes, routes  # noqa: E402,F401
