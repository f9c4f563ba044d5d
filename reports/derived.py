"""Derived figures: changes and trends across waves, perception gaps between audiences,
the Nine Elements. Each is computed only from basic figures already shown in the same
scope (rule 2 of ``reports.suppress``); where an input is hidden the figure says so
(:data:`Status.DERIVED`) and has no value.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Mapping, Sequence

from reports.model import (
    Cell,
    ElementScore,
    ElementSide,
    Group,
    ItemSummary,
    MirroredItem,
    MirroredValue,
    Status,
    audience_label,
    audience_rank,
    derived,
)
from reports.summaries import Instrument, text_of

ELEMENT_ITEM = re.compile(r"^element([1-9])\.")
SCHOOL_TEAM, PARTNERS = "staff", "partner"


def attach_trends(
    current: Group,
    earlier: Sequence[tuple[str, Group | None, set[str]]],
    current_items: set[str],
    wave_name: str,
) -> None:
    """Set trend, previous percent favourable and n, and change (points) on every scored
    item. ``earlier`` is (wave name, that wave's group in the same scope or None, item
    ids of the versions answered in that wave), oldest first; only items present in
    both waves' versions are compared."""
    for item in current.items():
        if item.kind != "scored":
            continue
        trend: list[tuple[str, Cell]] = []
        previous_item: ItemSummary | None = None
        for name, group, items in earlier:
            old = group.item(item.item_id) if group is not None else None
            if old is not None and item.item_id in items and item.item_id in current_items:
                trend.append((name, old.percent_favourable))
                previous_item = old
            else:
                trend.append((name, Cell()))
                previous_item = None
        trend.append((wave_name, item.percent_favourable))
        item.trend = trend
        if not earlier:
            continue
        previous = trend[-2][1]
        item.previous_percent_favourable = previous
        item.previous_n = previous_item.n if previous_item is not None else Cell()
        status = derived(previous, item.percent_favourable)
        if status is None:
            item.change = Cell(round(item.percent_favourable.number() - previous.number(), 1))
        else:
            item.change = Cell.hidden(status) if status is Status.DERIVED else Cell()


def group_name(group: Group, several_instruments: bool) -> str:
    label = audience_label(group.audience)
    return f"{label} ({group.survey_title})" if several_instruments else label


def mirrored_items(groups: Sequence[Group], scope_items: set[str]) -> list[MirroredItem]:
    """Items asked in two or more instruments in the wave, one value per group that
    answered, largest gap in percent favourable (between shown values) first."""
    by_item: dict[str, list[tuple[Group, ItemSummary]]] = {}
    for group in groups:
        for item in group.items():
            if item.kind == "scored" and item.item_id in scope_items:
                by_item.setdefault(item.item_id, []).append((group, item))
    mirrored = []
    for item_id, pairs in by_item.items():
        # Audiences of one instrument (the self-assessment's school team and partners)
        # are compared in the Nine Elements instead.
        if len({g.survey_id for g, _ in pairs}) < 2:
            continue
        repeats = collections.Counter(g.audience for g, _ in pairs)
        values = [
            MirroredValue(
                group=group_name(g, repeats[g.audience] > 1),
                audience=g.audience,
                survey_slug=g.survey_slug,
                percent_favourable=i.percent_favourable,
                n=i.n,
            )
            for g, i in pairs
            if not i.n.no_data
        ]
        if len(values) < 2:
            continue
        values.sort(key=lambda v: (audience_rank(v.audience), v.survey_slug))
        shown = [v for v in values if v.percent_favourable.shown]
        gap = Cell.hidden(Status.DERIVED)
        high = low = None
        if len(shown) >= 2:
            high = max(shown, key=lambda v: v.percent_favourable.number())
            low = min(shown, key=lambda v: v.percent_favourable.number())
            gap = Cell(round(high.percent_favourable.number() - low.percent_favourable.number(), 1))
        mirrored.append(MirroredItem(item_id, pairs[0][1].label, values, gap, high, low))
    mirrored.sort(key=lambda m: (-(m.gap.number() if m.gap.shown else -1), m.item_id))
    return mirrored


def element_number(item_id: str) -> int | None:
    match = ELEMENT_ITEM.match(item_id)
    return int(match.group(1)) if match else None


def element_titles(instruments: Sequence[Instrument]) -> dict[int, str]:
    """Element number -> the title of the first page that asks its statements."""
    titles: dict[int, str] = {}
    for instrument in instruments:
        for page, questions in instrument.definition.pages:
            for question in questions:
                for item_id in question.item_ids():
                    number = element_number(item_id)
                    if number is not None and page.title is not None:
                        titles.setdefault(number, text_of(instrument.definition, page.title))
    return titles


def nine_elements(groups: Sequence[Group], titles: Mapping[int, str]) -> list[ElementScore]:
    """A score per element, school team (staff) beside partners, pooled over every
    instrument that asks ``elementN.*`` statements of that audience, from the
    statements shown in this scope only (so every report pools the same way)."""
    statements: dict[tuple[int, str], list[tuple[Group, ItemSummary]]] = {}
    for group in groups:
        if group.audience not in (SCHOOL_TEAM, PARTNERS):
            continue
        for item in group.items():
            number = element_number(item.item_id)
            if number is not None and item.kind == "scored":
                statements.setdefault((number, group.audience), []).append((group, item))
    numbers = sorted({number for number, _side in statements})
    scores = []
    for number in numbers:
        items = sorted(
            {
                i.item_id
                for side in (SCHOOL_TEAM, PARTNERS)
                for _g, i in statements.get((number, side), [])
            }
        )
        school = _side(statements.get((number, SCHOOL_TEAM), []))
        partners = _side(statements.get((number, PARTNERS), []))
        status = derived(school.percent_good, partners.percent_good)
        if status is None:
            gap = Cell(round(partners.percent_good.number() - school.percent_good.number(), 1))
        else:
            gap = Cell.hidden(status) if status is Status.DERIVED else Cell()
        title = titles.get(number, f"Element {number}")
        scores.append(ElementScore(number, title, items, school, partners, gap))
    return scores


def _side(statements: Sequence[tuple[Group, ItemSummary]]) -> ElementSide:
    answered = [(g, i) for g, i in statements if not i.n.no_data]
    pooled = [(g, i) for g, i in answered if i.percent_favourable.shown]
    if not pooled:
        hidden = Cell.hidden(Status.DERIVED) if answered else Cell()
        return ElementSide(hidden, hidden, hidden, left_out=len(answered))
    favourable = unfavourable = 0.0
    score_sum = 0.0
    for _g, item in pooled:
        for option in item.scored_options:
            count = option.count.number()
            if option.favourable:
                favourable += count
            else:
                unfavourable += count
            score_sum += (option.score or 0) * count
    scored = favourable + unfavourable
    return ElementSide(
        mean=Cell(score_sum / scored) if scored else Cell(),
        percent_good=Cell(100.0 * favourable / scored) if scored else Cell(),
        n=Cell(max(i.n.number() for _g, i in pooled)),
        pooled=[(g.survey_slug, i.item_id) for g, i in pooled],
        left_out=len(answered) - len(pooled),
    )


__all__ = [
    "attach_trends",
    "element_titles",
    "group_name",
    "mirrored_items",
    "nine_elements",
]
