"""Action items: the list (with filters), an action's page with its progress notes,
creating and changing actions (staff), and recording progress (staff, and a partner's
own users for the actions their partner owns). The account page's reminder setting."""

from __future__ import annotations

import datetime as dt
import functools
import typing as t

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app import audit
from app.admin import bp
from app.admin.forms import options
from app.admin.services import FormProblem
from app.admin.services.actions import (
    FINDING_LABELS,
    ActionDetails,
    ActionFilter,
    create_action,
    finding_text,
    item_wording,
    list_actions,
    owner_name,
    readable_day,
    record_progress,
    set_reminders,
    today_utc,
    update_action,
)
from app.admin.services.waves import all_waves, current_wave
from app.admin.views.common import MAX_ID, acting_user, get_or_404, show_problem
from app.auth.access import EVERYONE, STAFF, roles_required, undo_write
from app.extensions import db
from app.models import ActionItem, ActionStatus, Audience, FindingKind, Partner, Review, Role, User

STATUS_CHOICES = [(s.value, s.label) for s in ActionStatus]


@bp.app_template_filter("as_day")
def day_filter(day: dt.date | None, weekday: bool = False) -> str:
    """``{{ action.due_on|as_day }}``: "4 July 2026" on the review and action pages."""
    return readable_day(day, weekday)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _optional_int(value: object) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(str(value))


class ActionForm(FlaskForm):
    wave_id = SelectField("Wave", coerce=int, validators=[InputRequired("Choose a wave.")])
    review_id = SelectField("Decided at the review (optional)", coerce=_optional_int)
    title = StringField("Title", validators=[Length(max=200)])
    title_es = StringField("Title in Spanish", validators=[Length(max=200)])
    description = TextAreaField("What will be done", validators=[Length(max=5000)])
    description_es = TextAreaField("What will be done, in Spanish", validators=[Length(max=5000)])
    owner = SelectField("Owner", validators=[InputRequired("Choose an owner.")])
    due_on = DateField("Due on (optional)", validators=[Optional()], format="%Y-%m-%d")
    finding_kind = SelectField(
        "Finding it answers",
        choices=options((k.value, label) for k, label in FINDING_LABELS.items()),
        default=FindingKind.NONE.value,
        validators=[InputRequired("Choose what the action answers.")],
    )
    item_id = StringField("Survey item id", validators=[Length(max=120)])
    audiences = MultiCheckboxField(
        "Audiences", choices=options((a.value, a.value.capitalize()) for a in Audience)
    )
    element = IntegerField(
        "Element number (1 to 9)",
        validators=[Optional(), NumberRange(min=1, max=9, message="Choose 1 to 9.")],
    )
    theme_code = StringField("Interview theme code", validators=[Length(max=80)])


class ProgressForm(FlaskForm):
    status = SelectField(
        "Status", choices=options(STATUS_CHOICES), validators=[InputRequired("Choose a status.")]
    )
    dropped_reason = TextAreaField(
        "Why it is dropped (only for a dropped action)", validators=[Length(max=2000)]
    )
    note = TextAreaField("Progress note (optional)", validators=[Length(max=5000)])


class RemindersForm(FlaskForm):
    action_reminders = BooleanField("Email me about actions")


def _fill_choices(form: ActionForm) -> None:
    waves = all_waves(db.session)
    form.wave_id.choices = options((w.id, w.name) for w in waves)
    names = {w.id: w.name for w in waves}
    reviews = db.session.scalars(sa.select(Review).order_by(Review.held_on.desc()))
    form.review_id.choices = options(
        [("", "None")]
        + [
            (r.id, f"The meeting of {readable_day(r.held_on)} ({names.get(r.wave_id, '?')})")
            for r in reviews
        ]
    )
    partners = db.session.scalars(sa.select(Partner).order_by(Partner.name))
    form.owner.choices = options(
        [("school", "School team")]
        + [(str(p.id), p.name + ("" if p.active else " (inactive)")) for p in partners]
    )


def _details(form: ActionForm) -> ActionDetails:
    owner = form.owner.data or ""
    return ActionDetails(
        wave_id=int(form.wave_id.data),
        review_id=form.review_id.data,
        title=form.title.data or "",
        title_es=form.title_es.data or "",
        description=form.description.data or "",
        description_es=form.description_es.data or "",
        owner_partner_id=int(owner) if owner.isdecimal() else None,
        due_on=form.due_on.data,
        finding_kind=FindingKind(form.finding_kind.data),
        item_id=form.item_id.data or "",
        audiences=tuple(form.audiences.data or ()),
        element=form.element.data,
        theme_code=form.theme_code.data or "",
    )


