"""Public survey links: tokens and full URLs, creating them (refusing duplicates),
opening and closing them, and their QR codes. The command line and the demo create
links through here too."""

from __future__ import annotations

import io
import secrets
import typing as t

import sqlalchemy as sa
from sqlalchemy import orm

from app.admin.services import FormProblem
from app.definitions.schema import AudienceName
from app.definitions.sync import definition_of, latest_version
from app.models import Audience, Channel, Link, Partner, Response, Survey, Wave

if t.TYPE_CHECKING:
    import segno

CHANNEL_LABELS = {
    Channel.FLYER_QR: "Flyer with QR code",
    Channel.TEXT_MESSAGE: "Text message",
    Channel.EMAIL: "Email",
    Channel.IN_CLASS: "In class",
    Channel.WEB: "Web page",
    Channel.INTERVIEW: "Interview",
}

# A QR code on a flyer: 16 px per module at 300 dpi is about 1.4 mm per module, so a
# short link's code prints near 5 cm wide and scans from arm's length.
QR_SCALE_PNG = 16
QR_DPI = 300
QR_BORDER = 4


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


def survey_choices(session: orm.Session) -> list[tuple[Survey, str, list[AudienceName]]]:
    """(survey, title, audiences) for every stored survey, from its latest version."""
    choices = []
    for survey in session.scalars(sa.select(Survey).order_by(Survey.slug)):
        version = latest_version(session, survey.id)
        if version is None:
            continue
        definition = definition_of(version)
        title = definition.text(definition.header.title, definition.languages[0])
        choices.append((survey, title, list(definition.header.audiences)))
    return choices


def find_duplicate(
    session: orm.Session,
    survey: Survey,
    wave: Wave,
    audience: Audience,
    partner: Partner | None,
    channel: Channel,
) -> Link | None:
    return session.scalar(
        sa.select(Link).where(
            Link.survey_id == survey.id,
            Link.wave_id == wave.id,
            Link.audience == audience,
            Link.channel == channel,
            Link.partner_id == partner.id if partner else Link.partner_id.is_(None),
        )
    )


def add_link(
    session: orm.Session,
    survey: Survey,
    wave: Wave,
    audience: Audience,
    partner: Partner | None,
    channel: Channel,
    expected_n: int | None,
) -> Link:
    """Create a link after checking the survey is meant for the audience and that no
    link with the same survey, wave, audience, partner and channel exists. Only flushes."""
    version = latest_version(session, survey.id)
    if version is None:
        raise FormProblem("survey", "That survey has no stored version yet.")
    audiences = definition_of(version).header.audiences
    if audience.value not in audiences:
        raise FormProblem(
            "audience",
            f"The survey {survey.slug} is not meant for {audience.value} respondents; "
            f"it is for: {', '.join(audiences)}.",
        )
    if partner is not None and not partner.active:
        raise FormProblem(
            "partner_id",
            f"{partner.name} is inactive and takes no new links. Make it active again on "
            "its page first, or choose another partner.",
        )
    if expected_n is not None and expected_n < 1:
        raise FormProblem("expected_n", "The expected number must be at least 1, or empty.")
    if find_duplicate(session, survey, wave, audience, partner, channel) is not None:
        who = f" and {partner.name}" if partner else " (no partner)"
        raise FormProblem(
            None,
            f"A link for {survey.slug}, {wave.name}, {audience.value}{who} by "
            f"{CHANNEL_LABELS[channel].lower()} already exists. Use that link, or pick "
            "another channel or partner.",
        )
    return create_link(session, survey, wave, audience, partner, channel, expected_n)


def update_link(
    session: orm.Session,
    link: Link,
    partner: Partner | None,
    channel: Channel,
    expected_n: int | None,
) -> dict[str, list[object]]:
    """Change a link's partner, channel or expected count, checked as at creation (no
    other link of the same survey, wave, audience, partner and channel). Its address
    stays. Responses already given keep the partner they were given under (they copy
    it at submission). What changed, for the audit log; only flushes."""
    if expected_n is not None and expected_n < 1:
        raise FormProblem("expected_n", "The expected number must be at least 1, or empty.")
    duplicate = find_duplicate(session, link.survey, link.wave, link.audience, partner, channel)
    if duplicate is not None and duplicate.id != link.id:
        who = f" and {partner.name}" if partner else " (no partner)"
        raise FormProblem(
            None,
            f"Another link for {link.survey.slug}, {link.wave.name}, {link.audience.value}"
            f"{who} by {CHANNEL_LABELS[channel].lower()} already exists. Pick another "
            "channel or partner.",
        )
    changes: dict[str, list[object]] = {}
    if (partner.id if partner else None) != link.partner_id:
        changes["partner"] = [
            link.partner.name if link.partner else None,
            partner.name if partner else None,
        ]
        link.partner = partner
    if channel is not link.channel:
        changes["channel"] = [link.channel.value, channel.value]
        link.channel = channel
    if expected_n != link.expected_n:
        changes["expected_n"] = [link.expected_n, expected_n]
        link.expected_n = expected_n
    session.flush()
    return changes


def set_link_open(session: orm.Session, link: Link, is_open: bool) -> None:
    link.is_open = is_open
    session.flush()


def response_counts(session: orm.Session, link_ids: list[int]) -> dict[int, int]:
    if not link_ids:
        return {}
    return dict(
        session.execute(
            sa.select(Response.link_id, sa.func.count())
            .where(Response.link_id.in_(link_ids), Response.deleted_at.is_(None))
            .group_by(Response.link_id)
        ).all()
    )


def qr_code(url: str) -> segno.QRCode:
    # Level M survives a crease or a coffee ring on a printed flyer.
    import segno  # here, not at the top: QR codes stay off the respondent path

    return segno.make(url, error="m", micro=False)


def qr_svg(url: str, title: str) -> bytes:
    buffer = io.BytesIO()
    qr_code(url).save(
        buffer, kind="svg", scale=10, border=QR_BORDER, title=title, xmldecl=False, svgns=True
    )
    return buffer.getvalue()


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    qr_code(url).save(buffer, kind="png", scale=QR_SCALE_PNG, border=QR_BORDER, dpi=QR_DPI)
    return buffer.getvalue()
