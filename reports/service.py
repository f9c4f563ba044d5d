"""The functions the CLI and the coordinator pages call.

``build_report`` runs the pipeline (query -> summaries -> suppression -> trends, mirrored
items, Nine Elements, executive summary) and returns a :class:`reports.model.Report`
that holds only figures safe to show. The ``render_*`` functions turn it into bytes or
text; none of them sees an unsuppressed figure.

Scope: a report covers one instrument (``survey_slug``) or, with ``survey_slug=None``,
every instrument answered in the wave (the review packet), for one wave, optionally
narrowed to the responses that came through one partner's links. Sections are one per
instrument x audience in scope. The mirrored comparison looks beyond the scope: every
scored item of the instruments in scope that other instruments also ask is shown for
every audience that answered it in the same wave (and the same partner view).
"""

from __future__ import annotations

import datetime as dt
import typing as t
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy import orm

from app.definitions.survey import SurveyDefinition
from app.definitions.sync import definition_of, latest_version
from app.models import Partner, Survey, SurveyVersion, Wave
from reports import query, summaries, suppress
from reports.model import Group, Report

if t.TYPE_CHECKING:
    from markupsafe import Markup

DEFAULT_MIN_CELL = 10
TREND_WAVES = 4
COMMENT_LIMIT = 200
FORMATS = ("html", "pdf", "csv", "xlsx")


class ReportError(ValueError):
    """Bad report input: an unknown survey, wave or partner. The message says which and
    lists what exists, so it can go straight to a CLI error or a 4xx page."""


def _names(values: list[str]) -> str:
    return ", ".join(f"'{v}'" for v in values) if values else "none yet"


def _resolve(
    session: orm.Session, survey_slug: str | None, wave_name: str, partner_name: str | None
) -> tuple[list[Survey], Wave, Partner | None]:
    wave = session.scalar(sa.select(Wave).where(Wave.name == wave_name))
    if wave is None:
        known = list(session.scalars(sa.select(Wave.name).order_by(Wave.opens_on)))
        raise ReportError(f"unknown wave '{wave_name}'; waves: {_names(known)}")
    partner = None
    if partner_name is not None:
        partner = session.scalar(sa.select(Partner).where(Partner.name == partner_name))
        if partner is None:
            known = list(session.scalars(sa.select(Partner.name).order_by(Partner.name)))
            raise ReportError(f"unknown partner '{partner_name}'; partners: {_names(known)}")
    surveys = list(session.scalars(sa.select(Survey).order_by(Survey.slug)))
    if survey_slug is not None:
        surveys = [s for s in surveys if s.slug == survey_slug]
        if not surveys:
            known = list(session.scalars(sa.select(Survey.slug).order_by(Survey.slug)))
            raise ReportError(f"unknown survey '{survey_slug}'; surveys: {_names(known)}")
    return surveys, wave, partner


