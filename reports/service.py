"""The functions the CLI and the coordinator pages call.

``build_report`` runs the pipeline in named steps - resolve what is asked, read the
instruments, tally each wave (live, or from its release), decide every figure with the
privacy rule, summarise the scope, derive changes, gaps and elements, pick highlights -
and returns a :class:`reports.model.Report` holding only figures the rule shows. The
formats in :data:`reports.formats.FORMATS` turn it into files.

Scope: one instrument (``survey_slug``) or, with ``survey_slug=None``, every instrument
of the wave (the review packet), for one wave, optionally narrowed to the responses that
came through one partner's links. Perception gaps look beyond the scope (every
instrument that asks the same item), and the Nine Elements pool every instrument that
asks ``elementN.*`` items, so every report of a scope shows the same figures.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy import orm

from app.definitions.sync import definition_of, latest_version
from app.models import Partner, Survey, SurveyVersion, Wave
from reports import actions, derived, highlights, query, suppress
from reports.model import (
    Cell,
    ElementScore,
    Group,
    Interviews,
    MirroredItem,
    PartnerResults,
    Report,
    Status,
    audience_rank,
)
from reports.query import Tally
from reports.summaries import GroupBuilder, Instrument, audiences_of, item_kinds, item_specs

DEFAULT_MIN_CELL = 10
TREND_WAVES = 4
COMMENT_LIMIT = 200  # distinct comment texts read per question, audience and partner
FIGURES = ("live", "released")


class ReportError(ValueError):
    """Bad report input: an unknown survey, wave or partner, or figures not released.
    The message says which and lists what exists, so it can go straight to a CLI error
    or a 4xx page."""


class ReportTimeout(RuntimeError):
    """The build ran past its time limit (``REPORT_TIME_LIMIT``)."""


@dataclasses.dataclass
class Deadline:
    """A time limit checked between steps (and by renderers between sections)."""

    seconds: float | None = None
    started: float = dataclasses.field(default_factory=time.monotonic)

    def check(self) -> None:
        if self.seconds is not None and time.monotonic() - self.started > self.seconds:
            raise ReportTimeout(f"the report took longer than {self.seconds:g} seconds to build")


def _names(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values) if values else "none yet"


@dataclasses.dataclass(frozen=True)
class Request:
    """What a report is asked for, resolved to database rows."""

    surveys: list[Survey]
    wave: Wave
    partner: Partner | None
    packet: bool


def resolve(
    session: orm.Session, survey_slug: str | None, wave_name: str, partner_name: str | None
) -> Request:
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
    return Request(surveys, wave, partner, survey_slug is None)


def instruments(session: orm.Session) -> dict[int, Instrument]:
    """Every stored survey with its latest definition (labels, order, scoring)."""
    by_id: dict[int, Instrument] = {}
    for survey in session.scalars(sa.select(Survey).order_by(Survey.slug)):
        version = latest_version(session, survey.id)
        if version is not None:
            by_id[survey.id] = Instrument(survey.id, survey.slug, definition_of(version))
    return by_id


def live_tally(
    session: orm.Session, wave_id: int, instruments_by_id: Mapping[int, Instrument]
) -> Tally:
    """The wave's counts as the database holds them now."""
    return query.fetch(session, wave_id, item_kinds(instruments_by_id.values()), COMMENT_LIMIT)


def _tallies(
    session: orm.Session,
    waves: Sequence[Wave],
    instruments_by_id: Mapping[int, Instrument],
    figures: str,
) -> dict[int, Tally]:
    """A tally per wave: live, or each wave's latest release (waves never released are
    left out: partners get no comparison with them), labelled with its release."""
    if figures == "live":
        return {w.id: live_tally(session, w.id, instruments_by_id) for w in waves}
    from reports.releases import released_tally, releases_of

    released = releases_of(session, [w.id for w in waves])
    current = waves[-1]
    if current.id not in released:
        raise ReportError(
            f"results for '{current.name}' have not been released to partners yet: they are "
            "released once the wave has closed"
        )
    tallies = {}
    for wave_id, release in released.items():
        tally = released_tally(session, release)
        tally.label = f"Release {release.number} of {release.made_at:%Y-%m-%d}"
        tallies[wave_id] = tally
    return tallies


