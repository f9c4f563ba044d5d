"""Benchmarks: each module exposes ``run() -> list[str]`` (lines to print)."""
