"""Review meetings (staff): each wave's reviews, a review's page with its agenda and the
actions it decided, the agenda generated from the packet and edited before the meeting,
and the agenda printed (HTML) or as a PDF."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import DateField, TextAreaField
from wtforms.validators import InputRequired, Length

from app import audit
from app.admin import bp
from app.admin.forms import ButtonForm, options
from app.admin.services import FormProblem
from app.admin.services.actions import owner_name, readable_day
from app.admin.services.reviews import (
    ROLE_GROUPS,
    ReviewDetails,
    actions_per_review,
    agenda_pdf,
    create_review,
    delete_review,
    edit_agenda,
    generate_agenda,
    move_agenda_item,
    reviews_of,
    took_part_text,
    update_review,
)
from app.admin.services.waves import all_waves, current_wave, today_utc
from app.admin.views.actions import MultiCheckboxField, attempt, audit_change, id_arg
from app.admin.views.common import acting_user, get_or_404
from app.auth.access import STAFF, roles_required, undo_write
from app.extensions import db
from app.models import ActionItem, Partner, Review, Wave


class ReviewForm(FlaskForm):
    held_on = DateField(
        "Date of the meeting",
        format="%Y-%m-%d",
        validators=[InputRequired("Enter the date of the meeting (YYYY-MM-DD).")],
    )
    roles = MultiCheckboxField("Groups who took part", choices=options(ROLE_GROUPS.items()))
    partner_ids = MultiCheckboxField("Partners who took part", coerce=int)
    notes = TextAreaField("Notes", validators=[Length(max=20000)])
    decisions = TextAreaField("Decisions", validators=[Length(max=20000)])


def _fill(form: ReviewForm) -> None:
    partners = db.session.scalars(sa.select(Partner).order_by(Partner.name))
    form.partner_ids.choices = options((p.id, p.name) for p in partners)


def _details(form: ReviewForm) -> ReviewDetails:
    assert form.held_on.data is not None
    return ReviewDetails(
        held_on=form.held_on.data,
        roles=tuple(form.roles.data or ()),
        partner_ids=tuple(form.partner_ids.data or ()),
        notes=form.notes.data or "",
        decisions=form.decisions.data or "",
    )


@bp.get("/reviews")
@roles_required(*STAFF)
def reviews() -> ResponseReturnValue:
    wave_id = id_arg("wave")
    wave = get_or_404(Wave, wave_id) if wave_id else None
    return render_template(
        "admin/reviews.html",
        rows=reviews_of(db.session, wave.id if wave else None),
        counts=actions_per_review(db.session),
        wave=wave,
        current=wave or current_wave(db.session),
        waves=all_waves(db.session),
    )


@bp.route("/reviews/new", methods=["GET", "POST"])
@roles_required(*STAFF, writes=True)
def review_new() -> ResponseReturnValue:
    wave_id = id_arg("wave")
    wave = get_or_404(Wave, wave_id) if wave_id else current_wave(db.session)
    if wave is None:
        flash("Add a wave first: a review is about a wave's results.", "info")
        return redirect(url_for("admin.reviews"))
    form = ReviewForm()
    _fill(form)
    if request.method == "GET":
        form.held_on.data = today_utc()
    if form.validate_on_submit():
        review = attempt(
            form, lambda: create_review(db.session, wave, _details(form), acting_user())
        )
        if review is not None:
            audit.record(
                db.session,
                acting_user(),
                "review_create",
                f"review:{review.id}",
                {"wave": wave.name, "held_on": review.held_on.isoformat()},
            )
            flash("Review added. Generate its agenda from the packet.", "success")
            return redirect(url_for("admin.review", review_id=review.id))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/review_form.html", form=form, review=None, wave=wave), status


@bp.route("/reviews/<int:review_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF, writes=True)
def review_edit(review_id: int) -> ResponseReturnValue:
    review = get_or_404(Review, review_id)
    took = review.took_part or {}
    initial = {
        "held_on": review.held_on,
        "roles": list(took.get("roles", [])),
        "partner_ids": [int(i) for i in took.get("partner_ids", [])],
        "notes": review.notes,
        "decisions": review.decisions,
    }
    form = ReviewForm(data=initial if request.method == "GET" else None)
    _fill(form)
    if form.validate_on_submit():
        changes = attempt(form, lambda: update_review(db.session, review, _details(form)))
        if changes is not None:
            audit_change(
                "review_update", f"review:{review.id}", {"changes": changes}, "Review saved."
            )
            return redirect(url_for("admin.review", review_id=review.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "admin/review_form.html", form=form, review=review, wave=review.wave
    ), status


def _review_actions(review: Review) -> list[ActionItem]:
    return list(
        db.session.scalars(
            sa.select(ActionItem)
            .where(ActionItem.review_id == review.id)
            .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)
        )
    )


def _page(template: str, review: Review, **extra: t.Any) -> str:
    return render_template(
        template,
        review=review,
        agenda=review.agenda or {},
        took_part=took_part_text(db.session, review),
        actions=_review_actions(review),
        owner_name=owner_name,
        button=ButtonForm(),
        today=today_utc(),
        **extra,
    )


def action_link(review: Review, finding: dict[str, t.Any] | None, key: str) -> str:
    """The new action's form, filled from an agenda item's finding; ``key``
    ("<section>-<k>") lets the form quote the item it came from."""
    args: dict[str, t.Any] = {"review": review.id, "from": key}
    if finding:
        args["kind"] = finding.get("kind", "none")
        if finding.get("item_id"):
            args["item"] = finding["item_id"]
        if finding.get("audiences"):
            args["audiences"] = ",".join(finding["audiences"])
        if finding.get("element"):
            args["element"] = finding["element"]
        if finding.get("theme_code"):
            args["theme"] = finding["theme_code"]
    return url_for("admin.action_new", **args)


@bp.get("/reviews/<int:review_id>")
@roles_required(*STAFF)
def review(review_id: int) -> ResponseReturnValue:
    return _page("admin/review.html", get_or_404(Review, review_id), action_link=action_link)


@bp.post("/reviews/<int:review_id>/agenda/generate")
@roles_required(*STAFF, writes=True)
def review_agenda_generate(review_id: int) -> ResponseReturnValue:
    """Make (or make again) the agenda from the wave's packet."""
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    review = get_or_404(Review, review_id)
    again = bool(review.agenda)
    try:
        agenda = generate_agenda(db.session, review, current_app.config)
    except FormProblem as problem:
        undo_write()
        flash(problem.message, "error")
        return redirect(url_for("admin.review", review_id=review_id))
    audit.record(
        db.session,
        acting_user(),
        "review_agenda",
        f"review:{review.id}",
        {
            "generated": "again" if again else "first",
            "figures": agenda["figures"],
            "items": sum(len(s["items"]) for s in agenda["sections"]),
        },
    )
    flash("Agenda generated from the packet." if not again else "Agenda made again.", "success")
    return redirect(url_for("admin.review", review_id=review.id))


