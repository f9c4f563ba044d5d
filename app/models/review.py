"""Closing the loop: review meetings, the actions they decide, and the public results
page ("You said, we did") of a closed wave."""

from __future__ import annotations

import datetime as dt
import enum
import typing as t

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, enum_type, utcnow
from app.models.collection import Wave
from app.models.people import EMPTY, Partner, User


class Review(Base):
    """A partnership review meeting about one wave.

    ``took_part`` says who attended by group, without names:
    ``{"roles": ["school team", "families", ...], "partner_ids": [3, 5]}``.
    ``agenda`` is a snapshot generated from the wave's packet (regenerated on request,
    editable before the meeting); ``agenda_made_at`` says when it was generated.
    """

    __tablename__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("wave.id", ondelete="RESTRICT"), index=True)
    held_on: Mapped[dt.date]
    took_part: Mapped[dict[str, t.Any]] = mapped_column(default=dict)
    agenda: Mapped[dict[str, t.Any]] = mapped_column(default=dict)
    agenda_made_at: Mapped[dt.datetime | None]
    notes: Mapped[str] = mapped_column(sa.Text, default="", server_default=EMPTY)
    decisions: Mapped[str] = mapped_column(sa.Text, default="", server_default=EMPTY)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    wave: Mapped[Wave] = orm.relationship()
    created_by: Mapped[User | None] = orm.relationship()

    def __repr__(self) -> str:
        return f"<Review {self.wave_id} {self.held_on}>"


class ActionStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"

    @property
    def label(self) -> str:
        return ACTION_STATUS_LABELS[self]


ACTION_STATUS_LABELS = {
    ActionStatus.PLANNED: "Planned",
    ActionStatus.IN_PROGRESS: "In progress",
    ActionStatus.DONE: "Done",
    ActionStatus.DROPPED: "Dropped",
}


class FindingKind(enum.StrEnum):
    """What an action answers, referenced by what stays stable across survey versions."""

    NONE = "none"  # an action of its own
    ITEM = "item"  # an item id, for the audiences in ``audiences``
    GAP = "gap"  # a perception gap: an item id and exactly two audiences
    ELEMENT = "element"  # a Nine Elements element number
    THEME = "theme"  # an interview theme code


class ActionItem(Base):
    """Something the partnership decided to do, owned by the school team
    (``owner_partner_id`` None) or by one partner, tracked to the next review.

    ``wave_id`` is the wave whose review decided it: the next wave's packet reports on
    the actions of the wave before it. ``audiences`` is a comma-separated list of
    audience codes (``family,student``). ``title_es``/``description_es`` are the
    Spanish text shown on the public results page (written, not generated).
    """

    __tablename__ = "action_item"
    __table_args__ = (
        sa.CheckConstraint(
            "status <> 'dropped' OR dropped_reason <> ''", name="dropped_action_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("wave.id", ondelete="RESTRICT"), index=True)
    review_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("review.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    title_es: Mapped[str] = mapped_column(sa.String(200), default="", server_default=EMPTY)
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default=EMPTY)
    description_es: Mapped[str] = mapped_column(sa.Text, default="", server_default=EMPTY)
    owner_partner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partner.id", ondelete="RESTRICT"), index=True
    )
    due_on: Mapped[dt.date | None]
    status: Mapped[ActionStatus] = mapped_column(
        enum_type(ActionStatus, 20), default=ActionStatus.PLANNED, server_default="planned"
    )
    dropped_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default=EMPTY)
    finding_kind: Mapped[FindingKind] = mapped_column(
        enum_type(FindingKind, 20), default=FindingKind.NONE, server_default="none"
    )
    item_id: Mapped[str | None] = mapped_column(sa.String(120))
    audiences: Mapped[str] = mapped_column(sa.String(120), default="", server_default=EMPTY)
    element: Mapped[int | None]
    theme_code: Mapped[str | None] = mapped_column(sa.String(80))
    # When the owner was last reminded that the action is due soon / overdue.
    reminded_due_at: Mapped[dt.datetime | None]
    reminded_overdue_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    wave: Mapped[Wave] = orm.relationship()
    review: Mapped[Review | None] = orm.relationship()
    owner_partner: Mapped[Partner | None] = orm.relationship()
    notes: Mapped[list[ActionNote]] = orm.relationship(
        back_populates="action", order_by="ActionNote.written_at", cascade="all, delete-orphan"
    )

    def audience_list(self) -> list[str]:
        return [a for a in self.audiences.split(",") if a]

    def is_overdue(self, today: dt.date) -> bool:
        return (
            self.due_on is not None
            and self.due_on < today
            and self.status in (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)
        )

    def __repr__(self) -> str:
        return f"<ActionItem {self.id} {self.status}>"


class ActionNote(Base):
    """A dated progress note on an action."""

    __tablename__ = "action_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        sa.ForeignKey("action_item.id", ondelete="CASCADE"), index=True
    )
    written_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(sa.Text)

    action: Mapped[ActionItem] = orm.relationship(back_populates="notes")
    author: Mapped[User | None] = orm.relationship()


class ResultsPage(Base):
    """The public "You said, we did" page of a closed wave.

    ``content`` holds the coordinator's edited text in both languages, drafted from the
    wave's figures (through the privacy rule): ``{"en": {...}, "es": {...}}``. The page
    is public only while ``published_at`` is set; unpublishing clears it.
    """

    __tablename__ = "results_page"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("wave.id", ondelete="RESTRICT"), unique=True)
    content: Mapped[dict[str, t.Any]] = mapped_column(default=dict)
    published_at: Mapped[dt.datetime | None]
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    wave: Mapped[Wave] = orm.relationship()
