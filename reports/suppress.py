"""The privacy rule: which figures a report may show, decided from the data alone.

The default rule (``mode="respondents"``) is the one survey programmes use for
respondent data (Qualtrics EX and Culture Amp anonymity thresholds; CDC YRBS and the
California Healthy Kids Survey suppress on the number of respondents). N is
MIN_CELL_SIZE (default 10, never below 5); C is COMMENT_MIN_CELL_SIZE.

1. **Groups, not cells.** A *basic figure* is one item's distribution in one group
   (an audience of one instrument in one wave, in one scope: the whole school or one
   partner's responses). Its n is everyone in the group who answered the item, "don't
   know" included. It is shown when n >= N, and then every option's count and
   percentage is shown, with percent favourable and the mean. Otherwise it reads
   "Fewer than N people answered: not shown" (:data:`Status.SMALL`).
2. **Derived figures** (a change since the last wave, a trend, a gap between
   audiences, a pooled element score, a total across audiences) are computed only from
   basic figures shown in the same scope (``reports.derived``); pooled scores pool only
   shown components, the same way in every report.
3. **No differencing across views and splits.** Where published figures describe a
   group and parts of it - the whole and partners; a group's responses and its
   partners' or channels' - every part shown has at least N, and the rest (the whole
   minus the parts shown) is 0 or at least N. When the rest falls between, the
   smallest part is withheld (:data:`Status.WITHHELD`, "withheld so that a small group
   elsewhere cannot be worked out"); one withdrawal always suffices, since it adds at
   least N to the rest. A follow-up shown only after some answers takes its parent's
   decision: where the parent is not shown, neither is the follow-up (its n would
   tell how many chose the parent's answer). Response counts form a tree (group ->
   partner's links or links without a partner -> channels -> links), decided at each
   node the same way, so no two published counts differ by a small group. A channel
   across every partner (:meth:`Decisions.channel`) is shown only as a sum of shown
   nodes, as the pooled part is. The links of partners whose results are pooled are
   one part of the whole school's counts (:meth:`Decisions.pooled`): the sum of those
   partners' nodes, shown only when each of them is, so it tells nothing the
   partners' own counts do not.
4. **No differencing over time** is the job of releases (``reports.releases``):
   partners read frozen figures, re-released only when every group changed by 0 or at
   least N responses and every question of every group by 0 or at least N answers.
5. Highlights, gaps, changes and questions for the meeting are chosen among shown
   figures only (``reports.highlights``).
6. **Comments** follow rules 1 and 3 with C in place of N, counted as comments written
   (merged duplicates count as the comments they merge).
7. **Termination.** Every step runs over a finite set once; nothing loops. A figure
   the rule cannot decide (an unknown parent) is withheld: it fails closed.

Every decision depends only on the counts, never on who asks or which report is built,
so every view makes the same decision about the same figure. ``mode="cells"``
(``reports.cells``) is the stricter count-level rule some districts require.
"""

from __future__ import annotations

import dataclasses
import typing as t
from collections.abc import Collection, Iterable, Mapping

from reports.model import Status
from reports.query import Tally

FLOOR = 5
MODES = ("respondents", "cells")
ALL = "all"  # a response-count node for every partner's links together
NO_PARTNER = "none"  # links without a partner

# A scope: None for the whole school, or a partner id.
View = int | None
# A node of a group's response tree: (partner part, channel, link), ALL where not narrowed.
Node = tuple[t.Any, t.Any, t.Any]


@dataclasses.dataclass(frozen=True)
class ItemSpec:
    """What the rule needs to know about an item."""

    survey_id: int
    item_id: str
    kind: str  # scored, choice, multiple, numeric, text
    codes: tuple[str, ...] = ()
    scored_codes: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()  # items whose answers decide whether it is asked


def check_sizes(min_n: int, comment_min: int) -> None:
    if min_n < FLOOR or comment_min < FLOOR:
        raise ValueError(f"minimum cell sizes below {FLOOR} would expose small groups")


