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
    # Emails a week before an action this user's partner (or the school team) owns is
    # due, and when it becomes overdue; the user can turn them off.
    action_reminders: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

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


class AccountLinkKind(enum.StrEnum):
    """What a one-time account link lets its holder do."""

    SETUP = "setup"  # create the first admin while no user exists
    INVITATION = "invitation"  # create one's own account with the invited email and role
    RESET = "reset"  # choose a new password for an existing account


class AccountLink(Base):
    """A one-time link for first-run setup, an invitation or a password reset.

    Only the SHA-256 of the link's token is kept: someone reading the database (or a
    backup) cannot use a pending link. A link works once, until ``expires_at``, and not
    after it is revoked.
    """

    __tablename__ = "account_link"
    __table_args__ = (
        sa.CheckConstraint(
            "kind <> 'invitation' OR (email IS NOT NULL AND role IS NOT NULL)",
            name="invitation_has_email_and_role",
        ),
        sa.CheckConstraint(
            "role IS NULL OR role <> 'partner' OR partner_id IS NOT NULL",
            name="partner_invitation_has_partner",
        ),
        sa.CheckConstraint("kind <> 'reset' OR user_id IS NOT NULL", name="reset_has_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AccountLinkKind] = mapped_column(enum_type(AccountLinkKind, 20))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # Invitations: who is invited, as what. Resets: the account (user_id).
    email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    role: Mapped[Role | None] = mapped_column(enum_type(Role, 20))
    # An invitation to a partner that is deleted goes with it (a partner with users or
    # responses cannot be deleted).
    partner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partner.id", ondelete="CASCADE"), index=True
    )
    # The account reset, or the one an invitation or setup link created.
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    partner: Mapped[Partner | None] = orm.relationship()
    user: Mapped[User | None] = orm.relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = orm.relationship(foreign_keys=[created_by_id])

    def state(self, now: dt.datetime) -> str:
        """pending, used, revoked or expired."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        expires = self.expires_at
        if expires.tzinfo is None:  # SQLite returns naive UTC
            expires = expires.replace(tzinfo=dt.UTC)
        return "expired" if now >= expires else "pending"

    def __repr__(self) -> str:
        return f"<AccountLink {self.kind} {self.email or self.user_id}>"
