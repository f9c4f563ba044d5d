"""The partner directory: create, change and delete partners, and what a partner's
page shows (links, users, response counts through the privacy rule, reports)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import typing as t

import sqlalchemy as sa
from sqlalchemy import orm

from app.admin.services import FormProblem
from app.admin.services.waves import today_utc
from app.models import (
    AgreementKind,
    Link,
    Partner,
    PartnerCategory,
    Response,
    Survey,
    User,
    Wave,
)

RENEWAL_NOTICE_DAYS = 60
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Digits with the usual separators and an optional extension ("555-0100 ext. 12").
PHONE = re.compile(r"^\+?[0-9 ().\-/]{3,}( ?(ext\.?|x) ?[0-9]{1,6})?$", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class PartnerDetails:
    """Everything the directory keeps about a partner, as typed in the form."""

    name: str
    category: PartnerCategory
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    services: str = ""
    agreement_kind: AgreementKind = AgreementKind.NONE
    agreement_signed_on: dt.date | None = None
    agreement_renews_on: dt.date | None = None
    notes: str = ""
    active: bool = True
    share_results: bool = False

    def cleaned(self) -> PartnerDetails:
        """The details with whitespace tidied and every rule checked (FormProblem)."""
        name = " ".join(self.name.split())
        if not name:
            raise FormProblem("name", "Give the name of the partner.")
        if len(name) > 200:
            raise FormProblem("name", "The name must be at most 200 characters.")
        contact_name = " ".join(self.contact_name.split())
        if len(contact_name) > 200:
            raise FormProblem("contact_name", "The contact's name must be at most 200 characters.")
        email = self.contact_email.strip().lower()
        if email and (len(email) > 254 or not EMAIL.match(email)):
            raise FormProblem("contact_email", "Enter an email address like name@example.org.")
        phone = " ".join(self.contact_phone.split())
        if phone and (len(phone) > 40 or not PHONE.match(phone)):
            raise FormProblem(
                "contact_phone", "Enter a phone number with digits, e.g. 555-0100 ext. 12."
            )
        services = self.services.strip()
        notes = self.notes.strip()
        for field, text, label in (("services", services, "services"), ("notes", notes, "notes")):
            if len(text) > 5000:
                raise FormProblem(field, f"Keep the {label} to 5,000 characters.")
        signed, renews = self.agreement_signed_on, self.agreement_renews_on
        if self.agreement_kind is AgreementKind.NONE and (signed or renews):
            raise FormProblem(
                "agreement_kind",
                "Choose the kind of agreement, or leave both agreement dates empty.",
            )
        if signed and renews and renews < signed:
            raise FormProblem(
                "agreement_renews_on", "The renewal date must be on or after the signing date."
            )
        return dataclasses.replace(
            self,
            name=name,
            contact_name=contact_name,
            contact_email=email,
            contact_phone=phone,
            services=services,
            notes=notes,
        )


FIELDS = tuple(f.name for f in dataclasses.fields(PartnerDetails))


def details_of(partner: Partner) -> PartnerDetails:
    return PartnerDetails(**{name: getattr(partner, name) for name in FIELDS})


def _check_name_free(session: orm.Session, name: str, partner_id: int | None) -> None:
    query = sa.select(Partner.name).where(sa.func.lower(Partner.name) == name.lower())
    if partner_id is not None:
        query = query.where(Partner.id != partner_id)
    taken = session.scalar(query)
    if taken is not None:
        raise FormProblem(
            "name", f"A partner named “{taken}” is already in the directory; choose another name."
        )


def create_partner(session: orm.Session, details: PartnerDetails) -> Partner:
    """Add a partner to the directory (only flushes; FormProblem before writing)."""
    details = details.cleaned()
    _check_name_free(session, details.name, None)
    partner = Partner(**{name: getattr(details, name) for name in FIELDS})
    session.add(partner)
    session.flush()
    return partner


def _audit_value(value: t.Any) -> t.Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, PartnerCategory | AgreementKind):
        return value.value
    return value


def update_partner(
    session: orm.Session, partner: Partner, details: PartnerDetails
) -> dict[str, list[t.Any]]:
    """Change a partner; returns {field: [old, new]} of what changed (notes and services
    by name only: they are free text). Only flushes; FormProblem before writing."""
    details = details.cleaned()
    _check_name_free(session, details.name, partner.id)
    changes: dict[str, list[t.Any]] = {}
    for name in FIELDS:
        old, new = getattr(partner, name), getattr(details, name)
        if old != new:
            shown = [None, None] if name in ("notes", "services") else [old, new]
            changes[name] = [_audit_value(v) for v in shown]
            setattr(partner, name, new)
    session.flush()
    return changes


@dataclasses.dataclass(frozen=True)
class Usage:
    links: int
    users: int
    responses: int


def usage(session: orm.Session, partner: Partner) -> Usage:
    """How many links, users and responses (deleted ones included) name the partner."""
    return Usage(
        links=session.scalar(
            sa.select(sa.func.count()).select_from(Link).where(Link.partner_id == partner.id)
        )
        or 0,
        users=session.scalar(
            sa.select(sa.func.count()).select_from(User).where(User.partner_id == partner.id)
        )
        or 0,
        responses=session.scalar(
            sa.select(sa.func.count())
            .select_from(Response)
            .where(Response.partner_id == partner.id)
        )
        or 0,
    )


def delete_partner(session: orm.Session, partner: Partner) -> Usage:
    """Delete a partner that no response names, with its links (none has a response).
    A partner with responses or users is refused: make it inactive, or move its users.
    Only flushes."""
    used = usage(session, partner)
    if used.responses:
        raise FormProblem(
            None,
            f"{partner.name} has responses, so it stays in the directory to keep its "
            "history. Make it inactive instead: it then takes no new links.",
        )
    if used.users:
        raise FormProblem(
            None,
            f"{partner.name} still has {used.users} user account"
            f"{'' if used.users == 1 else 's'}. Move them to another partner or role "
            "first, or make the partner inactive.",
        )
    session.execute(sa.delete(Link).where(Link.partner_id == partner.id))
    session.delete(partner)
    session.flush()
    return used


@dataclasses.dataclass(frozen=True)
class DirectoryRow:
    partner: Partner
    links: int
    users: int
    renewal_due: bool


def directory(
    session: orm.Session, show: str = "active", today: dt.date | None = None
) -> list[DirectoryRow]:
    """Partners by name (``show``: active, inactive or all) with their numbers of links
    and users and whether their agreement is due for renewal."""
    today = today or today_utc()
    query = sa.select(Partner).order_by(sa.func.lower(Partner.name))
    if show == "active":
        query = query.where(Partner.active.is_(True))
    elif show == "inactive":
        query = query.where(Partner.active.is_(False))
    links = dict(
        session.execute(
            sa.select(Link.partner_id, sa.func.count())
            .where(Link.partner_id.is_not(None))
            .group_by(Link.partner_id)
        ).all()
    )
    users = dict(
        session.execute(
            sa.select(User.partner_id, sa.func.count())
            .where(User.partner_id.is_not(None))
            .group_by(User.partner_id)
        ).all()
    )
    return [
        DirectoryRow(
            p,
            links.get(p.id, 0),
            users.get(p.id, 0),
            p.renewal_due(today, RENEWAL_NOTICE_DAYS),
        )
        for p in session.scalars(query)
    ]


def renewals_due(session: orm.Session, today: dt.date | None = None) -> list[Partner]:
    """Active partners whose agreement renews within the notice period, soonest first."""
    today = today or today_utc()
    limit = today + dt.timedelta(days=RENEWAL_NOTICE_DAYS)
    return list(
        session.scalars(
            sa.select(Partner)
            .where(
                Partner.active.is_(True),
                Partner.agreement_kind != AgreementKind.NONE,
                Partner.agreement_renews_on.is_not(None),
                Partner.agreement_renews_on <= limit,
            )
            .order_by(Partner.agreement_renews_on, Partner.name)
        )
    )


@dataclasses.dataclass(frozen=True)
class CountRow:
    """Responses through a partner's links for one survey and audience in one wave."""

    wave: Wave
    survey_id: int
    title: str
    audience: str
    status: str  # shown, no_data, small or withheld
    count: int | None  # None unless shown


