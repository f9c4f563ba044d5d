"""Report pages: the review report inside the workspace and its downloads (PDF, XLSX,
CSV, standalone HTML).

Coordinators and admins may choose any partner (or none: every response); partner users
always get their own partner's report, and a request naming any other partner is
refused with a 403. Each request builds the report once (read-only), renders it, then
writes its audit entry and commits once.
"""

from __future__ import annotations

import typing as t

from flask import Response, abort, current_app, render_template, request, url_for

from app import audit
from app.admin import bp
from app.admin.forms import ReportForm, options
from app.admin.linking import survey_choices
from app.admin.reporting import (
    DOWNLOADS,
    ReportScope,
    all_partners,
    asks_for_another_partner,
    build,
    default_wave,
    download_name,
)
from app.admin.views.common import acting_user
from app.admin.waves import all_waves
from app.auth.access import EVERYONE, roles_required, start_write
from app.extensions import db
from app.models import Partner, Role, User, Wave

if t.TYPE_CHECKING:
    from reports.model import Report

OWN_PARTNER_ONLY = "Partner accounts see only their own partner's reports."
NO_WAVES = "There are no waves yet, so there is no report to show."
FORMAT_PATTERN = "any(" + ", ".join(DOWNLOADS) + ")"


def _report_form(user: User) -> ReportForm:
    """The form read from the query string; the wave defaults to the current one."""
    if asks_for_another_partner(user, request.args.getlist("partner")):
        abort(403, OWN_PARTNER_ONLY)
    default = default_wave(db.session)
    form = ReportForm(request.args, wave=default.id if default else None)
    form.wave.choices = options((w.id, w.name) for w in all_waves(db.session))
    form.survey.choices = options(
        [("", "Every survey (the review packet)")]
        + [(s.slug, f"{title} ({s.slug})") for s, title, _ in survey_choices(db.session)]
    )
    if user.role is Role.PARTNER:
        del form.partner
    else:
        form.partner.choices = options(
            [("", "All partners")] + [(p.id, p.name) for p in all_partners(db.session)]
        )
    return form


def _scope(form: ReportForm, user: User) -> ReportScope:
    if user.role is Role.PARTNER:
        partner = user.partner
    else:
        partner = db.session.get(Partner, form.partner.data) if form.partner.data else None
    wave = db.session.get(Wave, form.wave.data)
    return ReportScope(wave=wave, survey_slug=form.survey.data or None, partner=partner)


def _build(scope: ReportScope, user: User) -> Report:
    from reports import ReportError

    config = current_app.config
    try:
        return build(db.session, scope, config["MIN_CELL_SIZE"], config["COMMENT_MIN_CELL_SIZE"])
    except ReportError as exc:
        # Only possible when a wave, survey or partner changed while the page was open.
        # The message lists every partner's name: partner users get a plain one.
        if user.role is Role.PARTNER:
            abort(404, "That report is no longer available; please choose it again.")
        abort(404, str(exc))


def _query(scope: ReportScope, user: User) -> dict[str, t.Any]:
    """The query string that asks for ``scope`` again (downloads, links)."""
    args: dict[str, t.Any] = {"wave": scope.wave.id}
    if scope.survey_slug:
        args["survey"] = scope.survey_slug
    if scope.partner is not None and user.role is not Role.PARTNER:
        args["partner"] = scope.partner.id
    return args


def _page(user: User, form: ReportForm | None, **context: t.Any) -> str:
    return render_template(
        "admin/reports.html",
        form=form,
        own_partner=user.partner if user.role is Role.PARTNER else None,
        min_cell=current_app.config["MIN_CELL_SIZE"],
        **context,
    )


def _audit(action: str, scope: ReportScope, fmt: str | None = None) -> None:
    """Write the request's audit entry and commit (the request's only write)."""
    target, detail = scope.audit_target, scope.audit_detail(fmt)
    start_write()
    audit.record(db.session, acting_user(), action, target, detail)
    db.session.commit()


@bp.get("/reports")
@roles_required(*EVERYONE)
def reports():  # type: ignore[no-untyped-def]
    """Choose a report (wave, survey or the packet, partner) and read it here."""
    from reports import render_html_fragment

    user = acting_user()
    form = _report_form(user)
    if not form.wave.choices:
        return _page(user, None, message=NO_WAVES)
    if not form.validate():
        return _page(user, form), 400
    scope = _scope(form, user)
    report = _build(scope, user)
    query = _query(scope, user)
    downloads = [
        (label, fmt, url_for("admin.report_download", fmt=fmt, **query))
        for fmt, (label, _mimetype) in DOWNLOADS.items()
    ]
    # Rendered before the commit: committing expires the objects the template reads.
    page = _page(
        user, form, report=report, fragment=render_html_fragment(report), downloads=downloads
    )
    _audit("report_view", scope)
    return page


@bp.get(f"/reports/download/<{FORMAT_PATTERN}:fmt>")
@roles_required(*EVERYONE)
def report_download(fmt: str):  # type: ignore[no-untyped-def]
    """The chosen report as a file (same query string as the report page)."""
    from reports import render

    user = acting_user()
    form = _report_form(user)
    if not form.wave.choices:
        abort(404, NO_WAVES)
    if not form.validate():
        return _page(user, form), 400
    scope = _scope(form, user)
    report = _build(scope, user)
    data = render(report, fmt)
    filename = download_name(scope, fmt, report.generated_at.date())
    _audit("report_download", scope, fmt)
    response = Response(data, content_type=DOWNLOADS[fmt][1])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/reports/report.css")
@roles_required(*EVERYONE)
def report_stylesheet():  # type: ignore[no-untyped-def]
    """The report's stylesheet, served as a file so the page needs no inline style."""
    from reports.html import stylesheet

    return Response(stylesheet(), content_type="text/css; charset=utf-8")