R = t.TypeVar("R")


def attempt(form: FlaskForm, write: t.Callable[[], R]) -> R | None:
    """Run a service's write; when it refuses, undo it and put its message by its field
    (the view then answers the form again with a 400). None when refused."""
    try:
        return write()
    except FormProblem as problem:
        show_problem(form, problem)
        return None


def audit_change(kind: str, target: str, detail: dict[str, t.Any], message: str) -> None:
    """Audit a change and say so, or, when the form changed nothing (``detail`` without
    changes), write nothing and say that."""
    if detail.get("changes"):
        audit.record(db.session, acting_user(), kind, target, detail)
        flash(message, "success")
    else:
        undo_write()
        flash("Nothing was changed.", "info")


def _own_action(action_id: int) -> ActionItem:
    """The action, if the signed-in user may see it: staff every one, a partner user
    only their own partner's (another's is refused, as another partner's page is)."""
    action = get_or_404(ActionItem, action_id)
    user = acting_user()
    if user.role is Role.PARTNER and action.owner_partner_id != user.partner_id:
        abort(403)
    return action


def id_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    if not value:
        return None
    if not value.isascii() or not value.isdecimal() or not 0 < int(value) <= MAX_ID:
        abort(404)
    return int(value)


@bp.get("/actions")
@roles_required(*EVERYONE)
def actions() -> ResponseReturnValue:
    """Every action (staff) or the partner's own (partner users), with filters."""
    user = acting_user()
    partner_scope = user.partner_id if user.role is Role.PARTNER else None
    owner = request.args.get("owner", "")
    if owner not in ("", "school") and not (owner.isascii() and owner.isdecimal()):
        owner = ""
    status = request.args.get("status", "")
    if status not in ("", "open", *(s.value for s in ActionStatus)):
        status = ""
    filters = ActionFilter(
        wave_id=id_arg("wave"),
        owner="" if partner_scope is not None else owner[:10],
        status=status,
        overdue=request.args.get("overdue") == "1",
        review_id=id_arg("review"),
    )
    today = today_utc()
    rows = list_actions(db.session, filters, partner_id=partner_scope, today=today)
    partners = (
        []
        if partner_scope is not None
        else list(db.session.scalars(sa.select(Partner).order_by(Partner.name)))
    )
    review = db.session.get(Review, filters.review_id) if filters.review_id else None
    return render_template(
        "admin/actions.html",
        rows=rows,
        review=review,
        overdue_total=sum(a.is_overdue(today) for a in rows),
        filters=filters,
        waves=all_waves(db.session),
        partners=partners,
        staff=partner_scope is None,
        statuses=STATUS_CHOICES,
        today=today,
        owner_name=owner_name,
        finding_text=functools.partial(
            finding_text, wording=item_wording(db.session, (a.item_id for a in rows))
        ),
    )


def _prefilled(form: ActionForm) -> None:
    """A new action's form filled from a finding's link (agenda items, reports):
    ``?wave=&review=&kind=&item=&audiences=a,b&element=&theme=&title=``."""
    review_id = id_arg("review")
    review = db.session.get(Review, review_id) if review_id else None
    wave_id = review.wave_id if review else id_arg("wave")
    if wave_id is None:
        wave = current_wave(db.session)
        wave_id = wave.id if wave else None
    if wave_id is not None:
        form.wave_id.data = wave_id
    form.review_id.data = review.id if review else None
    kind = request.args.get("kind", "")
    if kind in {k.value for k in FindingKind}:
        form.finding_kind.data = kind
    form.item_id.data = request.args.get("item", "")[:120]
    form.audiences.data = [a for a in request.args.get("audiences", "").split(",") if a][:4]
    element = request.args.get("element", "")
    form.element.data = int(element) if element.isascii() and element.isdecimal() else None
    form.theme_code.data = request.args.get("theme", "")[:80]
    form.title.data = request.args.get("title", "")[:200]
    form.owner.data = "school"


def _source() -> tuple[Review | None, str]:
    """The review a new action's link came from and the agenda item it quotes
    (``?review=&from=<section>-<k>``), for the form's heading and its way back."""
    review_id = id_arg("review")
    review = db.session.get(Review, review_id) if review_id else None
    key = request.args.get("from", "")
    section_key, _, number = key.rpartition("-")
    if review is None or not number.isdecimal():
        return review, ""
    for section in (review.agenda or {}).get("sections", []):
        items = section.get("items", [])
        if section.get("key") == section_key and int(number) < len(items):
            return review, str(items[int(number)].get("text", ""))
    return review, ""


