"""Review cycles (waves) and the links people answer through."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, enum_type, utcnow
from app.models.people import Partner
from app.models.survey import Survey


class Audience(enum.StrEnum):
    STUDENT = "student"
    FAMILY = "family"
    STAFF = "staff"
    PARTNER = "partner"


class Channel(enum.StrEnum):
    """How a link reaches people; reported so coordinators see which channel works."""

    FLYER_QR = "flyer_qr"
    TEXT_MESSAGE = "text_message"
    EMAIL = "email"
    IN_CLASS = "in_class"
    WEB = "web"
    INTERVIEW = "interview"


class Wave(Base):
    """A review cycle, e.g. "2026 Fall review"."""

    __tablename__ = "wave"
    __table_args__ = (sa.CheckConstraint("closes_on >= opens_on", name="closes_after_opening"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    opens_on: Mapped[dt.date]
    closes_on: Mapped[dt.date]
    is_open: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def state(self, today: dt.date | None = None) -> str:
        """``scheduled``, ``open``, ``closed`` (its dates are past) or ``switched off``."""
        today = today or dt.date.today()
        if not self.is_open:
            return "switched off"
        if today < self.opens_on:
            return "scheduled"
        if today > self.closes_on:
            return "closed"
        return "open"

    def __repr__(self) -> str:
        return f"<Wave {self.name}>"


class Link(Base):
    """A public survey link: survey x wave x audience, optionally x partner x channel."""

    __tablename__ = "link"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="RESTRICT"))
    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("wave.id", ondelete="RESTRICT"), index=True)
    audience: Mapped[Audience] = mapped_column(enum_type(Audience, 20))
    partner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partner.id", ondelete="RESTRICT"), index=True
    )
    channel: Mapped[Channel] = mapped_column(
        enum_type(Channel, 20),
        default=Channel.WEB,
    )
    expected_n: Mapped[int | None]
    is_open: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    survey: Mapped[Survey] = orm.relationship()
    wave: Mapped[Wave] = orm.relationship()
    partner: Mapped[Partner | None] = orm.relationship()

    def __repr__(self) -> str:
        return f"<Link {self.token}>"
