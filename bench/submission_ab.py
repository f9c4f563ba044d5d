"""Survey submissions per second of this checkout against another one (A/B), on SQLite
and (when reachable) PostgreSQL.

Two gunicorn servers, one serving each checkout's code with the same settings and a
database of its own, take turns in alternating rounds of 16 and of 64 submitting
clients (which server goes first alternates too), so load from elsewhere on a shared
machine falls on both alike. The figure to read is new / base: the median of the
rounds' ratios. Each submission is the real final-page post of ``bench.submission``.

    python -m bench.submission_ab /path/to/base/checkout
    BENCH_BASE_TREE=/path/to/base/checkout python -m bench submission_ab

The base checkout must have the same schema (its migrations are not run: both
databases are prepared by this checkout).
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench import _load
from bench.submission import (
    REDIS_URL,
    _count_responses,
    _pg_database,
    _prepare,
    _redis_reachable,
    _submit,
)
from tests.reliability.server import ROOT, Server, wait_until_up

WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
# Submissions per server and client count, spread over the rounds.
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "3000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "6"))
TARGET = 0.80
# A loaded machine may take long to start four workers.
BOOT_SECONDS = float(os.environ.get("BENCH_BOOT_SECONDS", "240"))


def _serves_its_own_code(tree: Path) -> None:
    """The base tree's ``app`` is the one imported from it (not an installed copy)."""
    imported_from = subprocess.run(
        [sys.executable, "-c", "import app; print(app.__file__)"],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(imported_from).resolve().is_relative_to(tree.resolve()):
        raise RuntimeError(f"{tree} imports app from {imported_from}, not its own")


@contextlib.contextmanager
def _serve(tree: Path, database_url: str, tmp: Path, name: str) -> Iterator[Server]:
    env = {"SUBMIT_RATE_LIMIT": "1000000 per minute", "FEEDBACK_ENV": "production"}
    if _redis_reachable():
        # As docs/deploy.md advises for several processes: one shared limit store.
        env["RATELIMIT_STORAGE_URI"] = REDIS_URL
    server = Server(database_url, WORKERS, tmp / f"{name}.log", env, tree=tree)
    try:
        try:
            wait_until_up(server.url, timeout=BOOT_SECONDS)
        except TimeoutError:
            raise RuntimeError(f"{name} did not start: {server.log_text()[-2000:]}") from None
        yield server
    finally:
        server.stop()


def _measure(base_tree: Path, urls: dict[str, str], label: str, tmp: Path) -> list[str]:
    tokens = {side: _prepare(url, tmp) for side, url in urls.items()}
    per_round = max(1, REQUESTS // ROUNDS)
    results: dict[tuple[str, int], list[_load.Result]] = {
        (side, clients): [] for side in urls for clients in (16, 64)
    }
    trees = {"base": base_tree, "new": ROOT}
    with (
        _serve(trees["base"], urls["base"], tmp, f"{label}-base") as base,
        _serve(trees["new"], urls["new"], tmp, f"{label}-new") as new,
    ):
        servers = {"base": base, "new": new}
        for side in ("base", "new"):  # warm up: imports, caches, pooled connections
            prepare, submit = _submit(tokens[side], 4 * WORKERS)
            _load.run(submit, servers[side].url, WORKERS, 4 * WORKERS, prepare=prepare)
        for n in range(ROUNDS):
            order = ("base", "new") if n % 2 == 0 else ("new", "base")
            for clients in (16, 64):
                for side in order:
                    prepare, submit = _submit(tokens[side], per_round)
                    results[side, clients].append(
                        _load.run(submit, servers[side].url, clients, per_round, prepare=prepare)
                    )
    combined = {key: _load.Result.combined(rounds) for key, rounds in results.items()}
    lines = []
    for side in ("base", "new"):
        low, high = combined[side, 16], combined[side, 64]
        stored = _count_responses(urls[side]) - 4 * WORKERS  # less the warm-up's
        sent = low.requests + high.requests
        lines += [
            f"[{label}] {side}: 16 clients {low.throughput:7.1f} req/s "
            f"(p99 {low.percentile(99) * 1000:.0f} ms), 64 clients {high.throughput:7.1f} req/s "
            f"(p99 {high.percentile(99) * 1000:.0f} ms); 64/16 "
            f"{high.throughput / low.throughput:.2f} (target >= 0.9); "
            f"errors {low.errors + high.errors}; stored {stored} of {sent} sent"
            f"{'' if stored == sent - low.errors - high.errors else ' (MISMATCH)'}",
        ]
    for clients in (16, 64):
        ratios = [
            new.throughput / base.throughput
            for new, base in zip(results["new", clients], results["base", clients], strict=True)
        ]
        together = combined["new", clients].throughput / combined["base", clients].throughput
        lines.append(
            f"[{label}] new / base, {clients} clients: {statistics.median(ratios):.2f} "
            f"(target >= {TARGET:.2f}; median of rounds "
            f"{', '.join(f'{r:.2f}' for r in ratios)}; all rounds together {together:.2f})"
        )
    return lines


def run(base_tree: str | None = None) -> Iterator[str]:
    """The figures, line by line as each database's rounds end."""
    given = base_tree or os.environ.get("BENCH_BASE_TREE")
    if not given:
        yield "skipped: name the base checkout (BENCH_BASE_TREE or an argument)"
        return
    tree = Path(given).resolve()
    if not (tree / "wsgi.py").is_file():
        raise RuntimeError(f"{tree} is not a checkout of this service (no wsgi.py)")
    _serves_its_own_code(tree)
    yield f"base: {tree}; new: {ROOT}; {WORKERS} workers, {ROUNDS} rounds"
    kinds = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if "sqlite" in kinds:
            sqlite = {side: f"sqlite:///{tmp / f'{side}.db'}" for side in ("base", "new")}
            yield from _measure(tree, sqlite, "sqlite", tmp)
        if "postgresql" not in kinds:
            return
        databases = {side: _pg_database(f"_{side}") for side in ("base", "new")}
        try:
            if any(database is None for database in databases.values()):
                yield "[postgresql] skipped: no server"
                return
            urls = {side: database[0] for side, database in databases.items() if database}
            yield from _measure(tree, urls, "postgresql", tmp)
        finally:
            for database in databases.values():
                if database:
                    database[1]()


if __name__ == "__main__":
    for line in run(sys.argv[1] if len(sys.argv) > 1 else None):
        print(line, flush=True)
