"""Responses and their answers, stored long so reports aggregate in SQL."""

from __future__ import annotations

import datetime as dt
import typing as t
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
        # Report filters, and (covering) response counts per group, link and version.
        sa.Index(
            "ix_response_report",
            "survey_id",
            "wave_id",
            "audience",
            "partner_id",
            "link_id",
            "survey_version_id",
            "deleted_at",
        ),
        # What each answer row copies (see Answer): the composite foreign keys there
        # refer to these, so an answer cannot disagree with its response.
        sa.Index("uq_response_facts", "id", "survey_id", "wave_id", "audience", unique=True),
        sa.Index("uq_response_partner", "id", "partner_id", unique=True),
        # Reports subtract the answers of soft-deleted responses, found through this
        # (normally tiny) index instead of joining every answer to its response.
        sa.Index(
            "ix_response_deleted",
            "deleted_at",
            sqlite_where=sa.text("deleted_at IS NOT NULL"),
            postgresql_where=sa.text("deleted_at IS NOT NULL"),
        ),
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
        back_populates="response",
        cascade="all, delete-orphan",
        passive_deletes=True,
        foreign_keys="Answer.response_id",
    )

    def __repr__(self) -> str:
        return f"<Response {self.id}>"


class Answer(Base):
    """One answered item, or one selected option of a multiple-choice item.

    ``choice`` holds an option's code, ``value_num`` its score (or a number answer),
    ``value_text`` free text (or the "other, please specify" text beside its choice).

    ``survey_id``, ``wave_id``, ``audience`` and ``partner_id`` are the response's facts,
    copied onto every answer when it is written (they never change after submission),
    so reports filter and group answers without joining them to their responses. Two
    composite foreign keys hold them equal to the response's: ``fk_answer_facts``
    always, ``fk_answer_partner`` whenever the answer names a partner. Use
    :func:`answer_facts` to fill them.
    """

    __tablename__ = "answer"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["response_id", "survey_id", "wave_id", "audience"],
            ["response.id", "response.survey_id", "response.wave_id", "response.audience"],
            name="fk_answer_facts",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id", "partner_id"],
            ["response.id", "response.partner_id"],
            name="fk_answer_partner",
            ondelete="CASCADE",
        ),
        # Every report aggregate: filter by survey and wave, then group by item, option,
        # audience (and partner) in index order, reading the index alone.
        sa.Index(
            "ix_answer_report",
            "survey_id",
            "wave_id",
            "item_id",
            "choice",
            "audience",
            "partner_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("response.id", ondelete="CASCADE"), index=True
    )
    survey_id: Mapped[int]
    wave_id: Mapped[int]
    audience: Mapped[Audience] = mapped_column(enum_type(Audience, 20))
    partner_id: Mapped[int | None]
    item_id: Mapped[str] = mapped_column(sa.String(120))
    choice: Mapped[str | None] = mapped_column(sa.String(120))
    value_num: Mapped[float | None]
    value_text: Mapped[str | None] = mapped_column(sa.Text)

    response: Mapped[Response] = orm.relationship(
        back_populates="answers", foreign_keys=[response_id]
    )

    def __repr__(self) -> str:
        return f"<Answer {self.item_id}={self.choice or self.value_num or self.value_text!r}>"


def answer_facts(source: Response | Link) -> dict[str, t.Any]:
    """The columns an answer copies from its response (a response copies the same
    values from its link), as keyword arguments for ``Answer`` or an insert."""
    return {
        "survey_id": source.survey_id,
        "wave_id": source.wave_id,
        "audience": source.audience,
        "partner_id": source.partner_id,
    }
