"""What the last review said it would do: the actions decided at the review of the wave
before this one, each with its status, owner, due date and latest progress note, and -
for an action linked to a finding - that finding's figures then (the earlier wave) and
now (this wave), in the report's scope and through the privacy rule.

Every figure here is a figure the report's groups already decided (a cell of an
:class:`ItemSummary` or a Nine Elements side), so a hidden one stays hidden and reads
as the rule labels it. A gap is computed only from two shown figures. A partner's
packet lists the actions that partner owns and the partnership-wide ones (owned by the
school team), never another partner's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy import orm

from app.models import Partner, Wave
from app.models.review import ACTION_STATUS_LABELS, ActionItem, ActionStatus, FindingKind
from reports import derived
from reports.model import (
    Cell,
    ElementScore,
    Group,
    ItemSummary,
    Status,
    audience_label,
    audience_rank,
)
from reports.model import derived as derived_status
from reports.summaries import Instrument

SCHOOL_TEAM = "School team"
NO_LONGER_ASKED = "no longer asked in the survey"

GroupOf = Callable[[int, str], Group | None]


@dataclasses.dataclass(slots=True)
class ThenNow:
    """One figure of a finding in the earlier wave and in this one, with the n behind
    each. ``kind`` is ``percent`` (percent favourable, or of "good progress"), or
    ``points`` (a gap; it has no n of its own)."""

    label: str
    then: Cell
    now: Cell
    then_n: Cell = dataclasses.field(default_factory=Cell)
    now_n: Cell = dataclasses.field(default_factory=Cell)
    kind: str = "percent"
    note: str = ""  # NO_LONGER_ASKED instead of figures


@dataclasses.dataclass(slots=True)
class ActionResult:
    """One action of the earlier review as the packet reports it."""

    title: str
    description: str
    owner: str  # "School team" or the partner's name
    status: str  # ActionStatus value
    status_label: str
    due_on: dt.date | None
    overdue: bool
    dropped_reason: str
    latest_note: str
    latest_note_on: dt.date | None
    finding_kind: str  # FindingKind value
    finding: str  # what it answers: a statement, a gap, an element, a theme
    figures: list[ThenNow] = dataclasses.field(default_factory=list)
    no_longer_asked: bool = False

    @property
    def partnership_wide(self) -> bool:
        return self.owner == SCHOOL_TEAM


@dataclasses.dataclass(slots=True)
class ActionsSection:
    """The actions of the review of ``decided_in`` (the wave before the report's)."""

    decided_in: str
    actions: list[ActionResult]


def previous_wave(session: orm.Session, wave: Wave) -> Wave | None:
    """The wave before ``wave`` by opening date: its review decided what this packet
    reports on."""
    return session.scalar(
        sa.select(Wave).where(Wave.opens_on < wave.opens_on).order_by(Wave.opens_on.desc()).limit(1)
    )


def actions_of(session: orm.Session, wave_id: int, partner: Partner | None) -> list[ActionItem]:
    """The actions decided at ``wave_id``'s review; for a partner's packet only its own
    and the school team's."""
    query = (
        sa.select(ActionItem)
        .where(ActionItem.wave_id == wave_id)
        .options(orm.selectinload(ActionItem.notes), orm.selectinload(ActionItem.owner_partner))
    )
    if partner is not None:
        query = query.where(
            sa.or_(ActionItem.owner_partner_id.is_(None), ActionItem.owner_partner_id == partner.id)
        )
    decided = list(session.scalars(query))
    decided.sort(
        key=lambda a: (
            a.owner_partner_id is not None,
            a.owner_partner.name if a.owner_partner else "",
            a.due_on or dt.date.max,
            a.id,
        )
    )
    return decided


@dataclasses.dataclass
class Figures:
    """What the section needs of the build: this wave's and the earlier wave's groups
    in the report's scope (``then`` is None when the earlier wave's figures are not
    available, e.g. never released to partners), the instruments, and both waves'
    Nine Elements."""

    instruments: Sequence[Instrument]
    now: GroupOf
    then: GroupOf | None
    elements_now: Sequence[ElementScore]
    elements_then: Callable[[], Sequence[ElementScore]]

    def askers(self, item_id: str, audiences: Sequence[str]) -> list[tuple[Instrument, str]]:
        """(instrument, audience) pairs whose latest version asks ``item_id`` of one of
        ``audiences`` (every audience it is asked of, when none is named)."""
        pairs = []
        for instrument in self.instruments:
            if item_id not in instrument.definition.item_ids():
                continue
            for audience in (a.value for a in instrument.definition.header.audiences):
                if not audiences or audience in audiences:
                    pairs.append((instrument, audience))
        pairs.sort(key=lambda p: (audience_rank(p[1]), p[0].slug))
        return pairs


def section(
    decided_in: Wave, decided: Sequence[ActionItem], figures: Figures, today: dt.date
) -> ActionsSection:
    """The actions section: ``decided`` (the actions of ``decided_in``'s review in the
    report's scope, :func:`actions_of`) with their figures."""
    return ActionsSection(decided_in.name, [_result(a, figures, today) for a in decided])


def _result(action: ActionItem, figures: Figures, today: dt.date) -> ActionResult:
    status = ActionStatus(action.status)
    latest = action.notes[-1] if action.notes else None
    result = ActionResult(
        title=action.title,
        description=action.description,
        owner=action.owner_partner.name if action.owner_partner else SCHOOL_TEAM,
        status=status.value,
        status_label=ACTION_STATUS_LABELS[status],
        due_on=action.due_on,
        overdue=action.is_overdue(today),
        dropped_reason=action.dropped_reason if status is ActionStatus.DROPPED else "",
        latest_note=latest.text if latest else "",
        latest_note_on=latest.written_at.date() if latest else None,
        finding_kind=FindingKind(action.finding_kind).value,
        finding="",
    )
    kind = FindingKind(action.finding_kind)
    audiences = action.audience_list()
    if kind in (FindingKind.ITEM, FindingKind.GAP) and action.item_id:
        _item_figures(result, figures, action.item_id, audiences, gap=kind is FindingKind.GAP)
    elif kind is FindingKind.ELEMENT and action.element is not None:
        _element_figures(result, figures, action.element)
    elif kind is FindingKind.THEME and action.theme_code:
        result.finding = f"Interview theme “{action.theme_code}”"
    return result


def _item_figures(
    result: ActionResult, figures: Figures, item_id: str, audiences: list[str], gap: bool
) -> None:
    askers = figures.askers(item_id, audiences)
    if not askers:
        who = " and ".join(audience_label(a) for a in audiences)
        result.finding = f"statement {item_id}" + (f", {who}" if who else "")
        result.no_longer_asked = True
        result.figures.append(
            ThenNow(
                who or "Every audience",
                Cell(),
                Cell(),
                note=NO_LONGER_ASKED,
            )
        )
        return
    several = {a: sum(1 for _i, b in askers if b == a) > 1 for _i, a in askers}
    rows: list[ThenNow] = []
    label = ""
    for instrument, audience in askers:
        now = _item(figures.now, instrument, audience, item_id)
        then = _item(figures.then, instrument, audience, item_id) if figures.then else None
        label = label or (now.label if now else then.label if then else item_id)
        name = audience_label(audience)
        if several[audience]:
            name += f" ({instrument.title})"
        rows.append(
            ThenNow(
                name,
                then.percent_favourable if then else Cell(),
                now.percent_favourable if now else Cell(),
                then.n if then else Cell(),
                now.n if now else Cell(),
            )
        )
    result.figures = rows
    if gap:
        who = " and ".join(audience_label(a) for a in audiences)
        result.finding = f"Perception gap between {who}: “{label}”"
        if len(rows) >= 2:
            first, second = rows[0], rows[-1]
            result.figures.append(
                ThenNow(
                    f"Gap: {first.label} minus {second.label}",
                    _gap(first.then, second.then),
                    _gap(first.now, second.now),
                    kind="points",
                )
            )
    else:
        result.finding = f"“{label}”"


def _item(
    group_of: GroupOf | None, instrument: Instrument, audience: str, item_id: str
) -> ItemSummary | None:
    if group_of is None:
        return None
    group = group_of(instrument.survey_id, audience)
    if group is None:
        return None
    item = group.item(item_id)
    return item if item is not None and item.kind == "scored" else None


def _gap(a: Cell, b: Cell) -> Cell:
    """``a`` minus ``b`` in points, only when both are shown."""
    status = derived_status(a, b)
    if status is None:
        return Cell(round(a.number() - b.number(), 1))
    return Cell.hidden(status) if status is Status.DERIVED else Cell()


def _element_figures(result: ActionResult, figures: Figures, number: int) -> None:
    now = next((e for e in figures.elements_now if e.number == number), None)
    then = (
        next((e for e in figures.elements_then() if e.number == number), None)
        if figures.then
        else None
    )
    title = now.title if now else then.title if then else f"Element {number}"
    # "Element 7: Long-term sustainability" -> "Nine Elements, element 7: ..."
    result.finding = f"Nine Elements, {title[:1].lower()}{title[1:]}"
    if now is None and then is None:
        result.no_longer_asked = True
        result.figures.append(
            ThenNow("School team and partners", Cell(), Cell(), note=NO_LONGER_ASKED)
        )
        return
    for name, side in ((SCHOOL_TEAM, "school"), ("Partners", "partners")):
        before = getattr(then, side) if then else None
        after = getattr(now, side) if now else None
        if (before is None or before.n.no_data) and (after is None or after.n.no_data):
            continue
        result.figures.append(
            ThenNow(
                f"{name}: good progress or better",
                before.percent_good if before else Cell(),
                after.percent_good if after else Cell(),
                before.n if before else Cell(),
                after.n if after else Cell(),
            )
        )


def elements_of(groups: Sequence[Group], instruments: Sequence[Instrument]) -> list[ElementScore]:
    """The Nine Elements of ``groups`` (one wave), as the report pools them."""
    asking = [g for g in groups if any(derived.element_number(i.item_id) for i in g.items())]
    return derived.nine_elements(asking, derived.element_titles(list(instruments)))


__all__ = [
    "NO_LONGER_ASKED",
    "SCHOOL_TEAM",
    "ActionResult",
    "ActionsSection",
    "Figures",
    "ThenNow",
    "actions_of",
    "elements_of",
    "previous_wave",
    "section",
]
