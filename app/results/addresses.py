"""Where a results page lives: ``/results/<slug>``, the slug made from the wave's name.
Flask-free and light, so the survey's thank-you page can find the latest published
page in one small query without loading the workspace or the reports."""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa

from app.models import ResultsPage, Wave


def wave_slug(name: str, wave_id: int) -> str:
    """``2026 Fall review`` -> ``2026-fall-review`` (lowercase ASCII words)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or str(wave_id)


def latest_published_slug(connection: sa.Connection) -> str | None:
    """The slug of the latest wave (by opening date) whose results page is published."""
    pages, waves = ResultsPage.__table__, Wave.__table__
    row = connection.execute(
        sa.select(waves.c.id, waves.c.name)
        .select_from(pages.join(waves, waves.c.id == pages.c.wave_id))
        .where(pages.c.published_at.is_not(None))
        .order_by(waves.c.opens_on.desc())
        .limit(1)
    ).first()
    return wave_slug(row.name, row.id) if row is not None else None


__all__ = ["latest_published_slug", "wave_slug"]
