"""Interviews: importing a backup file from an interviewer's phone (stored once)."""

from __future__ import annotations

import datetime as dt

from flask import render_template
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from app import audit
from app.admin import bp
from app.admin.services.interviews import import_backup
from app.admin.views.common import acting_user
from app.auth.access import STAFF, roles_required, start_write
from app.extensions import db
from app.models import Wave
from app.respond.offline import RecordRefused


class BackupForm(FlaskForm):
    backup = FileField("Backup file", validators=[FileRequired("Choose the backup file.")])


@bp.route("/interviews/import", methods=["GET", "POST"])
@roles_required(*STAFF)
def interviews_import():  # type: ignore[no-untyped-def]
    form = BackupForm()
    result = None
    status = 200
    if form.is_submitted():
        if form.validate():
            data = form.backup.data.read()
            start_write()
            try:
                result = import_backup(db.session, data, dt.datetime.now(dt.UTC))
            except RecordRefused as refused:
                db.session.rollback()
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
                db.session.commit()
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