def _version_items(
    session: orm.Session, tallies: Mapping[int, Tally]
) -> dict[tuple[int, int], set[str]]:
    """Item ids of the versions answered per (wave, survey): a wave only compares with
    another on items present in both."""
    ids = {
        v
        for tally in tallies.values()
        for version_ids in tally.versions.values()
        for v in version_ids
    }
    if not ids:
        return {}
    rows = {
        v.id: v for v in session.scalars(sa.select(SurveyVersion).where(SurveyVersion.id.in_(ids)))
    }
    items: dict[tuple[int, int], set[str]] = {}
    for wave_id, tally in tallies.items():
        for survey_id, versions in tally.versions.items():
            bucket = items.setdefault((wave_id, survey_id), set())
            for version_id in versions:
                if version_id in rows:
                    bucket.update(definition_of(rows[version_id]).item_ids())
    return items


@dataclasses.dataclass
class Build:
    """What the steps of one build share: the request, each wave's tally and the rule's
    decisions on it, the instruments and partners."""

    asked: Request
    earlier: list[Wave]
    instruments_by_id: dict[int, Instrument]
    tallies: dict[int, Tally]
    decisions: dict[int, suppress.Decisions]
    partners: dict[int, Partner]

    @property
    def wave(self) -> Wave:
        return self.asked.wave

    @property
    def view(self) -> int | None:
        return self.asked.partner.id if self.asked.partner else None

    @property
    def scope(self) -> list[Instrument]:
        return [
            self.instruments_by_id[s.id]
            for s in self.asked.surveys
            if s.id in self.instruments_by_id
        ]

    def builder(self, wave_id: int, view: int | None) -> GroupBuilder:
        names = {pid: p.name for pid, p in self.partners.items()}
        pooled = {pid for pid, p in self.partners.items() if not p.share_results}
        return GroupBuilder(
            self.tallies[wave_id], self.decisions[wave_id], view, names, COMMENT_LIMIT, pooled
        )


def build_report(
    session: orm.Session,
    survey_slug: str | None,
    wave_name: str,
    partner_name: str | None = None,
    min_cell: int = DEFAULT_MIN_CELL,
    comment_min: int = DEFAULT_MIN_CELL,
    *,
    mode: str = "respondents",
    figures: str = "live",
    comment_limit: int = 8,
    paper: str = "letter",
    progress: Callable[[str], None] | None = None,
    deadline: Deadline | None = None,
    today: dt.date | None = None,
) -> Report:
    """Build the report for ``survey_slug`` (None: every instrument) in the wave named
    ``wave_name``, optionally only responses through ``partner_name``'s links.

    ``min_cell`` and ``comment_min`` are MIN_CELL_SIZE and COMMENT_MIN_CELL_SIZE (never
    below 5); ``mode`` is SUPPRESSION (``respondents`` or ``cells``); ``figures`` is
    ``live`` or ``released`` (the wave's latest release, as partners read it).
    ``comment_limit`` is how many comments per question the body lists (the rest go to
    the appendix and the spreadsheets). Raises :class:`ReportError` for an unknown
    survey, wave or partner, or unreleased figures; :class:`ReportTimeout` past the
    deadline. Read-only: it never writes or commits.
    """
    _check(min_cell, comment_min, mode, figures)
    step = progress or (lambda _name: None)
    deadline = deadline or Deadline()
    asked = resolve(session, survey_slug, wave_name, partner_name)
    step("query")
    run = _tally(session, asked, figures, min_cell, comment_min, mode)
    deadline.check()
    step("summaries")
    sections = _sections(run)
    deadline.check()
    step("changes")
    _history(session, run, sections)
    mirrored, elements = _beyond_scope(run, sections)
    decided = _actions(session, run, sections, elements, today or dt.date.today())
    deadline.check()
    step("partners")
    partner_results, pooled = _partner_results(run)
    step("summary")
    previous = run.earlier[-1].name if run.earlier else None
    summary = highlights.executive_summary(
        [s for s in sections if not s.interview], mirrored, elements, previous
    )
    interviews = _interviews(sections)
    if interviews is not None and asked.partner is None and figures == "live" and mode != "cells":
        from reports.themes import community_research

        interviews.themes = community_research(
            session, asked.wave.id, [s.id for s in asked.surveys], comment_min
        )
    step("done")
    wave = asked.wave
    release = run.tallies[wave.id]
    return Report(
        title=_title(asked, run.scope, survey_slug),
        wave_name=wave.name,
        wave_opens_on=wave.opens_on,
        wave_closes_on=wave.closes_on,
        wave_state=wave.state(today),
        previous_wave_name=previous,
        partner_name=asked.partner.name if asked.partner else None,
        survey_slugs=[s.slug for s in asked.surveys],
        min_cell=min_cell,
        comment_min=comment_min,
        mode=mode,
        figures=figures,
        generated_at=dt.datetime.now(dt.UTC),
        release_label=release.label,
        sections=sections,
        partners=partner_results,
        pooled_partners=pooled,
        mirrored=mirrored,
        elements=elements,
        summary=summary,
        interviews=interviews,
        actions=decided,
        wave_names=[w.name for w in [*run.earlier, wave]],
        comment_limit=comment_limit,
        paper=paper,
    )


