"""Theme coding of interview notes: which notes a coordinator has read and coded, the
themes each is tagged with (codes of the survey's codebook), and the short quote the
coder chose for the packet."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class CodedNote(Base):
    """One interview note (a written answer) read and coded, with or without themes.
    ``quote`` is a short part of the note the coder chose to quote in the packet."""

    __tablename__ = "coded_note"

    answer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("answer.id", ondelete="CASCADE"), primary_key=True
    )
    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("wave.id", ondelete="CASCADE"), index=True)
    quote: Mapped[str | None] = mapped_column(sa.String(300))
    coded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    coded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )

    def __repr__(self) -> str:
        return f"<CodedNote answer {self.answer_id}>"


class ThemeTag(Base):
    """One theme given to one note. ``theme`` is a codebook code: it keeps its meaning
    across versions, and stays valid when a newer codebook drops it."""

    __tablename__ = "theme_tag"
    __table_args__ = (sa.UniqueConstraint("answer_id", "theme"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("coded_note.answer_id", ondelete="CASCADE"), index=True
    )
    theme: Mapped[str] = mapped_column(sa.String(80))

    def __repr__(self) -> str:
        return f"<ThemeTag {self.theme} on {self.answer_id}>"
