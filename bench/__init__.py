"""Benchmarks. Each module exposes ``run() -> list[str]`` and prints ratios against a
baseline measured in the same run, on the same machine, so a noisy shared machine
changes both sides alike. ``make bench`` (``python -m bench``) runs them all."""
