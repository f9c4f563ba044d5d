"""Start the real service under gunicorn on a free loopback port, for reliability tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, timeout: float = 90.0, path: str = "/healthz") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + path, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not come up within {timeout} s")


class Server:
    def __init__(
        self,
        database_url: str,
        workers: int,
        log: Path,
        extra_env: dict[str, str],
        app_path: str = "wsgi:app",
        tree: Path = ROOT,
    ):
        """``tree``: the checkout whose code gunicorn serves (another one's, to compare)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "reliability-test",
            "PUBLIC_BASE_URL": self.url,
            **({"PYTHONPATH": str(tree)} if tree != ROOT else {}),
            **extra_env,
        }
        self._log_file = log.open("ab")
        self.process = subprocess.Popen(
            [
                GUNICORN,
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--graceful-timeout",
                "5",
                "--pid",
                str(log.with_suffix(".pid")),
                app_path,
            ],
            cwd=tree,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log_file.close()


@contextlib.contextmanager
def running(
    database_url: str, tmp_path: Path, workers: int = 2, extra_env: dict[str, str] | None = None
) -> Iterator[Server]:
    server = Server(
        database_url, workers, tmp_path / f"gunicorn-{free_port()}.log", extra_env or {}
    )
    try:
        wait_until_up(server.url)
        yield server
    finally:
        server.stop()
