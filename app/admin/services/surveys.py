"""Surveys in the workspace: titles, the catalogue, version histories with what each
version changed, and downloads."""

from __future__ import annotations

import dataclasses
import typing as t

import sqlalchemy as sa
import yaml
from sqlalchemy import orm

from app.definitions.survey import SurveyDefinition
from app.definitions.sync import definition_of, latest_version
from app.models import AuditEvent, Link, Response, Survey, SurveyVersion, User, Wave


def survey_titles(session: orm.Session) -> dict[int, str]:
    """{survey id: title in the survey's first language} from each latest version."""
    latest = (
        sa.select(SurveyVersion.survey_id, sa.func.max(SurveyVersion.number).label("number"))
        .group_by(SurveyVersion.survey_id)
        .subquery()
    )
    titles = {}
    for version in session.scalars(
        sa.select(SurveyVersion).join(
            latest,
            sa.and_(
                SurveyVersion.survey_id == latest.c.survey_id,
                SurveyVersion.number == latest.c.number,
            ),
        )
    ):
        definition = definition_of(version)
        titles[version.survey_id] = definition.text(
            definition.header.title, definition.languages[0]
        )
    for survey_id, slug in session.execute(sa.select(Survey.id, Survey.slug)):
        titles.setdefault(survey_id, slug)
    return titles


@dataclasses.dataclass(frozen=True)
class SurveyRow:
    """One instrument as the Surveys page lists it."""

    survey: Survey
    title: str
    audiences: list[str]
    languages: list[str]
    versions: int
    latest: SurveyVersion | None
    responses: int
    links: int


def catalogue(session: orm.Session) -> list[SurveyRow]:
    """Every stored survey by title, with its latest version's audiences and languages
    and its numbers of versions, kept responses and links."""
    versions = dict(
        session.execute(
            sa.select(SurveyVersion.survey_id, sa.func.count()).group_by(SurveyVersion.survey_id)
        ).all()
    )
    responses = dict(
        session.execute(
            sa.select(Response.survey_id, sa.func.count())
            .where(Response.deleted_at.is_(None))
            .group_by(Response.survey_id)
        ).all()
    )
    links = dict(
        session.execute(sa.select(Link.survey_id, sa.func.count()).group_by(Link.survey_id)).all()
    )
    rows = []
    for survey in session.scalars(sa.select(Survey)):
        latest = latest_version(session, survey.id)
        definition = definition_of(latest) if latest else None
        rows.append(
            SurveyRow(
                survey,
                definition.text(definition.header.title, definition.languages[0])
                if definition
                else survey.slug,
                list(definition.header.audiences) if definition else [],
                list(definition.languages) if definition else [],
                versions.get(survey.id, 0),
                latest,
                responses.get(survey.id, 0),
                links.get(survey.id, 0),
            )
        )
    return sorted(rows, key=lambda r: r.title.lower())


@dataclasses.dataclass(frozen=True)
class Changes:
    """What a version changed against the one before it, by item id."""

    added: list[str]
    removed: list[str]
    reworded: list[str]  # the question's own words (text or help) changed
    changed: list[str]  # anything else about the question (options, conditions, limits)
    other: bool  # the survey's header or pages changed beyond its questions

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.reworded or self.changed or self.other)


def _questions(definition: SurveyDefinition) -> dict[str, t.Any]:
    return {q.item: q for q in definition.questions()}


def changes_between(older: SurveyDefinition | None, newer: SurveyDefinition) -> Changes:
    """Items added, removed, reworded or otherwise changed from ``older`` to ``newer``
    (everything is "added" for a first version)."""
    new = _questions(newer)
    if older is None:
        return Changes(list(new), [], [], [], False)
    old = _questions(older)
    reworded, changed = [], []
    for item in new.keys() & old.keys():
        before, after = old[item], new[item]
        if [v for _k, v in before.texts()] != [v for _k, v in after.texts()]:
            reworded.append(item)
        elif before.definition.model_dump(mode="json") != after.definition.model_dump(mode="json"):
            changed.append(item)

    def header(d: SurveyDefinition) -> t.Any:
        data = dict(d.data)
        pages = [
            {k: v for k, v in page.items() if k != "questions"} for page in data.pop("pages", [])
        ]
        return data, pages

    return Changes(
        [i for i in new if i not in old],
        [i for i in old if i not in new],
        [i for i in new if i in reworded],
        [i for i in new if i in changed],
        header(older) != header(newer),
    )


