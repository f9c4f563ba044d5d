"""The review packet, cold: PDF and HTML against CSV of the same packet, at demo scale
(2,000 responses: the shipped instruments, current and previous wave) and at 100,000.

Each build runs in a fresh process, as ``flask report build`` and a newly started
worker run it: import the app, build the report (no cache), render one format, exit.
Formats take turns for several rounds; the headline ratio is the median of the rounds'
ratios of CPU time (user + system of the child), which the shared machine's load moves
far less than wall time; wall-time ratios are printed beside. The aggregation is SQL, so
rendering must not grow with responses: the ratios at 100,000 should be nearer 1.

    python -m bench packet
    PACKET_BENCH_ROUNDS=3 PACKET_BENCH_LARGE=20000 python -m bench packet   # quicker
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"pdf": 1.5, "html": 1.3}
CHILD = """
import sys
from app import create_app
from app.extensions import db
from reports import build_report, render
import sqlalchemy as sa
from app.models import Wave

app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": sys.argv[1]})
with app.app_context():
    wave = db.session.scalar(sa.select(Wave).order_by(Wave.opens_on.desc()).limit(1))
    data = render(build_report(db.session, None, wave.name), sys.argv[2])
    assert len(data) > 1000
"""


def _database(path: Path, responses: int) -> str:
    from app import create_app
    from app.definitions.sync import sync_directory
    from app.demo import generate
    from app.extensions import alembic, db

    url = f"sqlite:///{path}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "SURVEYS_DIR": str(ROOT / "surveys"),
        }
    )
    with app.app_context():
        alembic.upgrade()
        sync_directory(db.session, app.config["SURVEYS_DIR"])
        generate(db.session, responses, seed=1, chunk=5000)
        db.session.commit()
        for engine in db.engines.values():
            engine.dispose()
    return url


def _cold(url: str, fmt: str) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one fresh process building ``fmt``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", CHILD, url, fmt],
        cwd=ROOT,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def _warm(url: str) -> dict[str, float]:
    """In one process, after a first build: one build + render per format (no cache)."""
    from app import create_app
    from app.extensions import db
    from reports import build_report, render

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url})
    seconds: dict[str, float] = {}
    with app.app_context():
        import sqlalchemy as sa

        from app.models import Wave

        name = db.session.scalars(
            sa.select(Wave.name).order_by(Wave.opens_on.desc()).limit(1)
        ).one()
        for fmt in ("csv", "html", "pdf"):
            render(build_report(db.session, None, name), fmt)  # imports, font caches
        for fmt in ("csv", "html", "pdf"):
            started = time.process_time()
            render(build_report(db.session, None, name), fmt)
            seconds[fmt] = time.process_time() - started
        started = time.process_time()
        build_report(db.session, None, name)
        seconds["build"] = time.process_time() - started
        for engine in db.engines.values():
            engine.dispose()
    return seconds


def measure(responses: int, rounds: int) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        url = _database(Path(folder) / "bench.db", responses)
        ratios: dict[str, list[float]] = {"pdf": [], "html": []}
        walls: dict[str, list[float]] = {"pdf": [], "html": []}
        for _ in range(rounds):
            csv_cpu, csv_wall = _cold(url, "csv")
            for fmt in ("html", "pdf"):
                cpu, wall = _cold(url, fmt)
                ratios[fmt].append(cpu / csv_cpu)
                walls[fmt].append(wall / csv_wall)
        warm = _warm(url)
    for fmt, target in TARGETS.items():
        median = statistics.median(ratios[fmt])
        verdict = "ok" if median <= target else "OVER"
        yield (
            f"{responses:,} responses: {fmt.upper()} / CSV cold = {median:.2f} "
            f"(target <= {target}, {verdict}; rounds {', '.join(f'{r:.2f}' for r in ratios[fmt])}; "
            f"wall {statistics.median(walls[fmt]):.2f})"
        )
    yield (
        f"{responses:,} responses, warm process (CPU s): build {warm['build']:.2f}, "
        f"CSV {warm['csv']:.2f}, HTML {warm['html']:.2f}, PDF {warm['pdf']:.2f}"
    )


def run() -> Iterator[str]:
    rounds = int(os.environ.get("PACKET_BENCH_ROUNDS", "5"))
    yield from measure(2000, rounds)
    yield from measure(int(os.environ.get("PACKET_BENCH_LARGE", "100000")), max(2, rounds // 2))
