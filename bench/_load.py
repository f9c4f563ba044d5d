"""A small loopback load generator: threads with their own cookie jar, bounded by
request count and time, stopping by itself."""

from __future__ import annotations

import dataclasses
import http.client
import re
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


@dataclasses.dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def throughput(self) -> float:
        return (self.requests - self.errors) / self.seconds if self.seconds else 0.0

    @classmethod
    def combined(cls, rounds: list[Result]) -> Result:
        """Several rounds of the same load as one: requests, errors and seconds summed."""
        return cls(
            sum(r.requests for r in rounds),
            sum(r.errors for r in rounds),
            sum(r.seconds for r in rounds),
            [latency for r in rounds for latency in r.latencies],
        )

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


class Client:
    """One simulated browser: keeps its cookies, speaks HTTP/1.1 to one host."""

    def __init__(self, base_url: str):
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.hostname is None:
            raise ValueError(f"no host in {base_url!r}")
        self.host, self.port = parsed.hostname, parsed.port
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        body: dict | list | str | None = None,
        timeout: float = 30,
    ) -> tuple[int, str]:
        """Send one request on a new connection; ``body`` is form fields, or a form
        already encoded (so a benchmark can encode its bodies before timing)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        headers = {"Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = body if isinstance(body, str) else urllib.parse.urlencode(body, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            return response.status, text
        finally:
            conn.close()


def survey_form(client: Client, token: str) -> dict[str, str]:
    """Open a survey link and return its hidden fields (CSRF token, version, ...)."""
    status, page = client.request("GET", f"/s/{token}")
    if status != 200:
        raise RuntimeError(f"GET /s/{token} answered {status}")
    return dict(HIDDEN.findall(page))


def submission_body(hidden: dict[str, str], answers: dict[str, str]) -> dict[str, str]:
    """A final-page post: a fresh submission UUID, all answers, nav=submit."""
    return {**hidden, "_uuid": str(uuid.uuid4()), **answers, "nav": "submit"}


def run(
    make_request: Callable[[Client, int], bool],
    base_url: str,
    concurrency: int,
    total: int,
    max_seconds: float = 120,
    prepare: Callable[[Client], None] | None = None,
) -> Result:
    """Send ``total`` requests from ``concurrency`` threads; ``make_request`` returns
    True on success. Stops early after ``max_seconds``."""
    counter = iter(range(total))
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0
    sent = 0
    deadline = time.monotonic() + max_seconds
    clients = [Client(base_url) for _ in range(concurrency)]
    if prepare:
        for client in clients:
            prepare(client)

    def worker(client: Client) -> None:
        nonlocal errors, sent
        while time.monotonic() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            started = time.perf_counter()
            try:
                ok = make_request(client, n)
            except (OSError, http.client.HTTPException):
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                sent += 1
                latencies.append(elapsed)
                if not ok:
                    errors += 1

    threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(sent, errors, time.perf_counter() - started, latencies)
