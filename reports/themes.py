"""Community research as themes: how many coded interview notes speak to each theme of
the survey's codebook, per question and per interviewee role, with the quotes coders
chose.

The privacy rule is the comments' (``reports.suppress``, rule 6): a question's group
of coded notes is shown when it holds at least COMMENT_MIN_CELL_SIZE notes
(``size_status``), and then every theme's count, as an item's option counts are; the
split by interviewee role goes through ``published_parts``, so no role's notes can be
worked out as the whole minus the roles shown. Quotes appear only under a shown
question, and only while they are still part of the note as reports show it (a later
redaction drops them). Removed notes and deleted interviews do not count.

Themes are computed for the whole school from live figures; partner scopes and
released figures leave them out (releases do not freeze theme counts).
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict

import sqlalchemy as sa
from sqlalchemy import orm

from app.definitions.survey import SurveyDefinition
from app.definitions.sync import definition_of, latest_version
from app.models import Answer, CodedNote, CommentRedaction, Response, ThemeTag
from reports.model import Cell, Status
from reports.suppress import published_parts, size_status

ROLE_ITEM = "interviewee.role"
QUOTES_PER_THEME = 3
NO_ROLE = ""


@dataclasses.dataclass(frozen=True)
class ThemeCount:
    code: str
    label: str
    count: Cell
    quotes: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class RoleThemes:
    role: str  # label, "Role not given" for notes without one
    notes: Cell
    counts: dict[str, Cell]  # theme code -> count (when the role is shown)


@dataclasses.dataclass(frozen=True)
class ThemeQuestion:
    survey_slug: str
    item_id: str
    question: str
    notes: Cell  # coded notes on this question
    written: int  # notes written (coded or not), for the coding progress line
    themes: list[ThemeCount]
    roles: list[RoleThemes]

    @property
    def top(self) -> ThemeCount | None:
        shown = [t for t in self.themes if t.count.shown and t.count.number() > 0]
        return max(shown, key=lambda t: (t.count.number(), t.label)) if shown else None


def community_research(
    session: orm.Session, wave_id: int, survey_ids: list[int], comment_min: int
) -> list[ThemeQuestion]:
    """Theme tables for every interview survey among ``survey_ids`` with a codebook."""
    tables: list[ThemeQuestion] = []
    for survey_id in survey_ids:
        version = latest_version(session, survey_id)
        if version is None:
            continue
        definition = definition_of(version)
        if not definition.is_interview or not definition.header.codebook:
            continue
        language = definition.languages[0]
        labels = {t.code: definition.text(t.label, language) for t in definition.header.codebook}
        role_labels = _role_labels(definition, language)
        notes = _notes(session, wave_id, survey_id)
        for question in definition.questions():
            if question.summary_kind != "text" or not question.answerable:
                continue
            mine = [n for n in notes if n.item_id == question.item]
            tables.append(
                _question(
                    definition.id,
                    question.item,
                    definition.text(question.definition.text, language),
                    mine,
                    labels,
                    role_labels,
                    comment_min,
                )
            )
    return tables


@dataclasses.dataclass(frozen=True)
class _Note:
    item_id: str
    text: str  # as reports show it (redacted)
    role: str
    coded: bool
    quote: str | None
    themes: frozenset[str]


def _notes(session: orm.Session, wave_id: int, survey_id: int) -> list[_Note]:
    redaction = orm.aliased(CommentRedaction)
    role = orm.aliased(Answer)
    shown_text = sa.func.coalesce(redaction.text, Answer.value_text)
    rows = session.execute(
        sa.select(
            Answer.id,
            Answer.item_id,
            shown_text,
            role.choice,
            CodedNote.answer_id.is_not(None),
            CodedNote.quote,
        )
        .join(Response, Response.id == Answer.response_id)
        .outerjoin(
            redaction, sa.and_(redaction.answer_id == Answer.id, redaction.undone_at.is_(None))
        )
        .outerjoin(role, sa.and_(role.response_id == Answer.response_id, role.item_id == ROLE_ITEM))
        .outerjoin(CodedNote, CodedNote.answer_id == Answer.id)
        .where(
            Answer.wave_id == wave_id,
            Answer.survey_id == survey_id,
            Answer.value_text.is_not(None),
            Answer.value_text != "",
            Response.deleted_at.is_(None),
            # A redaction without text removes the note from every report.
            sa.or_(redaction.id.is_(None), redaction.text.is_not(None)),
        )
        .order_by(Answer.id)
    ).all()
    tags: dict[int, set[str]] = defaultdict(set)
    ids = [r[0] for r in rows]
    for start in range(0, len(ids), 500):
        for answer_id, theme in session.execute(
            sa.select(ThemeTag.answer_id, ThemeTag.theme).where(
                ThemeTag.answer_id.in_(ids[start : start + 500])
            )
        ):
            tags[answer_id].add(theme)
    return [
        _Note(item, text or "", choice or NO_ROLE, bool(coded), quote, frozenset(tags[answer_id]))
        for answer_id, item, text, choice, coded, quote in rows
    ]


def _role_labels(definition: SurveyDefinition, language: str) -> dict[str, str]:
    question = definition.question_by_item.get(ROLE_ITEM)
    labels = {NO_ROLE: "Role not given"}
    if question is not None:
        labels.update(question.labels(lambda text: definition.text(text, language)))
    return labels


def _question(
    survey_slug: str,
    item_id: str,
    question: str,
    notes: list[_Note],
    labels: dict[str, str],
    role_labels: dict[str, str],
    comment_min: int,
) -> ThemeQuestion:
    coded = [n for n in notes if n.coded]
    n = len(coded)
    status = size_status(n, comment_min)
    group = Cell.decided(n, status)
    counts = Counter(theme for note in coded for theme in note.themes)
    # Codes no longer in the codebook keep their meaning: listed after the current ones.
    codes = list(labels) + sorted(set(counts) - set(labels))
    themes = []
    for code in codes:
        quotes: tuple[str, ...] = ()
        if group.shown:
            quotes = tuple(
                dict.fromkeys(
                    note.quote
                    for note in coded
                    if code in note.themes
                    and note.quote
                    and note.quote in " ".join(note.text.split())
                )
            )[:QUOTES_PER_THEME]
        themes.append(
            ThemeCount(code, labels.get(code, code), Cell.decided(counts[code], status), quotes)
        )
    per_role = Counter(note.role for note in coded)
    shown_roles = published_parts(n, per_role, comment_min) if group.shown else set()
    roles = []
    for code in sorted(per_role, key=lambda c: (c == NO_ROLE, role_labels.get(c, c))):
        if code in shown_roles:
            role_counts = Counter(t for note in coded if note.role == code for t in note.themes)
            roles.append(
                RoleThemes(
                    role_labels.get(code, code),
                    Cell.of(per_role[code]),
                    {c: Cell.of(role_counts[c]) for c in codes},
                )
            )
        else:
            hidden = Status.WITHHELD if per_role[code] >= comment_min else Status.SMALL
            if not group.shown:
                hidden = status
            roles.append(RoleThemes(role_labels.get(code, code), Cell.hidden(hidden), {}))
    return ThemeQuestion(survey_slug, item_id, question, group, len(notes), themes, roles)