def size_status(n: float, min_n: int) -> Status:
    """Rule 1 for one group: no data, fewer than N, or shown."""
    if n <= 0:
        return Status.NO_DATA
    return Status.SHOWN if n >= min_n else Status.SMALL


def published_parts(total: float, parts: Mapping[t.Any, float], min_n: int) -> set[t.Any]:
    """Rule 3 for one split: the parts that may be shown beside their ``total``.

    Parts of at least N are shown, unless the rest (total minus the parts shown) falls
    between 0 and N: then the smallest part is withheld as well (ties: the last key in
    sort order, so the decision never depends on the order of ``parts``), which makes
    the rest at least N. ``total`` itself must already be shown."""
    shown = {key for key, n in parts.items() if n >= min_n}
    rest = total - sum(parts[key] for key in shown)
    if shown and 0 < rest < min_n:
        shown.remove(min(shown, key=lambda key: (parts[key], _sort_key(key))))
    return shown


def _sort_key(key: t.Any) -> tuple[int, str]:
    return (0, "") if key is None else (1, str(key))


class Decisions:
    """The respondents rule's decisions for every figure of one wave's tally.

    Views ask for a figure by scope (None or a partner id); decisions are made on first
    use and kept, each from that figure's counts in every scope at once."""

    mode = "respondents"

    def __init__(
        self,
        tally: Tally,
        specs: Mapping[tuple[int, str], ItemSpec],
        min_n: int,
        comment_min: int,
    ):
        check_sizes(min_n, comment_min)
        self.tally = tally
        self.specs = specs
        self.min_n = min_n
        self.comment_min = comment_min
        self._items: dict[tuple[int, str, str], dict[View, Status]] = {}
        self._trees: dict[tuple[int, str], dict[Node, tuple[Status, int, int | None]]] = {}
        self._deciding: set[tuple[int, str, str]] = set()
        self._by_item = _index(tally)

    # --- basic figures ---------------------------------------------------------------
    def item(self, view: View, survey_id: int, audience: str, item_id: str) -> Status:
        """The whole distribution of an item in one group (rules 1, 3 and follow-ups)."""
        return self._item_decisions(survey_id, audience, item_id).get(view, Status.NO_DATA)

    def option(self, view: View, survey_id: int, audience: str, item_id: str, code: str) -> Status:
        return self.item(view, survey_id, audience, item_id)

    def summary(self, view: View, survey_id: int, audience: str, item_id: str) -> Status:
        """Percent favourable and mean: shown with the distribution."""
        return self.item(view, survey_id, audience, item_id)

    def comments(self, view: View, survey_id: int, audience: str, item_id: str) -> Status:
        return self.item(view, survey_id, audience, item_id)

    def _item_decisions(self, survey_id: int, audience: str, item_id: str) -> dict[View, Status]:
        key = (survey_id, audience, item_id)
        cached = self._items.get(key)
        if cached is not None:
            return cached
        spec = self.specs.get((survey_id, item_id))
        if spec is None or key in self._deciding:
            # Not asked in the definitions the report reads, or a condition that refers
            # back to itself: nothing is shown.
            return {}
        self._deciding.add(key)
        threshold = self.comment_min if spec.kind == "text" else self.min_n
        atoms = self._by_item.get((spec.kind == "text", survey_id, audience, item_id), {})
        total = sum(atoms.values())
        decisions: dict[View, Status] = {None: size_status(total, threshold)}
        partners = {p: n for p, n in atoms.items() if p is not None}
        shown = published_parts(total, partners, threshold) if decisions[None].shown else set()
        for partner, n in partners.items():
            status = size_status(n, threshold)
            decisions[partner] = (
                Status.WITHHELD if status.shown and partner not in shown else status
            )
        for parent in spec.parents:
            parent_decisions = self._item_decisions(survey_id, audience, parent)
            for view, status in decisions.items():
                if status.shown and not parent_decisions.get(view, Status.WITHHELD).shown:
                    decisions[view] = Status.WITHHELD
        self._deciding.discard(key)
        self._items[key] = decisions
        return decisions

    # --- response counts ---------------------------------------------------------------
    def responses(
        self,
        view: View,
        survey_id: int,
        audience: str,
        partner: t.Any = ALL,
        channel: t.Any = ALL,
        link: t.Any = ALL,
    ) -> tuple[Status, int | None, int | None]:
        """(status, responses, expected) of one node of a group's response tree.

        The whole view's root is every link of the group; a partner's view's root is
        that partner's links. ``partner`` narrows the whole view to one partner's links
        (a partner id, or :data:`NO_PARTNER`). The count is None unless shown; expected
        is the sum of the links' expected numbers, or None unless every link has one."""
        tree = self._tree(survey_id, audience)
        if view is not None:
            if partner not in (ALL, view):
                return (Status.NO_DATA, None, None)
            partner = view
        status, n, expected = tree.get((partner, channel, link), (Status.NO_DATA, 0, None))
        return (status, n if status.shown else None, expected)

    def pooled(
        self, survey_id: int, audience: str, partners: Collection[int]
    ) -> tuple[Status, int | None, int | None]:
        """(status, responses, expected) of the links of ``partners`` together: the
        part of the whole school's counts that names none of them (rule 7).

        It is shown only when every one of those partners' nodes with responses is
        shown, so it is a sum of counts the tree publishes anyway (each in that
        partner's own view) and adds nothing to what can be worked out, whichever
        partners are pooled when. Otherwise it reads "fewer than N" when the sum is
        below N, else "withheld"."""
        tree = self._tree(survey_id, audience)
        return self._sum_of(
            [tree[(p, ALL, ALL)] for p in sorted(partners) if (p, ALL, ALL) in tree]
        )

    def channel(
        self, view: View, survey_id: int, audience: str, channel: str
    ) -> tuple[Status, int | None, int | None]:
        """(status, responses, expected) of one channel's links in a scope.

        In a partner's view it is that partner's node for the channel. In the whole
        school's it is the sum of every part's node for the channel, shown only when each
        of them with responses is shown (as :meth:`pooled`): a sum of counts the tree
        publishes anyway, so it tells nothing they do not. Otherwise it reads "fewer than
        N" when the sum is below N, else "withheld"."""
        if view is not None:
            return self.responses(view, survey_id, audience, view, channel)
        tree = self._tree(survey_id, audience)
        return self._sum_of(
            [
                decided
                for (part, through, link), decided in sorted(tree.items(), key=lambda e: str(e[0]))
                if part != ALL and through == channel and link == ALL
            ]
        )

    def _sum_of(
        self, nodes: list[tuple[Status, int, int | None]]
    ) -> tuple[Status, int | None, int | None]:
        """(status, responses, expected) of decided nodes counted together: shown only
        when each of them with responses is, so it tells nothing they do not."""
        n = sum(node[1] for node in nodes)
        expected = [node[2] for node in nodes]
        total = None if not nodes or None in expected else sum(t.cast(list[int], expected))
        status = size_status(n, self.min_n)
        if status.shown and not all(node[0].shown for node in nodes if node[1]):
            status = Status.WITHHELD
        return (status, n if status.shown else None, total)

    def parts(self, survey_id: int, audience: str) -> list[Node]:
        """Every node of the group's response tree below the root."""
        return [node for node in self._tree(survey_id, audience) if node != (ALL, ALL, ALL)]

    def _tree(self, survey_id: int, audience: str) -> dict[Node, tuple[Status, int, int | None]]:
        key = (survey_id, audience)
        tree = self._trees.get(key)
        if tree is None:
            tree = self._trees[key] = self._decide_tree(survey_id, audience)
        return tree

    def _decide_tree(
        self, survey_id: int, audience: str
    ) -> dict[Node, tuple[Status, int, int | None]]:
        links = {
            link_id: facts
            for link_id, facts in self.tally.links.items()
            if facts.survey_id == survey_id and facts.audience == audience
        }
        counts = {link_id: self.tally.responses.get(link_id, 0) for link_id in links}

        def part(link_id: int) -> t.Any:
            partner = links[link_id].partner_id
            return NO_PARTNER if partner is None else partner

        levels: list[t.Callable[[int], Node]] = [
            lambda link: (ALL, ALL, ALL),
            lambda link: (part(link), ALL, ALL),
            lambda link: (part(link), links[link].channel, ALL),
            lambda link: (part(link), links[link].channel, link),
        ]
        members: dict[Node, list[int]] = {}
        parent_of: dict[Node, Node | None] = {}
        for link_id in links:
            above: Node | None = None
            for level in levels:
                node = level(link_id)
                members.setdefault(node, []).append(link_id)
                parent_of.setdefault(node, above)
                above = node
        # Top down: a node is decided against its parent, already decided. A partner's
        # own view has that partner's node as its root, decided against the whole, which
        # is what every viewer sees.
        decided: dict[Node, tuple[Status, int, int | None]] = {}
        for level in levels:
            nodes = {level(link_id) for link_id in links}
            for parent in {parent_of[n] for n in nodes}:
                siblings = [n for n in nodes if parent_of[n] == parent]
                values = {n: sum(counts[i] for i in members[n]) for n in siblings}
                if parent is None:
                    shown = {n for n in siblings if values[n] >= self.min_n}
                elif decided[parent][0].shown:
                    shown = published_parts(decided[parent][1], values, self.min_n)
                else:
                    shown = set()
                for node in siblings:
                    status = size_status(values[node], self.min_n)
                    if status.shown and node not in shown:
                        status = Status.WITHHELD
                    expected = [links[i].expected for i in members[node]]
                    decided[node] = (
                        status,
                        values[node],
                        None if None in expected else sum(t.cast(list[int], expected)),
                    )
        return decided


