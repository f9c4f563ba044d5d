"""From grouped counts to report dataclasses: distributions, percent favourable, means,
comments; then (after suppression) trends, mirrored items, the Nine Elements and the
executive summary, which only ever read figures that survived suppression.

Scoring knowledge comes from the question types (``question.summary_kind`` and
``question.scoring(item_id)``), so a new scored type needs no change here.
"""

from __future__ import annotations

import collections
import re
import typing as t
from collections.abc import Callable, Iterable, Sequence

from app.definitions.survey import SurveyDefinition
from app.definitions.types import QuestionType
from reports.model import (
    AUDIENCE_LABELS,
    AUDIENCE_ORDER,
    Cell,
    ElementScore,
    ElementSide,
    ExecutiveSummary,
    Group,
    Highlight,
    ItemSummary,
    MirroredItem,
    MirroredValue,
    OptionCount,
    Question,
)
from reports.query import Aggregates

ELEMENT_ITEM = re.compile(r"^element([1-9])\.")
SCHOOL_TEAM, PARTNERS = "staff", "partner"
HIGHLIGHTS = 3


class View:
    """Turns per-partner counts into cells. The whole view sums everything; a partner
    view takes that partner's count and keeps every other group's as ``peers`` (in a
    fixed order, so peers of different figures can be added) for differencing checks."""

    def __init__(self, partner_id: int | None, partner_keys: Iterable[int | None]):
        self.partner_id = partner_id
        self.others = sorted((k for k in set(partner_keys) if k != partner_id), key=_order)

    def cell(self, by_partner: dict[int | None, float]) -> Cell:
        if self.partner_id is None:
            return Cell(float(sum(by_partner.values())))
        return Cell(
            float(by_partner.get(self.partner_id, 0)),
            peers=tuple(float(by_partner.get(k, 0)) for k in self.others),
        )

    def total(self, cells: Sequence[Cell]) -> Cell:
        """A cell that is the sum of ``cells`` (peers added position by position)."""
        value = float(sum(c.value or 0 for c in cells))
        if self.partner_id is None:
            return Cell(value)
        peers = [0.0] * len(self.others)
        for c in cells:
            for i, v in enumerate(c.peers or ()):
                peers[i] += v
        return Cell(value, peers=tuple(peers))


def _order(key: int | None) -> int:
    return -1 if key is None else key


def question_kind(question: QuestionType) -> str:
    return question.summary_kind if question.answerable else "none"


def reportable_items(definition: SurveyDefinition) -> dict[str, set[str]]:
    """Item ids by how they are summarised: scored / choice / multiple / numeric / text."""
    found: dict[str, set[str]] = {
        k: set() for k in ("scored", "choice", "multiple", "numeric", "text")
    }
    for question in definition.questions():
        kind = question_kind(question)
        if kind not in found:
            continue
        found[kind].update(question.item_ids())
        if question.name == "multiple_choice":
            found["multiple"].update(question.item_ids())
    return found


def _text(definition: SurveyDefinition, value: t.Any) -> str:
    return definition.text(value, definition.languages[0])


def survey_title(definition: SurveyDefinition) -> str:
    return _text(definition, definition.header.title)


def item_label(definition: SurveyDefinition, question: QuestionType, item_id: str) -> str:
    for row in getattr(question.definition, "rows", None) or []:
        if row.item == item_id:
            return _text(definition, row.text)
    return _text(definition, question.definition.text)


