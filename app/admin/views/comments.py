"""Comments for coordinators: read what a wave's respondents wrote, and keep a name or a
disclosure out of every report (redact, with a reason; reversible; audited)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Length

from app import audit
from app.admin import bp
from app.admin.services import FormProblem
from app.admin.services.comments import (
    PER_PAGE,
    active_redaction,
    page_of_comments,
    redact,
    restore,
)
from app.admin.services.waves import all_waves, current_wave
from app.admin.views.common import acting_user, get_or_404, show_problem
from app.auth.access import STAFF, roles_required, undo_write
from app.extensions import db
from app.models import Answer, CommentRedaction, Survey


class RedactForm(FlaskForm):
    text = TextAreaField("What reports may show", validators=[Length(max=20000)])
    remove = BooleanField("Remove the whole comment from every report")
    reason = StringField("Reason (for the audit log)", validators=[Length(max=500)])


class RestoreForm(FlaskForm):
    """Undo a redaction (CSRF-protected POST)."""


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() else None


@bp.get("/comments")
@roles_required(*STAFF)
def comments() -> ResponseReturnValue:
    waves = all_waves(db.session)
    default = current_wave(db.session) or (waves[0] if waves else None)
    wave_id = _int_arg("wave") or (default.id if default else None)
    survey_id = _int_arg("survey")
    page = max(1, _int_arg("page") or 1)
    rows, total = page_of_comments(db.session, wave_id, survey_id, page) if wave_id else ([], 0)
    pages = max(1, -(-total // PER_PAGE))
    return render_template(
        "admin/comments.html",
        waves=waves,
        surveys=db.session.execute(sa.select(Survey.id, Survey.slug).order_by(Survey.slug)).all(),
        wave_id=wave_id,
        survey_id=survey_id,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        restore_form=RestoreForm(),
    )


@bp.route("/comments/<int:answer_id>/redact", methods=["GET", "POST"])
@roles_required(*STAFF, writes=True)
def comment_redact(answer_id: int) -> ResponseReturnValue:
    answer = get_or_404(Answer, answer_id)
    if not answer.value_text:
        abort(404)
    current = active_redaction(db.session, answer_id)
    form = RedactForm(text=current.text if current and current.text else answer.value_text)
    if form.validate_on_submit():
        try:
            redaction = redact(
                db.session,
                answer,
                None if form.remove.data else form.text.data,
                form.reason.data or "",
                acting_user(),
            )
        except FormProblem as problem:
            show_problem(form, problem)
        else:
            audit.record(
                db.session,
                acting_user(),
                "comment_redact",
                f"answer:{answer_id}",
                {"reason": redaction.reason, "whole": redaction.text is None},
            )
            flash("Redacted: reports now show the comment without what you removed.", "success")
            return redirect(url_for("admin.comments", wave=answer.wave_id))
    answer = get_or_404(Answer, answer_id)
    status = 400 if form.is_submitted() else 200
    return render_template(
        "admin/comment_redact.html", form=form, answer=answer, current=current
    ), status


@bp.post("/comments/redactions/<int:redaction_id>/restore")
@roles_required(*STAFF, writes=True)
def comment_restore(redaction_id: int) -> ResponseReturnValue:
    form = RestoreForm()
    if not form.validate_on_submit():
        abort(400)
    redaction = get_or_404(CommentRedaction, redaction_id)
    answer = get_or_404(Answer, redaction.answer_id)
    try:
        restore(db.session, redaction, acting_user())
    except FormProblem as problem:
        undo_write()
        flash(problem.message, "error")
        return redirect(url_for("admin.comments", wave=answer.wave_id))
    audit.record(
        db.session,
        acting_user(),
        "comment_restore",
        f"answer:{answer.id}",
        {"redaction": redaction_id},
    )
    flash("Redaction undone: reports show the comment as written.", "success")
    return redirect(url_for("admin.comments", wave=answer.wave_id))
