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


def sync_paths(session: orm.Session, paths: list[Path], force: bool = False) -> list[SyncResult]:
    """Check every file first, then store them all; if any has problems, store none and
    raise one DefinitionError listing the problems of every file. A survey published in
    the workspace is left alone (its file no longer wins) unless ``force``, which takes
    it back from the file."""
    surveys: list[tuple[SurveyDefinition, Path]] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            surveys.append((load_file(path), path))
        except DefinitionError as exc:
            problems += exc.problems
    if problems:
        raise DefinitionError(problems)
    results = []
    for survey, path in surveys:
        row = session.scalar(sa.select(Survey).where(Survey.slug == survey.id))
        if row is not None and row.managed_in_workspace:
            if not force:
                latest = latest_version(session, row.id)
                results.append(
                    SyncResult(
                        survey.id,
                        "managed in the workspace, left alone (--force takes it from the file)",
                        latest.number if latest else 0,
                    )
                )
                continue
            row.managed_in_workspace = False
            taken = store_definition(session, survey, path.name)
            results.append(SyncResult(survey.id, f"taken back from {path.name}", taken.version))
            continue
        results.append(store_definition(session, survey, path.name))
    return results


def sync_directory(
    session: orm.Session, directory: str | Path, force: bool = False
) -> list[SyncResult]:
    return sync_paths(session, definition_files(directory), force)


_DEFINITIONS: dict[tuple[int, str], SurveyDefinition] = {}


def definition_of(version: SurveyVersion) -> SurveyDefinition:
    """The checked definition of a stored version, cached per process: versions never
    change, so (id, hash) identifies one for good. The stored JSON (a deferred column)
    is only read on the first call."""
    definition = _DEFINITIONS.get((version.id, version.sha256))
    if definition is None:
        definition = definition_from_stored(version.id, version.sha256, version.definition)
    return definition


def definition_from_stored(
    version_id: int, sha256: str, stored: dict[str, t.Any]
) -> SurveyDefinition:
    """As ``definition_of``, for a version read as plain columns."""
    key = (version_id, sha256)
    definition = _DEFINITIONS.get(key)
    if definition is None:
        if len(_DEFINITIONS) > 512:
            _DEFINITIONS.clear()
        definition = _DEFINITIONS[key] = build(stored)
    return definition