class GroupBuilder:
    """Builds the (unsuppressed) :class:`Group` summaries of one report."""

    def __init__(
        self,
        aggregates: Aggregates,
        view: View,
        comment_loader: Callable[[int, int, str, str], list[str]],
    ):
        self.agg = aggregates
        self.view = view
        self.load_comments = comment_loader
        self._choices = _by_group(aggregates.choices.items(), lambda k: (k[0][:3], k[1], k[2]))
        self._respondents = _by_group(aggregates.respondents.items(), lambda k: (k[0][:3], k[1]))
        self._comments = _by_group(aggregates.comment_counts.items(), lambda k: (k[0][:3], k[1]))
        self._numbers: dict[tuple[t.Any, str], dict[int | None, tuple[int, float]]] = {}
        for (key, item), value in aggregates.numbers.items():
            self._numbers.setdefault((key[:3], item), {})[key[3]] = value
        self._responses = _by_group(aggregates.responses.items(), lambda k: k[:3])
        self._with_expected = _by_group(aggregates.responses_expected.items(), lambda k: k[:3])
        self._expected = _by_group(aggregates.expected.items(), lambda k: k[:3])

    def group_keys(self) -> set[tuple[int, int, str]]:
        return set(self._responses)

    def build(
        self,
        wave_id: int,
        survey_id: int,
        slug: str,
        definition: SurveyDefinition,
        audience: str,
        with_comments: bool,
    ) -> Group:
        gkey = (wave_id, survey_id, audience)
        responses = self.view.cell(self._responses.get(gkey, {}))
        expected_by_partner = self._expected.get(gkey, {})
        expected = (
            sum(expected_by_partner.values())
            if self.view.partner_id is None
            else expected_by_partner.get(self.view.partner_id)
        )
        group = Group(
            wave_id=wave_id,
            survey_id=survey_id,
            survey_slug=slug,
            survey_title=_text(definition, definition.header.title),
            audience=audience,
            responses=responses,
            expected=expected or None,
        )
        if group.expected:
            group.responses_with_expected = self.view.cell(self._with_expected.get(gkey, {}))
            group.response_rate = Cell(
                100.0 * (group.responses_with_expected.value or 0) / group.expected
            )
        for question in definition.questions():
            kind = question_kind(question)
            if kind not in ("scored", "choice", "numeric", "text"):
                continue
            items = [
                self._item(gkey, definition, question, kind, item_id, with_comments)
                for item_id in question.item_ids()
            ]
            group.questions.append(
                Question(question.item, _text(definition, question.definition.text), kind, items)
            )
        return group

    def _item(
        self,
        gkey: tuple[int, int, str],
        definition: SurveyDefinition,
        question: QuestionType,
        kind: str,
        item_id: str,
        with_comments: bool,
    ) -> ItemSummary:
        item = ItemSummary(item_id, item_label(definition, question, item_id), kind)
        view = self.view
        if kind == "scored":
            scoring = question.scoring(item_id)
            item.reverse = scoring.reverse
            for option in scoring.options:
                count = view.cell(self._choices.get((gkey, item_id, option.value), {}))
                item.options.append(
                    OptionCount(
                        code=option.value,
                        label=_text(definition, option.label),
                        count=count,
                        percent=Cell(),
                        favourable=option.value in scoring.favourable,
                        excluded=option.value in scoring.excluded,
                        neutral=option.value == scoring.neutral,
                        score=None if option.excluded else option.score,
                    )
                )
            item.n = view.total([o.count for o in item.options])
            scored = [o for o in item.options if not o.excluded]
            item.favourable_count = view.total([o.count for o in scored if o.favourable])
            item.unfavourable_count = view.total([o.count for o in scored if not o.favourable])
            denominator = (item.favourable_count.value or 0) + (item.unfavourable_count.value or 0)
            if denominator:
                item.percent_favourable = Cell(
                    100.0 * (item.favourable_count.value or 0) / denominator
                )
                item.mean = Cell(
                    sum((o.score or 0) * (o.count.value or 0) for o in scored) / denominator
                )
        elif kind == "choice":
            labels = _choice_labels(definition, question)
            for code, label in labels:
                count = view.cell(self._choices.get((gkey, item_id, code), {}))
                item.options.append(OptionCount(code, label, count, Cell()))
            if question.name == "multiple_choice":
                item.multiple = True
                item.n = view.cell(self._respondents.get((gkey, item_id), {}))
            else:
                item.n = view.total([o.count for o in item.options])
        elif kind == "numeric":
            stats = self._numbers.get((gkey, item_id), {})
            item.n = view.cell({k: v[0] for k, v in stats.items()})
            total = view.cell({k: v[1] for k, v in stats.items()})
            if item.n.value:
                item.mean = Cell((total.value or 0) / item.n.value)
        elif kind == "text":
            item.comment_count = view.cell(self._comments.get((gkey, item_id), {}))
            item.n = Cell(item.comment_count.value, peers=item.comment_count.peers)
            if with_comments and item.comment_count.value:
                item.comments = self.load_comments(gkey[0], gkey[1], gkey[2], item_id)
        if item.n.value:
            for option in item.options:
                option.percent = Cell(100.0 * (option.count.value or 0) / item.n.value)
        return item


