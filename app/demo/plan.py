"""Who the demo partnership is: six partners, two review waves, their links, and how
many people answered through each link.

Each link has a planned number of responses (its share of the reference demo of 2,000
responses) and a response rate; the responses asked for are shared out in proportion
to the plan, and each link's expected count is then set so its rate is the planned one
(20%-95%, one link visibly low). One partner is small: its staff are fewer than the
privacy threshold, so its own figures read "fewer than N". Four of the six partners'
agreements let their results appear in the packet the partnership reads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import typing as t

import sqlalchemy as sa
from sqlalchemy import orm

from app.admin.services.links import create_link, find_duplicate
from app.definitions.sync import definition_of, latest_version
from app.models import Audience, Channel, Link, Partner, PartnerCategory, Response, Survey, Wave


@dataclasses.dataclass(frozen=True)
class DemoPartner:
    name: str
    category: PartnerCategory
    share_results: bool
    staff: int  # partner staff answering the partner survey at the reference size
    families: int = 0  # families reached by the partner's text messages


PARTNERS = [
    DemoPartner(
        "Riverside Community Health Clinic", PartnerCategory.HEALTHCARE_PROVIDER, True, 26, 46
    ),
    DemoPartner(
        "Familias Unidas Family Resource Center",
        PartnerCategory.COMMUNITY_NONPROFIT,
        True,
        20,
        62,
    ),
    DemoPartner("Eastside After-School Club", PartnerCategory.OUT_OF_SCHOOL_TIME, True, 19),
    DemoPartner(
        "County Juvenile Probation Youth Services", PartnerCategory.JUVENILE_JUSTICE, False, 17
    ),
    DemoPartner("Bright Path Counseling Associates", PartnerCategory.CONTRACTED_PROVIDER, True, 22),
    # The small partner: a volunteer group whose few staff fall under the threshold.
    DemoPartner("Neighborhood Faith Alliance", PartnerCategory.OTHER, False, 4),
]

# Planned responses per general link in the current wave at the reference size, and
# the response rate each link reaches.
GENERAL = {
    Audience.FAMILY: (310, 0.34),
    Audience.STUDENT: (430, 0.78),
    Audience.STAFF: (78, 0.66),
    # Partners answer through their own links; the general link goes to the partnership
    # council's list (members from organisations without an agreement yet).
    Audience.PARTNER: (15, 0.55),
}
INTERVIEWS = 30  # community-research interviews in the current wave
PARTNER_RATE = 0.82  # partner staff answer the partner survey well
FAMILY_TEXT_RATE = (0.58, 0.47)  # families texted by the first two partners
SELF_ASSESSMENT_SHARE = 0.7  # fewer school staff and council members take the self-assessment
LOW_RATE = 0.21  # the staff self-assessment this wave: a link visibly behind
PREVIOUS_SHARE = 0.82  # the previous wave had fewer responses
REFERENCE = 2000

DEFAULT_CHANNEL = {
    Audience.FAMILY: Channel.FLYER_QR,
    Audience.STUDENT: Channel.IN_CLASS,
    Audience.STAFF: Channel.EMAIL,
    Audience.PARTNER: Channel.EMAIL,
}


@dataclasses.dataclass
class PlannedLink:
    link: Link
    planned: float  # responses at the reference size
    rate: float | None  # None: no expected count (interviews)


def ensure_partners(session: orm.Session) -> list[Partner]:
    """The six demo partners (existing ones are left as a coordinator set them)."""
    partners = []
    for spec in PARTNERS:
        partner = session.scalar(sa.select(Partner).where(Partner.name == spec.name))
        if partner is None:
            partner = Partner(
                name=spec.name, category=spec.category, share_results=spec.share_results
            )
            session.add(partner)
        partners.append(partner)
    session.flush()
    return partners


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), dt.UTC)


def ensure_waves(session: orm.Session, today: dt.date) -> tuple[Wave, Wave]:
    """The previous review (closed about five months ago) and the current, open one."""
    season = "Fall" if today.month >= 7 else "Spring"
    prev_season = "Spring" if season == "Fall" else "Fall"
    prev_year = today.year if season == "Fall" else today.year - 1
    specs = [
        (f"{prev_year} {prev_season} review", today - dt.timedelta(days=210), 50),
        (f"{today.year} {season} review", today - dt.timedelta(days=28), 58),
    ]
    waves = []
    for name, opens, days in specs:
        wave = session.scalar(sa.select(Wave).where(Wave.name == name))
        if wave is None:
            wave = Wave(
                name=name,
                opens_on=opens,
                closes_on=opens + dt.timedelta(days=days),
                is_open=True,
                created_at=_noon(opens - dt.timedelta(days=12)),
            )
            session.add(wave)
        waves.append(wave)
    session.flush()
    return waves[0], waves[1]


def _link(
    session: orm.Session,
    survey: Survey,
    wave: Wave,
    audience: Audience,
    partner: Partner | None,
    channel: Channel,
) -> Link:
    existing = find_duplicate(session, survey, wave, audience, partner, channel)
    if existing is not None:
        return existing
    link = create_link(session, survey, wave, audience, partner, channel, None)
    link.created_at = _noon(wave.opens_on - dt.timedelta(days=3))
    return link


def plan_links(
    session: orm.Session, waves: t.Sequence[Wave], partners: list[Partner]
) -> list[PlannedLink]:
    """Every demo link, with its planned responses and rate: a general link per survey
    and audience, a link per partner for partner audiences, and text-message links
    from the first two partners for families."""
    by_name = {p.name: p for p in partners}
    current = waves[-1]
    planned: list[PlannedLink] = []
    for survey in session.scalars(sa.select(Survey).order_by(Survey.slug)):
        version = latest_version(session, survey.id)
        if version is None:
            continue
        definition = definition_of(version)
        assessment = any(i.startswith("element") for i in definition.item_ids())
        scale = SELF_ASSESSMENT_SHARE if assessment else 1.0
        for wave in waves:
            share = 1.0 if wave is current else PREVIOUS_SHARE
            for audience_name in definition.header.audiences:
                audience = Audience(audience_name)
                if definition.is_interview:
                    share_i = INTERVIEWS * (1.0 if wave is current else 0.6)
                    link = _link(session, survey, wave, audience, None, Channel.INTERVIEW)
                    planned.append(PlannedLink(link, share_i, None))
                    continue
                responses, rate = GENERAL[audience]
                if assessment and audience is Audience.STAFF and wave is current:
                    rate = LOW_RATE
                link = _link(session, survey, wave, audience, None, DEFAULT_CHANNEL[audience])
                planned.append(PlannedLink(link, responses * share * scale, rate))
                for spec in PARTNERS:
                    partner = by_name.get(spec.name)
                    if partner is None:
                        continue
                    if audience is Audience.PARTNER:
                        link = _link(session, survey, wave, audience, partner, Channel.EMAIL)
                        # Each partner's staff answer both the survey and the self-assessment.
                        planned.append(PlannedLink(link, spec.staff * share, PARTNER_RATE))
                    elif audience is Audience.FAMILY and spec.families:
                        rate = FAMILY_TEXT_RATE[0 if spec is PARTNERS[0] else 1]
                        link = _link(session, survey, wave, audience, partner, Channel.TEXT_MESSAGE)
                        planned.append(PlannedLink(link, spec.families * share, rate))
    return planned


def allocate(planned: t.Sequence[PlannedLink], n_responses: int) -> list[int]:
    """``n_responses`` shared out in proportion to the plan (largest remainders first,
    ties by order), so the counts add up exactly and repeat for the same plan."""
    total = sum(p.planned for p in planned)
    if not total:
        return [0] * len(planned)
    exact = [p.planned * n_responses / total for p in planned]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(planned)), key=lambda k: (counts[k] - exact[k], k))
    for k in order[: n_responses - sum(counts)]:
        counts[k] += 1
    return counts


def set_expected(session: orm.Session, planned: t.Sequence[PlannedLink]) -> None:
    """Each link's expected count from the responses it holds and its planned rate
    (the planned number at the reference size while it holds none)."""
    held = dict(
        session.execute(
            sa.select(Response.link_id, sa.func.count())
            .where(Response.link_id.in_([p.link.id for p in planned]))
            .group_by(Response.link_id)
        ).all()
    )
    for entry in planned:
        if entry.rate is None:
            continue
        responses = held.get(entry.link.id, 0) or entry.planned
        entry.link.expected_n = max(1, math.ceil(responses / entry.rate))
    session.flush()


__all__ = ["PARTNERS", "PlannedLink", "allocate", "ensure_partners", "ensure_waves", "plan_links"]
