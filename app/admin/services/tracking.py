"""Response tracking for the dashboard: progress per link and responses per week, as
counts through the reports' privacy rule (``reports.suppress``): a link's count is
shown when at least MIN_CELL_SIZE people answered through it and showing it cannot let
a smaller group be worked out from the others; otherwise it reads "fewer than N" or
"withheld"."""

from __future__ import annotations

import dataclasses
import datetime as dt

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


def shown_total(session: orm.Session, wave: Wave, min_n: int) -> int | None:
    """The wave's kept responses, or None when fewer than ``min_n``."""
    total = (
        session.scalar(
            sa.select(sa.func.count()).where(
                Response.wave_id == wave.id, Response.deleted_at.is_(None)
            )
        )
        or 0
    )
    return total if total == 0 or total >= min_n else None


def responses_per_week(
    session: orm.Session, wave: Wave, min_n: int, today: dt.date | None = None
) -> list[tuple[dt.date, int | None]]:
    """Kept responses per week (from the wave's opening) to its close or today, whichever
    is earlier. A week's count is shown like any part of a whole (the privacy rule's
    split): at least ``min_n``, with the weeks not shown adding up to 0 or ``min_n`` or
    more; otherwise None."""
    from reports.suppress import published_parts

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
    shown = published_parts(total, counts, min_n) if total >= min_n else set()
    return [(w, counts.get(w, 0) if w in shown or not counts.get(w) else None) for w in weeks]


@dataclasses.dataclass(frozen=True)
class Bar:
    day: dt.date
    count: int | None  # None: not shown
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


def day_chart(
    days: list[tuple[dt.date, int | None]], width: int = 640, height: int = 160
) -> DayChart:
    top, bottom = 16, height - 20
    peak = max((c or 0 for _, c in days), default=0)
    step = width / max(1, len(days))
    bars = []
    for i, (day, count) in enumerate(days):
        bar_height = 0.0 if peak == 0 or count is None else (bottom - top) * count / peak
        bars.append(
            Bar(
                day=day,
                count=count,
                x=round(i * step + step * 0.1, 2),
                y=round(bottom - bar_height, 2),
                width=round(max(1.0, step * 0.8), 2),
                height=round(bar_height, 2),
            )
        )
    return DayChart(bars, width, height, top, bottom, peak, sum(c or 0 for _, c in days))


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite gives naive datetimes back; they were stored as UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value
