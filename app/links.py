"""Public survey links: tokens and full URLs."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy import orm

from app.models import Audience, Channel, Link, Partner, Survey, Wave


def new_token() -> str:
    """A short, unguessable, URL-safe token (about 72 bits)."""
    return secrets.token_urlsafe(9)


def link_url(base_url: str, link: Link) -> str:
    return f"{base_url.rstrip('/')}/s/{link.token}"


def create_link(
    session: orm.Session,
    survey: Survey,
    wave: Wave,
    audience: Audience | str,
    partner: Partner | None = None,
    channel: Channel | str = Channel.WEB,
    expected_n: int | None = None,
) -> Link:
    link = Link(
        token=new_token(),
        survey=survey,
        wave=wave,
        audience=Audience(audience),
        partner=partner,
        channel=Channel(channel),
        expected_n=expected_n,
    )
    session.add(link)
    session.flush()
    return link


def links_query(wave_id: int | None = None) -> sa.Select:
    """Links (of one wave, or all) with survey, wave and partner loaded: newest wave
    first, then survey and audience."""
    query = (
        sa.select(Link)
        .join(Link.wave)
        .join(Link.survey)
        .options(
            orm.joinedload(Link.survey), orm.joinedload(Link.wave), orm.joinedload(Link.partner)
        )
        .order_by(Wave.opens_on.desc(), Survey.slug, Link.audience, Link.id)
    )
    if wave_id:
        query = query.where(Link.wave_id == wave_id)
    return query


def all_links(session: orm.Session) -> list[Link]:
    """Every link, newest wave first, then survey and audience."""
    return list(session.scalars(links_query()))
