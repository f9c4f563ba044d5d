"""Raw response exports (CSV and XLSX), streamed so memory stays flat at any size.

One row per kept response, one column per item. Responses are read in keyset-ordered
chunks with plain Core rows (no ORM identity map), so memory depends on the chunk
size, not on the number of responses. Every text cell is made formula-safe.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
import typing as t
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy import orm

from app.admin.services.labels import StoredAnswer, choice_labels, display_values
from app.admin.services.responses import ResponseFilters
from app.definitions.sync import definition_of
from app.models import Answer, Link, Partner, Response, Survey, SurveyVersion, Wave

CHUNK = 1000
FIXED_COLUMNS = [
    "response_id",
    "submitted_at",
    "wave",
    "audience",
    "partner",
    "channel",
    "language",
    "survey_version",
]
# A spreadsheet reads a cell starting with one of these as a formula (CVE-2019-16184 and
# kin); a leading apostrophe makes it text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | None


def safe_text(value: str) -> str:
    """``value`` made safe to open in a spreadsheet."""
    return "'" + value if value.startswith(FORMULA_START) else value


def safe_cell(value: Cell) -> Cell:
    # Numbers stay numbers (they cannot be formulas); every string is checked, whatever
    # its source: answers, labels, partner and wave names are all typed by someone.
    return safe_text(value) if isinstance(value, str) else value


def item_columns(session: orm.Session, survey: Survey) -> list[str]:
    """The items of the latest version in its order, then items only older versions
    asked (so an export never drops answers given on an earlier version)."""
    versions = list(
        session.scalars(
            sa.select(SurveyVersion)
            .where(SurveyVersion.survey_id == survey.id)
            .order_by(SurveyVersion.number.desc())
        )
    )
    columns: list[str] = []
    for version in versions:
        for item in definition_of(version).item_ids():
            if item not in columns:
                columns.append(item)
    return columns


def _labels(session: orm.Session, survey: Survey) -> dict[str, dict[str, str]]:
    # Older versions first so the latest version's wording wins.
    labels: dict[str, dict[str, str]] = {}
    for version in session.scalars(
        sa.select(SurveyVersion)
        .where(SurveyVersion.survey_id == survey.id)
        .order_by(SurveyVersion.number)
    ):
        for item, codes in choice_labels(definition_of(version)).items():
            labels.setdefault(item, {}).update(codes)
    return labels


def count_rows(session: orm.Session, survey: Survey, filters: ResponseFilters) -> int:
    query = sa.select(sa.func.count()).select_from(Response).where(Response.survey_id == survey.id)
    return session.scalar(filters.apply(query)) or 0


def export_rows(
    session: orm.Session,
    survey: Survey,
    filters: ResponseFilters,
    use_labels: bool = True,
    chunk: int = CHUNK,
) -> Iterator[list[Cell]]:
    """The header, then one formula-safe row per response (soft-deleted ones never)."""
    filters = ResponseFilters(**{**filters.__dict__, "include_deleted": False})
    columns = item_columns(session, survey)
    labels = _labels(session, survey) if use_labels else None
    waves = dict(session.execute(sa.select(Wave.id, Wave.name)).all())
    partners = dict(session.execute(sa.select(Partner.id, Partner.name)).all())
    channels = dict(
        session.execute(sa.select(Link.id, Link.channel).where(Link.survey_id == survey.id)).all()
    )
    numbers = dict(
        session.execute(
            sa.select(SurveyVersion.id, SurveyVersion.number).where(
                SurveyVersion.survey_id == survey.id
            )
        ).all()
    )
    yield [safe_text(c) for c in FIXED_COLUMNS + columns]

    last_id = 0
    while True:
        query = (
            sa.select(
                Response.id,
                Response.submitted_at,
                Response.wave_id,
                Response.audience,
                Response.partner_id,
                Response.link_id,
                Response.language,
                Response.survey_version_id,
            )
            .where(Response.survey_id == survey.id, Response.id > last_id)
            .order_by(Response.id)
            .limit(chunk)
            # Walk the primary key: through the (survey, wave, ...) index SQLite would
            # re-read every remaining row of the survey for each chunk.
            .with_hint(Response, "NOT INDEXED", dialect_name="sqlite")
        )
        responses = session.execute(filters.apply(query)).all()
        if not responses:
            return
        last_id = responses[-1].id
        answers: dict[int, list[StoredAnswer]] = {r.id: [] for r in responses}
        for row in session.execute(
            sa.select(
                Answer.response_id,
                Answer.item_id,
                Answer.choice,
                Answer.value_num,
                Answer.value_text,
            )
            .where(Answer.response_id.in_(list(answers)))
            .order_by(Answer.response_id, Answer.id)
        ):
            answers[row.response_id].append(StoredAnswer(*row[1:]))
        for r in responses:
            values = display_values(answers[r.id], labels)
            channel = channels.get(r.link_id)
            fixed: list[Cell] = [
                r.id,
                _timestamp(r.submitted_at),
                waves.get(r.wave_id, ""),
                str(r.audience.value if hasattr(r.audience, "value") else r.audience),
                partners.get(r.partner_id, "") if r.partner_id else "",
                channel.value if channel is not None else "",
                r.language,
                numbers.get(r.survey_version_id),
            ]
            yield [safe_cell(v) for v in fixed] + [safe_cell(values.get(c)) for c in columns]
        del answers, responses


def _timestamp(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def csv_chunks(rows: t.Iterable[list[Cell]], rows_per_chunk: int = 500) -> Iterator[str]:
    """CSV text in pieces of a few hundred rows. A byte-order mark first so that Excel
    reads UTF-8 (accents in Spanish answers) correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield "\ufeff"
    pending = 0
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
        pending += 1
        if pending >= rows_per_chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue()


def xlsx_chunks(
    rows: t.Iterable[list[Cell]], sheet_title: str = "responses", block: int = 64 * 1024
) -> Iterator[bytes]:
    """An XLSX workbook in pieces. openpyxl's write-only mode streams rows into a
    temporary file, so memory stays flat; the finished file is then sent in blocks."""
    # Imported here: openpyxl (and numpy behind it) stays off the respondent path.
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        workbook.save(path)
        with open(path, "rb") as file:
            while data := file.read(block):
                yield data
    finally:
        os.unlink(path)


def _xlsx_value(value: Cell) -> Cell:
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value
