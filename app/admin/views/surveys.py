"""Surveys in the browser: the catalogue, each survey's versions and links, downloads,
and a preview of any version as a respondent sees it (nothing is stored)."""

from __future__ import annotations

import dataclasses
import typing as t
from pathlib import PurePosixPath

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from app import audit
from app.admin import bp
from app.admin.forms import SurveyPublishForm, SurveyUploadForm
from app.admin.services.links import CHANNEL_LABELS
from app.admin.services.surveys import (
    UploadRefused,
    catalogue,
    check_upload,
    definition_xlsx,
    definition_yaml,
    publish,
    read_xlsform,
    survey_links,
    version_history,
)
from app.admin.views.common import acting_user, get_or_404
from app.auth.access import STAFF, roles_required, undo_write
from app.definitions.limits import MAX_FILE_BYTES
from app.definitions.survey import SurveyDefinition
from app.definitions.sync import definition_of
from app.extensions import db
from app.i18n import preferred_language, use_language
from app.models import Survey, SurveyVersion
from app.preview.outline import outline
from app.respond.flow import Answers, form_number
from app.respond.presenter import page_fields

LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


def _version(survey_id: int, number: int) -> SurveyVersion:
    version = db.session.scalar(
        sa.select(SurveyVersion).where(
            SurveyVersion.survey_id == survey_id, SurveyVersion.number == number
        )
    )
    if version is None:
        abort(404)
    return version


@bp.get("/surveys")
@roles_required(*STAFF)
def surveys() -> ResponseReturnValue:
    return render_template("admin/surveys.html", rows=catalogue(db.session))


@bp.get("/surveys/<int:survey_id>")
@roles_required(*STAFF)
def survey(survey_id: int) -> ResponseReturnValue:
    survey_row = get_or_404(Survey, survey_id)
    history = version_history(db.session, survey_row)
    latest = history[0].definition if history else None
    return render_template(
        "admin/survey.html",
        survey=survey_row,
        title=latest.text(latest.header.title, latest.languages[0]) if latest else survey_row.slug,
        latest=latest,
        history=history,
        links=survey_links(db.session, survey_row),
        channel_labels=CHANNEL_LABELS,
        language_names=LANGUAGE_NAMES,
    )


@bp.get("/surveys/<int:survey_id>/versions/<int:number>/definition.yaml")
@roles_required(*STAFF)
def survey_download_yaml(survey_id: int, number: int) -> ResponseReturnValue:
    version = _version(survey_id, number)
    response = Response(definition_yaml(version), mimetype="application/yaml")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{version.survey.slug}-v{version.number}.yaml"'
    )
    return response


@bp.get("/surveys/<int:survey_id>/versions/<int:number>/definition.xlsx")
@roles_required(*STAFF)
def survey_download_xlsx(survey_id: int, number: int) -> ResponseReturnValue:
    version = _version(survey_id, number)
    response = Response(
        definition_xlsx(version),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{version.survey.slug}-v{version.number}.xlsx"'
    )
    return response


@bp.route("/surveys/<int:survey_id>/versions/<int:number>/preview", methods=["GET", "POST"])
# A post that stores nothing: the pattern's write commits no change.
@roles_required(*STAFF, writes=True)
def survey_preview(survey_id: int, number: int) -> ResponseReturnValue:
    """The version page by page as a respondent sees it, in a phone-width frame. Next
    and Back check answers and follow display conditions as the survey does; the last
    page says what would be sent. Nothing reaches the database."""
    version = _version(survey_id, number)
    definition = definition_of(version)
    return preview_page(
        definition,
        request.form if request.method == "POST" else MultiDict(),
        request.args.get("lang") or request.form.get("_lang"),
        title=f"Preview of {version.survey.slug}, version {version.number}",
    )


def preview_page(
    definition: SurveyDefinition,
    posted: MultiDict[str, str],
    asked_language: str | None,
    *,
    title: str,
    extra: dict[str, t.Any] | None = None,
) -> ResponseReturnValue:
    """Render one page of a preview of ``definition`` from the ``posted`` form."""
    language = preferred_language(
        definition.languages, posted.get("_switch_lang") or asked_language
    )
    use_language(language)
    answers = Answers(definition, posted)
    if answers.unknown:
        abort(400)
    page = answers.nearest_page(form_number(posted.get("_page")) or 0)
    if not posted:
        page = answers.first_page()
    show_errors = False
    finished = False
    nav = posted.get("nav")
    if "_switch_lang" in posted:
        pass
    elif nav == "back":
        previous = answers.previous_page(page)
        page = page if previous is None else previous
    elif nav in ("next", "submit"):
        if answers.errors_on(page):
            show_errors = True
        else:
            following = answers.next_page(page)
            if following is not None:
                page = following
            else:
                bad = answers.first_page_with_errors()
                if bad is not None:
                    page, show_errors = bad, True
                else:
                    finished = True
    status = 422 if show_errors else 200
    return render_template(
        "admin/survey_preview.html",
        **page_fields(definition, answers, page, language, show_errors),
        title=title,
        finished=finished,
        sent=len(answers.answer_rows()) if finished else 0,
        extra=extra or {},
    ), status


YAML_SUFFIXES = (".yaml", ".yml")
# XLSForm workbooks (.csv and .md are the same sheets as text, for tests and tools).
XLSFORM_SUFFIXES = (".xlsx", ".csv", ".md")
# Fields of the upload forms that are not answers to the survey being previewed.
UPLOAD_FIELDS = ("definition_text", "filename")


