"""What a report holds: plain dataclasses, filled by ``summaries`` and made safe by
``suppress`` before any renderer sees them.

Every figure is a :class:`Cell`. A suppressed cell has no value at all (it is not
merely flagged), so a renderer cannot leak a small group even by mistake.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing as t

AUDIENCE_ORDER = ("family", "student", "staff", "partner")
AUDIENCE_LABELS = {
    "family": "Families",
    "student": "Students",
    "staff": "School staff",
    "partner": "Partners",
}


@dataclasses.dataclass(slots=True)
class Cell:
    """One figure. ``value is None`` and not ``suppressed``: no data (nobody answered).

    ``peers`` is working state for the suppression step only: in a partner view, the
    same figure in each disjoint group outside the view (every other partner, and the
    responses that came through no partner). ``suppress`` clears it.
    """

    value: float | None = None
    suppressed: bool = False
    peers: tuple[float, ...] | None = None

    @property
    def shown(self) -> bool:
        return self.value is not None and not self.suppressed

    @property
    def no_data(self) -> bool:
        return self.value is None and not self.suppressed

    def hide(self) -> None:
        self.value = None
        self.suppressed = True
        self.peers = None

    @classmethod
    def hidden(cls) -> Cell:
        return cls(None, True)


@dataclasses.dataclass(slots=True)
class OptionCount:
    """One option of an item's distribution."""

    code: str
    label: str
    count: Cell
    percent: Cell  # of everyone who answered the item
    favourable: bool = False
    excluded: bool = False
    neutral: bool = False
    score: float | None = None


@dataclasses.dataclass(slots=True)
class ItemSummary:
    """One stored item (a group row of a ``likert_group`` is its own item) for one group
    of respondents in one wave."""

    item_id: str
    label: str
    kind: str  # scored, choice, numeric, text
    n: Cell = dataclasses.field(default_factory=Cell)
    options: list[OptionCount] = dataclasses.field(default_factory=list)
    percent_favourable: Cell = dataclasses.field(default_factory=Cell)
    # Working figures for suppression (partition totals); never rendered.
    favourable_count: Cell = dataclasses.field(default_factory=Cell)
    unfavourable_count: Cell = dataclasses.field(default_factory=Cell)
    mean: Cell = dataclasses.field(default_factory=Cell)
    reverse: bool = False
    multiple: bool = False  # multiple choice: percentages may add to more than 100
    # Filled by ``suppress`` from the other waves' (already suppressed) summaries.
    previous_percent_favourable: Cell = dataclasses.field(default_factory=Cell)
    change: Cell = dataclasses.field(default_factory=Cell)  # percentage points
    trend: list[tuple[str, Cell]] = dataclasses.field(default_factory=list)
    comments: list[str] = dataclasses.field(default_factory=list)
    comment_count: Cell = dataclasses.field(default_factory=Cell)

    @property
    def scored_options(self) -> list[OptionCount]:
        return [o for o in self.options if not o.excluded]


@dataclasses.dataclass(slots=True)
class Question:
    """A question as asked: its text and the items it stores (one, or a group's rows)."""

    item: str
    text: str
    kind: str
    items: list[ItemSummary]


@dataclasses.dataclass(slots=True)
class Group:
    """Everyone of one audience who answered one instrument in one wave (in view)."""

    wave_id: int
    survey_id: int
    survey_slug: str
    survey_title: str
    audience: str
    responses: Cell
    expected: int | None = None
    responses_with_expected: Cell = dataclasses.field(default_factory=Cell)
    response_rate: Cell = dataclasses.field(default_factory=Cell)  # percent
    questions: list[Question] = dataclasses.field(default_factory=list)

    @property
    def audience_label(self) -> str:
        return AUDIENCE_LABELS.get(self.audience, self.audience.title())

    @property
    def title(self) -> str:
        return f"{self.audience_label}: {self.survey_title}"

    def items(self) -> t.Iterator[ItemSummary]:
        for question in self.questions:
            yield from question.items

    def item(self, item_id: str) -> ItemSummary | None:
        return next((i for i in self.items() if i.item_id == item_id), None)


@dataclasses.dataclass(slots=True)
class MirroredValue:
    group: str  # "Families (family-feedback)"
    audience: str
    survey_slug: str
    percent_favourable: Cell
    n: Cell


@dataclasses.dataclass(slots=True)
class MirroredItem:
    """One item asked of several audiences or instruments, side by side."""

    item_id: str
    label: str
    values: list[MirroredValue]
    gap: Cell  # percentage points between the highest and lowest shown value
    highest: str = ""
    lowest: str = ""


@dataclasses.dataclass(slots=True)
class ElementSide:
    mean: Cell  # mean implementation score (scale scores, "don't know" left out)
    percent_good: Cell  # percent "good progress" or better (the scale's favourable options)
    n: Cell  # respondents (at least): the most-answered statement of the element
    favourable_count: Cell = dataclasses.field(default_factory=Cell)
    unfavourable_count: Cell = dataclasses.field(default_factory=Cell)


@dataclasses.dataclass(slots=True)
class ElementScore:
    """One of the Nine Elements: the school team beside the partners."""

    number: int
    title: str
    items: list[str]
    school: ElementSide
    partners: ElementSide
    gap: Cell  # partners minus school team, percentage points of "good progress"
    scale_max: float = 4.0


@dataclasses.dataclass(slots=True)
class Highlight:
    """One line of the executive summary."""

    text: str
    value: str
    detail: str = ""


@dataclasses.dataclass(slots=True)
class ExecutiveSummary:
    strengths: list[Highlight] = dataclasses.field(default_factory=list)
    concerns: list[Highlight] = dataclasses.field(default_factory=list)
    changes: list[Highlight] = dataclasses.field(default_factory=list)
    gaps: list[Highlight] = dataclasses.field(default_factory=list)
    weakest_elements: list[Highlight] = dataclasses.field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.strengths or self.concerns or self.changes or self.gaps or self.weakest_elements
        )


@dataclasses.dataclass(slots=True)
class Report:
    """A complete, suppressed report: safe to hand to any renderer."""

    title: str
    wave_name: str
    wave_opens_on: dt.date
    wave_closes_on: dt.date
    previous_wave_name: str | None
    partner_name: str | None
    survey_slugs: list[str]
    min_cell: int
    comment_min: int
    generated_at: dt.datetime
    sections: list[Group] = dataclasses.field(default_factory=list)
    mirrored: list[MirroredItem] = dataclasses.field(default_factory=list)
    elements: list[ElementScore] = dataclasses.field(default_factory=list)
    summary: ExecutiveSummary = dataclasses.field(default_factory=ExecutiveSummary)
    wave_names: list[str] = dataclasses.field(default_factory=list)  # trend order, oldest first

    @property
    def has_responses(self) -> bool:
        return any(s.responses.value or s.responses.suppressed for s in self.sections)

    @property
    def scope(self) -> str:
        where = f" - {self.partner_name}" if self.partner_name else ""
        return f"{self.wave_name}{where}"
