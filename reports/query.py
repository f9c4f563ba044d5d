"""SQL aggregates for reports: counts grouped per wave x instrument x audience x item
(x partner in a partner view). Answers are never loaded into Python one by one; only
grouped counts come back, plus a capped list of comments per question.

Every answer row carries its response's survey, wave, audience and partner (copied when
written; see ``app.models.Answer``), so the aggregates read the answer table's
``ix_answer_report`` index alone, in its order, without joining 2 M answers to their
responses. Soft-deleted responses are excluded from every figure: response counts
filter them out directly; answer aggregates subtract what the (normally few) answers of
deleted responses add, found through ``ix_response_deleted`` and each answer's response.
"""

from __future__ import annotations

import dataclasses
import typing as t
from collections.abc import Collection, Sequence

import sqlalchemy as sa
from sqlalchemy import orm

from app.models import Answer, Link, Response

# (wave_id, survey_id, audience, partner_id or None)
GroupKey = tuple[int, int, str, int | None]


@dataclasses.dataclass
class Aggregates:
    """Grouped counts for the waves of one report. In the whole view ``partner_id`` in
    every key is None; in a partner view it is each response's partner (or None)."""

    responses: dict[GroupKey, int] = dataclasses.field(default_factory=dict)
    # link-level: responses through links that have an expected count, and that count
    responses_expected: dict[GroupKey, int] = dataclasses.field(default_factory=dict)
    expected: dict[GroupKey, int] = dataclasses.field(default_factory=dict)
    # (group key, item_id, choice) -> answers
    choices: dict[tuple[GroupKey, str, str], int] = dataclasses.field(default_factory=dict)
    # (group key, item_id) -> respondents (multiple choice: distinct responses)
    respondents: dict[tuple[GroupKey, str], int] = dataclasses.field(default_factory=dict)
    # (group key, item_id) -> (count, sum) of numeric answers
    numbers: dict[tuple[GroupKey, str], tuple[int, float]] = dataclasses.field(default_factory=dict)
    # (group key, item_id) -> comments written
    comment_counts: dict[tuple[GroupKey, str], int] = dataclasses.field(default_factory=dict)
    # (wave_id, survey_id) -> survey version ids answered in that wave
    versions: dict[tuple[int, int], set[int]] = dataclasses.field(default_factory=dict)


def _key(row: t.Any) -> GroupKey:
    audience = row.audience.value if hasattr(row.audience, "value") else str(row.audience)
    return (row.wave_id, row.survey_id, audience, row.partner_id)


def _audience(value: t.Any) -> str:
    return value.value if hasattr(value, "value") else str(value)


class _Live:
    """Runs answer aggregates and takes away the part that belongs to soft-deleted
    responses. Subtraction is exact for counts and counts of distinct responses (a
    response is either deleted or not), and for sums up to floating-point rounding; a
    group whose count drops to zero is left out, as a GROUP BY over live answers would
    have left it out."""

    def __init__(self, session: orm.Session):
        self.session = session
        # Every deleted response, through the partial ix_response_deleted alone (the
        # answer queries keep their own scope). With a scope here the planner would
        # rather walk ix_response_report, which has statistics.
        self.deleted = sa.select(Response.id).where(Response.deleted_at.is_not(None))
        # One probe of the partial index: most reports have nothing to subtract.
        self.any_deleted = session.execute(self.deleted.limit(1)).first() is not None

    def rows(
        self,
        query: sa.Select[t.Any],
        keys: int,
        parts: Sequence[tuple[tuple[t.Any, ...], sa.Select[t.Any]]] = (),
    ) -> dict[tuple[t.Any, ...], list[t.Any]]:
        """``{first `keys` columns: the other columns}`` over the answers of live
        responses. ``query`` selects all answers in scope, grouped by its first ``keys``
        columns; the next must count the group's rows or responses (zero: left out).
        ``parts``, if given, are run instead of ``query``: (prefix, query) pairs whose
        rows, each keyed by prefix + its leading columns, together make up ``query``'s."""
        found: dict[tuple[t.Any, ...], list[t.Any]] = {}
        for prefix, part in parts or [((), query)]:
            width = keys - len(prefix)
            for row in self.session.execute(part):
                found[prefix + tuple(row[:width])] = list(row[width:])
        if not self.any_deleted:
            return found
        deleted = query.where(Answer.response_id.in_(self.deleted))
        for row in self.session.execute(deleted):
            values = found.get(tuple(row[:keys]))
            if values is None:  # cannot happen: the deleted answers are part of all
                continue
            for i, v in enumerate(row[keys:]):
                values[i] = (values[i] or 0) - (v or 0)
        return {k: v for k, v in found.items() if v[0]}


