"""Review meetings: a wave's review (date, who took part by group, notes, decisions)
and its agenda, generated from the wave's packet and kept as a snapshot.

The agenda reads only the packet's figures, which have passed the privacy rule: a
figure the packet hides is never copied. Each agenda item keeps the finding it came
from (an item and its audiences, a gap's two audiences, an element number), so an
action can be created from it. Comments reach an agenda only as a coder's quote of an
interview note; a later redaction or deletion takes a quote it removes out of every
stored agenda (:func:`drop_quotes`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing as t
from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy import orm

from app.admin.services import FormProblem
from app.admin.services.actions import (
    OPEN_STATUSES,
    open_actions_before,
    owner_name,
    readable_day,
)
from app.admin.services.partners import renewals_due
from app.models import ActionItem, CodedNote, Partner, Review, User, Wave

if t.TYPE_CHECKING:
    from reports.model import Report

# Who took part, by group (no names).
ROLE_GROUPS = {
    "leadership": "School leadership",
    "mental_health_team": "School mental-health team",
    "teachers": "Teachers and school staff",
    "students": "Students",
    "families": "Families",
    "partners": "Community partners",
}
LISTED = 3  # gaps, changes and elements on an agenda; themes per interview question
SECTION_TITLES = {
    "questions": "Questions for the meeting",
    "gaps": "Largest gaps between groups",
    "changes": "Largest changes since the last wave",
    "elements": "Nine Elements scoring lowest",
    "themes": "What interviewees raised",
    "renewals": "Agreements due for renewal",
    "open_actions": "Open actions from earlier reviews",
    "other": "Other business",
}
MAX_TEXT = 2000


@dataclasses.dataclass(frozen=True)
class ReviewDetails:
    held_on: dt.date
    roles: tuple[str, ...] = ()
    partner_ids: tuple[int, ...] = ()
    notes: str = ""
    decisions: str = ""

    def cleaned(self) -> ReviewDetails:
        if any(r not in ROLE_GROUPS for r in self.roles):
            raise FormProblem("roles", "Choose groups from the list.")
        notes, decisions = self.notes.strip(), self.decisions.strip()
        for field, text in (("notes", notes), ("decisions", decisions)):
            if len(text) > 20000:
                raise FormProblem(field, "Keep it to 20,000 characters.")
        return dataclasses.replace(
            self,
            roles=tuple(dict.fromkeys(self.roles)),
            partner_ids=tuple(sorted(set(self.partner_ids))),
            notes=notes,
            decisions=decisions,
        )


def _check_partners(session: orm.Session, ids: Sequence[int]) -> None:
    if not ids:
        return
    known = set(session.scalars(sa.select(Partner.id).where(Partner.id.in_(ids))))
    if known != set(ids):
        raise FormProblem("partner_ids", "Choose partners from the list.")


def _apply(review: Review, details: ReviewDetails) -> dict[str, t.Any]:
    took_part = {"roles": list(details.roles), "partner_ids": list(details.partner_ids)}
    changes: dict[str, t.Any] = {}
    if review.held_on != details.held_on:
        changes["held_on"] = [
            review.held_on.isoformat() if review.held_on else None,
            details.held_on.isoformat(),
        ]
        review.held_on = details.held_on
    if (review.took_part or {}) != took_part:
        changes["took_part"] = took_part
        review.took_part = took_part
    for name in ("notes", "decisions"):
        if getattr(review, name) != getattr(details, name):
            changes[name] = True  # free text: named, not copied
            setattr(review, name, getattr(details, name))
    return changes


def create_review(
    session: orm.Session, wave: Wave, details: ReviewDetails, user: User | None
) -> Review:
    details = details.cleaned()
    _check_partners(session, details.partner_ids)
    review = Review(
        wave=wave, held_on=details.held_on, created_by_id=user.id if user else None, agenda={}
    )
    _apply(review, details)
    session.add(review)
    session.flush()
    return review


def update_review(session: orm.Session, review: Review, details: ReviewDetails) -> dict[str, t.Any]:
    details = details.cleaned()
    _check_partners(session, details.partner_ids)
    changes = _apply(review, details)
    session.flush()
    return changes


def reviews_of(session: orm.Session, wave_id: int | None) -> list[Review]:
    query = (
        sa.select(Review)
        .join(Wave, Wave.id == Review.wave_id)
        .options(orm.joinedload(Review.wave))
        .order_by(Review.held_on.desc(), Review.id.desc())
    )
    if wave_id is not None:
        query = query.where(Review.wave_id == wave_id)
    return list(session.scalars(query))


def actions_per_review(session: orm.Session) -> dict[int, tuple[int, int]]:
    """Review id -> (actions decided at it, of which still planned or in progress)."""
    rows = session.execute(
        sa.select(
            ActionItem.review_id,
            sa.func.count(),
            sa.func.count().filter(ActionItem.status.in_(OPEN_STATUSES)),
        )
        .where(ActionItem.review_id.is_not(None))
        .group_by(ActionItem.review_id)
    )
    return {
        review_id: (total, still_open)
        for review_id, total, still_open in rows
        if review_id is not None
    }


def took_part_text(session: orm.Session, review: Review) -> list[str]:
    """Who took part, as lines: the groups, then the partners by name."""
    took = review.took_part or {}
    lines = [ROLE_GROUPS[r] for r in took.get("roles", []) if r in ROLE_GROUPS]
    ids = [int(i) for i in took.get("partner_ids", [])]
    if ids:
        names = session.scalars(
            sa.select(Partner.name).where(Partner.id.in_(ids)).order_by(Partner.name)
        )
        lines.extend(names)
    return lines


# The agenda ---------------------------------------------------------------------------


def _agenda_item(text: str, finding: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
    return {"text": text, "finding": finding}


def _label(text: str) -> str:
    """An item's words quoted inside a sentence: without its closing full stop."""
    return text.rstrip().removesuffix(".")


