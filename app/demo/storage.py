"""Writing demo rows in bulk: COPY on PostgreSQL, one prepared INSERT on SQLite, so
100,000 responses take seconds, not minutes."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from sqlalchemy import orm

# An answer copies its response's survey, wave, audience and partner (see models.Answer).
ANSWER_COLUMNS = [
    "response_id",
    "survey_id",
    "wave_id",
    "audience",
    "partner_id",
    "item_id",
    "choice",
    "value_num",
    "value_text",
]


def bulk_insert(
    session: orm.Session, table: sa.Table, columns: list[str], rows: list[tuple[t.Any, ...]]
) -> None:
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None, "a checked-out connection has its driver's connection"
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    # Apply each column type's own conversion (UUIDs, dates) once, then hand plain tuples
    # to the driver: the ORM's stored format without per-row statement compilation.
    processors = [
        (i, proc)
        for i, c in enumerate(columns)
        if (proc := table.c[c].type.dialect_impl(conn.dialect).bind_processor(conn.dialect))
    ]
    if processors:
        converted = []
        for row in rows:
            values = list(row)
            for i, proc in processors:
                values[i] = proc(values[i])
            converted.append(tuple(values))
        rows = converted
    marks = ", ".join("?" * len(columns))
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", rows)


def reset_sequences(session: orm.Session) -> None:
    """After inserting explicit ids, move PostgreSQL's id sequences past them."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return
    for table in ("response", "answer"):
        conn.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
            )
        )


__all__ = ["ANSWER_COLUMNS", "bulk_insert", "reset_sequences"]
