from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.admin import bp
from app.admin.forms import DeleteResponseForm
from app.admin.services import FormProblem
from app.admin.services.responses import (
    ResponseFilters,
    answered_items,
    page_of_responses,
    soft_delete,
)
from app.admin.services.waves import all_waves
from app.admin.views.common import acting_user, get_or_404, show_problem
from app.auth.access import STAFF, roles_required
from app.extensions import db
from app.models import Audience, Partner, Response, Survey, User, Wave

FILTER_ARGS = ("wave", "survey", "audience", "partner", "from", "to", "deleted")


def _date_arg(name: str, problems: list[str], label: str) -> dt.date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        problems.append(f"“{raw}” is not a date for {label}; use YYYY-MM-DD.")
        return None


def filters_from_args() -> tuple[ResponseFilters, list[str]]:
    """Read list filters from the query string; bad values are reported, not fatal."""
    problems: list[str] = []
    audience = request.args.get("audience", "")
    if audience and audience not in {a.value for a in Audience}:
        problems.append(f"“{audience}” is not an audience.")
        audience = ""
    filters = ResponseFilters(
        wave_id=request.args.get("wave", type=int),
        survey_id=request.args.get("survey", type=int),
        audience=Audience(audience) if audience else None,
        partner_id=request.args.get("partner", type=int),
        submitted_from=_date_arg("from", problems, "“from”"),
        submitted_to=_date_arg("to", problems, "“to”"),
        include_deleted=request.args.get("deleted") == "1",
    )
    if (
        filters.submitted_from
        and filters.submitted_to
        and filters.submitted_to < filters.submitted_from
    ):
        problems.append("The “to” date is before the “from” date, so nothing can match.")
    return filters, problems


def lookups() -> dict[str, dict[int, str]]:
    return {
        "wave_names": dict(db.session.execute(sa.select(Wave.id, Wave.name)).all()),
        "survey_slugs": dict(db.session.execute(sa.select(Survey.id, Survey.slug)).all()),
        "partner_names": dict(db.session.execute(sa.select(Partner.id, Partner.name)).all()),
    }


@bp.get("/responses")
@roles_required(*STAFF)
def responses() -> ResponseReturnValue:
    filters, problems = filters_from_args()
    page = page_of_responses(db.session, filters, request.args.get("page", 1, type=int))
    # Only the known filters are carried into the pager links (never url_for's own
    # options such as _external or _scheme).
    args = {k: v for k, v in request.args.items() if k in FILTER_ARGS and v}
    return render_template(
        "admin/responses.html",
        page=page,
        filters=filters,
        problems=problems,
        args=args,
        waves=all_waves(db.session),
        audiences=list(Audience),
        **lookups(),
    )


@bp.get("/responses/<int:response_id>")
@roles_required(*STAFF)
def response_detail(response_id: int) -> ResponseReturnValue:
    response = get_or_404(Response, response_id)
    deleted_by = db.session.get(User, response.deleted_by_id) if response.deleted_by_id else None
    return render_template(
        "admin/response.html",
        response=response,
        items=answered_items(db.session, response),
        deleted_by=deleted_by,
        **lookups(),
    )


@bp.route("/responses/<int:response_id>/delete", methods=["GET", "POST"])
@roles_required(*STAFF, writes=True)
def response_delete(response_id: int) -> ResponseReturnValue:
    form = DeleteResponseForm()
    if form.validate_on_submit():
        response = get_or_404(Response, response_id)
        try:
            soft_delete(db.session, response, acting_user(), form.reason.data)
        except FormProblem as problem:
            show_problem(form, problem)
        else:
            flash(f"Response {response.id} was deleted. It no longer counts anywhere.", "success")
            return redirect(url_for("admin.response_detail", response_id=response.id))
    response = get_or_404(Response, response_id)
    status = 400 if form.is_submitted() else 200
    return render_template("admin/response_delete.html", form=form, response=response), status