def _pct(value: float) -> str:
    return f"{value:.0f}%"


def agenda_from_report(
    report: Report,
    renewals: Sequence[Partner],
    open_actions: Sequence[t.Any],
    today: dt.date,
) -> dict[str, t.Any]:
    """The agenda's sections from a built packet (only figures it shows), the partners
    whose agreement is due for renewal and the open actions of earlier reviews."""
    from reports.model import audience_label

    sections: list[dict[str, t.Any]] = []

    def add(key: str, items: list[dict[str, t.Any]]) -> None:
        sections.append({"key": key, "title": SECTION_TITLES[key], "items": items})

    add("questions", [_agenda_item(q) for q in report.summary.questions])

    gaps = sorted(
        (
            m
            for m in report.mirrored
            if m.gap.shown and m.gap.number() > 0 and m.highest and m.lowest
        ),
        key=lambda m: (-m.gap.number(), m.item_id),
    )
    gap_items = []
    for m in gaps[:LISTED]:
        assert m.highest and m.lowest
        high, low = m.highest, m.lowest
        text = (
            f"“{_label(m.label)}”: {high.group} {_pct(high.percent_favourable.number())} "
            f"(n = {high.n.number():.0f}) and {low.group} "
            f"{_pct(low.percent_favourable.number())} (n = {low.n.number():.0f}), "
            f"{m.gap.number():.0f} points apart."
        )
        finding = {"kind": "gap", "item_id": m.item_id, "audiences": [high.audience, low.audience]}
        gap_items.append(_agenda_item(text, finding))
    add("gaps", gap_items)

    changed: dict[tuple[str, str], t.Any] = {}
    for section in report.sections:
        if section.interview:
            continue
        for question in section.questions:
            for item in question.items:
                if not (
                    item.kind == "scored"
                    and item.change.shown
                    and item.change.number() != 0
                    and item.percent_favourable.shown
                    and item.previous_percent_favourable.shown
                    and item.n.shown
                ):
                    continue
                key = (item.item_id, section.audience)
                best = changed.get(key)
                if best is None or abs(item.change.number()) > abs(best[1].change.number()):
                    changed[key] = (section, item)
    change_items = []
    ordered = sorted(
        changed.values(), key=lambda p: (-abs(p[1].change.number()), p[1].item_id, p[0].audience)
    )
    for section, item in ordered[:LISTED]:
        change = item.change.number()
        then_n = f"{item.previous_n.number():.0f}" if item.previous_n.shown else "not shown"
        text = (
            f"{audience_label(section.audience)}, “{_label(item.label)}”: "
            f"{'up' if change > 0 else 'down'} {abs(change):.0f} points, "
            f"{_pct(item.previous_percent_favourable.number())} to "
            f"{_pct(item.percent_favourable.number())} "
            f"(n = {then_n} then, {item.n.number():.0f} now)."
        )
        finding = {"kind": "item", "item_id": item.item_id, "audiences": [section.audience]}
        change_items.append(_agenda_item(text, finding))
    add("changes", change_items)

    sides = sorted(
        (
            (element, name, side)
            for element in report.elements
            for name, side in (("School team", element.school), ("Partners", element.partners))
            if side.percent_good.shown and side.n.shown
        ),
        key=lambda x: (x[2].percent_good.number(), x[0].number),
    )
    element_items = []
    seen: set[int] = set()
    for element, name, side in sides:
        if element.number in seen:
            continue
        seen.add(element.number)
        text = (
            f"“{element.title}”: {name} "
            f"{_pct(side.percent_good.number())} good progress or better "
            f"(n = {side.n.number():.0f})."
        )
        element_items.append(_agenda_item(text, {"kind": "element", "element": element.number}))
        if len(element_items) == LISTED:
            break
    add("elements", element_items)
    add("themes", _theme_items(report))

    renewal_items = []
    for partner in renewals:
        assert partner.agreement_renews_on is not None
        overdue = partner.agreement_renews_on < today
        when = "was due" if overdue else "renews"
        renewal_items.append(
            _agenda_item(
                f"{partner.name}: the {partner.agreement_kind.label} {when} on "
                f"{readable_day(partner.agreement_renews_on)}."
            )
        )
    add("renewals", renewal_items)

    action_items = []
    for action in open_actions:
        due = f", due {readable_day(action.due_on)}" if action.due_on else ""
        if action.is_overdue(today):
            due = f", overdue since {readable_day(action.due_on)}"
        action_items.append(
            _agenda_item(
                f"{action.title} ({owner_name(action)}, {action.status.label.lower()}{due}).",
                {"kind": "action", "action_id": action.id},
            )
        )
    add("open_actions", action_items)
    add("other", [])
    return {
        "wave": report.wave_name,
        "figures": report.figures,
        "release": report.release_label,
        "previous_wave": report.previous_wave_name,
        "min_cell": report.min_cell,
        "sections": sections,
    }


