"""The workspace pages. Importing this package attaches every page to the ``admin``
blueprint; the application factory registers the blueprint from here so that no page
can be left out."""

from app.admin import bp
from app.admin.views import (  # noqa: F401
    actions,
    audit_log,
    comments,
    dashboard,
    exports,
    interviews,
    invitations,
    links,
    partners,
    releases,
    reporting,
    responses,
    results,
    reviews,
    surveys,
    users,
    waves,
)

__all__ = ["bp"]
