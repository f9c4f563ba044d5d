"""Action items: what a review decided to do, who owns it (the school team or one
partner), when it is due, how far it has got (status and dated progress notes), and
the reminders its owners get by email.

A finding an action answers is referenced by what stays stable across survey versions:
an item id (with the audiences it is about; exactly two for a perception gap), a Nine
Elements element number, or an interview theme code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import typing as t
from collections.abc import Callable, Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy import orm

from app.admin.services import FormProblem
from app.admin.services.waves import today_utc
from app.models import (
    ActionItem,
    ActionNote,
    ActionStatus,
    Audience,
    FindingKind,
    Partner,
    Review,
    Role,
    Survey,
    User,
    Wave,
)

OPEN_STATUSES = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)
REMIND_DAYS_BEFORE = 7
ELEMENTS = range(1, 10)
ITEM_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,120}$")
THEME_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,80}$")
FINDING_LABELS = {
    FindingKind.NONE: "None: an action of its own",
    FindingKind.ITEM: "A survey item",
    FindingKind.GAP: "A perception gap between two audiences",
    FindingKind.ELEMENT: "One of the Nine Elements",
    FindingKind.THEME: "An interview theme",
}
SCHOOL_TEAM = "School team"


def readable_day(day: dt.date | None, weekday: bool = False) -> str:
    """A date as people write it, "4 July 2026" ("Saturday 4 July 2026" with
    ``weekday``); "" for none."""
    if day is None:
        return ""
    text = f"{day.day} {day:%B %Y}"
    return f"{day:%A} {text}" if weekday else text


def owner_name(action: ActionItem) -> str:
    return action.owner_partner.name if action.owner_partner else SCHOOL_TEAM


def finding_text(action: ActionItem, wording: Mapping[str, str] | None = None) -> str:
    """The finding an action answers, in a few words ("" for an action of its own);
    an item by its words (``wording``: item id -> text) when a survey still asks it."""
    audiences = " and ".join(a.capitalize() for a in action.audience_list())
    words = (wording or {}).get(action.item_id or "")
    item = f"item {action.item_id}" + (f", “{words}”," if words else "")
    if action.finding_kind is FindingKind.ITEM:
        return f"I{item[1:].rstrip(',')}" + (f" ({audiences})" if audiences else "")
    if action.finding_kind is FindingKind.GAP:
        return f"Gap on {item} between {audiences}"
    if action.finding_kind is FindingKind.ELEMENT:
        return f"Element {action.element} of the Nine Elements"
    if action.finding_kind is FindingKind.THEME:
        return f"Interview theme {action.theme_code}"
    return ""


def item_wording(session: orm.Session, item_ids: Iterable[str | None]) -> dict[str, str]:
    """Item id -> its words in the latest version of the first survey asking it (the
    survey's first language), for the items of ``item_ids`` any survey still asks."""
    wanted = {i for i in item_ids if i}
    if not wanted:
        return {}
    from app.admin.services.labels import item_texts
    from app.definitions.sync import definition_of, latest_version

    wording: dict[str, str] = {}
    for survey_id in session.scalars(sa.select(Survey.id).order_by(Survey.id)):
        version = latest_version(session, survey_id)
        if version is None:
            continue
        texts = item_texts(definition_of(version))
        for item_id in wanted - set(wording):
            if item_id in texts:
                # A group's row by its own words, without the group's question or a
                # closing full stop: it is quoted inside a sentence.
                words = texts[item_id].rsplit(" – ", 1)[-1].rstrip()
                wording[item_id] = words.removesuffix(".")
    return wording


@dataclasses.dataclass(frozen=True)
class ActionDetails:
    """Everything a coordinator sets on an action, as typed in the form."""

    wave_id: int
    title: str
    title_es: str = ""
    description: str = ""
    description_es: str = ""
    owner_partner_id: int | None = None
    due_on: dt.date | None = None
    finding_kind: FindingKind = FindingKind.NONE
    item_id: str = ""
    audiences: tuple[str, ...] = ()
    element: int | None = None
    theme_code: str = ""
    review_id: int | None = None

    def cleaned(self) -> ActionDetails:
        """The details tidied, with every rule that needs no database checked."""
        title, title_es = " ".join(self.title.split()), " ".join(self.title_es.split())
        if not title:
            raise FormProblem("title", "Give the action a short title.")
        for field, text in (("title", title), ("title_es", title_es)):
            if len(text) > 200:
                raise FormProblem(field, "Keep the title to 200 characters.")
        description, description_es = self.description.strip(), self.description_es.strip()
        for field, text in (("description", description), ("description_es", description_es)):
            if len(text) > 5000:
                raise FormProblem(field, "Keep the description to 5,000 characters.")
        known = {a.value for a in Audience}
        audiences = tuple(dict.fromkeys(a.strip().lower() for a in self.audiences if a.strip()))
        if any(a not in known for a in audiences):
            raise FormProblem("audiences", "Choose audiences from the list.")
        item_id, theme = self.item_id.strip(), self.theme_code.strip()
        kind = self.finding_kind
        element = self.element
        if kind in (FindingKind.ITEM, FindingKind.GAP):
            if not item_id:
                raise FormProblem("item_id", "Give the id of the survey item, e.g. comm.updates.")
            if not ITEM_ID.match(item_id):
                raise FormProblem(
                    "item_id", "An item id has letters, digits, dots, dashes and underscores."
                )
            if kind is FindingKind.GAP and len(audiences) != 2:
                raise FormProblem("audiences", "A perception gap is between exactly two audiences.")
        else:
            item_id, audiences = "", ()
        if kind is FindingKind.ELEMENT:
            if element not in ELEMENTS:
                raise FormProblem("element", "Choose an element from 1 to 9.")
        else:
            element = None
        if kind is FindingKind.THEME:
            if not theme or not THEME_CODE.match(theme):
                raise FormProblem("theme_code", "Give the theme's code from the codebook.")
        else:
            theme = ""
        return dataclasses.replace(
            self,
            title=title,
            title_es=title_es,
            description=description,
            description_es=description_es,
            item_id=item_id,
            audiences=audiences,
            element=element,
            theme_code=theme,
        )


def theme_codes(session: orm.Session) -> set[str]:
    """Codes an action may answer: every survey's latest codebook, and any code already
    given to a note (a code a newer codebook dropped keeps what it tagged)."""
    from app.definitions.sync import definition_of, latest_version
    from app.models import Survey, ThemeTag

    codes = set(session.scalars(sa.select(ThemeTag.theme).distinct()))
    for survey_id in session.scalars(sa.select(Survey.id)):
        version = latest_version(session, survey_id)
        if version is not None:
            codes.update(theme.code for theme in definition_of(version).header.codebook)
    return codes


def _check_references(
    session: orm.Session, details: ActionDetails, current_theme: str | None = None
) -> None:
    if session.get(Wave, details.wave_id) is None:
        raise FormProblem("wave_id", "Choose a wave.")
    theme = details.theme_code
    if theme and theme != current_theme:
        known = theme_codes(session)
        if theme not in known:
            listed = ", ".join(sorted(known)) if known else "none yet"
            raise FormProblem(
                "theme_code",
                f"No codebook has the theme {theme!r}. The codes are: {listed}.",
            )
    if details.owner_partner_id is not None:
        owner = session.get(Partner, details.owner_partner_id)
        if owner is None:
            raise FormProblem("owner", "Choose the school team or a partner from the list.")
    if details.review_id is not None:
        review = session.get(Review, details.review_id)
        if review is None or review.wave_id != details.wave_id:
            raise FormProblem("review_id", "Choose a review of the same wave, or none.")


def _set_fields(action: ActionItem, details: ActionDetails) -> dict[str, list[t.Any]]:
    values: dict[str, t.Any] = {
        "wave_id": details.wave_id,
        "review_id": details.review_id,
        "title": details.title,
        "title_es": details.title_es,
        "description": details.description,
        "description_es": details.description_es,
        "owner_partner_id": details.owner_partner_id,
        "due_on": details.due_on,
        "finding_kind": details.finding_kind,
        "item_id": details.item_id or None,
        "audiences": ",".join(details.audiences),
        "element": details.element,
        "theme_code": details.theme_code or None,
    }
    changes: dict[str, list[t.Any]] = {}
    for name, new in values.items():
        old = getattr(action, name)
        if old != new:
            free_text = name in ("description", "description_es")
            changes[name] = [None, None] if free_text else [_plain(old), _plain(new)]
            setattr(action, name, new)
    if "due_on" in changes:
        # A new due date earns new reminders.
        action.reminded_due_at = None
        action.reminded_overdue_at = None
    return changes


def _plain(value: t.Any) -> t.Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, FindingKind | ActionStatus):
        return value.value
    return value


