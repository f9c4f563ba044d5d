"""What a report holds: plain dataclasses, filled by ``summaries`` from figures that the
privacy rule (``suppress``) has already decided, so no renderer can show a hidden one.

Every figure is a :class:`Cell`. A cell that is not shown has no value at all (it is not
merely flagged), and it says why it is not shown, so every label can tell the truth.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import typing as t

if t.TYPE_CHECKING:
    from reports.actions import ActionsSection

AUDIENCE_ORDER = ("family", "student", "staff", "partner")
AUDIENCE_LABELS = {
    "family": "Families",
    "student": "Students",
    "staff": "School staff",
    "partner": "Partners",
}


def audience_label(audience: str) -> str:
    return AUDIENCE_LABELS.get(audience, audience.title())


def audience_rank(audience: str) -> int:
    return AUDIENCE_ORDER.index(audience) if audience in AUDIENCE_ORDER else len(AUDIENCE_ORDER)


class Status(enum.StrEnum):
    """Why a figure is or is not shown (the CSV's ``Status`` column)."""

    SHOWN = "shown"
    NO_DATA = "no_data"  # nobody answered, or it was not asked
    SMALL = "small"  # fewer than N people answered (cells rule: a count from 1 to N-1)
    WITHHELD = "withheld"  # hidden so that a small group elsewhere cannot be worked out
    DERIVED = "derived"  # computed from figures of which one or more are not shown

    @property
    def shown(self) -> bool:
        return self is Status.SHOWN


@dataclasses.dataclass(slots=True)
class Cell:
    """One figure: a value when shown, otherwise only the reason it is not."""

    value: float | None = None
    status: Status = Status.NO_DATA

    def __post_init__(self) -> None:
        if self.value is not None and self.status is Status.NO_DATA:
            self.status = Status.SHOWN
        if self.status is not Status.SHOWN:
            self.value = None

    @classmethod
    def of(cls, value: float | None) -> Cell:
        return cls(value, Status.SHOWN) if value is not None else cls()

    @classmethod
    def hidden(cls, status: Status) -> Cell:
        return cls(None, status)

    @classmethod
    def decided(cls, value: float | None, status: Status) -> Cell:
        """A figure as the privacy rule decided it: the value only when shown."""
        return cls(value, status) if status is Status.SHOWN else cls(None, status)

    @property
    def shown(self) -> bool:
        return self.status is Status.SHOWN

    @property
    def no_data(self) -> bool:
        return self.status is Status.NO_DATA

    @property
    def suppressed(self) -> bool:
        """Not shown although there is something to show."""
        return self.status not in (Status.SHOWN, Status.NO_DATA)

    def number(self) -> float:
        """The value of a shown cell (callers check ``shown`` first)."""
        assert self.value is not None, "number() of a cell that is not shown"
        return self.value


def derived(*inputs: Cell) -> Status | None:
    """The status a figure computed from ``inputs`` takes: None when every input is
    shown, NO_DATA when one has no data, DERIVED when one is hidden."""
    if all(c.shown for c in inputs):
        return None
    if any(c.suppressed for c in inputs):
        return Status.DERIVED
    return Status.NO_DATA


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
class Comment:
    """A distinct comment text and how many people wrote exactly it."""

    text: str
    count: int = 1


@dataclasses.dataclass(slots=True)
class ItemSummary:
    """One stored item (a row of a Likert group is its own item) for one group of
    respondents in one wave and scope."""

    item_id: str
    label: str
    kind: str  # scored, choice, numeric, text
    n: Cell = dataclasses.field(default_factory=Cell)
    options: list[OptionCount] = dataclasses.field(default_factory=list)
    percent_favourable: Cell = dataclasses.field(default_factory=Cell)
    mean: Cell = dataclasses.field(default_factory=Cell)
    reverse: bool = False
    multiple: bool = False  # multiple choice: percentages may add to more than 100
    previous_percent_favourable: Cell = dataclasses.field(default_factory=Cell)
    previous_n: Cell = dataclasses.field(default_factory=Cell)
    change: Cell = dataclasses.field(default_factory=Cell)  # percentage points
    trend: list[tuple[str, Cell]] = dataclasses.field(default_factory=list)
    comments: list[Comment] = dataclasses.field(default_factory=list)
    comment_count: Cell = dataclasses.field(default_factory=Cell)

    @property
    def scored_options(self) -> list[OptionCount]:
        return [o for o in self.options if not o.excluded]

    @property
    def favourable_labels(self) -> list[str]:
        return [o.label for o in self.scored_options if o.favourable]

    @property
    def status(self) -> Status:
        return self.n.status


@dataclasses.dataclass(slots=True)
class Question:
    """A question as asked: its text and the items it stores (one, or a group's rows)."""

    item: str
    text: str
    kind: str
    items: list[ItemSummary]
    scale: str | None = None  # the scale's name, for scored questions
    follow_up: bool = False  # shown only for some answers to another question


@dataclasses.dataclass(slots=True)
class ResponseCount:
    """Responses of one part of a group (through one partner's links and/or one
    channel), with the expected number when every link of the part has one."""

    label: str
    partner: str | None  # partner name, "(no partner)" or None for the whole group
    channel: str | None  # channel code or None for every channel
    responses: Cell
    expected: int | None = None
    rate: Cell = dataclasses.field(default_factory=Cell)  # percent

    @property
    def over_expected(self) -> bool:
        return self.rate.shown and self.rate.number() > 100


@dataclasses.dataclass(slots=True)
class Group:
    """Everyone of one audience who answered one instrument in one wave (in scope)."""

    wave_id: int
    survey_id: int
    survey_slug: str
    survey_title: str
    audience: str
    responses: Cell
    expected: int | None = None
    response_rate: Cell = dataclasses.field(default_factory=Cell)  # percent
    parts: list[ResponseCount] = dataclasses.field(default_factory=list)
    # The group's responses by channel (every partner together), when it has several.
    channels: list[ResponseCount] = dataclasses.field(default_factory=list)
    questions: list[Question] = dataclasses.field(default_factory=list)
    interview: bool = False
    scope: str | None = None  # partner name when the group is one partner's

    @property
    def audience_label(self) -> str:
        return audience_label(self.audience)

    @property
    def title(self) -> str:
        return f"{self.audience_label}: {self.survey_title}"

    @property
    def key(self) -> str:
        """A stable id for links and page anchors."""
        return f"{self.survey_slug}.{self.audience}"

    @property
    def answered(self) -> bool:
        return self.responses.shown and self.responses.number() > 0

    @property
    def over_expected(self) -> bool:
        return self.response_rate.shown and self.response_rate.number() > 100

    def items(self) -> t.Iterator[ItemSummary]:
        for question in self.questions:
            yield from question.items

    def item(self, item_id: str) -> ItemSummary | None:
        return next((i for i in self.items() if i.item_id == item_id), None)


@dataclasses.dataclass(slots=True)
class MirroredValue:
    group: str  # "Families" or "Families (Family survey)"
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
    gap: Cell  # points between the highest and lowest shown value
    highest: MirroredValue | None = None
    lowest: MirroredValue | None = None


@dataclasses.dataclass(slots=True)
class ElementSide:
    mean: Cell  # mean implementation score ("don't know" left out)
    percent_good: Cell  # percent "good progress" or better (the scale's favourable options)
    n: Cell  # respondents (at least): the most-answered statement pooled
    pooled: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (survey, item)
    left_out: int = 0  # statements asked but not pooled because they are not shown


@dataclasses.dataclass(slots=True)
class ElementScore:
    """One of the Nine Elements: the school team beside the partners."""

    number: int
    title: str
    items: list[str]
    school: ElementSide
    partners: ElementSide
    gap: Cell  # partners minus school team, points of "good progress"


@dataclasses.dataclass(slots=True)
class Highlight:
    """One line of the summary: what people chose, about what, and among whom."""

    value: str  # "62% chose Disagree or Strongly disagree"
    text: str  # the statement
    detail: str = ""  # "Families, n = 204"
    audience: str = ""


@dataclasses.dataclass(slots=True)
class AudienceHighlights:
    audience: str
    strengths: list[Highlight] = dataclasses.field(default_factory=list)
    concerns: list[Highlight] = dataclasses.field(default_factory=list)

    @property
    def label(self) -> str:
        return audience_label(self.audience)


@dataclasses.dataclass(slots=True)
class ExecutiveSummary:
    audiences: list[AudienceHighlights] = dataclasses.field(default_factory=list)
    changes: list[Highlight] = dataclasses.field(default_factory=list)
    gaps: list[Highlight] = dataclasses.field(default_factory=list)
    weakest_elements: list[Highlight] = dataclasses.field(default_factory=list)
    questions: list[str] = dataclasses.field(default_factory=list)  # for the meeting

    @property
    def empty(self) -> bool:
        return not (
            any(a.strengths or a.concerns for a in self.audiences)
            or self.changes
            or self.gaps
            or self.weakest_elements
        )


@dataclasses.dataclass(slots=True)
class PartnerResults:
    """One partner's own results in the whole-school packet (partners that allow it)."""

    name: str
    groups: list[Group]


@dataclasses.dataclass(slots=True)
class Interviews:
    """Community-research interviews of the wave in scope."""

    count: Cell
    notes: list[tuple[str, ItemSummary]] = dataclasses.field(default_factory=list)
    # reports.themes.ThemeQuestion per coded question (whole school, live figures only)
    themes: list[t.Any] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(slots=True)
class Report:
    """A complete report whose figures have all passed the privacy rule."""

    title: str
    wave_name: str
    wave_opens_on: dt.date
    wave_closes_on: dt.date
    wave_state: str  # scheduled, open, closed, switched off
    previous_wave_name: str | None
    partner_name: str | None
    survey_slugs: list[str]
    min_cell: int
    comment_min: int
    mode: str  # "respondents" or "cells"
    figures: str  # "live" or "released"
    generated_at: dt.datetime
    release_label: str | None = None  # "Release 2 of 2026-12-01"
    sections: list[Group] = dataclasses.field(default_factory=list)
    partners: list[PartnerResults] = dataclasses.field(default_factory=list)
    pooled_partners: int = 0  # partners whose results are pooled, not listed
    mirrored: list[MirroredItem] = dataclasses.field(default_factory=list)
    elements: list[ElementScore] = dataclasses.field(default_factory=list)
    summary: ExecutiveSummary = dataclasses.field(default_factory=ExecutiveSummary)
    interviews: Interviews | None = None
    actions: ActionsSection | None = None  # what the earlier wave's review decided (packets)
    wave_names: list[str] = dataclasses.field(default_factory=list)  # oldest first
    comment_limit: int = 8  # comments listed per question in the body
    paper: str = "letter"  # letter or a4, for the PDF

    @property
    def has_responses(self) -> bool:
        return any(
            s.responses.shown and s.responses.value or s.responses.suppressed for s in self.sections
        )

    @property
    def is_packet(self) -> bool:
        return len(self.survey_slugs) != 1

    @property
    def scope(self) -> str:
        return self.partner_name or "All partners"

    @property
    def scope_line(self) -> str:
        where = f" - {self.partner_name}" if self.partner_name else ""
        return f"{self.wave_name}{where}"

    @property
    def live_open_wave(self) -> bool:
        return self.figures == "live" and self.wave_state == "open"
