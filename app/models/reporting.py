"""What the review packet keeps: releases of a wave's figures to partners, built report
files (a cache keyed by everything a file depends on) and coordinators' redactions of
comments."""

from __future__ import annotations

import datetime as dt
import typing as t

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow
from app.models.collection import Wave
from app.models.people import User


class Release(Base):
    """A wave's figures frozen for partners when the wave closes.

    ``data`` holds the grouped counts and comments every report of the wave is built
    from, so what partners were given never changes when a response is later deleted,
    imported or re-dated (differencing over time), with the answers behind each listed
    comment text, so a later redaction reaches the text (not the counts).
    A later release replaces it.
    """

    __tablename__ = "release"
    __table_args__ = (sa.UniqueConstraint("wave_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("wave.id", ondelete="RESTRICT"))
    number: Mapped[int]
    made_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    made_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Live responses of the wave when it was released (shown beside the release).
    responses: Mapped[int]
    data: Mapped[dict[str, t.Any]] = mapped_column(deferred=True)

    wave: Mapped[Wave] = orm.relationship()
    made_by: Mapped[User | None] = orm.relationship()

    def __repr__(self) -> str:
        return f"<Release {self.wave_id} #{self.number}>"


class ReportFile(Base):
    """A built report file, found again by the fingerprint of all its inputs.

    ``scope`` names the file without its inputs (wave, survey, partner, format, figures,
    rule): a file built for the same scope with a newer fingerprint supersedes it, and the
    older one is deleted, so nothing of a deleted response lives on in a cached file.
    A row with ``content`` None is a build in progress (``claimed_at``), so concurrent
    requests wait for one build instead of each making their own.
    """

    __tablename__ = "report_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scope: Mapped[str] = mapped_column(sa.String(255), index=True)
    media_type: Mapped[str] = mapped_column(sa.String(120))
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    claimed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    built_at: Mapped[dt.datetime | None]

    def __repr__(self) -> str:
        return f"<ReportFile {self.scope} {self.fingerprint[:8]}>"


class CommentRedaction(Base):
    """A coordinator's redaction of one written answer before it reaches any report:
    the whole comment (``text`` None) or a version with parts removed. Reversible
    (``undone_at``) and audited; the answer itself is never changed."""

    __tablename__ = "comment_redaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("answer.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str | None] = mapped_column(sa.Text)
    reason: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    undone_at: Mapped[dt.datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )

    def __repr__(self) -> str:
        return f"<CommentRedaction answer {self.answer_id}>"
