"""The stricter count-level rule (``SUPPRESSION=cells``), for districts whose policy is
to publish no count from 1 to N-1 at all (NCES SLDS Technical Brief 3 style).

Within each item, every count cell of every scope (each option, and n) from 1 to N-1 is
hidden ("fewer than N"), zero is shown. Then **complementary suppression**: published
totals must not give a hidden small count away. The published cells of an item, in the
whole view and every partner's, are linear equations over the counts of the finest
groups (each partner's responses, and those through links without a partner); an exact
check (:class:`Span`, integer elimination, no floating point) asks whether any hidden
small count - a hidden cell, or the count of a group no view shows, such as the
responses without a partner - is determined by them. While one is, one more cell is
hidden (the smallest non-zero one beside it in its scope, else in its column, else the
smallest published), so the set of published cells strictly shrinks and the loop ends;
when it runs out everything is hidden, which fails closed.

Percent favourable and the mean are shown only where every scored cell and n are (they
would otherwise solve a hidden cell). A follow-up is hidden in a scope wherever its
parent question is not fully shown there. Numbers (means), comments and response
counts are group figures: they follow the respondents rule of ``reports.suppress``,
with response counts of 1 to N-1 hidden and the tree's rest rule keeping any two
published counts from differing by a small group.
"""

from __future__ import annotations

import itertools
import math
import typing as t
from collections.abc import Mapping

from reports.model import Status
from reports.query import Tally
from reports.suppress import Decisions, ItemSpec, View

Unknown = tuple[t.Any, str]  # (atom: partner id or None, code or "n")