def create_action(session: orm.Session, details: ActionDetails, user: User | None) -> ActionItem:
    """Add an action (planned). Only flushes; FormProblem before writing."""
    details = details.cleaned()
    _check_references(session, details)
    action = ActionItem(
        title=details.title, wave_id=details.wave_id, created_by_id=user.id if user else None
    )
    _set_fields(action, details)
    action.status = ActionStatus.PLANNED
    session.add(action)
    session.flush()
    return action


def update_action(
    session: orm.Session, action: ActionItem, details: ActionDetails
) -> dict[str, list[t.Any]]:
    """Change what an action is; returns {field: [old, new]}. Only flushes."""
    details = details.cleaned()
    _check_references(session, details, current_theme=action.theme_code)
    changes = _set_fields(action, details)
    session.flush()
    return changes


def record_progress(
    session: orm.Session,
    action: ActionItem,
    status: ActionStatus,
    dropped_reason: str,
    note: str,
    user: User | None,
    now: dt.datetime | None = None,
) -> dict[str, t.Any]:
    """Set an action's status (dropped needs a reason) and add a dated progress note
    (optional). Returns what changed; FormProblem before writing."""
    reason = dropped_reason.strip()
    text = note.strip()
    if status is ActionStatus.DROPPED and not reason:
        raise FormProblem("dropped_reason", "Say why the action is dropped.")
    if len(reason) > 2000:
        raise FormProblem("dropped_reason", "Keep the reason to 2,000 characters.")
    if len(text) > 5000:
        raise FormProblem("note", "Keep the note to 5,000 characters.")
    if status is not ActionStatus.DROPPED:
        reason = ""
    changes: dict[str, t.Any] = {}
    if action.status is not status:
        changes["status"] = [action.status.value, status.value]
        action.status = status
    if action.dropped_reason != reason:
        changes["dropped_reason"] = reason
        action.dropped_reason = reason
    if text:
        session.add(
            ActionNote(
                action=action,
                text=text,
                author_id=user.id if user else None,
                written_at=now or dt.datetime.now(dt.UTC),
            )
        )
        changes["note"] = True
    session.flush()
    return changes