@bp.route("/actions/new", methods=["GET", "POST"])
@roles_required(*STAFF, writes=True)
def action_new() -> ResponseReturnValue:
    form = ActionForm()
    _fill_choices(form)
    review, source = _source()
    if request.method == "GET":
        _prefilled(form)
    if form.validate_on_submit():
        action = attempt(form, lambda: create_action(db.session, _details(form), acting_user()))
        if action is not None:
            audit.record(
                db.session,
                acting_user(),
                "action_create",
                f"action:{action.id}",
                {"title": action.title, "owner": owner_name(action), "wave_id": action.wave_id},
            )
            flash(f"Action “{action.title}” added.", "success")
            return redirect(url_for("admin.action", action_id=action.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "admin/action_form.html", form=form, action=None, review=review, source=source
    ), status


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF, writes=True)
def action_edit(action_id: int) -> ResponseReturnValue:
    action = get_or_404(ActionItem, action_id)
    initial = {
        "wave_id": action.wave_id,
        "review_id": action.review_id,
        "title": action.title,
        "title_es": action.title_es,
        "description": action.description,
        "description_es": action.description_es,
        "owner": str(action.owner_partner_id) if action.owner_partner_id else "school",
        "due_on": action.due_on,
        "finding_kind": action.finding_kind.value,
        "item_id": action.item_id or "",
        "audiences": action.audience_list(),
        "element": action.element,
        "theme_code": action.theme_code or "",
    }
    form = ActionForm(data=initial if request.method == "GET" else None)
    _fill_choices(form)
    if form.validate_on_submit():
        changes = attempt(form, lambda: update_action(db.session, action, _details(form)))
        if changes is not None:
            detail = {"title": action.title, "changes": changes}
            audit_change("action_update", f"action:{action.id}", detail, "Action saved.")
            return redirect(url_for("admin.action", action_id=action.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "admin/action_form.html", form=form, action=action, review=None, source=""
    ), status


def _action_page(action: ActionItem, form: ProgressForm, status: int = 200) -> t.Any:
    user = acting_user()
    return render_template(
        "admin/action.html",
        action=action,
        form=form,
        staff=user.role is not Role.PARTNER,
        overdue=action.is_overdue(today_utc()),
        owner=owner_name(action),
        finding=finding_text(action, item_wording(db.session, [action.item_id])),
    ), status


@bp.get("/actions/<int:action_id>")
@roles_required(*EVERYONE)
def action(action_id: int) -> ResponseReturnValue:
    owned = _own_action(action_id)
    form = ProgressForm(formdata=None, status=owned.status.value)
    form.dropped_reason.data = owned.dropped_reason
    return _action_page(owned, form)


@bp.post("/actions/<int:action_id>/progress")
@roles_required(*EVERYONE, writes=True)
def action_progress(action_id: int) -> ResponseReturnValue:
    """Set the status and add a progress note (staff, or the owning partner's users)."""
    owned = _own_action(action_id)
    form = ProgressForm()
    if form.validate_on_submit():
        changes = attempt(
            form,
            lambda: record_progress(
                db.session,
                owned,
                ActionStatus(form.status.data),
                form.dropped_reason.data or "",
                form.note.data or "",
                acting_user(),
            ),
        )
        if changes is not None:
            detail = {"title": owned.title, "changes": changes}
            audit_change("action_progress", f"action:{owned.id}", detail, "Progress recorded.")
            return redirect(url_for("admin.action", action_id=owned.id))
    return _action_page(owned, form, 400)


@bp.post("/account/reminders")
@roles_required(*EVERYONE, writes=True)
def account_reminders() -> ResponseReturnValue:
    """Turn one's own action reminders on or off."""
    form = RemindersForm()
    if not form.validate_on_submit():
        abort(400)
    user = db.session.get(User, acting_user().id)
    assert user is not None
    wanted = bool(form.action_reminders.data)
    if set_reminders(db.session, user, wanted):
        audit.record(
            db.session,
            user,
            "action_reminders_setting",
            f"user:{user.id}",
            {"action_reminders": wanted},
        )
    flash(
        "You will get emails about your actions."
        if wanted
        else "You will get no more emails about actions.",
        "success",
    )
    return redirect(url_for("auth.change_password"))