def fetch(
    session: orm.Session,
    wave_ids: Sequence[int],
    survey_ids: Collection[int],
    choice_items: Collection[str],
    multiple_items: Collection[str],
    numeric_items: Collection[str],
    text_items: Collection[str],
    by_partner: bool,
) -> Aggregates:
    """Run the grouped queries for ``wave_ids`` and ``survey_ids`` (the instruments in
    scope plus those that share items with them, for the mirrored comparison)."""
    found = Aggregates()

    # One pass over the responses, read from the covering ix_response_report in its
    # order: counts per group and link (the response rate's numerator) and the survey
    # versions answered (what a wave can be compared on).
    per_link = session.execute(
        sa.select(
            Response.survey_id,
            Response.wave_id,
            Response.audience,
            Response.partner_id,
            Response.link_id,
            Response.survey_version_id,
            sa.func.count().label("n"),
        )
        .where(
            Response.survey_id.in_(list(survey_ids)),
            Response.wave_id.in_(list(wave_ids)),
            Response.deleted_at.is_(None),
        )
        .group_by(
            Response.survey_id,
            Response.wave_id,
            Response.audience,
            Response.partner_id,
            Response.link_id,
            Response.survey_version_id,
        )
    ).all()
    link_ids = {row.link_id for row in per_link}
    expected_by_link: dict[int, int] = {}
    if link_ids:
        expected_by_link = dict(
            session.execute(
                sa.select(Link.id, Link.expected_n).where(
                    Link.id.in_(link_ids), Link.expected_n.is_not(None)
                )
            ).all()
        )
    for row in per_link:
        key = (
            row.wave_id,
            row.survey_id,
            _audience(row.audience),
            row.partner_id if by_partner else None,
        )
        found.responses[key] = found.responses.get(key, 0) + row.n
        if row.link_id in expected_by_link:
            found.responses_expected[key] = found.responses_expected.get(key, 0) + row.n
        found.versions.setdefault((row.wave_id, row.survey_id), set()).add(row.survey_version_id)
    # Expected counts come from every link of the wave, answered or not.
    link_partner = Link.partner_id if by_partner else sa.null()
    link_group = [Link.wave_id, Link.survey_id, Link.audience] + (
        [Link.partner_id] if by_partner else []
    )
    for row in session.execute(
        sa.select(
            Link.wave_id,
            Link.survey_id,
            Link.audience,
            link_partner.label("partner_id"),
            sa.func.sum(Link.expected_n).label("n"),
        )
        .where(
            Link.wave_id.in_(list(wave_ids)),
            Link.survey_id.in_(list(survey_ids)),
            Link.expected_n.is_not(None),
        )
        .group_by(*link_group)
    ):
        found.expected[_key(row)] = int(row.n)

    if not found.responses:
        return found
    live = _Live(session)
    # (survey, wave) pairs that have live responses: nothing else can have answers.
    pairs = sorted({(k[1], k[0]) for k in found.responses})
    group = [Answer.survey_id, Answer.wave_id, Answer.item_id]
    partner = [Answer.partner_id] if by_partner else []

    def key_of(values: tuple[t.Any, ...]) -> tuple[GroupKey, str]:
        survey_id, wave_id, item_id, audience, *rest = values
        return (wave_id, survey_id, _audience(audience), rest[0] if rest else None), item_id

    if choice_items:
        _choice_counts(live, found, pairs, partner)

    def per_item(items: Collection[str], *aggregates: t.Any, where: Sequence[t.Any] = ()) -> t.Any:
        columns = [*group, Answer.audience, *partner]
        query = (
            sa.select(*columns, *aggregates)
            .where(
                Answer.survey_id.in_(sorted({s for s, _w in pairs})),
                Answer.wave_id.in_(sorted({w for _s, w in pairs})),
                Answer.item_id.in_(sorted(items)),
                *where,
            )
            .group_by(*columns)
        )
        for values, figures in live.rows(query, len(columns)).items():
            yield key_of(values), figures

    if multiple_items:
        respondents = sa.func.count(sa.distinct(Answer.response_id))
        for key, (n,) in per_item(multiple_items, respondents):
            found.respondents[key] = n

    if numeric_items:
        stats = (sa.func.count(), sa.func.count(Answer.value_num), sa.func.sum(Answer.value_num))
        for key, (_rows, n, total) in per_item(numeric_items, *stats):
            found.numbers[key] = (n, float(total or 0))

    if text_items:
        written = (Answer.value_text.is_not(None), Answer.value_text != "")
        for key, (n,) in per_item(text_items, sa.func.count(), where=written):
            found.comment_counts[key] = n
    return found


