"""App import and start-up time against a bare ``import flask``, each in a fresh process."""

from __future__ import annotations

import statistics
import subprocess
import sys

ROUNDS = 7


def _time(code: str) -> float:
    samples = []
    for _ in range(ROUNDS):
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import time; t=time.perf_counter(); {code}; print(time.perf_counter()-t)",
            ],
            capture_output=True,
            text=True,
            check=True,
            env={"FEEDBACK_ENV": "development", "PATH": "/usr/bin:/bin"},
        )
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


def heavy_modules_after_app_start() -> list[str]:
    """Modules that must stay off the respondent path, loaded once the app is built."""
    code = (
        "import sys; from app import create_app; app = create_app({'TESTING': True, "
        "'DATABASE_URL': 'sqlite://'}); "
        "print(','.join(m for m in ('matplotlib', 'pandas', 'numpy', 'openpyxl', 'fpdf') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"FEEDBACK_ENV": "development", "PATH": "/usr/bin:/bin"},
    )
    return [m for m in out.stdout.strip().split(",") if m]


def run() -> list[str]:
    flask = _time("import flask")
    app = _time(
        "from app import create_app; create_app({'TESTING': True, 'DATABASE_URL': 'sqlite://'})"
    )
    heavy = heavy_modules_after_app_start()
    return [
        f"bare import flask:            {flask * 1000:7.1f} ms (median of {ROUNDS})",
        f"import app + create_app():    {app * 1000:7.1f} ms",
        f"ratio app / flask:            {app / flask:7.2f}x",
        "heavy modules loaded at start: "
        + (
            ", ".join(heavy)
            if heavy
            else "none (matplotlib, pandas, numpy, openpyxl, fpdf stay unloaded)"
        ),
    ]
