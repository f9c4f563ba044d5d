"""Surveys and their immutable versions."""

from __future__ import annotations

import datetime as dt
import typing as t

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class Survey(Base):
    """An instrument, identified by the ``id`` in its definition file (its slug)."""

    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Published or changed in the workspace: ``surveys sync`` then leaves it alone (its
    # file no longer wins) unless told ``--force``.
    managed_in_workspace: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    versions: Mapped[list[SurveyVersion]] = orm.relationship(
        back_populates="survey", order_by="SurveyVersion.number"
    )

    def __repr__(self) -> str:
        return f"<Survey {self.slug}>"


class SurveyVersion(Base):
    """One stored, never-edited definition; responses point at the version they answered."""

    __tablename__ = "survey_version"
    __table_args__ = (sa.UniqueConstraint("survey_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="RESTRICT"))
    number: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # Loaded only when asked for: definition_of() caches the parsed definition per
    # process, so most requests never need the JSON.
    definition: Mapped[dict[str, t.Any]] = mapped_column(deferred=True)
    source_path: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    survey: Mapped[Survey] = orm.relationship(back_populates="versions")

    def __repr__(self) -> str:
        return f"<SurveyVersion {self.survey_id} v{self.number}>"
