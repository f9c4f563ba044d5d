"""The application factory, made of named steps."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import os
import threading
import typing as t

from flask import Flask
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from app import config as app_config
from app import mail, ratelimit, static_assets
from app.database import configure_engine
from app.extensions import alembic, babel, csrf, db, login_manager
from app.i18n import select_locale


class FeedbackApp(Flask):
    """Flask, running coroutine functions on an event loop of the thread's own.

    The database extension registers a coroutine teardown (for async sessions, which
    this service does not configure) that Flask would run through ``asgiref`` on every
    request: a new thread and event loop each time, most of a millisecond. A sync
    worker runs one request at a time per thread, so each thread keeps one loop, closed
    when the thread ends; a thread that already runs a loop hands the coroutine to a
    short-lived thread.
    """

    def async_to_sync(
        self, func: t.Callable[..., t.Coroutine[t.Any, t.Any, t.Any]]
    ) -> t.Callable[..., t.Any]:
        def run(*args: t.Any, **kwargs: t.Any) -> t.Any:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                pass
            else:
                # This thread already runs a loop (a test driving a browser through
                # Playwright's sync API, say), where asgiref refuses to convert: run
                # the coroutine on a short-lived thread and loop of its own.
                # (with this thread's context: the application context goes along).
                context = contextvars.copy_context()
                with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
                    return pool.submit(context.run, asyncio.run, func(*args, **kwargs)).result()
            own = getattr(_threads, "own", None)
            if own is None:
                own = _threads.own = _ThreadLoop()
            return own.loop.run_until_complete(func(*args, **kwargs))

        return run


class _ThreadLoop:
    """An event loop for one thread, closed when the thread ends (its thread-local
    values are dropped then)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.loop.close()


_threads = threading.local()


def create_app(config: dict[str, t.Any] | None = None) -> Flask:
    """Build the application. ``config`` overrides code defaults, the instance
    folder's ``config.py`` and environment variables, in that order."""
    app = FeedbackApp(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app_config.load(app.config, app.instance_path, config)
    # Migrations live at the project root, beside app/, not inside the package.
    app.config["ALEMBIC"] = {
        "script_location": os.path.join(os.path.dirname(app.root_path), "migrations")
    }

    trust_proxies(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` reverse proxies, take the client's address and scheme
    from X-Forwarded-For and X-Forwarded-Proto. Without it every visitor has the proxy's
    address and shares one rate limit. Each proxy appends what it saw, so the entry n
    from the end is the one our outermost proxy wrote; anything before it came from the
    client and is ignored. With 0 the headers are never read."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_prefix=0
        )


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            configure_engine(engine)
    alembic.init_app(app)
    csrf.init_app(app)
    ratelimit.init_app(app)
    mail.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    static_assets.init_app(app)
    # Templates get the lazy proxy rather than Flask-Login's processor, which loads the
    # user for every page rendered, survey pages included.
    login_manager.init_app(app, add_context_processor=False)
    app.context_processor(lambda: {"current_user": current_user})

    from app import auth, reminders, security

    auth.init_app(app)
    security.init_app(app)
    reminders.init_app(app)


def register_blueprints(app: Flask) -> None:
    from app.main import bp as main_bp

    app.register_blueprint(main_bp)
    from app.respond import bp as respond_bp

    app.register_blueprint(respond_bp)
    from app.preview import bp as preview_bp

    app.register_blueprint(preview_bp)
    from app.results import bp as results_bp

    app.register_blueprint(results_bp)

    from app.admin.views import bp as admin_bp
    from app.auth import bp as auth_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)


def register_errorhandlers(app: Flask) -> None:
    from app.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from app.cli import register

    register(app)