def build_report(
    session: orm.Session,
    survey_slug: str | None,
    wave_name: str,
    partner_name: str | None = None,
    min_cell: int = DEFAULT_MIN_CELL,
    comment_min: int = DEFAULT_MIN_CELL,
    *,
    comment_limit: int = COMMENT_LIMIT,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Build the suppressed report for ``survey_slug`` (None: every instrument) in the wave
    named ``wave_name``, optionally only responses through ``partner_name``'s links.

    ``min_cell`` and ``comment_min`` are the app's MIN_CELL_SIZE and COMMENT_MIN_CELL_SIZE
    (never below 5). Raises :class:`ReportError` for an unknown survey, wave or partner.
    Read-only: it never writes or commits.
    """
    if min_cell < suppress.FLOOR or comment_min < suppress.FLOOR:
        raise ReportError(f"minimum cell sizes below {suppress.FLOOR} would expose small groups")
    step = progress or (lambda _name: None)
    surveys, wave, partner = _resolve(session, survey_slug, wave_name, partner_name)
    earlier = list(
        session.scalars(
            sa.select(Wave)
            .where(Wave.opens_on < wave.opens_on)
            .order_by(Wave.opens_on.desc())
            .limit(TREND_WAVES - 1)
        )
    )[::-1]
    waves = [*earlier, wave]
    wave_ids = [w.id for w in waves]

    definitions: dict[int, tuple[str, SurveyDefinition]] = {}
    for survey in session.scalars(sa.select(Survey)):
        version = latest_version(session, survey.id)
        if version is not None:
            definitions[survey.id] = (survey.slug, definition_of(version))
    scope = [s for s in surveys if s.id in definitions]
    kinds: dict[str, set[str]] = {}
    for survey in scope:
        for kind, items in summaries.reportable_items(definitions[survey.id][1]).items():
            kinds.setdefault(kind, set()).update(items)
    # Instruments that share a scored item with the scope take part in the mirrored view.
    related = {
        survey_id
        for survey_id, (_slug, definition) in definitions.items()
        if survey_id in {s.id for s in scope}
        or summaries.reportable_items(definition)["scored"] & kinds.get("scored", set())
    }
    step("query")
    aggregates = query.fetch(
        session,
        wave_ids,
        related or {-1},
        choice_items=kinds.get("scored", set()) | kinds.get("choice", set()),
        multiple_items=kinds.get("multiple", set()),
        numeric_items=kinds.get("numeric", set()),
        text_items=kinds.get("text", set()),
        by_partner=partner is not None,
    )
    step("summaries")
    partner_keys = {k[3] for k in aggregates.responses} | {None}
    view = summaries.View(partner.id if partner else None, partner_keys)

    def load_comments(wave_id: int, survey_id: int, audience: str, item_id: str) -> list[str]:
        return query.comments(
            session, wave_id, survey_id, audience, item_id, view.partner_id, comment_limit
        )

    builder = summaries.GroupBuilder(aggregates, view, load_comments)
    present = builder.group_keys()
    scope_ids = {s.id for s in scope}
    groups: dict[tuple[int, int, str], Group] = {}
    for wave_id in wave_ids:
        for survey_id, (slug, definition) in definitions.items():
            answered = {a for (w, s, a) in present if w == wave_id and s == survey_id}
            if survey_id in scope_ids and wave_id == wave.id:
                audiences = summaries.audiences_of(definition, answered)
            elif survey_id in scope_ids or wave_id == wave.id:
                audiences = sorted(answered)
            else:
                continue
            for audience in audiences:
                groups[(wave_id, survey_id, audience)] = builder.build(
                    wave_id,
                    survey_id,
                    slug,
                    definition,
                    audience,
                    with_comments=wave_id == wave.id and survey_id in scope_ids,
                )
    current_scope = [g for (w, s, _a), g in groups.items() if w == wave.id and s in scope_ids]
    element_totals = summaries.element_totals(current_scope, view)
    step("suppression")
    suppress.apply(groups.values(), min_cell, comment_min)

    version_items = _version_items(session, aggregates.versions)
    sections = [
        g for survey in scope for (w, s, a), g in groups.items() if w == wave.id and s == survey.id
    ]
    for section in sections:
        history = [
            (
                w.name,
                groups.get((w.id, section.survey_id, section.audience)),
                version_items.get((w.id, section.survey_id), set()),
            )
            for w in earlier
        ]
        current_items = version_items.get((wave.id, section.survey_id), set())
        summaries.attach_trends(section, history, current_items, wave.name)
    current = [g for (w, _s, _a), g in groups.items() if w == wave.id]
    scope_scored = kinds.get("scored", set())
    mirrored = summaries.mirrored_items(current, scope_scored)
    titles: dict[int, str] = {}
    for survey in scope:
        titles.update(summaries.element_titles(definitions[survey.id][1]))
    elements = summaries.nine_elements(sections, titles, element_totals, min_cell) if titles else []
    step("done")
    if survey_slug is None:
        title = "Partnership review packet"
    elif scope:
        title = summaries.survey_title(definitions[scope[0].id][1])
    else:
        title = survey_slug
    return Report(
        title=title,
        wave_name=wave.name,
        wave_opens_on=wave.opens_on,
        wave_closes_on=wave.closes_on,
        previous_wave_name=earlier[-1].name if earlier else None,
        partner_name=partner.name if partner else None,
        survey_slugs=[s.slug for s in scope],
        min_cell=min_cell,
        comment_min=comment_min,
        generated_at=dt.datetime.now(dt.UTC),
        sections=sections,
        mirrored=mirrored,
        elements=elements,
        summary=summaries.executive_summary(sections, mirrored, elements),
        wave_names=[w.name for w in waves],
    )


def _version_items(
    session: orm.Session, versions: dict[tuple[int, int], set[int]]
) -> dict[tuple[int, int], set[str]]:
    """Item ids of the versions answered per (wave, survey): a wave only compares with
    another on items present in both."""
    ids = {v for found in versions.values() for v in found}
    if not ids:
        return {}
    rows = {
        v.id: v for v in session.scalars(sa.select(SurveyVersion).where(SurveyVersion.id.in_(ids)))
    }
    items: dict[tuple[int, int], set[str]] = {}
    for key, found in versions.items():
        bucket = items.setdefault(key, set())
        for version_id in found:
            bucket.update(definition_of(rows[version_id]).item_ids())
    return items


def render(report: Report, fmt: str) -> bytes:
    """``report`` in one of :data:`FORMATS`, as bytes (HTML and CSV as UTF-8)."""
    if fmt == "html":
        return render_html(report).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(report)
    if fmt == "csv":
        return render_csv(report).encode("utf-8")
    if fmt == "xlsx":
        return render_xlsx(report)
    raise ReportError(f"unknown format '{fmt}'; formats: {_names(list(FORMATS))}")


def render_html(report: Report) -> str:
    """A complete, self-contained HTML page (its stylesheet inlined) for download."""
    from reports.html import page

    return page(report)


def render_html_fragment(report: Report) -> Markup:
    """The report body as safe markup for a Jinja page to include (``{{ fragment }}``).
    Its classes are styled by :func:`reports.html.stylesheet`; it has no inline styles
    or scripts, so it works under ``style-src 'self'; script-src 'self'``."""
    from reports.html import fragment

    return fragment(report)


def render_pdf(report: Report) -> bytes:
    """The PDF review packet."""
    from reports.pdf import packet

    return packet(report)


def render_csv(report: Report) -> str:
    """One long summary table (labels, not codes), formula-like cells neutralised."""
    from reports.tables import csv_text

    return csv_text(report)


def render_xlsx(report: Report) -> bytes:
    """An XLSX workbook: summary, items, distributions, mirrored, Nine Elements, comments."""
    from reports.tables import xlsx_bytes

    return xlsx_bytes(report)


__all__ = [
    "FORMATS",
    "ReportError",
    "build_report",
    "render",
    "render_csv",
    "render_html",
    "render_html_fragment",
    "render_pdf",
    "render_xlsx",
]
