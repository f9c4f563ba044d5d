"""Benchmarks. Each module exposes ``run() -> list[str]``; ``python -m bench`` runs them
all. Figures are ratios against a baseline measured in the same run."""