def _swapped(texts: dict[str, str], key: str, direction: str) -> dict[str, str]:
    """The typed texts with item ``key`` and its neighbour exchanged, as a move did."""
    section, _, k = key.rpartition("-")
    other = f"{section}-{int(k) + (1 if direction == 'down' else -1)}"
    swapped = dict(texts)
    swapped.pop(key, None)
    swapped.pop(other, None)
    if other in texts:
        swapped[key] = texts[other]
    if key in texts:
        swapped[other] = texts[key]
    return swapped


@bp.route("/reviews/<int:review_id>/agenda", methods=["GET", "POST"])
@roles_required(*STAFF, writes=True)
def review_agenda_edit(review_id: int) -> ResponseReturnValue:
    """Edit each agenda item's text (an emptied one is left out) and add items."""
    review = get_or_404(Review, review_id)
    if not review.agenda:
        flash("Generate the agenda from the packet first.", "info")
        return redirect(url_for("admin.review", review_id=review.id))
    problem_text = None
    texts = {k[5:]: v for k, v in request.form.items() if k.startswith("item-")}
    added = request.form.get("added", "")
    if request.method == "POST":
        form = ButtonForm()
        if not form.validate_on_submit():
            problem_text = "The form expired; please send it again."
        else:
            move = request.form.get("move", "")
            try:
                # Move first, on the items as they were numbered in the form, and
                # carry what was typed along; then save the texts (an emptied item
                # goes only then, so no number shifts under the move).
                key, _, direction = move.partition(":")
                moved = bool(move) and move_agenda_item(db.session, review, key, direction)
                typed = _swapped(texts, key, direction) if moved else texts
                changed = edit_agenda(db.session, review, typed, added)
            except FormProblem as problem:
                problem_text = problem.message
            else:
                detail: dict[str, t.Any] = {"changes": {"items": changed}}
                if moved:
                    detail["changes"]["moved"] = {"item": key, "direction": direction}
                if not changed and not moved:
                    detail = {}
                if move:
                    # Moving keeps the editor open, with the item in its new place.
                    audit_change("review_agenda", f"review:{review.id}", detail, "Item moved.")
                    section, _, k = key.rpartition("-")
                    place = int(k) + (1 if direction == "down" else -1) if moved else int(k)
                    return redirect(
                        url_for(
                            "admin.review_agenda_edit",
                            review_id=review.id,
                            _anchor=f"item-{section}-{place}",
                        )
                    )
                audit_change("review_agenda", f"review:{review.id}", detail, "Agenda saved.")
                return redirect(url_for("admin.review", review_id=review.id))
        undo_write()
        review = get_or_404(Review, review_id)
    status = 400 if problem_text else 200
    return _page(
        "admin/review_agenda.html", review, texts=texts, added=added, problem=problem_text
    ), status


@bp.route("/reviews/<int:review_id>/delete", methods=["GET", "POST"])
@roles_required(*STAFF, writes=True)
def review_delete(review_id: int) -> ResponseReturnValue:
    """Delete a review (asked first); refused while an action points at it."""
    review = get_or_404(Review, review_id)
    form = ButtonForm()
    problem_text = None
    if form.validate_on_submit():
        wave_id, held_on = review.wave_id, review.held_on.isoformat()
        try:
            delete_review(db.session, review)
        except FormProblem as problem:
            undo_write()
            problem_text = problem.message
            review = get_or_404(Review, review_id)
        else:
            audit.record(
                db.session,
                acting_user(),
                "review_delete",
                f"review:{review_id}",
                {"wave_id": wave_id, "held_on": held_on},
            )
            flash(f"The review of {readable_day(review.held_on)} was deleted.", "success")
            return redirect(url_for("admin.reviews", wave=wave_id))
    status = 400 if form.is_submitted() else 200
    return _page("admin/review_delete.html", review, problem=problem_text), status


@bp.get("/reviews/<int:review_id>/print")
@roles_required(*STAFF)
def review_print(review_id: int) -> ResponseReturnValue:
    return _page("admin/review_print.html", get_or_404(Review, review_id))


@bp.get("/reviews/<int:review_id>/agenda.pdf")
@roles_required(*STAFF)
def review_pdf(review_id: int) -> ResponseReturnValue:
    review = get_or_404(Review, review_id)
    content = agenda_pdf(
        review, took_part_text(db.session, review), _review_actions(review), owner_name
    )
    name = f"review-{review.held_on.isoformat()}.pdf"
    return Response(
        content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
