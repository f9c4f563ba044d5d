"""Responses and their answers, stored long so reports aggregate in SQL."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, enum_type, utcnow
from app.models.collection import Audience, Link


class Response(Base):
    """One submitted questionnaire. Anonymous responses hold no IP, user agent or name.

    ``survey_id``, ``wave_id``, ``audience`` and ``partner_id`` are copied from the link
    at submission: reports filter on them without a join, and they stay true even if a
    link is later edited.
    """

    __tablename__ = "response"
    __table_args__ = (
        sa.Index("ix_response_report", "survey_id", "wave_id", "audience", "partner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Made when the form is first shown: retries and double taps store one response.
    submission_uuid: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True)
    link_id: Mapped[int] = mapped_column(sa.ForeignKey("link.id", ondelete="RESTRICT"), index=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="RESTRICT"))
    survey_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_version.id", ondelete="RESTRICT"), index=True
    )
    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("wave.id", ondelete="RESTRICT"))
    audience: Mapped[Audience] = mapped_column(enum_type(Audience, 20))
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner.id", ondelete="RESTRICT"))
    language: Mapped[str] = mapped_column(sa.String(8))
    started_at: Mapped[dt.datetime | None]
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    # Soft delete: kept for the audit trail, excluded from every report and export.
    deleted_at: Mapped[dt.datetime | None]
    deleted_reason: Mapped[str | None] = mapped_column(sa.String(500))
    deleted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )

    link: Mapped[Link] = orm.relationship()
    answers: Mapped[list[Answer]] = orm.relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Response {self.id}>"


class Answer(Base):
    """One answered item, or one selected option of a multiple-choice item.

    ``choice`` holds an option's code, ``value_num`` its score (or a number answer),
    ``value_text`` free text (or the "other, please specify" text beside its choice).
    """

    __tablename__ = "answer"
    __table_args__ = (
        # Reports group by item and option after filtering responses.
        sa.Index("ix_answer_item_choice", "item_id", "choice", "response_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("response.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(sa.String(120))
    choice: Mapped[str | None] = mapped_column(sa.String(120))
    value_num: Mapped[float | None]
    value_text: Mapped[str | None] = mapped_column(sa.Text)

    response: Mapped[Response] = orm.relationship(back_populates="answers")

    def __repr__(self) -> str:
        return f"<Answer {self.item_id}={self.choice or self.value_num or self.value_text!r}>"
