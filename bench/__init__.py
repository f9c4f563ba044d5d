"""Benchmarks: each module exposes ``run() -> list[str]`` and prints ratios against a
baseline measured in the same run, never absolute targets."""