@dataclasses.dataclass(frozen=True)
class VersionRow:
    version: SurveyVersion
    definition: SurveyDefinition
    changes: Changes
    responses: int
    published_by: str | None  # who published it in the workspace; None: from a file


def version_history(session: orm.Session, survey: Survey) -> list[VersionRow]:
    """Every version of ``survey``, newest first, with what it changed, its kept
    responses and who published it (from the audit log)."""
    versions = list(
        session.scalars(
            sa.select(SurveyVersion)
            .where(SurveyVersion.survey_id == survey.id)
            .order_by(SurveyVersion.number)
        )
    )
    responses = dict(
        session.execute(
            sa.select(Response.survey_version_id, sa.func.count())
            .where(Response.survey_id == survey.id, Response.deleted_at.is_(None))
            .group_by(Response.survey_version_id)
        ).all()
    )
    targets = [f"survey_version:{v.id}" for v in versions]
    publishers = {
        target: email
        for target, email in session.execute(
            sa.select(AuditEvent.target, User.email)
            .join(User, User.id == AuditEvent.user_id)
            .where(AuditEvent.action == "survey_publish", AuditEvent.target.in_(targets))
        )
    }
    rows = []
    previous: SurveyDefinition | None = None
    for version in versions:
        definition = definition_of(version)
        rows.append(
            VersionRow(
                version,
                definition,
                changes_between(previous, definition),
                responses.get(version.id, 0),
                publishers.get(f"survey_version:{version.id}"),
            )
        )
        previous = definition
    return rows[::-1]


def survey_links(session: orm.Session, survey: Survey) -> list[Link]:
    return list(
        session.scalars(
            sa.select(Link)
            .join(Link.wave)
            .where(Link.survey_id == survey.id)
            .options(orm.joinedload(Link.wave), orm.joinedload(Link.partner))
            .order_by(Wave.opens_on.desc(), Link.audience, Link.id)
        )
    )


class _PlainDumper(yaml.SafeDumper):
    """YAML with no anchors or aliases (the loader refuses them)."""

    def ignore_aliases(self, data: t.Any) -> bool:
        return True


def definition_yaml(version: SurveyVersion) -> str:
    """A stored version as YAML in the format of ``surveys/``: loading it gives the same
    content hash."""
    header = (
        f"# {version.survey.slug}, version {version.number}"
        f" (sha256 {version.sha256[:12]}), downloaded from the workspace.\n"
    )
    return header + _yaml(version.definition)


def _yaml(data: dict[str, t.Any]) -> str:
    return yaml.dump(data, Dumper=_PlainDumper, allow_unicode=True, sort_keys=False, width=88)


def definition_xlsx(version: SurveyVersion) -> bytes:
    """A stored version as an XLSForm workbook (survey, choices and settings sheets with
    the extension columns of ``surveys/README.md``): uploading it back gives the same
    content hash."""
    from app.definitions import xlsform

    return xlsform.to_xlsx(definition_of(version))


def read_xlsform(raw: bytes, filename: str) -> tuple[str, list[str], list[str]]:
    """An uploaded XLSForm as the YAML text the upload, preview and publish forms carry
    (the same data, so the same content hash), every default it assumed and what it
    holds that is left out (columns of other tools, device rows); raises
    UploadRefused listing each problem as ``file:sheet:row: message``."""
    from app.definitions import DefinitionError, xlsform

    try:
        imported = xlsform.load_bytes(raw, filename)
    except DefinitionError as exc:
        waits = isinstance(exc, xlsform.SheetProblems)
        raise UploadRefused([str(p) for p in exc.problems], checks_wait=waits) from None
    return _yaml(imported.definition.data), imported.assumed, imported.ignored


