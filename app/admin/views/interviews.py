"""Interviews: importing a backup file from an interviewer's phone (stored once), and
coding the notes with the survey's themes, one note at a time."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectMultipleField, StringField, widgets
from wtforms.validators import Length

from app import audit
from app.admin import bp
from app.admin.services import FormProblem
from app.admin.services import interviews_coding as coding
from app.admin.services.interviews import import_backup
from app.admin.services.waves import all_waves, current_wave
from app.admin.views.common import acting_user, get_or_404, show_problem
from app.auth.access import STAFF, roles_required, undo_write
from app.extensions import db
from app.models import Answer, Wave
from app.respond.offline import RecordRefused


class BackupForm(FlaskForm):
    backup = FileField("Backup file", validators=[FileRequired("Choose the backup file.")])


@bp.route("/interviews/import", methods=["GET", "POST"])
@roles_required(*STAFF, writes=True)
def interviews_import() -> ResponseReturnValue:
    form = BackupForm()
    result = None
    status = 200
    if form.is_submitted():
        if form.validate():
            data = form.backup.data.read()
            try:
                result = import_backup(db.session, data, dt.datetime.now(dt.UTC))
            except RecordRefused as refused:
                undo_write()
                form.backup.errors = [refused.reason]
                status = 400
            else:
                audit.record(
                    db.session,
                    acting_user(),
                    "interviews_import",
                    f"backup:{form.backup.data.filename or 'file'}"[:255],
                    {
                        "stored": result.stored,
                        "already": result.already,
                        "refused": len(result.refused),
                    },
                )
        else:
            status = 400
    released = (
        db.session.query(Wave).filter(Wave.id.in_(result.released_wave_ids)).all()
        if result and result.released_wave_ids
        else []
    )
    return render_template(
        "admin/interviews_import.html", form=form, result=result, released=released
    ), status


class CodingForm(FlaskForm):
    themes = SelectMultipleField(
        "Themes in this note",
        choices=[],
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
        validate_choice=False,
    )
    quote = StringField("Quote for the packet (optional)", validators=[Length(max=2000)])
    position = HiddenField()


def _position(raw: str | None, total: int) -> int:
    number = int(raw) if raw and raw.isascii() and raw.isdigit() else 1
    return min(max(number, 1), max(total, 1))


def _coding_page(
    wave_id: int | None, number: int, form: CodingForm | None = None, status: int = 200
) -> ResponseReturnValue:
    waves = all_waves(db.session)
    ids = coding.note_ids(db.session, wave_id) if wave_id else []
    done = coding.progress(db.session, wave_id, ids) if wave_id else 0
    current = None
    if ids:
        answer = get_or_404(Answer, ids[number - 1])
        current = coding.note(db.session, answer)
        if form is None:
            form = CodingForm(
                themes=sorted(current.chosen), quote=current.quote or "", position=str(number)
            )
        form.themes.choices = current.themes
    return render_template(
        "admin/interviews_coding.html",
        waves=waves,
        wave_id=wave_id,
        total=len(ids),
        done=done,
        number=number,
        note=current,
        form=form,
    ), status


@bp.get("/interviews/coding")
@roles_required(*STAFF)
def interviews_coding() -> ResponseReturnValue:
    default = current_wave(db.session)
    wave_arg = request.args.get("wave", "")
    wave_id = int(wave_arg) if wave_arg.isascii() and wave_arg.isdigit() else None
    wave_id = wave_id or (default.id if default else None)
    ids = coding.note_ids(db.session, wave_id) if wave_id else []
    return _coding_page(wave_id, _position(request.args.get("n"), len(ids)))


@bp.post("/interviews/coding/<int:answer_id>")
@roles_required(*STAFF, writes=True)
def interviews_code_note(answer_id: int) -> ResponseReturnValue:
    answer = get_or_404(Answer, answer_id)
    ids = coding.note_ids(db.session, answer.wave_id)
    if answer_id not in ids:
        abort(404)
    number = ids.index(answer_id) + 1
    form = CodingForm()
    if not form.validate_on_submit():
        return _coding_page(answer.wave_id, number, form, 400)
    themes = list(form.themes.data or [])
    answer = get_or_404(Answer, answer_id)
    try:
        coding.code_note(db.session, answer, themes, form.quote.data or "", acting_user())
    except FormProblem as problem:
        undo_write()
        show_problem(form, problem)
        return _coding_page(answer.wave_id, number, form, 400)
    audit.record(
        db.session,
        acting_user(),
        "interview_note_code",
        f"answer:{answer_id}",
        {"themes": sorted(themes), "quote": bool(form.quote.data)},
    )
    following = min(number + 1, len(ids))
    flash(f"Note {number} coded.", "success")
    return redirect(url_for("admin.interviews_coding", wave=answer.wave_id, n=following), 303)
