"""Several workers booting at once against a fresh database never fail to boot."""

from __future__ import annotations

import os
import re
import shutil
import urllib.request

import pytest

from tests.conftest import PG_URL
from tests.reliability.server import running

# make soak boots five times, as the release check asks; make test twice.
ROUNDS = 5 if os.environ.get("SOAK") else 2
WORKERS = 4


@pytest.fixture
def fresh_database(migrated_template, tmp_path):
    """A newly migrated database (a copy of the session's template on SQLite)."""
    if PG_URL:
        yield PG_URL
        return
    path = tmp_path / "fresh.db"
    shutil.copy(migrated_template.removeprefix("sqlite:///"), path)
    yield f"sqlite:///{path}"


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_four_workers_boot_at_once_on_a_fresh_database(fresh_database, tmp_path, round_):
    with running(fresh_database, tmp_path, workers=WORKERS) as server:
        for _ in range(20):
            with urllib.request.urlopen(server.url + "/healthz", timeout=5) as response:
                assert response.status == 200
        assert len(server.worker_pids()) == WORKERS
        log = server.log_text()
    assert len(re.findall(r"Booting worker with pid", log)) == WORKERS
    assert "Worker failed to boot" not in log
    assert "Traceback" not in log
