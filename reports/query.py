"""SQL aggregates for reports: one :class:`Tally` per wave, every count kept per partner
(the finest group any view can show) and response counts per link, so the privacy rule
can decide each figure for every view at once. Answers are never loaded one by one;
only grouped counts come back, plus the distinct comment texts (capped per question).

Every answer row carries its response's survey, wave, audience and partner (copied when
written; see ``app.models.Answer``), so the aggregates read the answer table's
``ix_answer_report`` index alone, in its order, without joining answers to responses.
Soft-deleted responses are excluded from every figure: response counts filter them out;
answer aggregates subtract what the (normally few) answers of deleted responses add.

A tally is plain data (:meth:`Tally.to_json` / :meth:`Tally.from_json`): a release
stores it, so what partners were given is built again from exactly the same counts.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t
from collections.abc import Collection, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy import orm

from app.models import Answer, CommentRedaction, Link, Response

# (survey_id, audience, item_id, partner_id or None)
AtomKey = tuple[int, str, str, int | None]
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200d\u2060\ufeff]")


def clean_text(value: str) -> str:
    """Text as reports show it: no control or zero-width characters, line ends as
    spaces, runs of spaces collapsed."""
    return " ".join(CONTROL.sub(" ", value.replace("\r\n", "\n").replace("\r", "\n")).split())


@dataclasses.dataclass(frozen=True, slots=True)
class LinkFacts:
    survey_id: int
    audience: str
    partner_id: int | None
    channel: str
    expected: int | None


@dataclasses.dataclass(slots=True)
class Tally:
    """Grouped counts of one wave, over every instrument, kept per partner."""

    wave_id: int
    links: dict[int, LinkFacts] = dataclasses.field(default_factory=dict)
    responses: dict[int, int] = dataclasses.field(default_factory=dict)  # link -> responses
    versions: dict[int, set[int]] = dataclasses.field(default_factory=dict)  # survey -> ids
    # atom -> {option code: answers}
    choices: dict[AtomKey, dict[str, int]] = dataclasses.field(default_factory=dict)
    # atom -> respondents (multiple choice: distinct responses)
    respondents: dict[AtomKey, int] = dataclasses.field(default_factory=dict)
    # atom -> (answers, sum) of numeric answers
    numbers: dict[AtomKey, tuple[int, float]] = dataclasses.field(default_factory=dict)
    # atom -> comments written
    comment_counts: dict[AtomKey, int] = dataclasses.field(default_factory=dict)
    # atom -> [(text, times written, first written at)] most written first, capped
    comments: dict[AtomKey, list[tuple[str, int, str]]] = dataclasses.field(default_factory=dict)
    label: str | None = None  # "Release 2 of 2026-12-01" when read from a release

    def group_responses(self, survey_id: int, audience: str) -> dict[int, int]:
        """Responses of one instrument x audience per link."""
        return {
            link_id: n
            for link_id, n in self.responses.items()
            if (facts := self.links.get(link_id)) is not None
            and facts.survey_id == survey_id
            and facts.audience == audience
        }

    def groups(self) -> set[tuple[int, str]]:
        """(survey, audience) pairs with live responses."""
        return {
            (self.links[link].survey_id, self.links[link].audience)
            for link, n in self.responses.items()
            if n and link in self.links
        }

    def partners(self) -> set[int]:
        return {f.partner_id for f in self.links.values() if f.partner_id is not None}

    # --- plain data, for releases -----------------------------------------------------
    def to_json(self) -> dict[str, t.Any]:
        return {
            "wave_id": self.wave_id,
            "links": [[k, *dataclasses.astuple(v)] for k, v in self.links.items()],
            "responses": [[k, v] for k, v in self.responses.items()],
            "versions": [[k, sorted(v)] for k, v in self.versions.items()],
            "choices": [[*k, v] for k, v in self.choices.items()],
            "respondents": [[*k, v] for k, v in self.respondents.items()],
            "numbers": [[*k, *v] for k, v in self.numbers.items()],
            "comment_counts": [[*k, v] for k, v in self.comment_counts.items()],
            "comments": [[*k, [list(c) for c in v]] for k, v in self.comments.items()],
        }

    @classmethod
    def from_json(cls, data: dict[str, t.Any]) -> Tally:
        def atom(row: list[t.Any]) -> AtomKey:
            return (row[0], row[1], row[2], row[3])

        return cls(
            wave_id=data["wave_id"],
            links={r[0]: LinkFacts(*r[1:]) for r in data["links"]},
            responses={r[0]: r[1] for r in data["responses"]},
            versions={r[0]: set(r[1]) for r in data["versions"]},
            choices={atom(r): dict(r[4]) for r in data["choices"]},
            respondents={atom(r): r[4] for r in data["respondents"]},
            numbers={atom(r): (r[4], r[5]) for r in data["numbers"]},
            comment_counts={atom(r): r[4] for r in data["comment_counts"]},
            comments={atom(r): [tuple(c) for c in r[4]] for r in data["comments"]},
        )


def _audience(value: t.Any) -> str:
    return value.value if hasattr(value, "value") else str(value)


class LiveAnswers:
    """Runs answer aggregates and takes away the part that belongs to soft-deleted
    responses. Subtraction is exact for counts and counts of distinct responses (a
    response is either deleted or not), and for sums up to floating-point rounding; a
    group whose count drops to zero is left out, as a GROUP BY over live answers would
    have left it out."""

    def __init__(self, session: orm.Session):
        self.session = session
        # Every deleted response, through the partial ix_response_deleted alone.
        self.deleted = sa.select(Response.id).where(Response.deleted_at.is_not(None))
        self.any_deleted = session.execute(self.deleted.limit(1)).first() is not None

    def rows(
        self,
        query: sa.Select[*tuple[t.Any, ...]],
        keys: int,
        parts: Sequence[tuple[tuple[t.Any, ...], sa.Select[*tuple[t.Any, ...]]]] = (),
    ) -> dict[tuple[t.Any, ...], list[t.Any]]:
        """``{first `keys` columns: the other columns}`` over the answers of live
        responses. ``query`` selects all answers in scope grouped by its first ``keys``
        columns; the next one counts the group's rows or responses (zero: left out).
        ``parts``, if given, are run instead of ``query``: (prefix, query) pairs whose
        rows, each keyed by prefix + its leading columns, together make up ``query``'s."""
        totals: dict[tuple[t.Any, ...], list[t.Any]] = {}
        for prefix, part in parts or [((), query)]:
            width = keys - len(prefix)
            for row in self.session.execute(part):
                totals[prefix + tuple(row[:width])] = list(row[width:])
        if not self.any_deleted:
            return totals
        for row in self.session.execute(query.where(Answer.response_id.in_(self.deleted))):
            values = totals.get(tuple(row[:keys]))
            if values is None:  # cannot happen: the deleted answers are part of all
                continue
            for i, v in enumerate(row[keys:]):
                values[i] = (values[i] or 0) - (v or 0)
        return {k: v for k, v in totals.items() if v[0]}


