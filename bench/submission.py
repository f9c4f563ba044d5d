"""Survey submission throughput under load, against a bare Flask route on the same
gunicorn configuration, on SQLite and (when reachable) PostgreSQL.

Each submission is a real final-page post: CSRF check, validation of 20 answers, one
response and 20 answer rows written in one transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlalchemy as sa

from bench import _load
from tests.reliability.server import Server, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "7000"))
# Hello, 16 and 64 submitters take turns this many times (REQUESTS spread over them);
# the throughput ratio is the median of the rounds' ratios, so a burst of load from
# elsewhere on a shared machine during one round does not decide it.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
PG_ADMIN_URL = os.environ.get(
    "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ITEMS = 20
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")

SURVEY = "\n".join(
    [
        "id: bench-twenty",
        "title: {en: Twenty questions, es: Veinte preguntas}",
        "audiences: [family]",
        "languages: [en, es]",
        "scales:",
        "  agree5:",
        "    options:",
        *[
            f"      - {{value: {n}, score: {n}, label: {{en: 'Level {n}', es: 'Nivel {n}'}}}}"
            for n in range(1, 6)
        ],
        "    favourable: [4, 5]",
        "pages:",
        "  - id: only",
        "    questions:",
        *[
            f"      - {{item: q{i}, type: likert, scale: agree5, required: true, "
            f"text: {{en: 'Statement {i}', es: 'Frase {i}'}}}}"
            for i in range(ITEMS)
        ],
    ]
)


def _flask(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("flask")), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def _prepare(database_url: str, tmp: Path) -> str:
    """Migrate, store the 20-question survey, open a wave and a link; return its token."""
    survey_file = tmp / "bench-twenty.yaml"
    survey_file.write_text(SURVEY)
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench"}
    _flask(env, "db", "upgrade")
    _flask(env, "surveys", "sync", str(survey_file))
    from app import create_app
    from app.admin.services.links import create_link
    from app.extensions import db
    from app.models import Audience, Survey, Wave

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench"})
    with app.app_context():
        today = dt.date.today()
        wave = Wave(
            name="Bench",
            opens_on=today - dt.timedelta(days=1),
            closes_on=today + dt.timedelta(days=30),
        )
        db.session.add(wave)
        survey = db.session.scalars(sa.select(Survey).where(Survey.slug == "bench-twenty")).one()
        token = create_link(db.session, survey, wave, Audience.FAMILY).token
        db.session.commit()
        db.engine.dispose()
    return token


@contextlib.contextmanager
def _serve(app_path: str, database_url: str, tmp: Path, name: str) -> Iterator[Server]:
    env = {"SUBMIT_RATE_LIMIT": "1000000 per minute", "FEEDBACK_ENV": "production"}
    if _redis_reachable():
        # As docs/deploy.md advises for several processes: one shared limit store.
        env["RATELIMIT_STORAGE_URI"] = REDIS_URL
    server = Server(database_url, WORKERS, tmp / f"{name}.log", env, app_path=app_path)
    try:
        wait_until_up(
            server.url,
            timeout=float(os.environ.get("BENCH_BOOT_SECONDS", "240")),  # a loaded machine
            path="/hello" if "hello" in app_path else "/healthz",
        )
        yield server
    finally:
        server.stop()


def _submit(token: str, total: int) -> tuple:
    """(prepare, submit) for ``_load.run``: each client first opens the survey (its CSRF
    token and the form's hidden fields); the answers, each post with its own submission
    UUID, are encoded before the clock starts, as a load generator's requests would be."""
    rng = random.Random(7)
    answers = [
        urllib.parse.urlencode(
            {
                "_uuid": str(uuid.uuid4()),
                **{f"q{i}": str(rng.randint(1, 5)) for i in range(ITEMS)},
                "nav": "submit",
            }
        )
        for _ in range(total)
    ]
    forms: dict[int, str] = {}

    def prepare(client: _load.Client) -> None:
        hidden = _load.survey_form(client, token)
        hidden.pop("_uuid", None)
        forms[id(client)] = urllib.parse.urlencode(hidden)

    def submit(client: _load.Client, n: int) -> bool:
        body = forms[id(client)] + "&" + answers[n]
        return client.request("POST", f"/s/{token}", body)[0] == 303

    return prepare, submit


def _measure(database_url: str, label: str, tmp: Path) -> list[str]:
    """Hello, 16 submitters and 64 submitters take turns, ROUNDS times, against two
    servers started side by side, so a slower stretch of a shared machine falls on all
    three alike; each figure sums its rounds."""
    token = _prepare(database_url, tmp)
    per_round = max(1, REQUESTS // ROUNDS)
    hellos, at16, at64 = [], [], []
    with (
        _serve("bench._hello:app", database_url, tmp, "hello") as hello,
        _serve("wsgi:app", database_url, tmp, "app") as app,
    ):

        def say_hello(client: _load.Client, _n: int) -> bool:
            return client.request("GET", "/hello")[0] == 200

        for _ in range(ROUNDS):
            hellos.append(_load.run(say_hello, hello.url, 16, per_round))
            prepare, submit = _submit(token, per_round)
            at16.append(_load.run(submit, app.url, 16, per_round, prepare=prepare))
            prepare, submit = _submit(token, per_round)
            at64.append(_load.run(submit, app.url, 64, per_round, prepare=prepare))
    base = _load.Result.combined(hellos)
    low = _load.Result.combined(at16)
    high = _load.Result.combined(at64)
    stored = _count_responses(database_url)
    target = "0.30" if label == "sqlite" else "0.25"
    ratios = [s.throughput / h.throughput for s, h in zip(at16, hellos, strict=True)]
    per_round_ratios = ", ".join(f"{r:.2f}" for r in ratios)
    return [
        f"[{label}] hello, 16 clients:        {base.throughput:8.1f} req/s, "
        f"p99 {base.percentile(99) * 1000:6.1f} ms, errors {base.errors}",
        f"[{label}] submission, 16 clients:   {low.throughput:8.1f} req/s, "
        f"p99 {low.percentile(99) * 1000:6.1f} ms, errors {low.errors}",
        f"[{label}] submission, 64 clients:   {high.throughput:8.1f} req/s, "
        f"p99 {high.percentile(99) * 1000:6.1f} ms, errors {high.errors}",
        f"[{label}] submission / hello throughput: {statistics.median(ratios):.2f} "
        f"(target >= {target}; median of rounds {per_round_ratios}; "
        f"all rounds together {low.throughput / base.throughput:.2f})",
        f"[{label}] submission / hello p99 latency: "
        f"{low.percentile(99) / base.percentile(99):.1f}x",
        f"[{label}] 64 / 16 clients throughput: {high.throughput / low.throughput:.2f} "
        f"(target >= 0.9, errors {low.errors + high.errors})",
        f"[{label}] responses stored: {stored} of {low.requests + high.requests} sent "
        f"({low.errors + high.errors} errors)",
    ]


def _count_responses(database_url: str) -> int:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM response")).scalar_one()
    engine.dispose()
    return n


def run() -> list[str]:
    lines = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        lines += _measure(f"sqlite:///{tmp / 'bench.db'}", "sqlite", tmp)
        pg = _pg_database()
        if pg is None:
            lines.append("[postgresql] skipped: no server at " + PG_ADMIN_URL)
        else:
            url, drop = pg
            try:
                lines += _measure(url, "postgresql", tmp)
            finally:
                drop()
    return lines


def _pg_database(suffix: str = "") -> tuple[str, Callable[[], None]] | None:
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"bench_{os.getpid()}{suffix}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
    except sa.exc.OperationalError:
        return None

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()

    return sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(False), drop


def _redis_reachable() -> bool:
    import socket

    parsed = sa.make_url(REDIS_URL.replace("redis://", "redis+x://"))
    try:
        with socket.create_connection((parsed.host, parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False
