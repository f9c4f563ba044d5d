"""Sign-in, sign-out and who may open which page.

Every endpoint needs a signed-in user with a role the view declared, except the
explicit public allow-list in ``access``: deny by default, so a route added later
without a declaration is refused rather than exposed.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    from app.auth import access

    access.init_app(app)


from app.auth import links_views, routes  # noqa: E402,F401