def _by_group(
    entries: Iterable[tuple[t.Any, int]], key: Callable[[t.Any], t.Any]
) -> dict[t.Any, dict[int | None, float]]:
    """Regroup aggregate rows by ``key`` with one count per partner."""
    found: dict[t.Any, dict[int | None, float]] = {}
    for k, value in entries:
        partner = k[0][3] if isinstance(k[0], tuple) else k[3]
        bucket = found.setdefault(key(k), {})
        bucket[partner] = bucket.get(partner, 0) + value
    return found


def _choice_labels(definition: SurveyDefinition, question: QuestionType) -> list[tuple[str, str]]:
    d = question.definition
    if question.name == "yes_no":
        return [
            ("yes", _text(definition, d.yes_label) if d.yes_label else "Yes"),
            ("no", _text(definition, d.no_label) if d.no_label else "No"),
        ]
    labels = [(o.value, _text(definition, o.label)) for o in getattr(d, "options", [])]
    if getattr(d, "other", False):
        labels.append(("other", _text(definition, d.other_label) if d.other_label else "Other"))
    return labels


def audiences_of(definition: SurveyDefinition, present: Iterable[str]) -> list[str]:
    """The instrument's audiences plus any that answered it, in the usual order."""
    wanted = {a.value for a in definition.header.audiences} | set(present)
    return sorted(wanted, key=lambda a: (AUDIENCE_ORDER.index(a) if a in AUDIENCE_ORDER else 9, a))


# --- after suppression ---------------------------------------------------------------


def attach_trends(
    current: Group,
    earlier: Sequence[tuple[str, Group | None, set[str]]],
    current_items: set[str],
    wave_name: str,
) -> None:
    """Set trend, previous percent favourable and change (points) on every scored item.

    ``earlier`` is (wave name, that wave's group or None, item ids of the versions answered
    in that wave), oldest first. Only items present in both waves' versions are compared.
    """
    for item in current.items():
        if item.kind != "scored":
            continue
        trend: list[tuple[str, Cell]] = []
        for name, group, items in earlier:
            old = group.item(item.item_id) if group is not None else None
            if old is None or item.item_id not in items or item.item_id not in current_items:
                trend.append((name, Cell()))
            else:
                trend.append((name, old.percent_favourable))
        trend.append((wave_name, item.percent_favourable))
        item.trend = trend
        if len(trend) >= 2:
            previous = trend[-2][1]
            item.previous_percent_favourable = previous
            if previous.shown and item.percent_favourable.shown:
                item.change = Cell(round(item.percent_favourable.value - previous.value, 1))
            elif previous.suppressed or item.percent_favourable.suppressed:
                item.change = Cell.hidden()


def group_name(group: Group, several_instruments: bool) -> str:
    label = AUDIENCE_LABELS.get(group.audience, group.audience)
    return f"{label} ({group.survey_title})" if several_instruments else label


def mirrored_items(groups: Sequence[Group], scope_items: set[str]) -> list[MirroredItem]:
    """Items asked of two or more groups (audiences or instruments) in the wave, with the
    largest gap in percent favourable first. Only shown figures take part."""
    by_item: dict[str, list[tuple[Group, ItemSummary]]] = {}
    for group in groups:
        for item in group.items():
            if item.kind == "scored" and item.item_id in scope_items:
                by_item.setdefault(item.item_id, []).append((group, item))
    found = []
    for item_id, pairs in by_item.items():
        # Mirrored means asked in two or more instruments; audiences of one instrument
        # (the self-assessment's school team and partners) have their own section.
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
            if not i.n.no_data and (i.n.value or i.n.suppressed)
        ]
        if len(values) < 2:
            continue
        values.sort(key=lambda v: (AUDIENCE_ORDER.index(v.audience), v.survey_slug))
        shown = [v for v in values if v.percent_favourable.shown]
        gap = Cell()
        high = low = ""
        if len(shown) >= 2:
            top = max(shown, key=lambda v: v.percent_favourable.value)
            bottom = min(shown, key=lambda v: v.percent_favourable.value)
            gap = Cell(round(top.percent_favourable.value - bottom.percent_favourable.value, 1))
            high, low = top.group, bottom.group
        elif any(v.percent_favourable.suppressed for v in values):
            gap = Cell.hidden()
        label = pairs[0][1].label
        found.append(MirroredItem(item_id, label, values, gap, high, low))
    found.sort(key=lambda m: (-(m.gap.value if m.gap.shown else -1), m.item_id))
    return found


