"""The "You said, we did" editor of a closed wave (``app.admin.services.results``):
draft it from the released figures, edit both languages, preview, publish and
unpublish. Each POST is one audited write; a refused one re-renders what was typed."""

from __future__ import annotations

import typing as t
from collections.abc import Mapping

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from app.admin import bp
from app.admin.services import FormProblem
from app.admin.services import results as service
from app.admin.services.reporting import settings
from app.admin.services.waves import today_utc
from app.admin.views.common import acting_user, get_or_404, show_problem
from app.auth.access import STAFF, roles_required
from app.extensions import db
from app.i18n import use_language
from app.models import Wave


class ResultsForm(FlaskForm):
    """The editor's posts (CSRF only: the text fields follow the stored draft's shape)."""


def form_values(content: Mapping[str, t.Any]) -> dict[str, str]:
    """The editor's fields filled from stored content (see ``service.read_text``)."""
    values: dict[str, str] = {}
    for language in service.LANGUAGES:
        text = content.get(language, {})
        for name in ("title", "intro", "closing"):
            values[f"{language}-{name}"] = text.get(name, "")
        values[f"{language}-actions"] = "\n".join(text.get("actions", []))
        for k, block in enumerate(text.get("audiences", [])):
            values[f"{language}-a{k}-heading"] = block.get("heading", "")
            values[f"{language}-a{k}-strong"] = "\n".join(block.get("strong", []))
            values[f"{language}-a{k}-weak"] = "\n".join(block.get("weak", []))
    return values


def _editor(
    wave: Wave,
    form: ResultsForm,
    values: Mapping[str, str] | None = None,
    problem: FormProblem | None = None,
) -> ResponseReturnValue:
    from app.results.routes import public_address
    from reports.model import AUDIENCE_LABELS

    page = service.page_of(db.session, wave)
    content = page.content if page is not None else {}
    today = today_utc()
    return (
        render_template(
            "admin/results.html",
            wave=wave,
            state=wave.state(today),
            closed=wave.state(today) in ("closed", "switched off"),
            page=page,
            form=form,
            values=values if values is not None else form_values(content),
            blocks=[
                (k, block.get("audience", ""))
                for k, block in enumerate(content.get("en", {}).get("audiences", []))
            ],
            audience_names=AUDIENCE_LABELS,
            untranslated=service.untranslated(content),
            marker=service.TO_TRANSLATE,
            address=public_address(page) if page is not None and page.published_at else None,
            key=service.slug_of(wave),
            problem=problem,
        ),
        400 if problem is not None else 200,
    )


def _checked_form() -> ResultsForm:
    form = ResultsForm()
    if not form.validate_on_submit():
        abort(400)
    return form


@bp.get("/waves/<int:wave_id>/results")
@roles_required(*STAFF)
def results_page(wave_id: int) -> ResponseReturnValue:
    return _editor(get_or_404(Wave, wave_id), ResultsForm())


@bp.get("/waves/<int:wave_id>/results/preview")
@roles_required(*STAFF)
def results_preview(wave_id: int) -> ResponseReturnValue:
    from app.results.routes import render_page

    wave = get_or_404(Wave, wave_id)
    page = service.page_of(db.session, wave)
    if page is None:
        abort(404)
    language = request.args.get("lang", "en")
    language = language if language in service.LANGUAGES else "en"
    use_language(language)
    return render_page(page, language, preview=True)


def _write(wave_id: int, change: t.Callable[[Wave], object], done: str) -> ResponseReturnValue:
    """The shared body of the editor's posts: check the form, apply ``change``, say
    ``done``; a refusal re-renders the editor with what was typed and a 400."""
    form = _checked_form()
    wave = get_or_404(Wave, wave_id)
    try:
        change(wave)
    except FormProblem as problem:
        show_problem(form, problem)
        return _editor(get_or_404(Wave, wave_id), form, request.form.to_dict(), problem)
    flash(done, "success")
    return redirect(url_for("admin.results_page", wave_id=wave_id))


@bp.post("/waves/<int:wave_id>/results/draft")
@roles_required(*STAFF, writes=True)
def results_draft(wave_id: int) -> ResponseReturnValue:
    def change(wave: Wave) -> object:
        return service.make_draft(
            db.session, wave, acting_user(), settings(current_app.config), today_utc()
        )

    return _write(
        wave_id,
        change,
        "Drafted from the released figures. Read it, edit both languages, then publish.",
    )


@bp.post("/waves/<int:wave_id>/results")
@roles_required(*STAFF, writes=True)
def results_save(wave_id: int) -> ResponseReturnValue:
    def change(wave: Wave) -> object:
        return service.save_text(db.session, wave, acting_user(), request.form, today_utc())

    return _write(wave_id, change, "Saved.")


@bp.post("/waves/<int:wave_id>/results/publish")
@roles_required(*STAFF, writes=True)
def results_publish(wave_id: int) -> ResponseReturnValue:
    def change(wave: Wave) -> object:
        return service.publish(db.session, wave, acting_user(), today_utc())

    return _write(wave_id, change, "Published: the results page is public.")


@bp.post("/waves/<int:wave_id>/results/unpublish")
@roles_required(*STAFF, writes=True)
def results_unpublish(wave_id: int) -> ResponseReturnValue:
    def change(wave: Wave) -> object:
        return service.unpublish(db.session, wave, acting_user())

    return _write(wave_id, change, "Unpublished: the results page is no longer public.")
