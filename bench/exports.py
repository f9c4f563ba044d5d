"""Raw exports keep memory flat: peak memory exporting ~200,000 responses against
~20,000, measured in the same run.

Each size gets its own SQLite database filled with demo responses; each export runs in
a fresh process, once timed and once under tracemalloc for the peak of the Python
memory allocated while exporting (openpyxl's temporary file is on disk, not counted).

    python -m bench exports                  # 20,000 and 200,000 responses
    EXPORT_BENCH_SIZES=2000,20000 python -m bench exports   # a quicker look
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from flask import Flask

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SURVEY = "family-feedback"


def _app(db_path: str) -> Flask:
    from app import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATABASE_URL": f"sqlite:///{db_path}",
            "SURVEYS_DIR": str(ROOT / "surveys"),
        }
    )


def fill(db_path: str, responses: int) -> None:
    from app.definitions.sync import sync_directory
    from app.demo import generate
    from app.extensions import alembic, db

    app = _app(db_path)
    with app.app_context():
        alembic.upgrade()
        sync_directory(db.session, app.config["SURVEYS_DIR"])
        generate(db.session, responses, seed=1, chunk=5000)
        db.session.commit()


def measure(db_path: str, kind: str, traced: bool) -> dict[str, float]:
    """Export SURVEY from ``db_path`` into /dev/null; runs in its own process. Traced:
    the peak of Python allocations during the export (tracemalloc), else the time."""
    import tracemalloc

    import sqlalchemy as sa

    from app.admin.services.exports import csv_chunks, export_rows, xlsx_chunks
    from app.admin.services.responses import ResponseFilters
    from app.extensions import db
    from app.models import Survey

    app = _app(db_path)
    with app.app_context():
        survey = db.session.scalars(sa.select(Survey).where(Survey.slug == SURVEY)).one()
        if traced:
            tracemalloc.start()
        start = time.perf_counter()
        rows = 0

        def counted() -> Iterator[list[t.Any]]:
            nonlocal rows
            for row in export_rows(db.session, survey, ResponseFilters()):
                rows += 1
                yield row

        chunks = csv_chunks(counted()) if kind == "csv" else xlsx_chunks(counted())
        size = 0
        with open(os.devnull, "wb") as sink:
            for chunk in chunks:
                data = chunk.encode() if isinstance(chunk, str) else chunk
                size += len(data)
                sink.write(data)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        tracemalloc.stop()
    return {"rows": rows - 1, "seconds": seconds, "peak_kib": peak / 1024, "bytes": size}


def _measure_in_subprocess(db_path: str, kind: str) -> dict[str, float]:
    timed = _run(db_path, kind, "timed")
    timed["peak_kib"] = _run(db_path, kind, "traced")["peak_kib"]
    return timed


def _run(db_path: str, kind: str, mode: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.exports", "--measure", db_path, kind, mode],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def run() -> list[str]:
    sizes = [int(s) for s in os.environ.get("EXPORT_BENCH_SIZES", "20000,200000").split(",")]
    small, large = sizes[0], sizes[-1]
    lines = [f"export of {SURVEY!r}: demo databases of {small:,} and {large:,} responses"]
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for n in (small, large):
            paths[n] = str(Path(folder) / f"bench-{n}.db")
            start = time.perf_counter()
            fill(paths[n], n)
            lines.append(f"  filled {n:,} responses in {time.perf_counter() - start:.0f} s")
        for kind in ("csv", "xlsx"):
            a = _measure_in_subprocess(paths[small], kind)
            b = _measure_in_subprocess(paths[large], kind)
            lines.append(
                f"  {kind}: {a['rows']:,.0f} rows -> {a['peak_kib'] / 1024:.1f} MiB peak, "
                f"{a['seconds']:.1f} s; {b['rows']:,.0f} rows -> "
                f"{b['peak_kib'] / 1024:.1f} MiB peak, {b['seconds']:.1f} s"
            )
            lines.append(
                f"  {kind}: memory ratio {b['peak_kib'] / a['peak_kib']:.2f} for "
                f"{b['rows'] / max(a['rows'], 1):.1f}x the rows (flat = near 1); "
                f"time ratio {b['seconds'] / a['seconds']:.1f}; "
                f"{b['rows'] / b['seconds']:,.0f} rows/s"
            )
    return lines


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2], sys.argv[3], sys.argv[4] == "traced")))
    else:
        print("\n".join(run()))