@dataclasses.dataclass(frozen=True)
class ActionFilter:
    """The list's filters: wave id, owner ("school", a partner id or "" for all),
    status code ("" for all, "open" for planned or in progress), overdue only, the
    review that decided them."""

    wave_id: int | None = None
    owner: str = ""
    status: str = ""
    overdue: bool = False
    review_id: int | None = None


def _overdue(today: dt.date) -> sa.ColumnElement[bool]:
    return sa.and_(
        ActionItem.due_on.is_not(None),
        ActionItem.due_on < today,
        ActionItem.status.in_(OPEN_STATUSES),
    )


def list_actions(
    session: orm.Session,
    filters: ActionFilter,
    *,
    partner_id: int | None = None,
    today: dt.date | None = None,
) -> list[ActionItem]:
    """Actions matching ``filters``: the open ones first, soonest due first, then the
    done and dropped ones. With ``partner_id`` (a partner user) only that partner's
    own actions, whatever the filters say."""
    today = today or today_utc()
    query = (
        sa.select(ActionItem)
        .options(orm.joinedload(ActionItem.owner_partner), orm.joinedload(ActionItem.wave))
        .order_by(
            ActionItem.status.not_in(OPEN_STATUSES),
            ActionItem.due_on.is_(None),
            ActionItem.due_on,
            ActionItem.id,
        )
    )
    if filters.review_id is not None:
        query = query.where(ActionItem.review_id == filters.review_id)
    if partner_id is not None:
        query = query.where(ActionItem.owner_partner_id == partner_id)
    if filters.wave_id is not None:
        query = query.where(ActionItem.wave_id == filters.wave_id)
    if filters.owner == "school":
        query = query.where(ActionItem.owner_partner_id.is_(None))
    elif filters.owner.isdecimal():
        query = query.where(ActionItem.owner_partner_id == int(filters.owner))
    if filters.status == "open":
        query = query.where(ActionItem.status.in_(OPEN_STATUSES))
    elif filters.status in {s.value for s in ActionStatus}:
        query = query.where(ActionItem.status == ActionStatus(filters.status))
    if filters.overdue:
        query = query.where(_overdue(today))
    return list(session.scalars(query).unique())


