"""Partners and the people who sign in."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, enum_type, utcnow


class PartnerCategory(enum.StrEnum):
    """Kinds of community partner named in the partnership guidance."""

    HEALTHCARE_PROVIDER = "healthcare_provider"
    COMMUNITY_NONPROFIT = "community_nonprofit"
    OUT_OF_SCHOOL_TIME = "out_of_school_time"
    JUVENILE_JUSTICE = "juvenile_justice"
    CONTRACTED_PROVIDER = "contracted_provider"
    OTHER = "other"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    PartnerCategory.HEALTHCARE_PROVIDER: "Healthcare provider",
    PartnerCategory.COMMUNITY_NONPROFIT: "Community non-profit",
    PartnerCategory.OUT_OF_SCHOOL_TIME: "Out-of-school-time programme",
    PartnerCategory.JUVENILE_JUSTICE: "Juvenile justice",
    PartnerCategory.CONTRACTED_PROVIDER: "Contracted service provider",
    PartnerCategory.OTHER: "Other",
}


class AgreementKind(enum.StrEnum):
    """The written agreement between the school and a partner."""

    MOU = "mou"
    DATA_SHARING = "data_sharing"
    CONTRACT = "contract"
    NONE = "none"

    @property
    def label(self) -> str:
        return AGREEMENT_LABELS[self]


AGREEMENT_LABELS = {
    AgreementKind.MOU: "Memorandum of understanding (MOU)",
    AgreementKind.DATA_SHARING: "Data-sharing agreement",
    AgreementKind.CONTRACT: "Contract",
    AgreementKind.NONE: "No written agreement",
}


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    PARTNER = "partner"


EMPTY = sa.text("''")


class Partner(Base):
    """A community organisation working with the school. Inactive partners keep their
    links, users and responses but take no new links."""

    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    category: Mapped[PartnerCategory] = mapped_column(enum_type(PartnerCategory, 40))
    # Whether the partner's agreement lets its own results appear in the packet the
    # whole partnership reads; otherwise its responses are pooled there.
    share_results: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    contact_name: Mapped[str] = mapped_column(sa.String(200), default="", server_default=EMPTY)
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="", server_default=EMPTY)
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="", server_default=EMPTY)
    services: Mapped[str] = mapped_column(sa.Text, default="", server_default=EMPTY)
    agreement_kind: Mapped[AgreementKind] = mapped_column(
        enum_type(AgreementKind, 20), default=AgreementKind.NONE, server_default="none"
    )
    agreement_signed_on: Mapped[dt.date | None]
    agreement_renews_on: Mapped[dt.date | None]
    notes: Mapped[str] = mapped_column(sa.Text, default="", server_default=EMPTY)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def renewal_due(self, today: dt.date, within_days: int = 60) -> bool:
        """Whether the agreement renews (or should have renewed) within ``within_days``."""
        if self.agreement_renews_on is None or self.agreement_kind is AgreementKind.NONE:
            return False
        return self.agreement_renews_on <= today + dt.timedelta(days=within_days)

    def __repr__(self) -> str:
        return f"<Partner {self.name}>"


class User(Base):
    """A coordinator, admin or partner user. Partner users always belong to a partner."""

    __tablename__ = "user_account"
    __table_args__ = (
        sa.CheckConstraint(
            "role <> 'partner' OR partner_id IS NOT NULL", name="partner_user_has_partner"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_type(Role, 20))
    partner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partner.id", ondelete="RESTRICT"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[dt.datetime | None]
    # The id a signed-in session carries instead of the primary key. Replaced at sign-out,
    # deactivation and password change, so copies of an old session cookie stop working.
    session_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    partner: Mapped[Partner | None] = orm.relationship()

    # What Flask-Login asks of a user object (plain attributes: the model stays Flask-free).
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