def _theme_items(report: Report) -> list[dict[str, t.Any]]:
    """The themes most coded notes speak to, per interview question, as the packet's
    theme tables show them: only questions whose coded notes pass the comments' rule
    (``reports.themes``), only themes with notes, and a coder's quote the packet prints."""
    if report.interviews is None:
        return []
    items = []
    for question in report.interviews.themes:
        if not question.notes.shown:
            continue
        coded = question.notes.number()
        themes = sorted(
            (th for th in question.themes if th.count.shown and th.count.number() > 0),
            key=lambda th: (-th.count.number(), th.label),
        )
        for theme in themes[:LISTED]:
            text = (
                f"{theme.label}: {theme.count.number():.0f} of {coded:.0f} coded notes "
                f"on “{question.question}”"
            )
            text += f", one said: “{theme.quotes[0]}”." if theme.quotes else "."
            items.append(_agenda_item(text, {"kind": "theme", "theme_code": theme.code}))
    return items


def drop_quotes(session: orm.Session, shown: Mapping[int, str | None]) -> int:
    """Take out of every stored agenda the coders' quotes of notes no longer showing
    them: ``shown`` maps a written answer to its text as reports show it now (redacted;
    None when removed, or its response deleted). A quote stays while it is still part
    of the note, as the packet keeps it (``reports.themes``). Called in the redaction's
    or deletion's transaction; returns how many agenda items lost a quote. Only
    flushes."""
    quotes = {
        quote
        for answer_id, quote in session.execute(
            sa.select(CodedNote.answer_id, CodedNote.quote).where(
                CodedNote.answer_id.in_(sorted(shown)), CodedNote.quote.is_not(None)
            )
        )
        if quote and quote not in " ".join((shown[answer_id] or "").split())
    }
    if not quotes:
        return 0
    changed = 0
    for review in session.scalars(sa.select(Review).where(Review.agenda_made_at.is_not(None))):
        sections = []
        for section in (review.agenda or {}).get("sections", []):
            items = []
            for item in section.get("items", []):
                text = item.get("text", "")
                for quote in quotes:
                    if f"“{quote}”" in text:
                        text = text.replace(f", one said: “{quote}”.", ".")
                        text = text.replace(f"“{quote}”", "(a quote since removed)")
                if text != item.get("text", ""):
                    changed += 1
                items.append({**item, "text": text})
            sections.append({**section, "items": items})
        if sections != (review.agenda or {}).get("sections", []):
            review.agenda = {**review.agenda, "sections": sections}
    session.flush()
    return changed