@dataclasses.dataclass(frozen=True)
class ItemKinds:
    """Which items of the wave's instruments are summarised how."""

    choice: frozenset[str] = frozenset()  # scored and choice items (counts per option)
    multiple: frozenset[str] = frozenset()
    numeric: frozenset[str] = frozenset()
    text: frozenset[str] = frozenset()


def response_tally(session: orm.Session, wave_id: int) -> Tally:
    """The wave's links and responses per link only (what response counts need)."""
    tally = Tally(wave_id)
    for link in session.execute(
        sa.select(
            Link.id, Link.survey_id, Link.audience, Link.partner_id, Link.channel, Link.expected_n
        ).where(Link.wave_id == wave_id)
    ):
        tally.links[link.id] = LinkFacts(
            link.survey_id,
            _audience(link.audience),
            link.partner_id,
            _audience(link.channel),
            link.expected_n,
        )
    if not tally.links:
        return tally
    # One pass over the wave's part of the covering ix_response_report, grouped in the
    # index's order once survey and wave are fixed: no sort and no temporary B-tree.
    # Grouping by link alone would make the database scan every wave and sort.
    in_order = (
        Response.survey_id,
        Response.audience,
        Response.partner_id,
        Response.link_id,
        Response.survey_version_id,
    )
    for row in session.execute(
        sa.select(Response.survey_id, Response.link_id, Response.survey_version_id, sa.func.count())
        .where(
            Response.survey_id.in_(sorted({f.survey_id for f in tally.links.values()})),
            Response.wave_id == wave_id,
            Response.deleted_at.is_(None),
        )
        .group_by(*in_order)
    ):
        survey_id, link_id, version_id, n = row
        tally.responses[link_id] = tally.responses.get(link_id, 0) + n
        tally.versions.setdefault(survey_id, set()).add(version_id)
    return tally