def overdue_count(
    session: orm.Session, today: dt.date | None = None, partner_id: int | None = None
) -> int:
    """How many actions are past their due date and neither done nor dropped."""
    query = sa.select(sa.func.count()).select_from(ActionItem).where(_overdue(today or today_utc()))
    if partner_id is not None:
        query = query.where(ActionItem.owner_partner_id == partner_id)
    return session.scalar(query) or 0


def open_actions_before(session: orm.Session, review: Review) -> list[ActionItem]:
    """Actions still planned or in progress that earlier reviews (or waves) decided:
    what a review's agenda brings back to the table."""
    return list(
        session.scalars(
            sa.select(ActionItem)
            .join(Wave, Wave.id == ActionItem.wave_id)
            .options(orm.joinedload(ActionItem.owner_partner))
            .where(
                ActionItem.status.in_(OPEN_STATUSES),
                sa.or_(ActionItem.review_id.is_(None), ActionItem.review_id != review.id),
                Wave.opens_on <= review.wave.opens_on,
            )
            .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)
        ).unique()
    )


# Reminders ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Reminder:
    """One message to one person about one action."""

    action_id: int
    kind: str  # "due" (within a week) or "overdue"
    email: str
    subject: str
    body: str


@dataclasses.dataclass
class ReminderRun:
    sent: int = 0
    failed: int = 0
    actions: int = 0
    skipped_opted_out: int = 0


def recipients(session: orm.Session, action: ActionItem) -> tuple[list[User], int]:
    """Who owns an action: the partner's active users for a partner's action, the active
    coordinators for the school team's. Returns those who want reminders and how many
    turned them off."""
    query = sa.select(User).where(User.active.is_(True)).order_by(User.email)
    if action.owner_partner_id is not None:
        query = query.where(User.role == Role.PARTNER, User.partner_id == action.owner_partner_id)
    else:
        query = query.where(User.role == Role.COORDINATOR)
    owners = list(session.scalars(query))
    wanted = [u for u in owners if u.action_reminders]
    return wanted, len(owners) - len(wanted)


def reminder_message(
    action: ActionItem, kind: str, today: dt.date, action_url: str, account_url: str
) -> tuple[str, str]:
    """The subject and body of a reminder."""
    assert action.due_on is not None
    if kind == "overdue":
        days = (today - action.due_on).days
        subject = f"Overdue: {action.title}"
        when = (
            f"was due on {action.due_on.isoformat()} ({days} day{'' if days == 1 else 's'} ago) "
            "and is not marked done or dropped yet."
        )
    else:
        days = (action.due_on - today).days
        subject = f"Due in {days} day{'' if days == 1 else 's'}: {action.title}"
        if days == 0:
            subject = f"Due today: {action.title}"
        when = f"is due on {action.due_on.isoformat()}."
    body = "\n".join(
        [
            "Hello,",
            "",
            f"The action “{action.title}”, owned by {owner_name(action)}, {when}",
            f"Status: {action.status.label}.",
            "",
            "Record its progress or change its status here:",
            action_url,
            "",
            "You get these reminders because you are one of the action's owners. To turn "
            "them off, untick “Email me about actions” on your account page:",
            account_url,
        ]
    )
    return subject, body


