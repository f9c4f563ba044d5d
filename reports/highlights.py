"""The summary a meeting starts from: strengths and concerns per audience, the largest
changes and perception gaps, the weakest partnership elements, and questions for the
meeting - all picked among shown figures only, so whether and where an item appears
says nothing about a hidden one (rule 5 of ``reports.suppress``)."""

from __future__ import annotations

from collections.abc import Sequence

from reports.derived import ELEMENT_ITEM
from reports.model import (
    AudienceHighlights,
    ElementScore,
    ElementSide,
    ExecutiveSummary,
    Group,
    Highlight,
    ItemSummary,
    MirroredItem,
    audience_label,
    audience_rank,
)

PER_AUDIENCE = 2  # strengths, and concerns, per audience in the two-page summary
WEAKEST = 3
LISTED = 4
QUESTIONS = 6
FEWEST_QUESTIONS = 3
LOW_RATE = 30.0
QUOTE = 90


def chose(item: ItemSummary) -> str:
    """ "Agree or Strongly agree": the options that count as favourable, as asked."""
    labels = item.favourable_labels
    if not labels:
        return "a favourable answer"
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " or " + labels[-1]


def quote(text: str, limit: int = QUOTE) -> str:
    text = text.rstrip(".")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _pct(value: float) -> str:
    return f"{value:.0f}%"


Statement = tuple[Group, ItemSummary]


def scored_statements(sections: Sequence[Group]) -> dict[str, list[Statement]]:
    """Per audience, every scored statement whose percent favourable is shown, as
    (group, item); Nine Elements statements are reported as elements, not one by one."""
    scored: dict[str, list[Statement]] = {}
    for section in sections:
        for item in section.items():
            if (
                item.kind == "scored"
                and item.percent_favourable.shown
                and not ELEMENT_ITEM.match(item.item_id)
            ):
                scored.setdefault(section.audience, []).append((section, item))
    return scored


