"""Small-cell suppression, applied to the summaries before any renderer sees them.

Rules (``min_n`` is MIN_CELL_SIZE, default 10, never below 5):

1. **Primary**: a count between 1 and ``min_n - 1`` is hidden ("fewer than N"), and so is
   every figure that describes that group (its percentages, percent favourable, mean).
   Zero is shown: "nobody chose this" describes nobody. A group (audience x instrument)
   or an item answered by fewer than ``min_n`` people shows nothing at all.
2. **Complementary**: wherever a total is published, the hidden cells under it are known
   as a sum, so that sum must itself be publishable (0 or at least ``min_n``, and safe
   under rule 3). Under an
   item's n (all options), and, while percent favourable is shown, under its favourable,
   unfavourable and "don't know" parts, the next smallest shown option is hidden until
   that holds; a part that runs out of options hides percent favourable instead. A mean
   is shown only when no scored option is hidden. An instrument's total across
   audiences is hidden when any audience's count is.
3. **Differencing**: in a partner view every count also carries the same figure for
   each disjoint group outside the view (``Cell.peers``). A partner's figure is shown
   only if it stays publishable when every partner view and the whole view are laid
   side by side: each published partner figure is at least ``min_n``, the whole minus it
   is 0 or at least ``min_n``, and the whole minus all published partner figures is too
   (otherwise the smallest is withdrawn). The rule depends only on the data, so every
   partner's view makes the same decision.
4. **Comments** have their own threshold (COMMENT_MIN_CELL_SIZE): a question's comments
   are listed only when at least that many people in the group wrote one (and, in a
   partner view, when the same differencing rule holds for the comment counts).

Suppressed cells lose their value (``Cell.hide``), so nothing downstream can leak them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from reports.model import Cell, Group, ItemSummary, OptionCount

FLOOR = 5


def publishable(cell: Cell, min_n: int) -> bool:
    """Whether a count may be shown (rules 1 and 3)."""
    value = cell.value
    if cell.suppressed or value is None:
        return False
    if value == 0:
        return True
    if value < min_n:
        return False
    if cell.peers is None:
        return True
    return _survives_differencing(value, cell.peers, min_n)


def _small(value: float, min_n: int) -> bool:
    return 0 < value < min_n


def _survives_differencing(value: float, peers: Sequence[float], min_n: int) -> bool:
    values = [value, *peers]
    whole = sum(values)
    published = [i for i, v in enumerate(values) if v >= min_n and not _small(whole - v, min_n)]
    while published and _small(whole - sum(values[i] for i in published), min_n):
        # Withdraw the smallest; on a tie withdraw this view's own figure first, which
        # only ever hides more.
        smallest = min(published, key=lambda i: (values[i], i))
        published.remove(smallest)
    return 0 in published


def apply(groups: Iterable[Group], min_n: int, comment_min: int) -> None:
    """Suppress every figure of ``groups`` in place."""
    if min_n < FLOOR or comment_min < FLOOR:
        raise ValueError(f"minimum cell sizes below {FLOOR} would expose small groups")
    for group in groups:
        _group(group, min_n, comment_min)


def instrument_total(groups: Sequence[Group]) -> Cell:
    """Responses across an instrument's audiences: hidden when any audience's count is
    (complementary suppression of the total)."""
    if any(g.responses.suppressed for g in groups):
        return Cell.hidden()
    return Cell(sum(g.responses.value or 0 for g in groups))


def _group(group: Group, min_n: int, comment_min: int) -> None:
    if not publishable(group.responses, min_n):
        group.responses.hide()
        if group.expected:
            group.response_rate.hide()
            group.responses_with_expected.hide()
        for item in group.items():
            _hide_item(item)
        return
    _response_rate(group, min_n)
    for item in group.items():
        _item(item, min_n, comment_min)
    group.responses.peers = None


def _response_rate(group: Group, min_n: int) -> None:
    if not group.expected:
        return
    with_expected = group.responses_with_expected
    without = Cell(
        (group.responses.value or 0) - (with_expected.value or 0),
        peers=_minus(group.responses.peers, with_expected.peers),
    )
    if publishable(with_expected, min_n) and publishable(without, min_n):
        with_expected.peers = None
        return
    with_expected.hide()
    group.response_rate.hide()


def _minus(a: Sequence[float] | None, b: Sequence[float] | None) -> tuple[float, ...] | None:
    if a is None:
        return None
    return tuple(x - y for x, y in zip(a, b or [0.0] * len(a), strict=True))


def _hide_item(item: ItemSummary) -> None:
    for cell in _cells(item):
        cell.hide()
    item.comments = []


def _cells(item: ItemSummary) -> list[Cell]:
    cells = [
        item.n,
        item.percent_favourable,
        item.favourable_count,
        item.unfavourable_count,
        item.mean,
        item.comment_count,
    ]
    for option in item.options:
        cells += [option.count, option.percent]
    return cells


def _item(item: ItemSummary, min_n: int, comment_min: int) -> None:
    if item.kind == "text":
        if not publishable(item.comment_count, comment_min) or not publishable(item.n, min_n):
            _hide_item(item)
        _clear_peers(item)
        return
    if not publishable(item.n, min_n):
        _hide_item(item)
        return
    if not item.n.value:
        _clear_peers(item)
        return
    raw = {id(o): o.count.value or 0 for o in item.options}
    hidden = {id(o) for o in item.options if not publishable(o.count, min_n)}
    fav_known = item.kind == "scored" and item.percent_favourable.value is not None
    if fav_known and not (
        publishable(item.favourable_count, min_n) and publishable(item.unfavourable_count, min_n)
    ):
        fav_known = False
    while True:
        parts: list[list[OptionCount]] = []
        if not item.multiple:
            parts.append(item.options)
        if fav_known:
            scored = item.scored_options
            parts += [
                [o for o in scored if o.favourable],
                [o for o in scored if not o.favourable],
                [o for o in item.options if o.excluded],
            ]
        for part in parts:
            # Whatever is hidden under a published total is known as a sum: that sum
            # must itself be publishable (0 or >= min_n, and safe against differencing).
            under = [o.count for o in part if id(o) in hidden]
            if not under or publishable(sum_cells(under), min_n):
                continue
            candidates = sorted(
                (o for o in part if id(o) not in hidden and raw[id(o)] > 0),
                key=lambda o: (raw[id(o)], item.options.index(o)),
            )
            if candidates:
                hidden.add(id(candidates[0]))
            else:
                fav_known = False  # only this part's total gives it away: withdraw it
            break
        else:
            break
    for option in item.options:
        if id(option) in hidden:
            option.count.hide()
            option.percent.hide()
    if not fav_known and item.kind == "scored":
        item.percent_favourable.hide()
        item.favourable_count.hide()
        item.unfavourable_count.hide()
    if any(o.count.suppressed for o in item.scored_options) or (
        item.kind == "numeric" and item.n.suppressed
    ):
        item.mean.hide()
    _clear_peers(item)


def sum_cells(cells: Sequence[Cell]) -> Cell:
    """One cell for the sum of ``cells`` (their peers added position by position)."""
    value = sum(c.value or 0 for c in cells)
    if all(c.peers is None for c in cells):
        return Cell(value)
    width = max(len(c.peers or ()) for c in cells)
    peers = [0.0] * width
    for c in cells:
        for i, v in enumerate(c.peers or ()):
            peers[i] += v
    return Cell(value, peers=tuple(peers))


def _clear_peers(item: ItemSummary) -> None:
    for cell in _cells(item):
        cell.peers = None


__all__ = ["FLOOR", "apply", "instrument_total", "publishable", "sum_cells"]
