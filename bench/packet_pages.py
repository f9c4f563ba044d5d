"""The review packet's page budget on the demo data (`flask demo --responses 2000`):
pages before the appendix (budget 25), pages of the summary (budget 2), and the privacy
labels before the appendix ("fewer than N people answered/wrote", "withheld"), for the
whole-school packet and for each partner's packet, at seeds 7 and 1. The budget is the
baseline: the figure to read is pages against it. ``tests/test_demo.py`` asserts it.

    python -m bench packet_pages
    PACKET_PAGES_SEEDS=7 python -m bench packet_pages
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE_BUDGET = 25
SUMMARY_BUDGET = 2
RESPONSES = 2000
FEWER = re.compile(r"fewer than \d+ (?:people )?(?:answered|wrote)", re.I)
WITHHELD = re.compile(r"\bwithheld\b", re.I)


def pdf_facts(data: bytes) -> dict[str, int]:
    """Pages in all, pages before the appendix, summary pages, and the privacy labels
    printed before the appendix (the footer's statement of the rule is not a label)."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data))
    top = []
    for entry in reader.outline:
        if isinstance(entry, list):
            continue  # the packet's outline has no nested entries that matter here
        page = reader.get_destination_page_number(entry)
        if entry.title is not None and page is not None:
            top.append((entry.title, page + 1))
    ends = [p for title, p in top if title.startswith(("Appendix", "How figures"))]
    appendix = ends[0] if ends else len(reader.pages) + 1
    summary = next(p for title, p in top if title.startswith("Summary"))
    after = next(p for title, p in top if not title.startswith("Summary") and p >= summary)
    body = " ".join(
        " ".join((reader.pages[k].extract_text() or "").split()) for k in range(appendix - 1)
    )
    return {
        "pages": len(reader.pages),
        "before_appendix": appendix - 1,
        "summary": max(1, after - summary),
        "fewer": len(FEWER.findall(body)),
        "withheld": len(WITHHELD.findall(body)),
    }


def _line(name: str, facts: dict[str, int]) -> str:
    return (
        f"{name}: {facts['before_appendix']} pages before the appendix "
        f"(budget {PAGE_BUDGET}; {facts['pages']} in all), summary {facts['summary']} "
        f"(budget {SUMMARY_BUDGET}); labels before the appendix: {facts['fewer']} "
        f"'fewer than', {facts['withheld']} 'withheld'"
    )


def _packets(seed: int, folder: Path) -> Iterator[str]:
    import sqlalchemy as sa

    from app import create_app
    from app.definitions.sync import sync_directory
    from app.demo import generate
    from app.extensions import alembic, db
    from app.models import Partner, Wave
    from reports import build_report, render

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATABASE_URL": f"sqlite:///{folder / f'seed{seed}.db'}",
            "SURVEYS_DIR": str(ROOT / "surveys"),
        }
    )
    with app.app_context():
        alembic.upgrade()
        sync_directory(db.session, app.config["SURVEYS_DIR"])
        # As `flask demo` makes it: with the past review and its actions, so the packet
        # carries "What we said we would do".
        generate(
            db.session,
            RESPONSES,
            seed=seed,
            release_min_n=app.config["MIN_CELL_SIZE"],
            report_settings=app.config,
        )
        db.session.commit()
        wave = db.session.scalars(
            sa.select(Wave.name).order_by(Wave.opens_on.desc()).limit(1)
        ).one()
        yield f"seed {seed}, {RESPONSES:,} responses, wave '{wave}':"
        yield "  " + _line(
            "whole school", pdf_facts(render(build_report(db.session, None, wave), "pdf"))
        )
        for partner in db.session.scalars(sa.select(Partner).order_by(Partner.name)):
            report = build_report(db.session, None, wave, partner.name)
            shared = "shares results" if partner.share_results else "pooled in the packet"
            yield "  " + _line(f"{partner.name} ({shared})", pdf_facts(render(report, "pdf")))
        for engine in db.engines.values():
            engine.dispose()


def run() -> Iterator[str]:
    seeds = [int(s) for s in os.environ.get("PACKET_PAGES_SEEDS", "7,1").split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            yield from _packets(seed, Path(tmp))
