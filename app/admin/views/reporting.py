"""Report pages: the review report inside the workspace, one section per page, and its
downloads (PDF, XLSX, CSV, standalone HTML).

Coordinators and admins may choose any partner (or none: every response) and live or
released figures; partner users always get their own partner's report as released, and
a request naming any other partner is refused with a 403. Files and page sections come
from the report cache (built once per change of the data); each request writes its
audit entry and commits once. A build past REPORT_TIME_LIMIT ends with a clear 503 page.
"""

from __future__ import annotations

import datetime as dt
import typing as t

from flask import Response, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app import audit
from app.admin import bp
from app.admin.forms import ReportForm, options
from app.admin.services.links import survey_choices
from app.admin.services.reporting import (
    ReportScope,
    ReportTooSlow,
    WebReport,
    all_partners,
    asks_for_another_partner,
    cached,
    default_wave,
    download_name,
    figures_for,
    web_report,
)
from app.admin.services.waves import all_waves
from app.admin.views.common import acting_user, get_or_404
from app.auth.access import EVERYONE, roles_required, writing
from app.extensions import db
from app.models import Partner, Role, User, Wave

OWN_PARTNER_ONLY = "Partner accounts see only their own partner's reports."
NO_WAVES = "There are no waves yet, so there is no report to show."
TOO_SLOW = (
    "This report took longer than {limit} seconds to build, so it was stopped. Try one "
    "survey or one partner's report, or ask an administrator to raise REPORT_TIME_LIMIT."
)


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
        del form.figures
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
    wave = get_or_404(Wave, form.wave.data)
    requested = None if user.role is Role.PARTNER else (form.figures.data or None)
    figures = figures_for(db.session, user, wave, requested)
    return ReportScope(wave, form.survey.data or None, partner, figures)


def _query(scope: ReportScope, user: User) -> dict[str, t.Any]:
    """The query string that asks for ``scope`` again (downloads, sections)."""
    args: dict[str, t.Any] = {"wave": scope.wave.id}
    if scope.survey_slug:
        args["survey"] = scope.survey_slug
    if user.role is not Role.PARTNER:
        if scope.partner is not None:
            args["partner"] = scope.partner.id
        args["figures"] = scope.figures
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
    """Write the request's audit entry (its only write, after the long read)."""
    target, detail = scope.audit_target, scope.audit_detail(fmt)
    with writing() as session:
        audit.record(session, acting_user(), action, target, detail)


def _web(scope: ReportScope, user: User) -> WebReport:
    from reports import ReportError, ReportTimeout

    try:
        return web_report(db.session, db.engine, scope, current_app.config)
    except ReportError as exc:
        _refused(exc, user)
    except (ReportTimeout, ReportTooSlow):
        abort(503, TOO_SLOW.format(limit=current_app.config["REPORT_TIME_LIMIT"]))


def _unreleased(scope: ReportScope) -> str | None:
    """Why partners cannot read the wave yet, or None."""
    from reports.releases import latest_release

    if scope.figures == "released" and latest_release(db.session, scope.wave.id) is None:
        return (
            f"Results for “{scope.wave.name}” have not been released to partners yet: they "
            "are released once the wave has closed. Choose an earlier wave."
        )
    return None


def _refused(exc: Exception, user: User) -> t.NoReturn:
    # An unreleased wave, or a wave, survey or partner that changed while the page was
    # open. The message lists every partner's name: partner users get a plain one.
    message = str(exc)
    if user.role is Role.PARTNER and "released" not in message:
        message = "That report is no longer available; please choose it again."
    abort(404, message[0].upper() + message[1:])


def _chosen(user: User) -> tuple[ReportForm, ReportScope] | tuple[ReportForm, None]:
    form = _report_form(user)
    if not form.wave.choices or not form.validate():
        return form, None
    return form, _scope(form, user)


@bp.get("/reports")
@roles_required(*EVERYONE)
def reports() -> ResponseReturnValue:
    """Choose a report (wave, survey or the packet, partner, figures): its summary and
    contents here, each section on a page of its own."""
    user = acting_user()
    form, scope = _chosen(user)
    if not form.wave.choices:
        return _page(user, None, message=NO_WAVES)
    if scope is None:
        return _page(user, form), 400
    from reports import FORMATS

    waiting = _unreleased(scope)
    if waiting is not None:
        return _page(user, form, notice=waiting)
    web = _web(scope, user)
    query = _query(scope, user)
    downloads = [
        (f.label, name, url_for("admin.report_download", fmt=name, **query))
        for name, f in FORMATS.items()
    ]
    sections = [
        (s.title, url_for("admin.report_section", anchor=s.anchor, **query)) for s in web.sections
    ]
    summary = web.sections[0] if web.sections else None
    page = _page(
        user, form, web=web, summary=summary, sections=sections, downloads=downloads, scope=scope
    )
    _audit("report_view", scope)
    return page


@bp.get("/reports/section/<anchor>")
@roles_required(*EVERYONE)
def report_section(anchor: str) -> ResponseReturnValue:
    """One section of the chosen report, with the way to the ones before and after."""
    user = acting_user()
    form, scope = _chosen(user)
    if scope is None:
        abort(404, NO_WAVES if not form.wave.choices else "Choose the report again.")
    web = _web(scope, user)
    section = web.section(anchor)
    if section is None:
        abort(404, "That report has no such section.")
    before, after = web.neighbours(anchor)
    query = _query(scope, user)
    page = render_template(
        "admin/report_section.html",
        web=web,
        section=section,
        before=(before, url_for("admin.report_section", anchor=before.anchor, **query))
        if before
        else None,
        after=(after, url_for("admin.report_section", anchor=after.anchor, **query))
        if after
        else None,
        back=url_for("admin.reports", **query),
        scope=scope,
    )
    _audit("report_view", scope, f"section {anchor}")
    return page


@bp.get("/reports/download/<fmt>")
@roles_required(*EVERYONE)
def report_download(fmt: str) -> ResponseReturnValue:
    """The chosen report as a file (same query string as the report page)."""
    from reports import FORMATS, ReportError, ReportTimeout

    if fmt not in FORMATS:
        abort(404, f"There is no {fmt!r} download; choose {', '.join(FORMATS)}.")
    user = acting_user()
    form, scope = _chosen(user)
    if not form.wave.choices:
        abort(404, NO_WAVES)
    if scope is None:
        return _page(user, form), 400
    report_format = FORMATS[fmt]
    try:
        data, _hit = cached(
            db.session, db.engine, scope, fmt, current_app.config, report_format.render
        )
    except ReportError as exc:
        _refused(exc, user)
    except (ReportTimeout, ReportTooSlow):
        abort(503, TOO_SLOW.format(limit=current_app.config["REPORT_TIME_LIMIT"]))
    filename = download_name(scope, fmt, dt.datetime.now(dt.UTC).date())
    _audit("report_download", scope, fmt)
    response = Response(data, content_type=report_format.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/reports/report.css")
@roles_required(*EVERYONE)
def report_stylesheet() -> ResponseReturnValue:
    """The report's stylesheet, served as a file so the page needs no inline style."""
    from reports.html import stylesheet

    return Response(stylesheet(), content_type="text/css; charset=utf-8")
