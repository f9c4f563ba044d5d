"""Store checked definitions as immutable survey versions."""

from __future__ import annotations

import dataclasses
import typing as t
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import orm

from app.definitions.loader import DefinitionError, Problem, build, definition_files, load_file
from app.definitions.survey import SurveyDefinition
from app.models import Survey, SurveyVersion


@dataclasses.dataclass(frozen=True)
class SyncResult:
    slug: str
    action: str  # "created", "new version", "unchanged"
    version: int

    def __str__(self) -> str:
        return f"{self.slug}: {self.action} (version {self.version})"


def latest_version(session: orm.Session, survey_id: int) -> SurveyVersion | None:
    return session.scalar(
        sa.select(SurveyVersion)
        .where(SurveyVersion.survey_id == survey_id)
        .order_by(SurveyVersion.number.desc())
        .limit(1)
    )


def store_definition(
    session: orm.Session, survey: SurveyDefinition, source: str | None
) -> SyncResult:
    """Add a version when the content hash differs from the latest; only flushes."""
    row = session.scalar(sa.select(Survey).where(Survey.slug == survey.id))
    created = row is None
    if row is None:
        row = Survey(slug=survey.id)
        session.add(row)
        session.flush()
    latest = latest_version(session, row.id)
    if latest is not None and latest.sha256 == survey.sha256:
        return SyncResult(survey.id, "unchanged", latest.number)
    number = 1 if latest is None else latest.number + 1
    session.add(
        SurveyVersion(
            survey_id=row.id,
            number=number,
            sha256=survey.sha256,
            definition=survey.data,
            source_path=source,
        )
    )
    session.flush()
    return SyncResult(survey.id, "created" if created else "new version", number)


def sync_paths(session: orm.Session, paths: list[Path]) -> list[SyncResult]:
    """Check every file first, then store them all; if any has problems, store none and
    raise one DefinitionError listing the problems of every file."""
    surveys: list[tuple[SurveyDefinition, Path]] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            surveys.append((load_file(path), path))
        except DefinitionError as exc:
            problems += exc.problems
    if problems:
        raise DefinitionError(problems)
    return [store_definition(session, s, p.name) for s, p in surveys]


def sync_directory(session: orm.Session, directory: str | Path) -> list[SyncResult]:
    return sync_paths(session, definition_files(directory))


_DEFINITIONS: dict[tuple[int, str], SurveyDefinition] = {}


def definition_of(version: SurveyVersion) -> SurveyDefinition:
    """The checked definition of a stored version, cached per process: versions never
    change, so (id, hash) identifies one for good. The stored JSON (a deferred column)
    is only read on the first call."""
    found = _DEFINITIONS.get((version.id, version.sha256))
    if found is None:
        found = definition_from_stored(version.id, version.sha256, version.definition)
    return found


def definition_from_stored(
    version_id: int, sha256: str, stored: dict[str, t.Any]
) -> SurveyDefinition:
    """As ``definition_of``, for a version read as plain columns."""
    key = (version_id, sha256)
    found = _DEFINITIONS.get(key)
    if found is None:
        if len(_DEFINITIONS) > 512:
            _DEFINITIONS.clear()
        found = _DEFINITIONS[key] = build(stored)
    return found