def _uploaded_text(form: SurveyUploadForm) -> tuple[str, str, list[str], list[str]] | None:
    """(YAML text, file name, defaults assumed, what was not read) from the file or the
    pasted text; errors
    go on the form. An XLSForm is read into the YAML text of the same data (problems
    with its sheet and row raise UploadRefused)."""
    upload = form.definition_file.data
    filename = getattr(upload, "filename", None) if upload is not None else None
    if filename:
        name = PurePosixPath(filename.replace("\\", "/")).name[:120] or "upload.yaml"
        if not name.lower().endswith(YAML_SUFFIXES + XLSFORM_SUFFIXES):
            form.definition_file.errors = [
                "Upload a survey definition in YAML (a .yaml or .yml file) or an XLSForm "
                "(.xlsx, or .csv)."
            ]
            return None
        raw = upload.stream.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            form.definition_file.errors = [
                f"The file is larger than {MAX_FILE_BYTES:,} bytes: no survey needs that much."
            ]
            return None
        if name.lower().endswith(XLSFORM_SUFFIXES):
            text, assumed, ignored = read_xlsform(raw, name)
            return text, name, assumed, ignored
        try:
            return raw.decode("utf-8-sig"), name, [], []
        except UnicodeDecodeError:
            form.definition_file.errors = ["The file is not UTF-8 text; save it as UTF-8."]
            return None
    text = (form.definition_text.data or "").replace("\r\n", "\n")
    if text.strip():
        return text, "pasted.yaml", [], []
    form.form_errors.append("Choose a file, or paste a definition.")
    return None


def _review_outline(definition: SurveyDefinition) -> dict[str, t.Any]:
    """Every question of ``definition`` as asked in its first language, for the review
    page (the interface's words in the questions' language, too)."""
    language = definition.languages[0]
    use_language(language)
    return {
        "language": language,
        "survey": outline(definition, language),
        "answers": gettext("Answers offered"),
    }


@bp.route("/surveys/upload", methods=["GET", "POST"])
# A post that stores nothing: the pattern's write commits no change.
@roles_required(*STAFF, writes=True)
def survey_upload() -> ResponseReturnValue:
    """Check an upload and show what publishing it would do and every question as
    asked; nothing is stored."""
    form = SurveyUploadForm()
    problems: list[str] = []
    checks_wait = False
    if form.validate_on_submit():
        try:
            uploaded = _uploaded_text(form)
        except UploadRefused as refused:
            # A spreadsheet's problems, by sheet and row: the file is fixed, not the text.
            uploaded, problems, checks_wait = None, refused.problems, refused.checks_wait
        if uploaded is not None:
            text, name, assumed, ignored = uploaded
            try:
                upload = check_upload(db.session, text, name)
            except UploadRefused as refused:
                problems = refused.problems
                form.definition_text.data = text
            else:
                return render_template(
                    "admin/survey_upload_review.html",
                    outline=_review_outline(upload.definition),
                    upload=dataclasses.replace(
                        upload, assumed=tuple(assumed), ignored=tuple(ignored)
                    ),
                    publish=SurveyPublishForm(formdata=None, definition_text=text, filename=name),
                    language_names=LANGUAGE_NAMES,
                )
    status = 400 if form.is_submitted() else 200
    return render_template(
        "admin/survey_upload.html", form=form, problems=problems, checks_wait=checks_wait
    ), status


@bp.post("/surveys/upload/preview")
# A post that stores nothing: the pattern's write commits no change.
@roles_required(*STAFF, writes=True)
def survey_upload_preview() -> ResponseReturnValue:
    """Preview a checked upload page by page (the definition travels in the form)."""
    form = SurveyPublishForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        upload = check_upload(db.session, form.definition_text.data, form.filename.data)
    except UploadRefused:
        abort(400)
    posted = MultiDict(
        [(k, v) for k, v in request.form.items(multi=True) if k not in UPLOAD_FIELDS]
    )
    return preview_page(
        upload.definition,
        posted,
        request.args.get("lang") or request.form.get("_lang"),
        title=f"Preview of the upload {form.filename.data}",
        extra={
            "hidden": [
                ("definition_text", form.definition_text.data),
                ("filename", form.filename.data),
            ],
        },
    )


@bp.post("/surveys/publish")
@roles_required(*STAFF, writes=True)
def survey_publish() -> ResponseReturnValue:
    form = SurveyPublishForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        upload, version = publish(db.session, form.definition_text.data, form.filename.data)
    except UploadRefused as refused:
        undo_write()
        upload_form = SurveyUploadForm(formdata=None, definition_text=form.definition_text.data)
        return render_template(
            "admin/survey_upload.html", form=upload_form, problems=refused.problems
        ), 400
    if upload.unchanged:
        # Committed all the same: it is managed in the workspace from now on.
        flash(
            f"{version.survey.slug} already has this content as version {version.number}; "
            "nothing new was stored.",
            "info",
        )
    else:
        audit.record(
            db.session,
            acting_user(),
            "survey_publish",
            f"survey_version:{version.id}",
            {
                "survey": version.survey.slug,
                "version": version.number,
                "sha256": version.sha256,
                "file": form.filename.data,
            },
        )
        flash(f"Published {version.survey.slug} version {version.number}.", "success")
    return redirect(url_for("admin.survey", survey_id=version.survey_id))
