"""Waves (review cycles): create, open and close, start one from the last one's links."""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa
from sqlalchemy import orm

from app.admin.services import FormProblem
from app.admin.services.links import create_link
from app.models import Link, Response, Wave


@dataclasses.dataclass(frozen=True)
class WaveRow:
    wave: Wave
    links: int
    responses: int


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def current_wave(session: orm.Session, today: dt.date | None = None) -> Wave | None:
    """The wave the dashboard follows: the one open today (switched on, today within its
    dates), the latest to open if several are; when none is open today, the latest that
    has opened (closed or switched off); when none has opened, the next scheduled one.
    A wave created for next term never hides the one families are answering now."""
    today = today or today_utc()
    newest_first = (Wave.opens_on.desc(), Wave.id.desc())
    open_today = session.scalar(
        sa.select(Wave)
        .where(Wave.is_open.is_(True), Wave.opens_on <= today, Wave.closes_on >= today)
        .order_by(*newest_first)
        .limit(1)
    )
    if open_today is not None:
        return open_today
    opened = session.scalar(
        sa.select(Wave).where(Wave.opens_on <= today).order_by(*newest_first).limit(1)
    )
    if opened is not None:
        return opened
    return session.scalar(sa.select(Wave).order_by(Wave.opens_on, Wave.id).limit(1))


def latest_wave(session: orm.Session) -> Wave | None:
    return session.scalar(sa.select(Wave).order_by(Wave.opens_on.desc(), Wave.id.desc()).limit(1))


def all_waves(session: orm.Session) -> list[Wave]:
    return list(session.scalars(sa.select(Wave).order_by(Wave.opens_on.desc(), Wave.id.desc())))


def wave_rows(session: orm.Session) -> list[WaveRow]:
    """Every wave, newest first, with its number of links and of (kept) responses."""
    links = dict(
        session.execute(sa.select(Link.wave_id, sa.func.count()).group_by(Link.wave_id)).all()
    )
    responses = dict(
        session.execute(
            sa.select(Response.wave_id, sa.func.count())
            .where(Response.deleted_at.is_(None))
            .group_by(Response.wave_id)
        ).all()
    )
    return [WaveRow(w, links.get(w.id, 0), responses.get(w.id, 0)) for w in all_waves(session)]


def check_wave(
    session: orm.Session,
    name: str,
    opens_on: dt.date,
    closes_on: dt.date,
    wave: Wave | None = None,
) -> str:
    """The rules a wave's name and dates meet, at creation and at every edit (``wave``:
    the one edited, whose own name is not a clash). Returns the tidied name."""
    name = " ".join(name.split())
    if not name:
        raise FormProblem("name", "Give the wave a name, e.g. “2027 Spring review”.")
    if len(name) > 120:
        raise FormProblem("name", "The name must be at most 120 characters.")
    if closes_on < opens_on:
        raise FormProblem("closes_on", "The close date must be on or after the open date.")
    query = sa.select(Wave.id).where(sa.func.lower(Wave.name) == name.lower())
    if wave is not None:
        query = query.where(Wave.id != wave.id)
    if session.scalar(query) is not None:
        raise FormProblem("name", f"A wave named “{name}” already exists; choose another name.")
    return name


def create_wave(
    session: orm.Session,
    name: str,
    opens_on: dt.date,
    closes_on: dt.date,
    copy_links_from: Wave | None = None,
) -> Wave:
    """Create an open wave; with ``copy_links_from``, give it a copy of every link of
    that wave (same survey, audience, partner, channel and expected count, new tokens).
    Only flushes; raises FormProblem before writing anything."""
    name = check_wave(session, name, opens_on, closes_on)
    wave = Wave(name=name, opens_on=opens_on, closes_on=closes_on, is_open=True)
    session.add(wave)
    session.flush()
    if copy_links_from is not None:
        for link in session.scalars(
            sa.select(Link).where(Link.wave_id == copy_links_from.id).order_by(Link.id)
        ):
            if link.partner is not None and not link.partner.active:
                continue  # inactive partners take no new links
            create_link(
                session,
                link.survey,
                wave,
                link.audience,
                link.partner,
                link.channel,
                link.expected_n,
            )
    return wave


def update_wave(
    session: orm.Session, wave: Wave, name: str, opens_on: dt.date, closes_on: dt.date
) -> dict[str, list[str]]:
    """Rename a wave or move its dates, checked as at creation; what changed, as
    ``{field: [before, after]}`` for the audit log (empty: nothing did). Only flushes.
    Responses keep the wave they were given in, whatever its dates become."""
    name = check_wave(session, name, opens_on, closes_on, wave)
    changes: dict[str, list[str]] = {}
    for field, value in (("name", name), ("opens_on", opens_on), ("closes_on", closes_on)):
        before = getattr(wave, field)
        if before != value:
            changes[field] = [str(before), str(value)]
            setattr(wave, field, value)
    session.flush()
    return changes


def set_wave_open(session: orm.Session, wave: Wave, is_open: bool) -> None:
    wave.is_open = is_open
    session.flush()
