"""From a wave's tally and the privacy rule's decisions to the :class:`Group` summaries
of one scope: distributions, percent favourable, means, comments, response counts.

Every figure is read through the decisions (``reports.suppress``): a cell the rule does
not show is made hidden here, with the rule's reason, before anything else sees it.
How an item is summarised, what its options are called and how it is scored come from
its question type (``report_kind``, ``labels``, ``scoring(item_id)``), never from a
switch on type names here: ``SUMMARIES`` holds one summary function per kind.
"""

from __future__ import annotations

import dataclasses
import typing as t
from collections.abc import Callable, Collection, Iterable, Mapping

from app.definitions.survey import SurveyDefinition, translate
from app.definitions.types import QuestionType, Scoring
from reports.model import (
    AUDIENCE_ORDER,
    Cell,
    Comment,
    Group,
    ItemSummary,
    OptionCount,
    Question,
    ResponseCount,
    Status,
    audience_rank,
)
from reports.query import ItemKinds, Tally
from reports.suppress import ALL, NO_PARTNER, Decisions, ItemSpec, View

NO_PARTNER_NAME = "(no partner)"
# The part of the whole school's response counts that holds the links of every partner
# whose agreement does not allow sharing its own results (rule 7): named for none.
POOLED_NAME = "Partners not sharing results"
CHANNEL_LABELS = {
    "flyer_qr": "Flyer or QR code",
    "text_message": "Text message",
    "email": "Email",
    "in_class": "In class",
    "web": "Web link",
    "interview": "Interview",
}


@dataclasses.dataclass(frozen=True)
class Instrument:
    """A survey as reports read it: its latest definition (labels, scoring, order)."""

    survey_id: int
    slug: str
    definition: SurveyDefinition

    @property
    def title(self) -> str:
        return text_of(self.definition, self.definition.header.title)


def text_of(definition: SurveyDefinition, value: t.Any) -> str:
    from reports.query import clean_text

    return clean_text(translate(value, definition.languages[0], definition.languages[0]))


def item_kinds(instruments: Iterable[Instrument]) -> ItemKinds:
    ids_by_kind: dict[str, set[str]] = {k: set() for k in ("choice", "multiple", "numeric", "text")}
    for instrument in instruments:
        for question in instrument.definition.questions():
            kind = question.report_kind
            if kind in ("scored", "choice", "multiple"):
                ids_by_kind["choice"].update(question.item_ids())
            if kind in ids_by_kind:
                ids_by_kind[kind].update(question.item_ids())
    return ItemKinds(**{k: frozenset(v) for k, v in ids_by_kind.items()})


def item_specs(instruments: Iterable[Instrument]) -> dict[tuple[int, str], ItemSpec]:
    """What the privacy rule needs of every reported item, follow-ups' parents included."""
    specs: dict[tuple[int, str], ItemSpec] = {}
    for instrument in instruments:
        definition = instrument.definition
        for page, questions in definition.pages:
            for question in questions:
                kind = question.report_kind
                if kind == "none":
                    continue
                parents = _parents(definition, page.show_if, question.definition.show_if)
                for item_id in question.item_ids():
                    codes = tuple(c for c, _label in option_labels(definition, question))
                    scored: tuple[str, ...] = ()
                    scoring = question.scoring(item_id) if kind == "scored" else None
                    if scoring is not None:
                        scored = tuple(o.value for o in scoring.options if not o.excluded)
                    specs[(instrument.survey_id, item_id)] = ItemSpec(
                        instrument.survey_id, item_id, kind, codes, scored, parents
                    )
    return specs


def _parents(definition: SurveyDefinition, *conditions: t.Any) -> tuple[str, ...]:
    """Stored item ids whose answers a question's display conditions read."""
    parents: list[str] = []
    for condition in conditions:
        if condition is None:
            continue
        for ref in condition.referenced_items():
            question = definition.question_by_item.get(ref)
            ids = question.item_ids() if question is not None else [ref]
            parents += [i for i in (ids if ref not in ids else [ref]) if i not in parents]
    return tuple(parents)


def option_labels(definition: SurveyDefinition, question: QuestionType) -> list[tuple[str, str]]:
    """(code, label) of every option the question's items store, in order, in the
    survey's first language (the type's own labels, as exports show them)."""
    return question.labels(lambda value: text_of(definition, value))


