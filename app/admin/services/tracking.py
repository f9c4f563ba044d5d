"""Response tracking for the dashboard: progress per link and responses per week, as
counts through the reports' privacy rule (``reports.suppress``): a link's count is
shown when at least MIN_CELL_SIZE people answered through it and showing it cannot let
a smaller group be worked out from the others; otherwise it reads "fewer than N" or
"withheld"."""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing as t

import sqlalchemy as sa
from sqlalchemy import orm

from app.models import Link, Response, Survey, Wave


@dataclasses.dataclass(frozen=True)
class LinkProgress:
    link: Link
    responses: int | None  # None: not shown (see ``status``)
    last_response_at: dt.datetime | None
    status: str = "shown"  # shown, no_data, small or withheld

    @property
    def rate(self) -> float | None:
        """Responses as a share of the expected count (None when none is set or the
        count is not shown)."""
        if not self.link.expected_n or self.responses is None:
            return None
        return self.responses / self.link.expected_n


def link_progress(session: orm.Session, wave: Wave, min_n: int) -> list[LinkProgress]:
    """Every link of ``wave`` (survey, audience, partner, channel order) with its kept
    responses so far, through the privacy rule, and the time of the last one."""
    from reports.query import response_tally
    from reports.suppress import NO_PARTNER, Decisions

    decisions = Decisions(response_tally(session, wave.id), {}, min_n, min_n)
    stats = {
        link_id: (count, last)
        for link_id, count, last in session.execute(
            sa.select(Response.link_id, sa.func.count(), sa.func.max(Response.submitted_at))
            .where(Response.wave_id == wave.id, Response.deleted_at.is_(None))
            .group_by(Response.link_id)
        )
    }
    links = session.scalars(
        sa.select(Link)
        .join(Link.survey)
        .where(Link.wave_id == wave.id)
        .options(orm.joinedload(Link.survey), orm.joinedload(Link.partner))
        .order_by(Survey.slug, Link.audience, Link.partner_id.is_not(None), Link.id)
    )
    rows = []
    for link in links:
        _count, last = stats.get(link.id, (0, None))
        partner = NO_PARTNER if link.partner_id is None else link.partner_id
        status, shown, _expected = decisions.responses(
            None, link.survey_id, link.audience.value, partner, link.channel.value, link.id
        )
        rows.append(
            LinkProgress(
                link,
                shown if status.shown else (0 if status.value == "no_data" else None),
                _aware(last),
                status.value,
            )
        )
    return rows


@dataclasses.dataclass(frozen=True)
class WaveTotal:
    """The wave's kept responses across every survey x audience group."""

    count: int | None  # None: not shown (see ``status``)
    status: str  # shown, no_data, small or withheld
    at_least: int = 0  # when withheld: the responses of the groups shown, added up


class Week(t.NamedTuple):
    day: dt.date  # the week's first day
    responses: int | None  # None: not shown (see ``status``)
    status: str = "shown"  # shown, no_data, small or withheld


def shown_total(session: orm.Session, wave: Wave, min_n: int) -> WaveTotal:
    """The wave's kept responses through the privacy rule's split (rule 3).

    The groups (survey x audience) are its parts, each shown on its own from
    ``min_n`` (in reports, and as its links' counts here). The total is shown when
    the rest - the total minus the groups shown - is 0 or at least ``min_n``;
    otherwise it would give the small groups away (18 in all, 15 of them staff: 3
    families) and only the shown groups' sum is given, as a lower bound."""
    from reports.query import response_tally

    tally = response_tally(session, wave.id)
    groups: dict[tuple[int, str], int] = {}
    for link_id, facts in tally.links.items():
        key = (facts.survey_id, facts.audience)
        groups[key] = groups.get(key, 0) + tally.responses.get(link_id, 0)
    total = sum(groups.values())
    if total == 0:
        return WaveTotal(0, "no_data")
    if total < min_n:
        return WaveTotal(None, "small")
    shown = sum(n for n in groups.values() if n >= min_n)
    if 0 < total - shown < min_n:
        return WaveTotal(None, "withheld", shown)
    return WaveTotal(total, "shown")


def responses_per_week(
    session: orm.Session,
    wave: Wave,
    min_n: int,
    today: dt.date | None = None,
    whole: WaveTotal | None = None,
) -> list[Week]:
    """Kept responses per week (from the wave's opening) to its close or today, whichever
    is earlier. A week's count is shown like any part of a whole (the privacy rule's
    split): at least ``min_n``, with the weeks not shown adding up to 0 or ``min_n`` or
    more, and only while the wave's total is shown (``shown_total``): weeks all shown
    would add up to a total withheld (``whole``: that total, when already known)."""
    from reports.model import Status
    from reports.suppress import published_parts, size_status

    today = today or dt.datetime.now(dt.UTC).date()
    day = sa.func.date(Response.submitted_at)
    counts: dict[dt.date, int] = {}
    for value, count in session.execute(
        sa.select(day, sa.func.count())
        .where(Response.wave_id == wave.id, Response.deleted_at.is_(None))
        .group_by(day)
    ):
        if value is None:
            continue
        key = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
        start = wave.opens_on + dt.timedelta(days=7 * max(0, (key - wave.opens_on).days // 7))
        counts[start] = counts.get(start, 0) + count
    last = max([min(wave.closes_on, max(today, wave.opens_on)), *counts])
    weeks = [
        wave.opens_on + dt.timedelta(days=7 * k)
        for k in range((last - wave.opens_on).days // 7 + 1)
    ]
    weeks = sorted(set(weeks) | set(counts))
    total = sum(counts.values())
    whole = whole or shown_total(session, wave, min_n)
    shown = published_parts(total, counts, min_n) if whole.status == "shown" else set()
    rows = []
    for week in weeks:
        n = counts.get(week, 0)
        status = size_status(n, min_n)
        if status.shown and week not in shown:
            status = Status.WITHHELD
        rows.append(Week(week, n if status.shown or not n else None, status.value))
    return rows


@dataclasses.dataclass(frozen=True)
class Bar:
    day: dt.date
    count: int | None  # None: not shown (see ``status``)
    status: str
    x: float
    y: float
    width: float
    height: float


@dataclasses.dataclass(frozen=True)
class DayChart:
    """An inline SVG bar chart's geometry; the template draws it, with a table beside."""

    bars: list[Bar]
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    peak: int
    total: int


def day_chart(days: list[Week], width: int = 640, height: int = 160) -> DayChart:
    top, bottom = 16, height - 20
    peak = max((week.responses or 0 for week in days), default=0)
    step = width / max(1, len(days))
    bars = []
    for i, (day, count, status) in enumerate(days):
        bar_height = 0.0 if peak == 0 or count is None else (bottom - top) * count / peak
        bars.append(
            Bar(
                day=day,
                count=count,
                status=status,
                x=round(i * step + step * 0.1, 2),
                y=round(bottom - bar_height, 2),
                width=round(max(1.0, step * 0.8), 2),
                height=round(bar_height, 2),
            )
        )
    return DayChart(bars, width, height, top, bottom, peak, sum(w.responses or 0 for w in days))


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite gives naive datetimes back; they were stored as UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value
