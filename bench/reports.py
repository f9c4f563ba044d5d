"""Report benchmarks on synthetic data: 100,000 responses x 20 items (2 M answer rows).

(a) building every summary vs a bare GROUP BY over the same answers table, given the
    (item_id, choice, response_id) index that suits it (the schema had it until answers
    carried their facts; it is built for the measurement and dropped after);
(c) peak Python memory of building the report at 10,000 vs 100,000 responses.

Runs on a temporary SQLite file, or on PostgreSQL when BENCH_DATABASE_URL is set (that
database is emptied first). ``BENCH_RESPONSES`` changes the large size (default 100000).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import tempfile
import time
import tracemalloc
import typing as t
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import orm

ITEMS = 20
ROWS = "\n".join(f"          - {{item: s.item{k:02d}, text: Statement {k}}}" for k in range(ITEMS))
SURVEY = f"""
id: bench-survey
title: Benchmark survey
audiences: [family, staff]
languages: [en]
scales:
  agree5:
    options:
      - {{value: 1, score: 1, label: Strongly disagree}}
      - {{value: 2, score: 2, label: Disagree}}
      - {{value: 3, score: 3, label: Neither}}
      - {{value: 4, score: 4, label: Agree}}
      - {{value: 5, score: 5, label: Strongly agree}}
      - {{value: dk, excluded: true, label: "Don't know"}}
    favourable: [4, 5]
    neutral: 3
