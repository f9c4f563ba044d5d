"""The report page and its downloads cost one report build and one render, no more: the
time of each request against the same build and render called directly, in the same
run on the same database (a ratio near 1 means the page adds nothing of weight). Also
what the page and each section weigh (the page a coordinator opens: at most 200 KB).

    python -m bench report_pages                                  # 20,000 responses
    REPORT_PAGE_BENCH_RESPONSES=2000 python -m bench report_pages # a quicker look
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from flask import Flask

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _app(db_path: str) -> Flask:
    from app import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATABASE_URL": f"sqlite:///{db_path}",
            "SURVEYS_DIR": str(ROOT / "surveys"),
            "RATELIMIT_ENABLED": False,
        }
    )


def _fill(app: Flask, responses: int) -> str:
    """Demo data and a coordinator; returns the coordinator's session token."""
    from app.definitions.sync import sync_directory
    from app.demo import generate
    from app.extensions import alembic, db
    from app.models import Role, User

    with app.app_context():
        alembic.upgrade()
        sync_directory(db.session, app.config["SURVEYS_DIR"])
        generate(db.session, responses, seed=1, chunk=5000)
        db.session.add(
            User(
                email="bench@example.org",
                password_hash="-",
                role=Role.COORDINATOR,
                session_token="bench-token",
            )
        )
        db.session.commit()
    return "bench-token"


def _timed(action: Callable[[str], object], fmt: str) -> float:
    start = time.perf_counter()
    action(fmt)
    return time.perf_counter() - start


def _weights(client: t.Any, wave_id: int) -> list[str]:
    """Bytes of the report page and of each section it links to, as served."""
    import re

    page = client.get(f"/admin/reports?wave={wave_id}")
    assert page.status_code == 200
    sections = re.findall(r'href="(/admin/reports/section/[^"]+)"', page.text)
    sizes = []
    for href in dict.fromkeys(sections):
        response = client.get(href.replace("&amp;", "&"))
        assert response.status_code == 200, href
        sizes.append((len(response.data), href.split("/")[-1].split("?")[0]))
    heaviest = max(sizes, default=(0, "none"))
    return [
        f"  page weight: {len(page.data) / 1000:.0f} KB (target 200 KB); {len(sizes)} sections "
        f"load on their own, the heaviest {heaviest[0] / 1000:.0f} KB ({heaviest[1]})"
    ]


def run() -> list[str]:
    import sqlalchemy as sa

    from app.admin.services.reporting import default_wave
    from app.extensions import db
    from app.models import ReportFile
    from reports import build_report, render, render_html_fragment

    responses = int(os.environ.get("REPORT_PAGE_BENCH_RESPONSES", "20000"))
    lines = [f"review packet of the current wave: demo database of {responses:,} responses"]
    with tempfile.TemporaryDirectory() as folder:
        app = _app(str(Path(folder) / "bench.db"))
        token = _fill(app, responses)
        client = app.test_client()
        with client.session_transaction() as cookie:
            cookie["_user_id"] = token
            cookie["_fresh"] = True
        with app.app_context():
            wave = default_wave(db.session)
            if wave is None:
                raise RuntimeError("the demo data made no wave")
            wave_id, wave_name = wave.id, wave.name

        def direct(fmt: str) -> None:
            # In its own application context, as a request has.
            with app.app_context():
                report = build_report(
                    db.session,
                    None,
                    wave_name,
                    min_cell=app.config["MIN_CELL_SIZE"],
                    comment_min=app.config["COMMENT_MIN_CELL_SIZE"],
                )
                if fmt == "page":
                    render_html_fragment(report)
                else:
                    render(report, fmt)

        def request(fmt: str, cached: bool = False) -> None:
            if not cached:  # built files are cached: measure the build the first one costs
                with app.app_context():
                    db.session.execute(sa.delete(ReportFile))
                    db.session.commit()
            path = "/admin/reports" if fmt == "page" else f"/admin/reports/download/{fmt}"
            response = client.get(f"{path}?wave={wave_id}")
            assert response.status_code == 200, (path, response.status_code)

        lines += _weights(client, wave_id)
        for fmt in ("page", "pdf", "xlsx"):
            direct(fmt)  # warm up: imports, fonts, matplotlib's text caches
            request(fmt)
            # Interleaved, so both sides see the same caches and the same machine load.
            pairs = [(_timed(direct, fmt), _timed(request, fmt)) for _ in range(3)]
            base = statistics.median(p[0] for p in pairs)
            took = statistics.median(p[1] for p in pairs)
            again = statistics.median(
                _timed(lambda f: request(f, cached=True), fmt) for _ in range(3)
            )
            name = "page" if fmt == "page" else f"{fmt} download"
            lines.append(
                f"  {name}: {took:.2f} s per request vs {base:.2f} s for one build and "
                f"render called directly: ratio {took / base:.2f} (1.0 = nothing added); "
                f"{again:.2f} s once cached"
            )
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