def _check(min_cell: int, comment_min: int, mode: str, figures: str) -> None:
    try:
        suppress.check_sizes(min_cell, comment_min)
    except ValueError as exc:
        raise ReportError(str(exc)) from None
    if mode not in suppress.MODES:
        raise ReportError(f"unknown suppression rule '{mode}'; rules: {_names(suppress.MODES)}")
    if figures not in FIGURES:
        raise ReportError(f"unknown figures '{figures}'; choose {_names(FIGURES)}")


def _tally(
    session: orm.Session,
    asked: Request,
    figures: str,
    min_cell: int,
    comment_min: int,
    mode: str,
) -> Build:
    """Step 1: each wave's counts (the wave and up to three before it), and the rule's
    decisions on them."""
    wave = asked.wave
    earlier = list(
        session.scalars(
            sa.select(Wave)
            .where(Wave.opens_on < wave.opens_on)
            .order_by(Wave.opens_on.desc())
            .limit(TREND_WAVES - 1)
        )
    )[::-1]
    instruments_by_id = instruments(session)
    tallies = _tallies(session, [*earlier, wave], instruments_by_id, figures)
    specs = item_specs(instruments_by_id.values())
    return Build(
        asked=asked,
        earlier=[w for w in earlier if w.id in tallies],
        instruments_by_id=instruments_by_id,
        tallies=tallies,
        decisions={
            wid: suppress.decide(tally, specs, min_cell, comment_min, mode)
            for wid, tally in tallies.items()
        },
        partners={p.id: p for p in session.scalars(sa.select(Partner))},
    )


def _sections(run: Build) -> list[Group]:
    """Step 2: a group per instrument in scope and audience (asked or answering);
    families first, then students, staff and partners; interviews last."""
    now = run.builder(run.wave.id, run.view)
    answered = run.tallies[run.wave.id].groups()
    return sorted(
        (
            now.build(instrument, audience)
            for instrument in run.scope
            for audience in audiences_of(
                instrument.definition, {a for s, a in answered if s == instrument.survey_id}
            )
        ),
        key=lambda g: (g.interview, audience_rank(g.audience), g.survey_slug),
    )


def _history(session: orm.Session, run: Build, sections: Sequence[Group]) -> None:
    """Step 3: each section's trend and change against the same group in earlier waves."""
    version_items = _version_items(session, run.tallies)
    history = {w.id: run.builder(w.id, run.view) for w in run.earlier}
    for section in sections:
        previous = []
        for w in run.earlier:
            group = None
            if (section.survey_id, section.audience) in run.tallies[w.id].groups():
                group = history[w.id].build(
                    run.instruments_by_id[section.survey_id], section.audience
                )
            previous.append((w.name, group, version_items.get((w.id, section.survey_id), set())))
        current = version_items.get((run.wave.id, section.survey_id), set())
        derived.attach_trends(section, previous, current, run.wave.name)


def _beyond_scope(
    run: Build, sections: Sequence[Group]
) -> tuple[list[MirroredItem], list[ElementScore]]:
    """Step 4: perception gaps (every instrument asking the scope's items) and the Nine
    Elements (every instrument asking them), in the same scope."""
    now = run.builder(run.wave.id, run.view)
    by_key = {(s.survey_id, s.audience): s for s in sections}
    others = [
        by_key.get((sid, audience)) or now.build(run.instruments_by_id[sid], audience)
        for sid, audience in sorted(run.tallies[run.wave.id].groups())
        if sid in run.instruments_by_id
    ]
    scope_scored = {item.item_id for s in sections for item in s.items() if item.kind == "scored"}
    mirrored = derived.mirrored_items(others, scope_scored)
    asking = [g for g in others if any(derived.element_number(i.item_id) for i in g.items())]
    elements = derived.nine_elements(
        asking, derived.element_titles(list(run.instruments_by_id.values()))
    )
    in_scope = any(derived.element_number(i.item_id) for s in sections for i in s.items())
    return mirrored, elements if in_scope or run.asked.packet else []