pages:
  - id: p1
    questions:
      - item: grid
        type: likert_group
        scale: agree5
        text: How much do you agree?
        rows:
{ROWS}
"""
CURRENT, PREVIOUS = "Bench current review", "Bench previous review"
CODES = ["1", "2", "3", "4", "5", "dk"]
BASELINE_INDEX = "(item_id, choice, response_id)"


def _app(url: str) -> t.Any:
    from app import create_app
    from app.extensions import alembic, db

    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        alembic.upgrade()
    return app


def populate(session: orm.Session, n_responses: int, seed: int = 1) -> None:
    """One survey, two waves; ``n_responses`` in the current wave (20 answers each) and a
    tenth of that in the previous one. Written in bulk: seconds, not minutes.

    Responses go in with COPY (PostgreSQL) or one executemany (SQLite); each response's
    20 picks travel as one short string in a scratch table, and one INSERT ... SELECT
    expands them into answer rows, copying the response's facts in SQL as migration 0002
    does. The answer table's indexes (and, on PostgreSQL, foreign keys) are dropped for
    the load and built once after it: sorting 2 M keys at the end, and checking every
    foreign key in one join, is far cheaper than row by row."""
    from app.admin.services.links import create_link
    from app.definitions import load_text
    from app.definitions.sync import store_definition
    from app.models import Answer, Survey, SurveyVersion, Wave
    from app.models.base import table_of

    store_definition(session, load_text(SURVEY, "bench.yaml"), "bench.yaml")
    survey = session.scalars(sa.select(Survey).where(Survey.slug == "bench-survey")).one()
    version = session.scalars(
        sa.select(SurveyVersion).where(SurveyVersion.survey_id == survey.id)
    ).one()
    waves = [
        Wave(name=PREVIOUS, opens_on=dt.date(2026, 3, 1), closes_on=dt.date(2026, 4, 1)),
        Wave(name=CURRENT, opens_on=dt.date(2026, 10, 1), closes_on=dt.date(2026, 11, 1)),
    ]
    session.add_all(waves)
    session.flush()
    link_ids = {
        (w.id, a): create_link(session, survey, w, a, expected_n=n_responses).id
        for w in waves
        for a in ("family", "staff")
    }
    survey_id, version_id = survey.id, version.id
    import numpy as np

    rng = np.random.default_rng(seed)
    ids = random.Random(seed)
    weights = np.array(
        [[1 + ((k * 7 + j * 3) % 5) for j in range(len(CODES))] for k in range(ITEMS)], float
    )
    weights /= weights.sum(axis=1, keepdims=True)
    conn = session.connection()
    postgres = conn.dialect.name == "postgresql"
    submitted: dt.datetime | str = dt.datetime(2026, 10, 2, tzinfo=dt.UTC)
    if not postgres:  # as SQLAlchemy stores them on SQLite: naive UTC text
        submitted = dt.datetime(2026, 10, 2).isoformat(" ")
    conn.exec_driver_sql("CREATE TEMPORARY TABLE bench_pick (response_id INTEGER, picks TEXT)")
    response_id = 0
    for wave_id, count in ((waves[0].id, n_responses // 10), (waves[1].id, n_responses)):
        family = (rng.random(count) < 0.8).tolist()
        # One character per item: its code, "d" for "don't know".
        digits = np.stack([rng.choice(len(CODES), count, p=weights[k]) for k in range(ITEMS)], 1)
        letters = np.frombuffer("".join(c[0] for c in CODES).encode(), np.uint8)[digits]
        picks = letters.view(f"S{ITEMS}").ravel().astype(str).tolist()
        first = response_id + 1
        response_id += count
        responses = []
        for rid, is_family in zip(range(first, response_id + 1), family, strict=True):
            audience = "family" if is_family else "staff"
            uid = uuid.UUID(int=ids.getrandbits(128), version=4)
            responses.append(
                (
                    rid,
                    uid if postgres else uid.hex,
                    link_ids[(wave_id, audience)],
                    survey_id,
                    version_id,
                    wave_id,
                    audience,
                    None,
                    "en",
                    submitted,
                )
            )
        _insert(conn, "response", RESPONSE_COLUMNS, responses)
        _insert(
            conn,
            "bench_pick",
            ("response_id", "picks"),
            list(zip(range(first, response_id + 1), picks, strict=True)),
        )

    table = table_of(Answer)
    indexes = list(table.indexes)
    foreign_keys = list(table.foreign_key_constraints) if postgres else []
    for index in indexes:
        index.drop(conn)
    for constraint in foreign_keys:
        conn.execute(sa.schema.DropConstraint(constraint))
    if postgres:  # join statistics for the expansion below
        conn.exec_driver_sql("ANALYZE response, bench_pick")
    items = " UNION ALL ".join(f"SELECT {k} AS k, 's.item{k:02d}' AS item_id" for k in range(ITEMS))
    pick = "substr(p.picks, i.k + 1, 1)"
    # CROSS JOIN: SQLite keeps this loop order, so rows arrive in id order.
    conn.exec_driver_sql(
        f"""
        INSERT INTO answer (id, response_id, survey_id, wave_id, audience, partner_id,
                            item_id, choice, value_num, value_text)
        SELECT (r.id - 1) * {ITEMS} + i.k + 1, r.id, r.survey_id, r.wave_id, r.audience,
               r.partner_id, i.item_id,
               CASE {pick} WHEN 'd' THEN 'dk' ELSE {pick} END,
               CASE {pick} WHEN 'd' THEN NULL ELSE CAST({pick} AS REAL) END,
               NULL
        FROM bench_pick p
        CROSS JOIN response r
        CROSS JOIN ({items}) i
        WHERE r.id = p.response_id
        """
    )
    conn.exec_driver_sql("DROP TABLE bench_pick")
    for index in indexes:
        index.create(conn)
    for constraint in foreign_keys:
        conn.execute(sa.schema.AddConstraint(constraint))
    if postgres:
        conn.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('answer', 'id'), (SELECT MAX(id) FROM answer))"
        )
    else:
        conn.exec_driver_sql("ANALYZE")


RESPONSE_COLUMNS = (
    "id",
    "submission_uuid",
    "link_id",
    "survey_id",
    "survey_version_id",
    "wave_id",
    "audience",
    "partner_id",
    "language",
    "submitted_at",
)


def _insert(conn: sa.Connection, table: str, columns: tuple[str, ...], rows: list) -> None:
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None, "a checked-out connection has its driver's connection"
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    placeholders = ", ".join("?" for _ in columns)
    conn.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows
    )


def _best(func: t.Callable[[], t.Any], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def _best_in_turns(*funcs: t.Callable[[], t.Any], repeat: int = 7) -> list[float]:
    best = [float("inf")] * len(funcs)
    for _ in range(repeat):
        for i, func in enumerate(funcs):
            start = time.perf_counter()
            func()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def bare_group_by(session: orm.Session) -> t.Sequence[sa.Row[*tuple[t.Any, ...]]]:
    """The baseline: one GROUP BY over the answers table, no filter, no join."""
    return session.execute(
        sa.text("SELECT item_id, choice, COUNT(*) FROM answer GROUP BY item_id, choice")
    ).all()


def joined_group_by(
    session: orm.Session, wave_ids: list[int]
) -> t.Sequence[sa.Row[*tuple[t.Any, ...]]]:
    """A second baseline: the same answers grouped per audience for the report's waves,
    which is the least any per-audience report must ask the database."""
    from app.models import Answer, Response

    return session.execute(
        sa.select(
            Response.wave_id, Response.audience, Answer.item_id, Answer.choice, sa.func.count()
        )
        .join(Response, Response.id == Answer.response_id)
        .where(Response.wave_id.in_(wave_ids), Response.deleted_at.is_(None))
        .group_by(Response.wave_id, Response.audience, Answer.item_id, Answer.choice)
    ).all()


def _database(size: int, tmp: Path) -> tuple[t.Any, str]:
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp / f'bench-{size}.db'}"
    app = _app(url)
    from app.extensions import db

    with app.app_context():
        start = time.perf_counter()
        populate(db.session, size)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # Statistics, and the visibility map that lets index-only scans skip the
            # table (autovacuum would get there on its own after a bulk insert).
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM ANALYZE"
                )
        elapsed = time.perf_counter() - start
    return app, f"{elapsed:.1f} s"


def _memory(app: t.Any) -> int:
    from app.extensions import db
    from reports import build_report

    with app.app_context():
        build_report(db.session, "bench-survey", CURRENT)  # warm caches and imports
        tracemalloc.start()
        build_report(db.session, "bench-survey", CURRENT)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        db.session.rollback()
    return peak


def run() -> list[str]:
    from app.extensions import db
    from reports import build_report

    large = int(os.environ.get("BENCH_RESPONSES", "100000"))
    small = large // 10
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        app, took = _database(small, Path(tmp))
        peak_small = _memory(app)
        with app.app_context():
            rows = db.session.scalar(sa.text("SELECT COUNT(*) FROM answer"))
        lines.append(f"database: {app.config['DATABASE_URL'].split(':')[0]}")
        lines.append(f"{small:,} responses ({rows:,} answer rows) generated in {took}")
        app, took = _database(large, Path(tmp))
        with app.app_context():
            session = db.session
            rows = session.scalar(sa.text("SELECT COUNT(*) FROM answer"))
            lines.append(f"{large:,} responses ({rows:,} answer rows) generated in {took}")
            wave_ids = list(session.scalars(sa.text("SELECT id FROM wave")))
            joined = _best(lambda: joined_group_by(session, wave_ids), repeat=2)
            as_is = _best(lambda: bare_group_by(session))
            # The baseline as it ran before answers carried their facts: with the index
            # in its own order that the schema then had (no report query needs it now,
            # and none uses it: their plans stay on ix_answer_report). The two are timed
            # in turns, so a busy spell on a shared machine slows both alike.
            session.execute(sa.text(f"CREATE INDEX bench_item_choice ON answer {BASELINE_INDEX}"))
            report_time, bare = _best_in_turns(
                lambda: build_report(session, "bench-survey", CURRENT),
                lambda: bare_group_by(session),
            )
            session.rollback()
            lines.append(
                f"(a) all summaries {report_time:.3f} s / bare GROUP BY {bare:.3f} s = "
                f"{report_time / bare:.2f}x (target <= 1.5x); the bare GROUP BY had an index "
                f"on {BASELINE_INDEX} built for it, without which it took {as_is:.3f} s "
                f"({report_time / as_is:.2f}x); vs the old report query, answers joined to "
                f"responses and grouped per wave and audience, {joined:.3f} s "
                f"({report_time / joined:.2f}x)"
            )
            session.rollback()

        peak_large = _memory(app)
        lines.append(
            f"(c) peak memory building the report: {peak_small / 1e6:.1f} MB at {small:,}, "
            f"{peak_large / 1e6:.1f} MB at {large:,} responses = {peak_large / peak_small:.2f}x"
        )
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()
    return lines