def due_reminders(
    session: orm.Session,
    today: dt.date,
    action_url: Callable[[ActionItem], str],
    account_url: str,
) -> tuple[list[tuple[ActionItem, str, list[Reminder]]], int]:
    """The reminders owed today: for each open action with a due date, "due" when it
    falls within a week and none was sent, "overdue" once it has passed and none was
    sent (an action already overdue gets the overdue one only). Returns (action, kind,
    messages) and how many owners were left out because they turned reminders off."""
    soon = today + dt.timedelta(days=REMIND_DAYS_BEFORE)
    actions = session.scalars(
        sa.select(ActionItem)
        .options(orm.joinedload(ActionItem.owner_partner))
        .where(
            ActionItem.status.in_(OPEN_STATUSES),
            ActionItem.due_on.is_not(None),
            sa.or_(
                sa.and_(ActionItem.due_on < today, ActionItem.reminded_overdue_at.is_(None)),
                sa.and_(
                    ActionItem.due_on >= today,
                    ActionItem.due_on <= soon,
                    ActionItem.reminded_due_at.is_(None),
                ),
            ),
        )
        .order_by(ActionItem.due_on, ActionItem.id)
    ).unique()
    owed = []
    opted_out = 0
    for action in actions:
        assert action.due_on is not None
        kind = "overdue" if action.due_on < today else "due"
        people, left_out = recipients(session, action)
        opted_out += left_out
        subject, body = reminder_message(action, kind, today, action_url(action), account_url)
        owed.append(
            (action, kind, [Reminder(action.id, kind, u.email, subject, body) for u in people])
        )
    return owed, opted_out


def send_reminders(
    session: orm.Session,
    today: dt.date,
    send: Callable[[str, str, str], bool],
    action_url: Callable[[ActionItem], str],
    account_url: str,
    now: dt.datetime | None = None,
) -> ReminderRun:
    """Send today's reminders, each once however many processes run this at once.

    What is owed is read without the write lock (usually nothing is). Then, one action
    at a time, its reminder is claimed in a committed write of its own, by marking the
    action reminded (due or overdue) where it was not yet: whichever process claims it
    sends it, the others pass. Nothing is held while messages go out, so a slow mail
    server keeps no writer waiting. An action none of whose messages went out (or whose
    sending failed in any way) is released again, to be tried on the next run; each
    action reminded is audited. Commits, unlike the other services: the claim must be
    seen by every other process before anything is sent."""
    from app import audit
    from app.database import begin_write, transaction

    now = now or dt.datetime.now(dt.UTC)
    run = ReminderRun()
    session.rollback()  # whatever was read before: each claim is a write of its own
    owed, run.skipped_opted_out = due_reminders(session, today, action_url, account_url)
    work = [(a.id, kind, messages, owner_name(a)) for a, kind, messages in owed]
    session.rollback()
    for action_id, kind, messages, owner in work:
        with transaction(session):
            begin_write(session)
            claimed = _claim(session, action_id, kind, now)
        if not claimed:
            continue
        delivered = 0
        try:
            for message in messages:
                delivered += bool(send(message.email, message.subject, message.body))
        finally:
            # Also when sending raised: what did not go out is tried again next time.
            run.sent += delivered
            run.failed += len(messages) - delivered
            with transaction(session):
                begin_write(session)
                if messages and not delivered:
                    _release(session, action_id, kind, now)
                else:
                    run.actions += 1
                    audit.record(
                        session,
                        None,
                        "action_reminder",
                        f"action:{action_id}",
                        {"kind": kind, "sent": delivered, "owner": owner},
                    )
    return run


def _reminded_column(kind: str) -> t.Any:
    return ActionItem.reminded_overdue_at if kind == "overdue" else ActionItem.reminded_due_at


def _claim(session: orm.Session, action_id: int, kind: str, now: dt.datetime) -> bool:
    """Mark one action reminded if nobody has yet; True if this call did."""
    column = _reminded_column(kind)
    result = session.execute(
        sa.update(ActionItem)
        .where(ActionItem.id == action_id, column.is_(None))
        .values({column: now})
        .execution_options(synchronize_session=False)
    )
    return t.cast(sa.CursorResult[t.Any], result).rowcount == 1


def _release(session: orm.Session, action_id: int, kind: str, now: dt.datetime) -> None:
    """Undo this run's claim on an action none of whose messages went out."""
    column = _reminded_column(kind)
    session.execute(
        sa.update(ActionItem)
        .where(ActionItem.id == action_id, column == now)
        .values({column: None})
        .execution_options(synchronize_session=False)
    )


def set_reminders(session: orm.Session, user: User, wanted: bool) -> bool:
    """Turn a user's action reminders on or off; True if it changed. Only flushes."""
    if user.action_reminders is wanted:
        return False
    user.action_reminders = wanted
    session.flush()
    return True