def fetch(session: orm.Session, wave_id: int, kinds: ItemKinds, comment_limit: int) -> Tally:
    """Every grouped count of ``wave_id`` (all instruments, per partner and link)."""
    tally = response_tally(session, wave_id)
    if not tally.responses:
        return tally
    live = LiveAnswers(session)
    surveys = sorted(tally.versions)
    if kinds.choice:
        _choice_counts(live, tally, surveys)
    for key, (n,) in _per_item(
        live, wave_id, surveys, kinds.multiple, sa.func.count(sa.distinct(Answer.response_id))
    ):
        tally.respondents[key] = n
    stats = (sa.func.count(), sa.func.count(Answer.value_num), sa.func.sum(Answer.value_num))
    for key, (_rows, n, total) in _per_item(live, wave_id, surveys, kinds.numeric, *stats):
        tally.numbers[key] = (n, float(total or 0))
    written = (Answer.value_text.is_not(None), Answer.value_text != "")
    for key, (n,) in _per_item(live, wave_id, surveys, kinds.text, sa.func.count(), where=written):
        tally.comment_counts[key] = n
    if tally.comment_counts:
        _uncount_removed(session, tally)
        tally.comments = _comments(session, wave_id, surveys, sorted(kinds.text), comment_limit)
    return tally


def _per_item(
    live: LiveAnswers,
    wave_id: int,
    surveys: Sequence[int],
    items: Collection[str],
    *aggregates: t.Any,
    where: Sequence[t.Any] = (),
) -> Iterator[tuple[AtomKey, list[t.Any]]]:
    if not items:
        return
    columns = [Answer.survey_id, Answer.item_id, Answer.audience, Answer.partner_id]
    query = (
        sa.select(*columns, *aggregates)
        .where(
            Answer.survey_id.in_(surveys),
            Answer.wave_id == wave_id,
            Answer.item_id.in_(sorted(items)),
            *where,
        )
        .group_by(*columns)
    )
    for (survey_id, item_id, audience, partner_id), figures in live.rows(query, 4).items():
        yield (survey_id, _audience(audience), item_id, partner_id), figures


def _choice_counts(live: LiveAnswers, tally: Tally, surveys: Sequence[int]) -> None:
    """Answers per item x option x audience x partner: the report's one big scan. One
    query per instrument with survey and wave fixed, grouped in the order of
    ix_answer_report after its first two columns, so the database streams that index
    once, with no sort, no hash table, no join and no table access. Rows of items the
    report does not show are counted and ignored; rows without an option (numbers,
    text) are dropped here rather than in SQL, which saves a test on every row."""
    grouped = [Answer.item_id, Answer.choice, Answer.audience, Answer.partner_id]
    every = sa.select(Answer.survey_id, *grouped, sa.func.count()).where(
        Answer.survey_id.in_(surveys), Answer.wave_id == tally.wave_id
    )
    parts = [
        (
            (survey_id,),
            sa.select(*grouped, sa.func.count())
            .where(Answer.survey_id == survey_id, Answer.wave_id == tally.wave_id)
            .group_by(*grouped),
        )
        for survey_id in surveys
    ]
    counts = live.rows(every.group_by(Answer.survey_id, *grouped), 5, parts)
    for (survey_id, item_id, choice, audience, partner_id), (n,) in counts.items():
        if choice is not None:
            atom = (survey_id, _audience(audience), item_id, partner_id)
            tally.choices.setdefault(atom, {})[choice] = n