@dataclasses.dataclass(frozen=True)
class WaveCounts:
    wave: Wave
    rows: list[CountRow]
    released: bool  # counts come from the wave's release (what partners read)
    note: str = ""


def partner_counts(
    session: orm.Session,
    partner: Partner,
    min_n: int,
    titles: t.Mapping[int, str],
    *,
    released_only: bool,
) -> list[WaveCounts]:
    """Per wave that has links of the partner (newest first), its responses per survey
    and audience, through the privacy rule as the partner's share of the whole.

    Staff read live figures; partner users (``released_only``) read the wave's release
    only, as their reports do, so nothing can be worked out by comparing two moments."""
    from reports.query import Tally, response_tally
    from reports.releases import releases_of
    from reports.suppress import Decisions

    waves = list(
        session.scalars(
            sa.select(Wave)
            .where(Wave.id.in_(sa.select(Link.wave_id).where(Link.partner_id == partner.id)))
            .order_by(Wave.opens_on.desc(), Wave.id.desc())
        )
    )
    released = releases_of(session, [w.id for w in waves])
    wave_counts = []
    for wave in waves:
        release = released.get(wave.id)
        if released_only:
            if release is None:
                wave_counts.append(
                    WaveCounts(wave, [], False, "Figures appear here once the wave is released.")
                )
                continue
            tally = Tally.from_json(release.data["tally"])
            view: int | None = partner.id
        else:
            tally = response_tally(session, wave.id)
            view = None
        decisions = Decisions(tally, {}, min_n, min_n)
        groups = sorted(
            {
                (facts.survey_id, facts.audience)
                for facts in tally.links.values()
                if facts.partner_id == partner.id
            }
        )
        rows = []
        for survey_id, audience in groups:
            status, count, _expected = decisions.responses(
                view, survey_id, audience, partner=partner.id
            )
            rows.append(
                CountRow(
                    wave,
                    survey_id,
                    titles.get(survey_id, "?"),
                    audience,
                    status.value,
                    count,
                )
            )
        wave_counts.append(WaveCounts(wave, rows, release is not None and released_only))
    return wave_counts


def partner_links(session: orm.Session, partner: Partner) -> list[Link]:
    """The partner's links, newest wave first."""
    return list(
        session.scalars(
            sa.select(Link)
            .join(Link.wave)
            .join(Link.survey)
            .where(Link.partner_id == partner.id)
            .options(orm.joinedload(Link.survey), orm.joinedload(Link.wave))
            .order_by(Wave.opens_on.desc(), Survey.slug, Link.audience, Link.id)
        )
    )


def partner_users(session: orm.Session, partner: Partner) -> list[User]:
    return list(
        session.scalars(sa.select(User).where(User.partner_id == partner.id).order_by(User.email))
    )