def _actions(
    session: orm.Session,
    run: Build,
    sections: Sequence[Group],
    elements: Sequence[ElementScore],
    today: dt.date,
) -> actions.ActionsSection | None:
    """Step 4b (packets): what the earlier wave's review decided, with each linked
    finding's figures then and now in this scope (then from the earlier wave's tally as
    this report reads it: live, or its release)."""
    if not run.asked.packet:
        return None
    earlier = actions.previous_wave(session, run.wave)
    if earlier is None:
        return None
    decided = actions.actions_of(session, earlier.id, run.asked.partner)
    if not decided:
        return None
    by_key = {(s.survey_id, s.audience): s for s in sections}
    built: dict[tuple[int, int, str], Group | None] = {}

    def group_of(wave_id: int) -> actions.GroupOf:
        def get(survey_id: int, audience: str) -> Group | None:
            key = (wave_id, survey_id, audience)
            if wave_id == run.wave.id and (survey_id, audience) in by_key:
                return by_key[survey_id, audience]
            if key not in built:
                asked = (survey_id, audience) in run.tallies[wave_id].groups()
                built[key] = (
                    run.builder(wave_id, run.view).build(run.instruments_by_id[survey_id], audience)
                    if asked and survey_id in run.instruments_by_id
                    else None
                )
            return built[key]

        return get

    then = group_of(earlier.id) if earlier.id in run.tallies else None

    def elements_then() -> list[ElementScore]:
        assert then is not None
        groups = [then(sid, a) for sid, a in sorted(run.tallies[earlier.id].groups())]
        shown = [g for g in groups if g is not None]
        return actions.elements_of(shown, list(run.instruments_by_id.values()))

    figures = actions.Figures(
        instruments=[i for i in run.instruments_by_id.values() if not i.definition.is_interview],
        now=group_of(run.wave.id),
        then=then,
        elements_now=elements,
        elements_then=elements_then,
    )
    return actions.section(earlier, decided, figures, today)


def _partner_results(run: Build) -> tuple[list[PartnerResults], int]:
    """Step 5 (the whole-school packet): each sharing partner's own results, and how
    many partners are pooled instead."""
    if not run.asked.packet or run.view is not None:
        return [], 0
    current = run.tallies[run.wave.id]
    scope_ids = {i.survey_id for i in run.scope}
    groups_of: dict[int, set[tuple[int, str]]] = {}
    for link, facts in current.links.items():
        if facts.partner_id is not None and current.responses.get(link):
            groups_of.setdefault(facts.partner_id, set()).add((facts.survey_id, facts.audience))
    results, pooled = [], 0
    for pid in sorted(groups_of, key=lambda p: run.partners[p].name):
        if not run.partners[pid].share_results:
            pooled += 1
            continue
        theirs = run.builder(run.wave.id, pid)
        groups = [
            theirs.build(run.instruments_by_id[sid], audience)
            for sid, audience in sorted(groups_of[pid])
            if sid in run.instruments_by_id and sid in scope_ids
        ]
        results.append(PartnerResults(run.partners[pid].name, groups))
    return results, pooled


def _title(asked: Request, scope: Sequence[Instrument], survey_slug: str | None) -> str:
    if asked.packet:
        return "Partnership review packet"
    return scope[0].title if scope else survey_slug or ""


def _interviews(sections: Sequence[Group]) -> Interviews | None:
    groups = [s for s in sections if s.interview]
    if not groups:
        return None
    count = groups[0].responses if len(groups) == 1 else _total([g.responses for g in groups])
    notes = [
        (question.text, item)
        for group in groups
        for question in group.questions
        if question.kind == "text"
        for item in question.items
    ]
    return Interviews(count, notes)


def _total(cells: Sequence[Cell]) -> Cell:

    if all(c.shown for c in cells):
        return Cell(sum(c.number() for c in cells))
    return Cell.hidden(Status.DERIVED)


__all__ = [
    "FIGURES",
    "Deadline",
    "ReportError",
    "ReportTimeout",
    "build_report",
    "instruments",
    "live_tally",
    "resolve",
]