ElementTotals = dict[tuple[int, str], tuple[Cell, Cell, dict[str, tuple[Cell, Cell]]]]


def element_totals(groups: Sequence[Group], view: View) -> ElementTotals:
    """Before suppression: per (element, side) the favourable and unfavourable answers
    summed over the element's statements (cells with peers, for the differencing check)
    and each statement's own raw totals (to check what the composite could reveal)."""
    found: ElementTotals = {}
    for group in groups:
        if group.audience not in (SCHOOL_TEAM, PARTNERS):
            continue
        by_number: dict[int, list[ItemSummary]] = {}
        for item in group.items():
            number = _element(item)
            if number is not None:
                by_number.setdefault(number, []).append(item)
        for number, items in by_number.items():
            found[(number, group.audience)] = (
                view.total([i.favourable_count for i in items]),
                view.total([i.unfavourable_count for i in items]),
                {
                    i.item_id: (
                        Cell(i.favourable_count.value, peers=i.favourable_count.peers),
                        Cell(i.unfavourable_count.value, peers=i.unfavourable_count.peers),
                    )
                    for i in items
                },
            )
    return found


def nine_elements(
    groups: Sequence[Group],
    element_titles: dict[int, str],
    totals: ElementTotals,
    min_n: int,
) -> list[ElementScore]:
    """A score per element, school team (staff) beside partners, after suppression.

    An element's percent "good progress or better" pools its statements' answers. It is
    shown when its favourable and unfavourable totals are publishable and so are the
    sums over the statements whose own figure is hidden, so the pooled figure cannot give
    a hidden statement away. The mean score is shown only when
    every statement's mean is.
    """
    from reports.suppress import publishable

    sides = {
        aud: [g for g in groups if g.audience == aud and any(_element(i) for i in g.items())]
        for aud in (SCHOOL_TEAM, PARTNERS)
    }
    numbers = sorted({number for number, _aud in totals})
    found = []
    for number in numbers:
        items = sorted(
            {
                i.item_id
                for gs in sides.values()
                for g in gs
                for i in g.items()
                if _element(i) == number
            }
        )
        school = _element_side(
            sides[SCHOOL_TEAM], number, totals.get((number, SCHOOL_TEAM)), min_n, publishable
        )
        partners = _element_side(
            sides[PARTNERS], number, totals.get((number, PARTNERS)), min_n, publishable
        )
        gap = Cell()
        if school.percent_good.shown and partners.percent_good.shown:
            gap = Cell(round(partners.percent_good.value - school.percent_good.value, 1))
        elif school.percent_good.suppressed or partners.percent_good.suppressed:
            gap = Cell.hidden()
        title = element_titles.get(number, f"Element {number}")
        found.append(ElementScore(number, title, items, school, partners, gap))
    return found


def _element(item: ItemSummary) -> int | None:
    match = ELEMENT_ITEM.match(item.item_id)
    return int(match.group(1)) if match and item.kind == "scored" else None


