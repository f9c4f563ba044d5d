"""The public "You said, we did" pages (public like ``respond`` and ``preview``):
``/results`` (the latest published), ``/results/<wave id or slug>``, its printable
flyer and QR code, in English or Spanish. A page that is not published is a 404."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("results", __name__, url_prefix="/results")

from app.results import routes  # noqa: E402,F401
