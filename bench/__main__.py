"""Run every benchmark module (or those named on the command line) and print results."""

from __future__ import annotations

import importlib
import pkgutil
import platform
import sys
import time
from pathlib import Path


def discover() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    names = argv or discover()
    print(
        f"# machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {_cpus()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}"
    )
    failed = 0
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "run"):
            continue
        print(f"\n## {name}")
        started = time.perf_counter()
        try:
            for line in module.run():
                print(line, flush=True)
        except Exception as exc:  # noqa: BLE001 - report and go on with the others
            failed += 1
            print(f"FAILED: {type(exc).__name__}: {exc}")
        print(f"({time.perf_counter() - started:.1f} s)")
    return 1 if failed else 0


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