def item_label(definition: SurveyDefinition, question: QuestionType, item_id: str) -> str:
    """The words that ask ``item_id``: a group row's, else the question's."""
    row = question.row_text(item_id)
    return text_of(definition, row if row is not None else question.definition.text)


def audiences_of(definition: SurveyDefinition, present: Iterable[str]) -> list[str]:
    """The instrument's audiences plus any that answered it, in the usual order."""
    wanted = {a.value for a in definition.header.audiences} | set(present)
    return sorted(wanted, key=lambda a: (audience_rank(a), a))


@dataclasses.dataclass(frozen=True)
class Asked:
    """One item to summarise: where its figures are (survey id, audience, item id) and
    the question that asks it."""

    key: tuple[int, str, str]
    definition: SurveyDefinition
    question: QuestionType


class GroupBuilder:
    """Builds the :class:`Group` summaries of one wave for one scope."""

    def __init__(
        self,
        tally: Tally,
        decisions: Decisions,
        view: View,
        partner_names: Mapping[int, str],
        comment_limit: int,
        pooled: Collection[int] = (),
    ):
        self.tally = tally
        self.decide = decisions
        self.view = view
        self.partner_names = partner_names
        self.comment_limit = comment_limit
        # Partners whose results are pooled: the whole school's counts name none of them.
        self.pooled = frozenset(pooled)
        self._index: dict[int, dict[tuple[t.Any, ...], list[t.Any]]] = {}

    def _sum(self, table: Mapping[tuple[t.Any, ...], t.Any], key: tuple[t.Any, ...]) -> t.Any:
        """The values of ``table`` for one item in this scope (one per partner)."""
        index = self._index.get(id(table))
        if index is None:
            index = self._index[id(table)] = {}
            for (s, a, i, p), value in table.items():
                if self.view is None or p == self.view:
                    index.setdefault((s, a, i), []).append(value)
        return index.get(key, [])

    def build(self, instrument: Instrument, audience: str) -> Group:
        definition = instrument.definition
        sid = instrument.survey_id
        status, responses, expected = self.decide.responses(self.view, sid, audience)
        group = Group(
            wave_id=self.tally.wave_id,
            survey_id=sid,
            survey_slug=instrument.slug,
            survey_title=instrument.title,
            audience=audience,
            responses=Cell.decided(responses, status),
            expected=expected,
            interview=definition.is_interview,
            scope=self.partner_names.get(self.view) if self.view is not None else None,
        )
        group.response_rate = _rate(group.responses, expected)
        group.parts = self._parts(sid, audience)
        group.channels = self._channels(sid, audience)
        for page, questions in definition.pages:
            for question in questions:
                kind = question.report_kind
                if kind == "none":
                    continue
                items = [
                    self._item_summary(sid, audience, definition, question, kind, item_id)
                    for item_id in question.item_ids()
                ]
                group.questions.append(
                    Question(
                        question.item,
                        text_of(definition, question.definition.text),
                        "choice" if kind == "multiple" else kind,
                        items,
                        scale=question.scale_name,
                        follow_up=bool(page.show_if or question.definition.show_if),
                    )
                )
        return group

    def _channels(self, survey_id: int, audience: str) -> list[ResponseCount]:
        """Response counts by channel in this scope, every partner's links together, as
        the rule allows; none when the group was reached through one channel only."""
        channels = sorted(
            {
                str(channel)
                for partner, channel, link in self.decide.parts(survey_id, audience)
                if channel != ALL and link == ALL and (self.view is None or partner == self.view)
            }
        )
        if len(channels) < 2:
            return []
        counts = []
        for channel in channels:
            status, n, expected = self.decide.channel(self.view, survey_id, audience, channel)
            label = CHANNEL_LABELS.get(channel, channel)
            counts.append(_count(label, None, channel, n, status, expected))
        return counts

    def _parts(self, survey_id: int, audience: str) -> list[ResponseCount]:
        """Response counts by partner's links and channel, as the rule allows. A part
        reached through one channel only is one row, named by both. The whole school's
        counts name no partner whose results are pooled: their links are one row."""
        whole = self.view is None
        nodes = [
            (partner, channel)
            for partner, channel, link in self.decide.parts(survey_id, audience)
            if link is ALL and (partner not in self.pooled if whole else partner == self.view)
        ]
        channels: dict[t.Any, list[t.Any]] = {}
        for partner, channel in nodes:
            if channel is not ALL:
                channels.setdefault(partner, []).append(channel)
        counts = []
        for partner, channel in nodes:
            single = len(channels.get(partner, [])) == 1
            if channel is ALL and (single or self.view is not None):
                continue  # the channel's row says it all (or it is the group itself)
            status, n, expected = self.decide.responses(
                self.view, survey_id, audience, partner, channel
            )
            name = (
                NO_PARTNER_NAME
                if partner == NO_PARTNER
                else self.partner_names.get(partner, f"Partner {partner}")
            )
            through = "general links" if partner == NO_PARTNER else name
            if channel is ALL:
                label = f"All channels, {through}"
            elif self.view is not None:
                label = CHANNEL_LABELS.get(channel, str(channel))
            else:
                label = f"{CHANNEL_LABELS.get(channel, channel)}, {through}"
            counts.append(
                _count(label, name, None if channel is ALL else channel, n, status, expected)
            )
        pooled = {
            partner
            for partner, _channel, _link in self.decide.parts(survey_id, audience)
            if partner in self.pooled
        }
        if whole and pooled:
            status, n, expected = self.decide.pooled(survey_id, audience, pooled)
            label = f"{POOLED_NAME} ({len(pooled)})"
            counts.append(_count(label, POOLED_NAME, None, n, status, expected))
        counts.sort(
            key=lambda p: (
                {NO_PARTNER_NAME: 0, POOLED_NAME: 2}.get(p.partner or "", 1),
                p.partner or "",
                p.channel or "",
            )
        )
        return counts

    def _item_summary(
        self,
        survey_id: int,
        audience: str,
        definition: SurveyDefinition,
        question: QuestionType,
        kind: str,
        item_id: str,
    ) -> ItemSummary:
        item = ItemSummary(
            item_id,
            item_label(definition, question, item_id),
            "choice" if kind == "multiple" else kind,
        )
        SUMMARIES[kind](self, item, Asked((survey_id, audience, item_id), definition, question))
        return item

    # --- one summary per summary kind (the table SUMMARIES picks one) ----------------
    def _text(self, item: ItemSummary, asked: Asked) -> None:
        """Comments: how many were written and, when shown, the comments themselves."""
        self._comments(item, asked.key, self.decide.comments(self.view, *asked.key))

    def _numeric(self, item: ItemSummary, asked: Asked) -> None:
        """How many answered, and the mean of their numbers."""
        status = self.decide.item(self.view, *asked.key)
        stats = self._sum(self.tally.numbers, asked.key)
        n = sum(s[0] for s in stats)
        item.n = Cell.decided(float(n), status) if n else Cell()
        if item.n.shown:
            item.mean = Cell(sum(s[1] for s in stats) / n)
        else:
            item.mean = Cell.hidden(item.n.status) if item.n.suppressed else Cell()

    def _choice(self, item: ItemSummary, asked: Asked) -> None:
        """Counts per option, and their share of the answers."""
        counts = self._counts(asked.key)
        self._options(item, asked, counts, sum(counts.values()))

    def _multiple(self, item: ItemSummary, asked: Asked) -> None:
        """Counts per option, and their share of the people who answered (each may
        choose several)."""
        item.multiple = True
        n = sum(self._sum(self.tally.respondents, asked.key))
        self._options(item, asked, self._counts(asked.key), n)

    def _scored(self, item: ItemSummary, asked: Asked) -> None:
        """Counts per option of the item's scale, percent favourable and mean score."""
        counts = self._counts(asked.key)
        n = sum(counts.values())
        self._options(item, asked, counts, n, asked.question.scoring(item.item_id))
        self._favourable(item, counts, self.decide.summary(self.view, *asked.key) if n else None)

    def _counts(self, key: tuple[int, str, str]) -> dict[str, int]:
        """How often each code of an item was chosen in this scope."""
        counts: dict[str, int] = {}
        for bucket in self._sum(self.tally.choices, key):
            for code, value in bucket.items():
                counts[code] = counts.get(code, 0) + value
        return counts

    def _options(
        self,
        item: ItemSummary,
        asked: Asked,
        counts: Mapping[str, int],
        n: int,
        scoring: Scoring | None = None,
    ) -> None:
        """The item's ``n`` and each of its options: count, percentage of ``n`` and,
        when scored, its place on the scale."""
        view, key = self.view, asked.key
        status = self.decide.item(view, *key)
        item.n = Cell.decided(float(n), status) if n else Cell()
        if scoring is not None:
            item.reverse = scoring.reverse
        for code, label in option_labels(asked.definition, asked.question):
            value = counts.get(code, 0)
            option_status = self.decide.option(view, *key, code) if n else Status.NO_DATA
            option = OptionCount(code, label, Cell.decided(value, option_status), Cell())
            if option.count.shown and item.n.shown:
                option.percent = Cell(100.0 * value / n)
            elif option.count.shown:
                # Under the cells rule a count may be shown while n is not: its
                # percentage would give n (and with it the hidden counts) away.
                option.percent = Cell.hidden(Status.DERIVED)
            elif option.count.suppressed:
                option.percent = Cell.hidden(option.count.status)
            if scoring is not None:
                option.favourable = code in scoring.favourable
                option.excluded = code in scoring.excluded
                option.neutral = code == scoring.neutral
                option.score = scoring.score(code)
            item.options.append(option)

    @staticmethod
    def _favourable(item: ItemSummary, counts: Mapping[str, int], status: Status | None) -> None:
        scored = item.scored_options
        denominator = sum(counts.get(o.code, 0) for o in scored)
        if status is None or not denominator:
            return  # nobody gave a scored answer: no data
        if not status.shown:
            item.percent_favourable = Cell.hidden(status)
            item.mean = Cell.hidden(status)
            return
        favourable = sum(counts.get(o.code, 0) for o in scored if o.favourable)
        if any(o.favourable for o in scored):  # a scale with none says nothing favourable
            item.percent_favourable = Cell(100.0 * favourable / denominator)
        item.mean = Cell(sum((o.score or 0) * counts.get(o.code, 0) for o in scored) / denominator)

    def _comments(self, item: ItemSummary, key: tuple[int, str, str], status: Status) -> None:
        written = sum(self._sum(self.tally.comment_counts, key))
        item.n = Cell.decided(float(written), status) if written else Cell()
        item.comment_count = item.n
        if not item.n.shown:
            return
        merged: dict[str, list[t.Any]] = {}
        for texts in self._sum(self.tally.comments, key):
            for text, count, first in texts:
                entry = merged.setdefault(text, [0, first])
                entry[0] += count
                entry[1] = min(entry[1], first)
        ordered = sorted(merged.items(), key=lambda e: (-e[1][0], e[1][1], e[0]))
        item.comments = [Comment(text, count) for text, (count, _first) in ordered]


# How each summary kind (``QuestionType.summary_kind``) is summarised; "none" is not.
SUMMARIES: dict[str, Callable[[GroupBuilder, ItemSummary, Asked], None]] = {
    "scored": GroupBuilder._scored,
    "choice": GroupBuilder._choice,
    "multiple": GroupBuilder._multiple,
    "numeric": GroupBuilder._numeric,
    "text": GroupBuilder._text,
}


def _count(
    label: str,
    partner: str | None,
    channel: str | None,
    n: int | None,
    status: Status,
    expected: int | None,
) -> ResponseCount:
    cell = Cell.decided(n, status)
    return ResponseCount(label, partner, channel, cell, expected, _rate(cell, expected))


def _rate(responses: Cell, expected: int | None) -> Cell:
    if not expected:
        return Cell()
    if not responses.shown:
        return Cell.hidden(responses.status) if responses.suppressed else Cell()
    return Cell(100.0 * responses.number() / expected)


__all__ = [
    "AUDIENCE_ORDER",
    "CHANNEL_LABELS",
    "POOLED_NAME",
    "SUMMARIES",
    "Asked",
    "GroupBuilder",
    "Instrument",
    "audiences_of",
    "item_kinds",
    "item_specs",
    "option_labels",
    "text_of",
]
