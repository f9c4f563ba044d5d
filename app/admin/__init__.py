"""The coordinator workspace: dashboard, waves, links and QR codes, responses,
exports, reports, the audit log and user management (plus partner users' own page).

``services/`` holds the queries and writes (they flush, never commit, and know nothing
of requests); ``views/`` the pages, thin: parse a form, call a service, render or
redirect. Access is declared on every view with
``roles_required`` and enforced before the view runs (see ``app.auth.access``).
Importing this package creates the blueprint only; ``app.admin.views`` attaches the
pages to it.
"""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