class AgendaUnavailable(FormProblem):
    """The packet could not be built for the agenda."""


def generate_agenda(
    session: orm.Session,
    review: Review,
    config: Mapping[str, t.Any],
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> dict[str, t.Any]:
    """Build the wave's packet (released figures when the wave has been released, as
    partners read them; else live) and store the agenda made from it. Only flushes."""
    from app.admin.services.reporting import ReportScope, build, has_release
    from reports import ReportError, ReportTimeout

    today = today or dt.datetime.now(dt.UTC).date()
    figures = "released" if has_release(session, review.wave) else "live"
    try:
        report = build(session, ReportScope(review.wave, None, None, figures), config)
    except ReportError as error:
        raise AgendaUnavailable(None, f"The packet could not be built: {error}") from None
    except ReportTimeout:
        raise AgendaUnavailable(
            None, "The packet took too long to build; try again in a minute."
        ) from None
    agenda = agenda_from_report(
        report, renewals_due(session, today), open_actions_before(session, review), today
    )
    review.agenda = agenda
    review.agenda_made_at = now or dt.datetime.now(dt.UTC)
    session.flush()
    return agenda


def edit_agenda(session: orm.Session, review: Review, texts: Mapping[str, str], added: str) -> int:
    """Replace agenda items' texts (``texts``: "<section>-<k>" -> text; an emptied item
    is removed) and add ``added`` under "Other business". Returns how many items
    changed. Only flushes."""
    if not review.agenda:
        raise FormProblem(None, "Generate the agenda from the packet first.")
    changed = 0
    sections = []
    for section in review.agenda.get("sections", []):
        items = []
        for k, item in enumerate(section.get("items", [])):
            key = f"{section['key']}-{k}"
            text = " ".join(texts.get(key, item["text"]).split())
            if len(text) > MAX_TEXT:
                raise FormProblem(None, f"Keep each agenda item to {MAX_TEXT:,} characters.")
            if text != item["text"]:
                changed += 1
            if text:
                items.append({**item, "text": text})
        if section["key"] == "other" and added.strip():
            extra = " ".join(added.split())
            if len(extra) > MAX_TEXT:
                raise FormProblem("added", f"Keep each agenda item to {MAX_TEXT:,} characters.")
            items.append(_agenda_item(extra))
            changed += 1
        sections.append({**section, "items": items})
    review.agenda = {**review.agenda, "sections": sections}
    session.flush()
    return changed


def move_agenda_item(session: orm.Session, review: Review, key: str, direction: str) -> bool:
    """Move agenda item ``key`` ("<section>-<k>") one place up or down within its
    section. False when it is already first (up) or last (down). Only flushes."""
    section_key, _, number = key.rpartition("-")
    if direction not in ("up", "down") or not number.isdecimal():
        raise FormProblem(None, "Choose an item to move.")
    k = int(number)
    sections = []
    moved = False
    for section in (review.agenda or {}).get("sections", []):
        items = list(section.get("items", []))
        if section["key"] == section_key and k < len(items):
            other = k - 1 if direction == "up" else k + 1
            if 0 <= other < len(items):
                items[k], items[other] = items[other], items[k]
                moved = True
        sections.append({**section, "items": items})
    if moved:
        review.agenda = {**review.agenda, "sections": sections}
        session.flush()
    return moved


def delete_review(session: orm.Session, review: Review) -> None:
    """Delete a review that no action points at (else FormProblem: its actions would
    lose the meeting that decided them). Only flushes."""
    decided = session.scalar(
        sa.select(sa.func.count()).select_from(ActionItem).where(ActionItem.review_id == review.id)
    )
    if decided:
        raise FormProblem(
            None,
            f"{decided} action{' was' if decided == 1 else 's were'} decided at this review. "
            "Point each at another review (or none) on its edit page first; "
            "then the review can be deleted.",
        )
    session.delete(review)
    session.flush()


def agenda_pdf(
    review: Review,
    took_part: Sequence[str],
    actions: Sequence[t.Any],
    owner: t.Callable[[t.Any], str],
) -> bytes:
    """The agenda as a one- or two-page PDF in the packet's type (DejaVu Sans, as the
    report's PDF uses for text beyond Windows-1252), with the review's decisions and
    actions when it has them."""
    from fpdf import FPDF

    from reports.pdf import BLUE, GREY, MARGIN, UNICODE_FONT, font_dir, plain

    pdf = FPDF(format="Letter", unit="mm")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=MARGIN)
    pdf.add_font(UNICODE_FONT, "", str(font_dir() / "DejaVuSans.ttf"))
    pdf.add_font(UNICODE_FONT, "B", str(font_dir() / "DejaVuSans-Bold.ttf"))
    pdf.set_lang("en")
    title = f"Partnership review: {review.wave.name}"
    pdf.set_title(title)
    pdf.set_creator("Partnership feedback")
    pdf.add_page()

    def line(
        text: str, size: float = 10, bold: bool = False, colour: tuple[int, int, int] = (0, 0, 0)
    ) -> None:
        pdf.set_font(UNICODE_FONT, "B" if bold else "", size)
        pdf.set_text_color(*colour)
        pdf.multi_cell(0, size * 0.5, plain(text), align="L", new_x="LMARGIN", new_y="NEXT")

    line(title, 16, True, BLUE)
    agenda = review.agenda or {}
    line(f"Meeting on {readable_day(review.held_on, weekday=True)}", 11)
    if took_part:
        line("Taking part: " + ", ".join(took_part), 9, colour=GREY)
    if agenda:
        figures = "as released to partners" if agenda.get("figures") == "released" else "live"
        line(
            f"Agenda made from the packet of {agenda.get('wave', review.wave.name)} "
            f"({figures} figures; groups under {agenda.get('min_cell', 10)} people are not shown).",
            8,
            colour=GREY,
        )
    pdf.ln(2)
    for section in agenda.get("sections", []):
        if not section.get("items"):
            continue
        pdf.ln(1.5)
        if pdf.will_page_break(18):  # a heading goes with its first item
            pdf.add_page()
        line(section["title"], 12, True, BLUE)
        for k, item in enumerate(section["items"], start=1):
            line(f"{k}. {item['text']}", 10)
            pdf.ln(0.8)
    if not agenda:
        line("The agenda has not been generated from the packet yet.", 10)
    if review.decisions:
        pdf.ln(1.5)
        line("Decisions", 12, True, BLUE)
        line(review.decisions, 10)
    if actions:
        pdf.ln(1.5)
        line("Actions", 12, True, BLUE)
        for action in actions:
            due = f", due {readable_day(action.due_on)}" if action.due_on else ""
            line(f"• {action.title} ({owner(action)}{due}; {action.status.label.lower()})", 10)
    return bytes(pdf.output())