def _uncount_removed(session: orm.Session, tally: Tally) -> None:
    """Comments a coordinator removed from every report are not counted either."""
    for survey_id, audience, item_id, partner_id, n in session.execute(
        sa.select(
            Answer.survey_id, Answer.audience, Answer.item_id, Answer.partner_id, sa.func.count()
        )
        .join(CommentRedaction, CommentRedaction.answer_id == Answer.id)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Answer.wave_id == tally.wave_id,
            CommentRedaction.undone_at.is_(None),
            CommentRedaction.text.is_(None),
            Response.deleted_at.is_(None),
        )
        .group_by(Answer.survey_id, Answer.audience, Answer.item_id, Answer.partner_id)
    ):
        atom = (survey_id, _audience(audience), item_id, partner_id)
        left = tally.comment_counts.get(atom, 0) - n
        if left > 0:
            tally.comment_counts[atom] = left
        else:
            tally.comment_counts.pop(atom, None)


def _comments(
    session: orm.Session, wave_id: int, surveys: Sequence[int], items: Sequence[str], limit: int
) -> dict[AtomKey, list[tuple[str, int, str]]]:
    """Distinct comment texts per question, audience and partner with how many wrote
    each, most written first (then oldest first), at most ``limit`` per group.
    Redactions are applied (``app.models.CommentRedaction``): a redacted answer counts
    with its redacted text, a removed one not at all; texts are cleaned of control
    characters, so two answers differing only by those merge."""
    redaction = sa.orm.aliased(CommentRedaction)
    text = sa.func.coalesce(redaction.text, Answer.value_text)
    rows = session.execute(
        sa.select(
            Answer.survey_id,
            Answer.audience,
            Answer.item_id,
            Answer.partner_id,
            text,
            sa.func.count(),
            sa.func.min(Response.submitted_at),
        )
        .join(Response, Response.id == Answer.response_id)
        .outerjoin(
            redaction,
            sa.and_(redaction.answer_id == Answer.id, redaction.undone_at.is_(None)),
        )
        .where(
            Answer.survey_id.in_(surveys),
            Answer.wave_id == wave_id,
            Answer.item_id.in_(items),
            Answer.value_text.is_not(None),
            Answer.value_text != "",
            Response.deleted_at.is_(None),
            # A redaction without text removes the whole comment.
            sa.or_(redaction.id.is_(None), redaction.text.is_not(None)),
        )
        .group_by(Answer.survey_id, Answer.audience, Answer.item_id, Answer.partner_id, text)
    )
    merged: dict[AtomKey, dict[str, list[t.Any]]] = {}
    for survey_id, audience, item_id, partner_id, value, n, first in rows:
        cleaned = clean_text(value)
        if not cleaned:
            continue
        bucket = merged.setdefault((survey_id, _audience(audience), item_id, partner_id), {})
        entry = bucket.setdefault(cleaned, [0, first.isoformat()])
        entry[0] += n
        entry[1] = min(entry[1], first.isoformat())
    return {
        atom: sorted(
            ((text, n, first) for text, (n, first) in texts.items()),
            key=lambda c: (-c[1], c[2], c[0]),
        )[:limit]
        for atom, texts in merged.items()
    }


__all__ = ["AtomKey", "ItemKinds", "LinkFacts", "Tally", "clean_text", "fetch", "response_tally"]
