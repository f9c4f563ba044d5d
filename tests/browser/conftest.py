"""Headless Chromium (Debian's) driven by Playwright against a live local server."""

from __future__ import annotations

import queue
import threading
import typing as t
from collections.abc import Callable, Iterator

import pytest

from tests.conftest import CHROMIUM, require_or_skip
from tests.conftest import CHROMIUM_ARGS as ARGS
from tests.respond.conftest import example_link, live_server, translations_built  # noqa: F401

PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}
WIDE = {"width": 1024, "height": 800}


def pytest_collection_modifyitems(items):  # type: ignore[no-untyped-def]
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


class BrowserThread:
    """Playwright's sync API runs an event loop in the thread that starts it, and the
    app's context teardown (Flask-SQLAlchemy-Lite) refuses to run beside a running
    loop. So the browser lives in its own thread; tests hand it the steps to drive."""

    def __init__(self) -> None:
        self._cached = None
        self._jobs: queue.Queue = queue.Queue()
        self._ready: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        problem = self._ready.get(timeout=60)
        if problem:
            raise RuntimeError(problem)

    def _serve(self) -> None:
        try:
            from playwright.sync_api import sync_playwright

            self._manager = sync_playwright().start()
            self.chromium = self._manager.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except Exception as exc:  # noqa: BLE001 - any failure means "no browser here"
            self._ready.put(str(exc).splitlines()[0] if str(exc) else repr(exc))
            return
        self._ready.put(None)
        while True:
            job = self._jobs.get()
            if job is None:
                break
            fn, reply = job
            try:
                reply.put((True, fn(self)))
            except BaseException as exc:  # noqa: BLE001 - handed back to the test
                reply.put((False, exc))
        for browser in (self.chromium, self._cached):
            if browser is not None:
                browser.close()
        self._manager.stop()

    def with_back_forward_cache(self):  # type: ignore[no-untyped-def]
        """A second Chromium that keeps pages whole when leaving them, as phones do
        (Playwright switches that off by default). Started when first asked for."""
        if self._cached is None:
            self._cached = self._manager.chromium.launch(
                executable_path=CHROMIUM,
                args=ARGS,
                ignore_default_args=["--disable-back-forward-cache"],
            )
        return self._cached

    def run(self, fn: Callable[[t.Any], t.Any]) -> t.Any:
        reply: queue.Queue = queue.Queue()
        self._jobs.put((fn, reply))
        ok, value = reply.get(timeout=180)
        if not ok:
            raise value
        return value

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(30)


@pytest.fixture(scope="session")
def browser_thread() -> Iterator[BrowserThread]:
    try:
        thread = BrowserThread()
    except RuntimeError as exc:
        require_or_skip(f"Chromium cannot start: {exc}")
    yield thread
    thread.close()


class Session:
    """What a test's steps get, inside the browser thread: pages on the live server."""

    def __init__(self, browsers: BrowserThread, base_url: str) -> None:
        self.browsers = browsers
        self.chromium = browsers.chromium
        self.base_url = base_url
        self.contexts: list[t.Any] = []

    def context(self, viewport=PHONE, locale="es-US", js=True, back_forward_cache=False):  # type: ignore[no-untyped-def]
        browser = self.browsers.with_back_forward_cache() if back_forward_cache else self.chromium
        context = browser.new_context(
            viewport=viewport, locale=locale, java_script_enabled=js, base_url=self.base_url
        )
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        return context

    def open(self, path: str, context=None, **options):  # type: ignore[no-untyped-def]
        context = context or self.context(**options)
        page = context.new_page()
        outside: list[str] = []
        base = self.base_url

        def note(request) -> None:  # type: ignore[no-untyped-def]
            if not request.url.startswith(base):
                outside.append(request.url)

        page.on("request", note)
        page.outside_requests = outside
        page.goto(path)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def drive(browser_thread, live_server):  # type: ignore[no-untyped-def]  # noqa: F811
    """drive(steps): run ``steps(session)`` in the browser thread and return its result."""

    def _drive(steps: Callable[[Session], t.Any]) -> t.Any:
        def job(browsers):  # type: ignore[no-untyped-def]
            session = Session(browsers, live_server)
            try:
                return steps(session)
            finally:
                session.close()

        return browser_thread.run(job)

    return _drive


def axe_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """WCAG 2.1 A/AA violations axe-core finds on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            "resultTypes": ["violations"],
        },
    )
    return [
        f"{v['id']}: {v['help']} ({', '.join(str(n['target']) for n in v['nodes'][:3])})"
        for v in results.response["violations"]
    ]


def fits_width(page) -> bool:  # type: ignore[no-untyped-def]
    """No sideways scrolling: the document is no wider than the window."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
