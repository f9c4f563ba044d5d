"""Who did what, when: exports, downloads, deletions, sign-ins."""

from __future__ import annotations

import datetime as dt
import typing as t

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow
from app.models.people import User


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(60))
    target: Mapped[str] = mapped_column(sa.String(255))
    detail: Mapped[dict[str, t.Any] | None]
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    user: Mapped[User | None] = orm.relationship()

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.target}>"
