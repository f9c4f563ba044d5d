"""Action reminders sent by the workspace itself, so a school without cron gets them.

After a workspace page has gone to its reader, a worker that has not looked for
``REMINDER_CHECK_MINUTES`` starts a thread that sends the day's reminders through
``send_reminders``, which sends each one once, whichever worker (or ``flask actions
remind`` from cron) gets there first. The thread leaves the worker free for its next
request however slow the mail server is. Nothing happens without mail (``MAIL_SERVER``)
or with ``REMINDER_CHECK_MINUTES`` at 0; a failure is logged and never reaches a page.
"""

from __future__ import annotations

import threading
import time

from flask import Flask, Response, request

WORKSPACE = frozenset({"admin"})  # the signed-in pages


def init_app(app: Flask) -> None:
    minutes = app.config["REMINDER_CHECK_MINUTES"]
    if minutes <= 0:
        return
    lock = threading.Lock()
    due = [0.0]  # monotonic time of this worker's next look

    @app.after_request
    def _look_for_reminders(response: Response) -> Response:
        if request.blueprint not in WORKSPACE or not app.config.get("MAIL_SERVER"):
            return response
        now = time.monotonic()
        with lock:
            if now < due[0]:
                return response
            due[0] = now + minutes * 60
        response.call_on_close(lambda: start(app))
        return response


def start(app: Flask) -> threading.Thread:
    """Send today's reminders in a thread of their own (kept in ``app.extensions``)."""
    thread = threading.Thread(target=remind, args=(app,), name="action-reminders", daemon=True)
    app.extensions["action_reminders"] = thread
    thread.start()
    return thread


def remind(app: Flask) -> None:
    """Send today's reminders in an application context of their own."""
    from app.admin.services.actions import send_reminders
    from app.admin.services.waves import today_utc
    from app.extensions import db
    from app.mail import public_url, send

    with app.app_context():
        try:
            run = send_reminders(
                db.session,
                today_utc(),
                send,
                lambda action: public_url("admin.action", action_id=action.id),
                public_url("auth.change_password"),
            )
        except Exception:  # the page has gone; the next look tries again
            app.logger.exception("action reminders not sent")
            return
        if run.sent or run.failed:
            app.logger.info(
                "action reminders: %d sent about %d actions, %d not delivered",
                run.sent,
                run.actions,
                run.failed,
            )