def _index(tally: Tally) -> dict[tuple[bool, int, str, str], dict[int | None, float]]:
    """(is text, survey, audience, item) -> per-partner n, for every kind at once."""
    index: dict[tuple[bool, int, str, str], dict[int | None, float]] = {}

    def add(text: bool, items: Iterable[tuple[tuple[t.Any, ...], float]]) -> None:
        for (survey_id, audience, item_id, partner), n in items:
            bucket = index.setdefault((text, survey_id, audience, item_id), {})
            bucket[partner] = bucket.get(partner, 0) + n

    add(False, ((k, sum(v.values())) for k, v in tally.choices.items()))
    # Multiple choice and numbers replace what their (empty) choice rows would add.
    for source in (tally.respondents.items(), ((k, v[0]) for k, v in tally.numbers.items())):
        for (survey_id, audience, item_id, partner), n in source:
            bucket = index.setdefault((False, survey_id, audience, item_id), {})
            bucket[partner] = n
    add(True, tally.comment_counts.items())
    return index


def decide(
    tally: Tally,
    specs: Mapping[tuple[int, str], ItemSpec],
    min_n: int,
    comment_min: int,
    mode: str = "respondents",
) -> Decisions:
    """The decisions of ``mode`` for every figure of ``tally``."""
    if mode == "respondents":
        return Decisions(tally, specs, min_n, comment_min)
    if mode == "cells":
        from reports.cells import CellDecisions

        return CellDecisions(tally, specs, min_n, comment_min)
    raise ValueError(f"unknown suppression rule '{mode}'; rules: {', '.join(MODES)}")


__all__ = [
    "ALL",
    "FLOOR",
    "MODES",
    "NO_PARTNER",
    "Decisions",
    "ItemSpec",
    "decide",
    "published_parts",
    "size_status",
]
