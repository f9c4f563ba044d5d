"""Fixtures for the report tests (helpers live in tests/reports/helpers.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from app.models import Wave
from tests.reports.helpers import Builder


@pytest.fixture
def build(session) -> Iterator[Builder]:
    yield Builder(session)
    session.rollback()


@pytest.fixture
def two_waves(build) -> Iterator[tuple[Wave, Wave]]:
    yield (
        build.wave("2026 Spring review", dt.date(2026, 3, 1)),
        build.wave("2026 Fall review", dt.date(2026, 10, 1)),
    )