class UploadRefused(ValueError):
    """An uploaded definition did not pass; ``problems`` are "file:line: message"."""

    def __init__(self, problems: list[str], checks_wait: bool = False):
        super().__init__("\n".join(problems))
        self.problems = problems
        # A spreadsheet's own problems: the checks of its questions run once they are fixed.
        self.checks_wait = checks_wait


@dataclasses.dataclass(frozen=True)
class Upload:
    """A checked upload, not stored yet."""

    definition: SurveyDefinition
    survey: Survey | None  # the stored survey it would add a version to
    latest: SurveyVersion | None
    changes: Changes
    # What an XLSForm left out and the import assumed (empty for YAML).
    assumed: tuple[str, ...] = ()
    # What an XLSForm holds that is not read (columns of other tools, device rows).
    ignored: tuple[str, ...] = ()

    @property
    def unchanged(self) -> bool:
        return self.latest is not None and self.latest.sha256 == self.definition.sha256


def _scale_of(question: t.Any, item_id: str) -> tuple[tuple[str, float | None, bool], ...] | None:
    scoring = question.scoring(item_id)
    if scoring is None:
        return None
    return tuple((o.value, o.score, bool(o.excluded)) for o in scoring.options)


def _mirror_problems(session: orm.Session, definition: SurveyDefinition, path: str) -> list[str]:
    """An item id another survey asks on a different scale loses its meaning in the
    side-by-side comparisons: name both surveys."""
    mine = {
        item: scale
        for item, question in definition.question_by_item.items()
        if (scale := _scale_of(question, item)) is not None
    }
    problems = []
    for survey in session.scalars(sa.select(Survey).where(Survey.slug != definition.id)):
        version = latest_version(session, survey.id)
        if version is None:
            continue
        other = definition_of(version)
        for item, question in other.question_by_item.items():
            if item in mine:
                theirs = _scale_of(question, item)
                if theirs is not None and theirs != mine[item]:
                    problems.append(
                        f"{path}: item {item} is also asked in {survey.slug}, on another "
                        f"scale; mirrored items keep one scale in every survey ({definition.id}"
                        f" and {survey.slug}). Give it a new item id, or use the same scale."
                    )
    return sorted(set(problems))


def check_upload(session: orm.Session, text: str, filename: str) -> Upload:
    """Every check ``flask surveys check`` makes, and mirrored scales against the other
    surveys; raises UploadRefused listing every problem. Stores nothing."""
    from app.definitions import DefinitionError, load_text

    try:
        definition = load_text(text, filename)
    except DefinitionError as exc:
        raise UploadRefused([str(p) for p in exc.problems]) from None
    problems = _mirror_problems(session, definition, filename)
    if problems:
        raise UploadRefused(problems)
    survey = session.scalar(sa.select(Survey).where(Survey.slug == definition.id))
    latest = latest_version(session, survey.id) if survey else None
    older = definition_of(latest) if latest else None
    return Upload(definition, survey, latest, changes_between(older, definition))


def publish(session: orm.Session, text: str, filename: str) -> tuple[Upload, SurveyVersion]:
    """Check again and store the upload as a new immutable version (or find the same
    content already stored); the survey is managed in the workspace from now on.
    Only flushes; the caller audits and commits."""
    from app.definitions.sync import store_definition

    upload = check_upload(session, text, filename)
    result = store_definition(session, upload.definition, filename)
    survey = session.scalars(sa.select(Survey).where(Survey.slug == upload.definition.id)).one()
    survey.managed_in_workspace = True
    version = session.scalars(
        sa.select(SurveyVersion).where(
            SurveyVersion.survey_id == survey.id, SurveyVersion.number == result.version
        )
    ).one()
    session.flush()
    return upload, version
