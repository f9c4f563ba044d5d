"""Report pages: which report a request asks for, whose data it may show, what its
download is called, and what the audit log says about it.

The report itself comes from the ``reports`` package, imported only when a report is
built: the respondent path must never load matplotlib, fpdf2 or openpyxl.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import typing as t
import unicodedata
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import orm

from app.admin.waves import current_wave, latest_wave
from app.models import Partner, Role, User, Wave

if t.TYPE_CHECKING:
    from reports.model import Report

# Download formats in the order the page offers them, with their media types.
DOWNLOADS = {
    "pdf": ("PDF", "application/pdf"),
    "xlsx": (
        "Spreadsheet (XLSX)",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "csv": ("Table (CSV)", "text/csv; charset=utf-8"),
    "html": ("Web page (HTML)", "text/html; charset=utf-8"),
}
FILENAME_PART = 60


@dataclasses.dataclass(frozen=True)
class ReportScope:
    """One report: a wave, one survey or the whole packet (None), optionally one partner."""

    wave: Wave
    survey_slug: str | None
    partner: Partner | None

    @property
    def audit_target(self) -> str:
        return f"report:{self.survey_slug or 'packet'}"

    def audit_detail(self, fmt: str | None = None) -> dict[str, t.Any]:
        detail: dict[str, t.Any] = {
            "survey": self.survey_slug or "every survey",
            "wave": self.wave.name,
            "partner": self.partner.name if self.partner else "all partners",
        }
        if fmt is not None:
            detail["format"] = fmt
        return detail


def default_wave(session: orm.Session) -> Wave | None:
    """The wave a report page opens on: the current (open) wave, else the latest one."""
    return current_wave(session) or latest_wave(session)


def all_partners(session: orm.Session) -> list[Partner]:
    return list(session.scalars(sa.select(Partner).order_by(Partner.name)))


def asks_for_another_partner(user: User, requested: Iterable[str]) -> bool:
    """Whether a partner user's request names any partner but their own.

    Partner users always see their own partner's report; a partner id (or name, or
    anything else) in the URL that is not theirs is refused rather than quietly
    replaced, so a shared or edited link never looks like another partner's report.
    """
    if user.role is not Role.PARTNER:
        return False
    return any(value.strip() not in ("", str(user.partner_id)) for value in requested)


def build(session: orm.Session, scope: ReportScope, min_cell: int, comment_min: int) -> Report:
    """Build the suppressed report for ``scope`` (read-only; raises ``ReportError``)."""
    from reports import build_report

    return build_report(
        session,
        scope.survey_slug,
        scope.wave.name,
        scope.partner.name if scope.partner else None,
        min_cell=min_cell,
        comment_min=comment_min,
    )


def ascii_slug(text: str, limit: int = FILENAME_PART) -> str:
    """``text`` as lowercase ASCII letters, digits and hyphens (accents dropped)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return slug[:limit].rstrip("-") or "x"


def download_name(scope: ReportScope, fmt: str, today: dt.date) -> str:
    """A safe ASCII file name, e.g. ``report-packet-2026-fall-review-2026-10-01.pdf``."""
    parts = ["report", ascii_slug(scope.survey_slug or "packet"), ascii_slug(scope.wave.name)]
    if scope.partner is not None:
        parts.append(ascii_slug(scope.partner.name))
    parts.append(today.isoformat())
    return "-".join(parts) + f".{fmt}"
