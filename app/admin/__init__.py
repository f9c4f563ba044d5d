"""The coordinator workspace: dashboard, waves, links and QR codes, responses,
exports, reports, the audit log and user management (plus partner users' own page).

Views are thin: parse a form, call a service in this package (services only flush),
commit once, render or redirect. Access is declared on every view with
``roles_required`` and enforced before the view runs (see ``app.auth.access``).
"""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")


class FormProblem(ValueError):
    """Input a service refused; ``field`` names the form field the message belongs to."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


from app.admin.views import (  # noqa: E402,F401
    audit_log,
    comments,
    dashboard,
    exports,
    links,
    partners,
    releases,
    reporting,
    responses,
    users,
    waves,
)