def _element_side(
    groups: Sequence[Group],
    number: int,
    totals: tuple[Cell, Cell, dict[str, tuple[Cell, Cell]]] | None,
    min_n: int,
    publishable: Callable[[Cell, int], bool],
) -> ElementSide:
    items = [i for g in groups for i in g.items() if _element(i) == number]
    answered = [i for i in items if i.n.suppressed or i.n.value]
    if not answered or totals is None:
        return ElementSide(Cell(), Cell(), Cell())
    shown_n = [i.n.value for i in answered if i.n.shown]
    if not shown_n:
        return ElementSide(Cell.hidden(), Cell.hidden(), Cell.hidden())
    n = Cell(max(shown_n))
    fav, unfav, raw = totals
    from reports.suppress import sum_cells

    hidden = [raw[i.item_id] for i in answered if not i.percent_favourable.shown]
    percent = Cell.hidden()
    if (
        publishable(fav, min_n)
        and publishable(unfav, min_n)
        and publishable(sum_cells([f for f, _ in hidden]), min_n)
        and publishable(sum_cells([u for _, u in hidden]), min_n)
        and (fav.value or unfav.value)
    ):
        percent = Cell(100.0 * fav.value / (fav.value + unfav.value))
    mean = Cell.hidden()
    if all(i.mean.shown for i in answered):
        weights = [
            (i.mean.value, i.favourable_count.value + i.unfavourable_count.value) for i in answered
        ]
        total = sum(w for _, w in weights)
        if total:
            mean = Cell(sum(m * w for m, w in weights) / total)
    return ElementSide(mean, percent, n)


def element_titles(definition: SurveyDefinition) -> dict[int, str]:
    """Element number -> the title of the page that asks its statements."""
    titles: dict[int, str] = {}
    for page, questions in definition.pages:
        for question in questions:
            for item_id in question.item_ids():
                match = ELEMENT_ITEM.match(item_id)
                if match and page.title is not None:
                    titles.setdefault(int(match.group(1)), _text(definition, page.title))
    return titles


def executive_summary(
    sections: Sequence[Group],
    mirrored: Sequence[MirroredItem],
    elements: Sequence[ElementScore],
) -> ExecutiveSummary:
    """Top strengths and concerns, biggest changes, largest gaps, weakest elements:
    chosen among shown figures only."""
    several = len({s.survey_slug for s in sections}) > 1
    scored = [
        (s, i)
        for s in sections
        for i in s.items()
        if i.kind == "scored" and i.percent_favourable.shown
    ]

    def where(section: Group, item: ItemSummary) -> str:
        return f"{group_name(section, several)}, n = {int(item.n.value)}"

    summary = ExecutiveSummary()
    by_pct = sorted(scored, key=lambda p: (-p[1].percent_favourable.value, p[1].item_id))
    # Strengths come from the upper half and concerns from the lower half, so a short
    # instrument never lists the same statement as both.
    top = min(HIGHLIGHTS, (len(by_pct) + 1) // 2)
    summary.strengths = [
        Highlight(i.label, f"{i.percent_favourable.value:.0f}% favourable", where(s, i))
        for s, i in by_pct[:top]
    ]
    summary.concerns = [
        Highlight(i.label, f"{i.percent_favourable.value:.0f}% favourable", where(s, i))
        for s, i in list(reversed(by_pct[top:]))[:HIGHLIGHTS]
    ]
    changed = sorted(
        (p for p in scored if p[1].change.shown and p[1].change.value != 0),
        key=lambda p: (-abs(p[1].change.value), p[1].item_id),
    )
    summary.changes = [
        Highlight(i.label, f"{i.change.value:+.0f} points", where(s, i))
        for s, i in changed[:HIGHLIGHTS]
    ]
    summary.gaps = [
        Highlight(m.label, f"{m.gap.value:.0f} points", f"{m.highest} higher than {m.lowest}")
        for m in mirrored
        if m.gap.shown and m.gap.value > 0
    ][:HIGHLIGHTS]
    sides = [
        (e, name, side)
        for e in elements
        for name, side in (("School team", e.school), ("Partners", e.partners))
        if side.percent_good.shown
    ]
    sides.sort(key=lambda x: (x[2].percent_good.value, x[0].number))
    summary.weakest_elements = [
        Highlight(e.title, f"{side.percent_good.value:.0f}% good progress or better", name)
        for e, name, side in sides[:HIGHLIGHTS]
    ]
    return summary


__all__ = [
    "GroupBuilder",
    "View",
    "attach_trends",
    "audiences_of",
    "element_titles",
    "executive_summary",
    "mirrored_items",
    "nine_elements",
    "reportable_items",
]
