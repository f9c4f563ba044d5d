from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import sqlalchemy as sa
from flask import Response, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue

from app import audit
from app.admin import bp
from app.admin.forms import ExportForm, options
from app.admin.services.exports import count_rows, csv_chunks, export_rows, xlsx_chunks
from app.admin.services.links import survey_choices
from app.admin.services.responses import ResponseFilters
from app.admin.services.waves import all_waves
from app.admin.views.common import acting_user
from app.auth.access import STAFF, roles_required, writing
from app.extensions import db
from app.models import Survey, Wave

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _export_form() -> ExportForm:
    form = ExportForm(request.args)
    form.survey.choices = options(
        (s.slug, f"{title} ({s.slug})") for s, title, _ in survey_choices(db.session)
    )
    form.wave.choices = options(
        [("", "Every wave")] + [(w.id, w.name) for w in all_waves(db.session)]
    )
    return form


def _export_stream(
    survey_id: int, filters: ResponseFilters, kind: str, use_labels: bool
) -> Iterator[bytes]:
    """The file's chunks, read in the streaming context's own session.

    The view's session is closed when the view returns, before the first chunk is sent;
    reading through it would reopen a transaction nobody closes. So the stream looks the
    survey up again, and closes its session as soon as it stops, finished or not: a
    long export must not hold a snapshot (or, on PostgreSQL, a lock) any longer.
    """
    try:
        survey = db.session.get_one(Survey, survey_id)
        rows = export_rows(db.session, survey, filters, use_labels=use_labels)
        if kind == "csv":
            yield from (chunk.encode() for chunk in csv_chunks(rows))
        else:
            yield from xlsx_chunks(rows, sheet_title=survey.slug)
    finally:
        db.session.close()


@bp.get("/exports")
@roles_required(*STAFF)
def exports() -> ResponseReturnValue:
    """The export form. Submitting it (a GET) validates and then streams the file."""
    form = _export_form()
    if not request.args:
        return render_template("admin/exports.html", form=form)
    if not form.validate():
        return render_template("admin/exports.html", form=form), 400
    # The form only takes a stored survey's slug.
    survey = db.session.scalars(sa.select(Survey).where(Survey.slug == form.survey.data)).one()
    wave = db.session.get(Wave, form.wave.data) if form.wave.data else None
    filters = ResponseFilters(wave_id=wave.id if wave else None)
    kind, use_labels = form.format.data, form.values.data == "labels"

    # The audit entry is committed before the first byte: no export goes unrecorded.
    with writing() as session:
        audit.record(
            session,
            acting_user(),
            "export",
            f"survey:{survey.slug}",
            {
                "format": kind,
                "values": form.values.data,
                "wave": wave.name if wave else None,
                "responses": count_rows(session, survey, filters),
            },
        )

    survey_id, slug = survey.id, survey.slug
    chunks = _export_stream(survey_id, filters, kind, use_labels)
    stamp = dt.date.today().isoformat()
    wave_part = f"-wave{wave.id}" if wave else ""
    filename = f"responses-{slug}{wave_part}-{stamp}.{kind}"
    response = Response(stream_with_context(chunks), mimetype=MIMETYPES[kind])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