class Span:
    """The span of integer row vectors, kept in echelon form with exact integers."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, dict[int, int]]] = []

    def _reduce(self, vector: dict[int, int]) -> dict[int, int]:
        vec = {k: v for k, v in vector.items() if v}
        for pivot, row in self.rows:
            factor = vec.get(pivot)
            if not factor:
                continue
            lead = row[pivot]
            merged = {k: v * lead for k, v in vec.items()}
            for k, v in row.items():
                merged[k] = merged.get(k, 0) - factor * v
            vec = {k: v for k, v in merged.items() if v}
            divisor = math.gcd(*vec.values()) if vec else 1
            if divisor > 1:
                vec = {k: v // divisor for k, v in vec.items()}
        return vec

    def add(self, vector: dict[int, int]) -> None:
        reduced = self._reduce(vector)
        if reduced:
            self.rows.append((min(reduced), reduced))

    def contains(self, vector: dict[int, int]) -> bool:
        return not self._reduce(vector)


class CellDecisions(Decisions):
    """Decisions of the count-level rule; numbers, comments and responses as in the
    respondents rule (:class:`reports.suppress.Decisions`)."""

    mode = "cells"

    def __init__(
        self,
        tally: Tally,
        specs: Mapping[tuple[int, str], ItemSpec],
        min_n: int,
        comment_min: int,
    ):
        super().__init__(tally, specs, min_n, comment_min)
        self._cells: dict[tuple[int, str, str], dict[tuple[View, str], Status]] = {}

    def item(self, view: View, survey_id: int, audience: str, item_id: str) -> Status:
        spec = self.specs.get((survey_id, item_id))
        if spec is None or spec.kind not in ("scored", "choice", "multiple"):
            return super().item(view, survey_id, audience, item_id)
        return self._item_cells(survey_id, audience, item_id).get((view, "n"), Status.NO_DATA)

    def option(self, view: View, survey_id: int, audience: str, item_id: str, code: str) -> Status:
        spec = self.specs.get((survey_id, item_id))
        if spec is None or spec.kind not in ("scored", "choice", "multiple"):
            return super().option(view, survey_id, audience, item_id, code)
        return self._item_cells(survey_id, audience, item_id).get((view, code), Status.NO_DATA)

    def summary(self, view: View, survey_id: int, audience: str, item_id: str) -> Status:
        spec = self.specs.get((survey_id, item_id))
        if spec is None or spec.kind != "scored":
            return self.item(view, survey_id, audience, item_id)
        cells = self._item_cells(survey_id, audience, item_id)
        n = cells.get((view, "n"), Status.NO_DATA)
        if not n.shown:
            return n
        if all(cells.get((view, code), Status.NO_DATA).shown for code in spec.codes):
            return Status.SHOWN
        return Status.DERIVED

    # Response counts (``responses``) are the respondents mode's: its tree rule already
    # hides every count of 1 to N-1 and keeps the rest of each split at 0 or N or more.

    # --- the cells of one item ---------------------------------------------------------
    def _item_cells(
        self, survey_id: int, audience: str, item_id: str
    ) -> dict[tuple[View, str], Status]:
        key = (survey_id, audience, item_id)
        cells = self._cells.get(key)
        if cells is None:
            cells = self._cells[key] = self._decide_item(survey_id, audience, item_id)
        return cells

    def _decide_item(
        self, survey_id: int, audience: str, item_id: str
    ) -> dict[tuple[View, str], Status]:
        spec = self.specs[(survey_id, item_id)]
        atoms = sorted(
            {
                f.partner_id
                for f in self.tally.links.values()
                if f.survey_id == survey_id and f.audience == audience
            },
            key=lambda a: (a is not None, a or 0),
        )
        counts: dict[Unknown, int] = {}
        for atom in atoms:
            choices = self.tally.choices.get((survey_id, audience, item_id, atom), {})
            for code in spec.codes:
                counts[(atom, code)] = choices.get(code, 0)
            if spec.kind == "multiple":
                counts[(atom, "n")] = self.tally.respondents.get(
                    (survey_id, audience, item_id, atom), 0
                )
            else:
                counts[(atom, "n")] = sum(choices.get(code, 0) for code in spec.codes)
        views: list[View] = [None, *(a for a in atoms if a is not None)]
        columns = [*spec.codes, "n"]

        def members(view: View) -> list[t.Any]:
            return atoms if view is None else [view]

        def value(view: View, column: str) -> int:
            return sum(counts[(atom, column)] for atom in members(view))

        values = {(v, c): value(v, c) for v in views for c in columns}
        shown = {cell for cell, n in values.items() if n == 0 or n >= self.min_n}
        # Follow-ups: hidden wherever the parent is not fully shown.
        for parent in spec.parents:
            parent_cells = self._parent_cells(survey_id, audience, parent)
            for view in views:
                if not parent_cells.get(view, False):
                    shown -= {(view, c) for c in columns}
        shown = self._complement(spec, atoms, views, columns, counts, values, shown)
        decided: dict[tuple[View, str], Status] = {}
        for cell, n in values.items():
            if cell in shown:
                decided[cell] = Status.SHOWN if n else Status.NO_DATA
                if n == 0 and cell[1] != "n":
                    decided[cell] = Status.SHOWN  # "nobody chose this" is a shown zero
            else:
                decided[cell] = Status.SMALL if 0 < n < self.min_n else Status.WITHHELD
        return decided

    def _parent_cells(self, survey_id: int, audience: str, parent: str) -> dict[View, bool]:
        spec = self.specs.get((survey_id, parent))
        if spec is None:
            return {}
        if spec.kind not in ("scored", "choice", "multiple"):
            return {
                view: status.shown
                for view, status in self._item_decisions(survey_id, audience, parent).items()
            }
        cells = self._item_cells(survey_id, audience, parent)
        views = {view for view, _ in cells}
        return {
            view: all(status.shown for (v, _c), status in cells.items() if v == view)
            for view in views
        }

    def _complement(
        self,
        spec: ItemSpec,
        atoms: list[t.Any],
        views: list[View],
        columns: list[str],
        counts: dict[Unknown, int],
        values: dict[tuple[View, str], int],
        shown: set[tuple[View, str]],
    ) -> set[tuple[View, str]]:
        index = {unknown: i for i, unknown in enumerate(counts)}
        codes = [c for c in columns if c != "n"]

        def vector(view: View, column: str) -> dict[int, int]:
            atoms_in = atoms if view is None else [view]
            if column == "n" and spec.kind != "multiple":
                return {index[(a, c)]: 1 for a in atoms_in for c in codes}
            return {index[(a, column)]: 1 for a in atoms_in}

        targets = _small_counts(spec, atoms, columns, counts, self.min_n)

        def target_vector(target: tuple[tuple[t.Any, ...], str]) -> dict[int, int]:
            group, column = target
            if column == "n" and spec.kind != "multiple":
                return {index[(a, c)]: 1 for a in group for c in codes}
            return {index[(a, column)]: 1 for a in group}

        remaining = set(shown)
        for _step in range(len(shown) + 1):  # each step hides one more cell
            span = Span()
            for cell in sorted(remaining, key=_cell_order):
                span.add(vector(*cell))
            exposed = next(
                (target for target in targets if span.contains(target_vector(target))), None
            )
            if exposed is None:
                return remaining
            remaining.discard(self._next_to_hide(exposed, atoms, remaining, values))
        return set()  # cannot happen (nothing published determines nothing): fail closed

    @staticmethod
    def _next_to_hide(
        exposed: tuple[tuple[t.Any, ...], str],
        atoms: list[t.Any],
        remaining: set[tuple[View, str]],
        values: dict[tuple[View, str], int],
    ) -> tuple[View, str]:
        """The cell to hide next: a non-zero one of the scope that is the exposed
        group (the whole, or that partner), else of a partner inside it, else of its
        column, else the smallest published; ties in a fixed order."""
        group, column = exposed
        if set(group) == set(atoms):
            scopes: set[View] = {None}
        else:
            scopes = {a for a in group if a is not None and len(group) == 1}
        inside = {a for a in group if a is not None}
        live = [c for c in remaining if values[c] > 0]
        candidates = (
            [c for c in live if c[0] in scopes]
            or [c for c in live if c[0] is not None and c[0] in inside]
            or [c for c in live if c[1] == column]
            or live
            or list(remaining)
        )
        return min(candidates, key=lambda c: (values[c], c[1] == "n", _cell_order(c)))


def _small_counts(
    spec: ItemSpec,
    atoms: list[t.Any],
    columns: list[str],
    counts: Mapping[Unknown, int],
    min_n: int,
) -> list[tuple[tuple[t.Any, ...], str]]:
    """What must never be worked out: every count from 1 to N-1 of any set of the
    finest groups - a scope's (the whole, one partner) and every group no scope shows
    (the links without a partner, or two partners together, which the whole minus a
    third would give). Smallest groups first."""
    small_groups = []
    for size in range(1, len(atoms) + 1):
        for group in itertools.combinations(atoms, size):
            for column in columns:
                if 0 < sum(counts[(a, column)] for a in group) < min_n:
                    small_groups.append((group, column))
    return small_groups


def _cell_order(cell: tuple[t.Any, str]) -> tuple[int, int, str]:
    view, column = cell
    return (view is not None, view or 0, column)


__all__ = ["CellDecisions", "Span"]
