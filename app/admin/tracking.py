"""Response tracking for the dashboard: progress per link and responses per day."""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa
from sqlalchemy import orm

from app.models import Link, Response, Survey, Wave


@dataclasses.dataclass(frozen=True)
class LinkProgress:
    link: Link
    responses: int
    last_response_at: dt.datetime | None

    @property
    def rate(self) -> float | None:
        """Responses as a share of the expected count (None when none is set)."""
        if not self.link.expected_n:
            return None
        return self.responses / self.link.expected_n


def link_progress(session: orm.Session, wave: Wave) -> list[LinkProgress]:
    """Every link of ``wave`` (survey, audience, partner, channel order) with its kept
    responses so far and the time of the last one. One grouped query, no loop of counts."""
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
        count, last = stats.get(link.id, (0, None))
        rows.append(LinkProgress(link, count, _aware(last)))
    return rows


def responses_per_day(
    session: orm.Session, wave: Wave, today: dt.date | None = None
) -> list[tuple[dt.date, int]]:
    """Kept responses per (UTC) day from the wave's opening to its close or today,
    whichever is earlier; days without responses count 0."""
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
        counts[key] = counts.get(key, 0) + count
    first = min([wave.opens_on, *counts])
    last = max([min(wave.closes_on, max(today, wave.opens_on)), *counts])
    days = (last - first).days + 1
    return [
        (first + dt.timedelta(days=i), counts.get(first + dt.timedelta(days=i), 0))
        for i in range(days)
    ]


@dataclasses.dataclass(frozen=True)
class Bar:
    day: dt.date
    count: int
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


def day_chart(days: list[tuple[dt.date, int]], width: int = 640, height: int = 160) -> DayChart:
    top, bottom = 16, height - 20
    peak = max((c for _, c in days), default=0)
    step = width / max(1, len(days))
    bars = []
    for i, (day, count) in enumerate(days):
        bar_height = 0.0 if peak == 0 else (bottom - top) * count / peak
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
    return DayChart(bars, width, height, top, bottom, peak, sum(c for _, c in days))


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite gives naive datetimes back; they were stored as UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value
