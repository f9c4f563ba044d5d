"""Report pages: which report a request asks for, whose figures it may show (live or as
released to partners), the cached files and page sections it is served from, the time
limit, and what the audit log says about it.

The report itself comes from the ``reports`` package, imported only when a report is
built: the respondent path must never load matplotlib, fpdf2 or openpyxl.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import re
import signal
import threading
import typing as t
import unicodedata
from collections.abc import Iterable, Iterator, Mapping

import sqlalchemy as sa
from sqlalchemy import orm

from app.admin.services.waves import current_wave, latest_wave
from app.models import Partner, Release, Role, User, Wave

if t.TYPE_CHECKING:
    from reports.model import Report

FILENAME_PART = 60
WEB = "web"  # the page's sections, cached like a file


@dataclasses.dataclass(frozen=True)
class ReportScope:
    """One report: a wave, one survey or the whole packet (None), optionally one partner,
    with live figures or those released to partners."""

    wave: Wave
    survey_slug: str | None
    partner: Partner | None
    figures: str = "live"

    @property
    def audit_target(self) -> str:
        return f"report:{self.survey_slug or 'packet'}"

    def audit_detail(self, fmt: str | None = None) -> dict[str, t.Any]:
        detail: dict[str, t.Any] = {
            "survey": self.survey_slug or "every survey",
            "wave": self.wave.name,
            "partner": self.partner.name if self.partner else "all partners",
            "figures": self.figures,
        }
        if fmt is not None:
            detail["format"] = fmt
        return detail

    def cache_scope(self, fmt: str) -> str:
        partner = self.partner.id if self.partner else "all"
        return f"{self.wave.id}:{self.survey_slug or '*'}:{partner}:{self.figures}:{fmt}"


def default_wave(session: orm.Session) -> Wave | None:
    """The wave a report page opens on: the current (open) wave, else the latest one."""
    return current_wave(session) or latest_wave(session)


def all_partners(session: orm.Session) -> list[Partner]:
    return list(session.scalars(sa.select(Partner).order_by(Partner.name)))


def has_release(session: orm.Session, wave: Wave) -> bool:
    return (
        session.scalar(sa.select(Release.id).where(Release.wave_id == wave.id).limit(1)) is not None
    )


def figures_for(session: orm.Session, user: User, wave: Wave, requested: str | None) -> str:
    """Partner users read only released figures. Coordinators choose; by default a wave
    that has been released reads as released (what partners have), else live."""
    if user.role is Role.PARTNER:
        return "released"
    if requested in ("live", "released"):
        return requested
    return "released" if has_release(session, wave) else "live"


def asks_for_another_partner(user: User, requested: Iterable[str]) -> bool:
    """Whether a partner user's request names any partner but their own.

    Partner users always see their own partner's report; a partner id (or name, or
    anything else) in the URL that is not theirs is refused rather than quietly
    replaced, so a shared or edited link never looks like another partner's report.
    """
    if user.role is not Role.PARTNER:
        return False
    return any(value.strip() not in ("", str(user.partner_id)) for value in requested)


def settings(config: Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The settings every report is built with (part of each file's fingerprint)."""
    return {
        "min_cell": config["MIN_CELL_SIZE"],
        "comment_min": config["COMMENT_MIN_CELL_SIZE"],
        "mode": config["SUPPRESSION"],
        "paper": config["PAPER_SIZE"],
    }


class ReportTooSlow(RuntimeError):
    """The build ran past REPORT_TIME_LIMIT."""


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Stop the block after ``seconds``: a timer signal in the main thread (a sync
    worker's request), with the report pipeline's own checks between its steps."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(_signum: int, _frame: t.Any) -> None:
        raise ReportTooSlow(f"the report took longer than {seconds} seconds to build")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def build(session: orm.Session, scope: ReportScope, config: Mapping[str, t.Any]) -> Report:
    """Build the report for ``scope`` (read-only; raises ``ReportError``, and
    ``ReportTimeout`` past the time limit)."""
    from reports import Deadline, build_report

    options = settings(config)
    return build_report(
        session,
        scope.survey_slug,
        scope.wave.name,
        scope.partner.name if scope.partner else None,
        min_cell=options["min_cell"],
        comment_min=options["comment_min"],
        mode=options["mode"],
        figures=scope.figures,
        paper=options["paper"],
        deadline=Deadline(config["REPORT_TIME_LIMIT"]),
    )


def cached(
    session: orm.Session,
    engine: sa.Engine,
    scope: ReportScope,
    fmt: str,
    config: Mapping[str, t.Any],
    render: t.Callable[[Report], bytes],
) -> tuple[bytes, bool]:
    """The file ``fmt`` of ``scope``, from the cache or built (once, however many
    requests ask at the same time). Returns (content, whether it came from the cache)."""
    from reports import cache

    name, options = scope.cache_scope(fmt), settings(config)
    key = cache.fingerprint(session, name, options)
    limit = config["REPORT_TIME_LIMIT"]

    def make() -> bytes:
        with time_limit(limit):
            return render(build(session, scope, config))

    def current(now: orm.Session) -> str:
        return cache.fingerprint(now, name, options)

    try:
        return cache.get_or_build(engine, key, name, fmt, make, limit, current)
    except cache.CacheTimeout as exc:
        raise ReportTooSlow(str(exc)) from None


@dataclasses.dataclass(frozen=True)
class WebSection:
    anchor: str
    title: str
    html: str


@dataclasses.dataclass(frozen=True)
class WebReport:
    """A report as the workspace shows it: its header, and each section's HTML."""

    header: str
    sections: list[WebSection]

    def section(self, anchor: str) -> WebSection | None:
        return next((s for s in self.sections if s.anchor == anchor), None)

    def neighbours(self, anchor: str) -> tuple[WebSection | None, WebSection | None]:
        anchors = [s.anchor for s in self.sections]
        k = anchors.index(anchor)
        return (
            self.sections[k - 1] if k else None,
            self.sections[k + 1] if k + 1 < len(self.sections) else None,
        )

    def to_bytes(self) -> bytes:
        return json.dumps(
            {"header": self.header, "sections": [dataclasses.asdict(s) for s in self.sections]}
        ).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> WebReport:
        loaded = json.loads(data)
        return cls(loaded["header"], [WebSection(**s) for s in loaded["sections"]])


def render_web(report: Report) -> bytes:
    """Every section's HTML (charts inline), rendered once for all the pages that show
    one section each."""
    from reports import document
    from reports.html import fragment

    doc = document.build(report)
    header = str(fragment(report, [], doc=doc, contents=False))
    sections = [
        WebSection(
            s.anchor,
            s.title,
            str(fragment(report, [s.anchor], doc=doc, contents=False, header=False)),
        )
        for s in doc.sections
    ]
    return WebReport(header, sections).to_bytes()


def web_report(
    session: orm.Session, engine: sa.Engine, scope: ReportScope, config: Mapping[str, t.Any]
) -> WebReport:
    content, _hit = cached(session, engine, scope, WEB, config, render_web)
    return WebReport.from_bytes(content)


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
    if scope.figures == "released":
        parts.append("released")
    parts.append(today.isoformat())
    return "-".join(parts) + f".{fmt}"
