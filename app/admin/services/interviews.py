"""Interview backups: records an interviewer's phone could not send, uploaded by a
coordinator and stored exactly once, each checked as strictly as an online post.

An import may add interviews to a wave whose figures were released to partners: the
release stays as it was (partners read the frozen release), and the release page shows
what changed, so new figures reach partners only through a re-release and its checks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import force_locale
from sqlalchemy import orm

from app.respond.offline import RecordRefused, backup_records, check_record, read_record
from app.respond.service import find_link, record_once

# What a coordinator's upload may hold (a few KB an interview).
MAX_RECORDS = 2000


@dataclasses.dataclass
class ImportResult:
    stored: int = 0
    already: int = 0
    refused: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    wave_ids: set[int] = dataclasses.field(default_factory=set)
    released_wave_ids: set[int] = dataclasses.field(default_factory=set)


def import_backup(session: orm.Session, data: bytes, now: dt.datetime) -> ImportResult:
    """Store every record of a backup file not stored yet (only flushes). A record is
    refused with its reason, never half-stored; the file itself refused with
    RecordRefused when it is not a backup."""
    with force_locale("en"):
        token, raw_records = backup_records(data)
        if len(raw_records) > MAX_RECORDS:
            raise RecordRefused("too_many", f"A backup holds at most {MAX_RECORDS} interviews.")
        result = ImportResult()
        connection = session.connection()
        for number, raw in enumerate(raw_records, start=1):
            record_token = raw.get("token") if isinstance(raw, dict) else None
            link = find_link(connection, str(record_token or token or ""))
            if link is None:
                result.refused.append((number, "The interview link is not in this workspace."))
                continue
            try:
                submission = check_record(connection, link, read_record(raw), now, speak=False)
            except RecordRefused as refused:
                result.refused.append((number, refused.reason))
                continue
            if record_once(connection, submission):
                result.stored += 1
                result.wave_ids.add(link.wave_id)
                # Here, not at the top: importing any admin service must leave the
                # report stack unloaded on the respondent path.
                from reports.releases import latest_release

                if latest_release(session, link.wave_id) is not None:
                    result.released_wave_ids.add(link.wave_id)
            else:
                result.already += 1
        return result
