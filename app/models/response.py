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

# What an answer copies from its response (see Answer).
FACTS = ("survey_id", "wave_id", "audience", "partner_id")


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
        # What the answers' foreign key refers to: the response and its facts (see
        # Answer). A unique index, not a constraint: SQLite adds it without a rebuild.
        sa.Index("uq_response_facts", "id", "survey_id", "wave_id", "audience", unique=True),
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
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Response {self.id}>"


class Answer(Base):
    """One answered item, or one selected option of a multiple-choice item.

    ``choice`` holds an option's code, ``value_num`` its score (or a number answer),
    ``value_text`` free text (or the "other, please specify" text beside its choice).

    ``survey_id``, ``wave_id``, ``audience`` and ``partner_id`` are the response's facts,
    copied onto every answer when it is written (they never change after submission), so
    reports filter and group answers without joining them to their responses. The
    foreign key to the response includes the first three, so the database refuses an
    answer that disagrees with its response and a change to a response's facts under
    its answers. Bulk writers pass the facts (:func:`answer_facts`); an answer added
    through the ORM without them copies them from its response when it is inserted.
    """

    __tablename__ = "answer"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["response_id", *FACTS[:3]],
            ["response.id", *(f"response.{c}" for c in FACTS[:3])],
            name="fk_answer_response_facts",
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
    response_id: Mapped[int] = mapped_column(index=True)
    survey_id: Mapped[int]
    wave_id: Mapped[int]
    audience: Mapped[Audience] = mapped_column(enum_type(Audience, 20))
    partner_id: Mapped[int | None]
    item_id: Mapped[str] = mapped_column(sa.String(120))
    choice: Mapped[str | None] = mapped_column(sa.String(120))
    value_num: Mapped[float | None]
    value_text: Mapped[str | None] = mapped_column(sa.Text)

    response: Mapped[Response] = orm.relationship(back_populates="answers")

    def __repr__(self) -> str:
        return f"<Answer {self.item_id}={self.choice or self.value_num or self.value_text!r}>"


class CarriesFacts(t.Protocol):
    """What carries the facts an answer copies: a response, a link, a link's row."""

    @property
    def survey_id(self) -> int: ...
    @property
    def wave_id(self) -> int: ...
    @property
    def audience(self) -> Audience: ...
    @property
    def partner_id(self) -> int | None: ...


def answer_facts(source: CarriesFacts) -> dict[str, t.Any]:
    """The columns an answer copies from its response (a response copies the same
    values from its link), as keyword arguments for ``Answer`` or an insert."""
    return {name: getattr(source, name) for name in FACTS}


@sa.event.listens_for(Answer, "before_insert")
def _copy_missing_facts(_mapper: t.Any, connection: sa.Connection, answer: Answer) -> None:
    """Fill the facts an ORM-added answer lacks from its response. (The relationship
    already copies the three in the foreign key; the partner is not in it, since a
    NULL in a composite foreign key switches the whole check off.)"""
    if all(getattr(answer, name) is not None for name in FACTS):
        return
    facts = connection.execute(
        sa.select(*(getattr(Response, name) for name in FACTS)).where(
            Response.id == answer.response_id
        )
    ).one_or_none()
    for name, value in zip(FACTS, facts or (), strict=False):
        if getattr(answer, name) is None:
            setattr(answer, name, value)