def strengths_and_concerns(
    pairs: Sequence[Statement], per_side: int
) -> tuple[list[Statement], list[Statement]]:
    """The ``per_side`` highest statements and the ``per_side`` lowest (lowest first):
    strengths from the upper half and concerns from the lower, so a short instrument
    never lists the same statement as both."""
    ordered = sorted(pairs, key=lambda p: (-p[1].percent_favourable.number(), p[1].item_id))
    top = min(per_side, (len(ordered) + 1) // 2)
    return ordered[:top], list(reversed(ordered[top:]))[:per_side]


def executive_summary(
    sections: Sequence[Group],
    mirrored: Sequence[MirroredItem],
    elements: Sequence[ElementScore],
    previous_wave: str | None,
) -> ExecutiveSummary:
    summary = ExecutiveSummary()
    scored = scored_statements(sections)

    several = {a: len({g.survey_slug for g, _i in pairs}) > 1 for a, pairs in scored.items()}

    def where(section: Group, item: ItemSummary) -> str:
        name = f"{section.survey_title}, " if several.get(section.audience) else ""
        return f"{name}n = {item.n.number():.0f}"

    for audience in sorted(scored, key=audience_rank):
        strong, weak = strengths_and_concerns(scored[audience], PER_AUDIENCE)
        highlights = AudienceHighlights(audience)
        for section, item in strong:
            value = f"{_pct(item.percent_favourable.number())} chose {chose(item)}"
            highlights.strengths.append(
                Highlight(value, item.label, where(section, item), audience)
            )
        for section, item in weak:
            value = f"Only {_pct(item.percent_favourable.number())} chose {chose(item)}"
            highlights.concerns.append(Highlight(value, item.label, where(section, item), audience))
        summary.audiences.append(highlights)

    changed = sorted(
        (
            p
            for pairs in scored.values()
            for p in pairs
            if p[1].change.shown and p[1].change.number() != 0
        ),
        key=lambda p: (-abs(p[1].change.number()), p[1].item_id),
    )
    for section, item in changed[:LISTED]:
        change = item.change.number()
        direction = "Up" if change > 0 else "Down"
        then = item.previous_percent_favourable.number()
        now = item.percent_favourable.number()
        n_then = f"{item.previous_n.number():.0f}" if item.previous_n.shown else "?"
        summary.changes.append(
            Highlight(
                f"{direction} {abs(change):.0f} points",
                item.label,
                f"{audience_label(section.audience)}, {_pct(then)} to {_pct(now)} chose "
                f"{chose(item)}, n = {n_then} then and {item.n.number():.0f} now",
                section.audience,
            )
        )
    for m in mirrored:
        if not (m.gap.shown and m.gap.number() > 0 and m.highest and m.lowest):
            continue
        summary.gaps.append(
            Highlight(
                f"{m.gap.number():.0f} points apart",
                m.label,
                f"{m.highest.group} {_pct(m.highest.percent_favourable.number())} "
                f"of {m.highest.n.number():.0f}, {m.lowest.group} "
                f"{_pct(m.lowest.percent_favourable.number())} of {m.lowest.n.number():.0f}",
            )
        )
        if len(summary.gaps) == LISTED:
            break
    sides = [
        (e, name, side)
        for e in elements
        for name, side in (("School team", e.school), ("Partners", e.partners))
        if side.percent_good.shown
    ]
    sides.sort(key=lambda x: (x[2].percent_good.number(), x[0].number))
    summary.weakest_elements = [
        Highlight(
            f"{_pct(side.percent_good.number())} good progress or better",
            e.title,
            f"{name}, n = {side.n.number():.0f}",
        )
        for e, name, side in sides[:WEAKEST]
    ]
    summary.questions = questions_for_the_meeting(sections, scored, mirrored, sides, previous_wave)
    return summary


def questions_for_the_meeting(
    sections: Sequence[Group],
    scored: dict[str, list[tuple[Group, ItemSummary]]],
    mirrored: Sequence[MirroredItem],
    sides: Sequence[tuple[ElementScore, str, ElementSide]],
    previous_wave: str | None,
) -> list[str]:
    """Three to six questions the data raises, most telling first (fewer only when
    fewer than three results are shown)."""
    gaps = [m for m in mirrored if m.gap.shown and m.gap.number() >= 15 and m.highest and m.lowest]
    changes = [p for pairs in scored.values() for p in pairs if p[1].change.shown]
    drops = sorted(
        (p for p in changes if p[1].change.number() <= -5), key=lambda p: p[1].change.number()
    )
    rises = sorted(
        (p for p in changes if p[1].change.number() >= 5), key=lambda p: -p[1].change.number()
    )
    weakest = sorted(
        (p for pairs in scored.values() for p in pairs),
        key=lambda p: (p[1].percent_favourable.number(), p[1].item_id),
    )
    since = f" since {previous_wave}" if previous_wave else ""
    first: list[str] = []
    later: list[str] = []

    def gap_question(m: MirroredItem) -> str:
        assert m.highest and m.lowest
        return (
            f"{m.highest.group} and {m.lowest.group} differ by {m.gap.number():.0f} points on "
            f"“{quote(m.label)}”: what explains it?"
        )

    for m in gaps[:1]:
        first.append(gap_question(m))
    for section, item in drops[:1]:
        first.append(
            f"Among {audience_label(section.audience).lower()}, the share choosing "
            f"{chose(item)} on “{quote(item.label)}” fell "
            f"{abs(item.change.number()):.0f} points{since}: what changed?"
        )
    for element, name, side in list(sides)[:1]:
        pct = side.percent_good.number()
        first.append(
            f"{name} rate “{element.title}” lowest of the Nine Elements ({pct:.0f}% good "
            "progress or better): what would move it forward?"
        )
    for section, item in weakest[:1]:
        first.append(
            f"{audience_label(section.audience)} gave their least favourable answers to "
            f"“{quote(item.label)}” ({_pct(item.percent_favourable.number())} chose "
            f"{chose(item)}): what gets in the way?"
        )
    lows = [
        (section, part)
        for section in sections
        for part in section.parts
        if part.rate.shown and part.rate.number() < LOW_RATE
    ]
    for section, part in sorted(lows, key=lambda e: e[1].rate.number())[:1]:
        first.append(
            f"Only {_pct(part.rate.number())} of the {part.expected} "
            f"{audience_label(section.audience).lower()} expected answered through "
            f"{part.label}: how can we reach more of them?"
        )
    for m in gaps[1:2]:
        later.append(gap_question(m))
    for section, item in rises[:1]:
        later.append(
            f"Among {audience_label(section.audience).lower()}, the share choosing "
            f"{chose(item)} on “{quote(item.label)}” rose "
            f"{item.change.number():.0f} points{since}: what worked, and can it spread?"
        )
    asked = first + later
    if len(asked) < FEWEST_QUESTIONS:
        mentioned = {item.item_id for _section, item in weakest[:1] + drops[:1] + rises[:1]}
        asked += _more_questions(weakest, FEWEST_QUESTIONS - len(asked), mentioned)
    return asked[:QUESTIONS]


def _more_questions(
    weakest: list[tuple[Group, ItemSummary]], wanted: int, mentioned: set[str]
) -> list[str]:
    """When the data raises fewer than three questions (a partner's packet with no
    change or gap to speak of), ask about the next least favourable result of each
    audience and then each audience's most favourable one, so a meeting always has
    somewhere to start. Picked among shown figures only, like the rest."""
    least = (weakest[1:], "least", "what gets in the way?", {s.audience for s, _ in weakest[:1]})
    best_first = sorted(weakest, key=lambda p: (-p[1].percent_favourable.number(), p[1].item_id))
    most = (best_first, "most", "what makes it work, and can it spread?", set[str]())
    more: list[str] = []
    asked_about = set(mentioned)
    for results, which, ask, seen in (least, most):
        for section, item in results:
            if len(more) == wanted:
                return more
            if section.audience in seen or item.item_id in asked_about:
                continue
            seen.add(section.audience)
            asked_about.add(item.item_id)
            more.append(
                f"{audience_label(section.audience)} gave their {which} favourable answers to "
                f"“{quote(item.label)}” ({_pct(item.percent_favourable.number())} chose "
                f"{chose(item)}): {ask}"
            )
    return more


__all__ = ["chose", "executive_summary", "questions_for_the_meeting", "quote"]