def _choice_counts(
    live: _Live,
    found: Aggregates,
    pairs: Sequence[tuple[int, int]],
    partner: list[t.Any],
) -> None:
    """Answers per group x item x option: the report's one big scan. One query per
    (survey, wave) with both fixed, grouped by item, option and audience (and partner):
    exactly the order of ix_answer_report after its first two columns, so the database
    streams that index once, with no sort, no hash table, no join and no table access.
    Measured on 2.2 M answers (SQLite): 0.37 s, against 0.49 s for one query over every
    pair grouped by all five columns. Rows of items the report does not show are counted
    too and ignored: filtering each answer by an item list costs more than it saves.
    Rows without an option (numbers, text) are dropped here rather than in SQL, which
    saves a test on every row."""
    columns = [Answer.survey_id, Answer.wave_id, Answer.item_id, Answer.choice, Answer.audience]
    columns += partner
    every = sa.select(*columns, sa.func.count()).where(
        Answer.survey_id.in_(sorted({s for s, _w in pairs})),
        Answer.wave_id.in_(sorted({w for _s, w in pairs})),
    )
    grouped = columns[2:]
    parts = [
        (
            (survey_id, wave_id),
            sa.select(*grouped, sa.func.count())
            .where(Answer.survey_id == survey_id, Answer.wave_id == wave_id)
            .group_by(*grouped),
        )
        for survey_id, wave_id in pairs
    ]
    counts = live.rows(every.group_by(*columns), len(columns), parts)
    for (survey_id, wave_id, item_id, choice, audience, *rest), (n,) in counts.items():
        if choice is not None:
            key = (wave_id, survey_id, _audience(audience), rest[0] if rest else None)
            found.choices[(key, item_id, choice)] = n


def comments(
    session: orm.Session,
    wave_id: int,
    survey_id: int,
    audience: str,
    item_id: str,
    partner_id: int | None,
    limit: int,
) -> list[str]:
    """Up to ``limit`` comments for one question and group, oldest first (a stable order
    that does not change as later comments arrive)."""
    # The answer's own facts find the question's answers through ix_answer_report; the
    # join (to these answers only) drops deleted responses and gives the order.
    query = (
        sa.select(Answer.value_text)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Answer.survey_id == survey_id,
            Answer.wave_id == wave_id,
            Answer.item_id == item_id,
            Answer.audience == audience,
            Answer.value_text.is_not(None),
            Answer.value_text != "",
            Response.deleted_at.is_(None),
        )
        .order_by(Response.submitted_at, Answer.id)
        .limit(limit)
    )
    if partner_id is not None:
        query = query.where(Answer.partner_id == partner_id)
    return [text for (text,) in session.execute(query)]


__all__ = ["Aggregates", "GroupKey", "comments", "fetch"]
