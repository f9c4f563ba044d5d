"""Reminder emails: owners hear once a week before an action is due and once when it is
overdue; users who turned reminders off hear nothing; links use PUBLIC_BASE_URL."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.models import ActionItem, ActionStatus, AuditEvent, Partner, Role, User, Wave
from tests import factories
from tests.admin import test_accounts
from tests.admin.conftest import add_user, as_user, database, post_form
from tests.admin.test_accounts import body_of

# The local SMTP server and the app that sends to it, as the account emails use.
inbox = test_accounts.inbox
mail_app = test_accounts.mail_app
SENDER = {"MAIL_DEFAULT_SENDER": "Partnership feedback <noreply@school.org>"}


def _actions(app, world) -> dict[str, int]:  # type: ignore[no-untyped-def]
    today = dt.date.today()
    with database(app) as session:
        wave = session.get(Wave, world.current)
        partner_b = session.get(Partner, world.partner_b)
        made = {
            "soon": factories.action(
                session,
                wave,
                "Partner B's guide",
                owner=partner_b,
                due_on=today + dt.timedelta(days=6),
            ),
            "late": factories.action(
                session, wave, "School evening", due_on=today - dt.timedelta(days=2)
            ),
            "later": factories.action(
                session, wave, "Far off", owner=partner_b, due_on=today + dt.timedelta(days=30)
            ),
            "done": factories.action(
                session,
                wave,
                "Done already",
                due_on=today - dt.timedelta(days=2),
                status=ActionStatus.DONE,
            ),
        }
        session.commit()
        return {k: v.id for k, v in made.items()}


def test_owners_are_reminded_once_before_due_and_once_overdue(mail_app, inbox, world, app):  # type: ignore[no-untyped-def]
    handler, _ = inbox
    ids = _actions(app, world)
    with database(app) as session:
        # A second coordinator who turned reminders off, and an inactive partner B user.
        off = add_user(session, "quiet@example.org", Role.COORDINATOR, "x")
        off.action_reminders = False
        gone = add_user(
            session, "gone@example.org", Role.PARTNER, "x", session.get(Partner, world.partner_b)
        )
        gone.active = False
        session.commit()

    result = mail_app.test_cli_runner().invoke(args=["actions", "remind"])
    assert result.exit_code == 0, result.output
    assert "reminders: 2 sent about 2 actions" in result.output
    assert "1 owner(s) turned reminders off" in result.output
    messages = handler.wait(2)
    assert len(messages) == 2
    by_rcpt = {rcpt[0]: message for rcpt, message in messages}
    assert set(by_rcpt) == {"b@example.org", "coord@example.org"}
    soon = by_rcpt["b@example.org"]
    assert soon["Subject"] == "Due in 6 days: Partner B's guide"
    body = body_of(soon)
    assert f"https://feedback.school.org/admin/actions/{ids['soon']}" in body
    assert "https://feedback.school.org/account/password" in body
    assert "turn them off" in body
    late = by_rcpt["coord@example.org"]
    assert late["Subject"] == "Overdue: School evening"
    assert "2 days ago" in body_of(late)
    with database(app) as session:
        assert session.get(ActionItem, ids["soon"]).reminded_due_at is not None
        assert session.get(ActionItem, ids["late"]).reminded_overdue_at is not None
        assert session.get(ActionItem, ids["later"]).reminded_due_at is None
        assert (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "action_reminder")
            )
            == 2
        )

    # Again the same day: nothing more.
    result = mail_app.test_cli_runner().invoke(args=["actions", "remind"])
    assert "reminders: 0 sent about 0 actions" in result.output
    assert len(handler.messages) == 2

    # A week later the first is overdue: one more message, about that one only.
    later = (dt.date.today() + dt.timedelta(days=8)).isoformat()
    result = mail_app.test_cli_runner().invoke(args=["actions", "remind", "--today", later])
    assert result.exit_code == 0, result.output
    messages = handler.wait(3)
    subjects = sorted(m["Subject"] for _rcpt, m in messages[2:])
    assert subjects == ["Overdue: Partner B's guide"]


def test_a_user_turns_reminders_off_on_the_account_page(mail_app, inbox, world, app):  # type: ignore[no-untyped-def]
    handler, _ = inbox
    _actions(app, world)
    client = app.test_client()
    as_user(client, app, world.partner_b_user)
    page = client.get("/account/password").text
    assert "Email me about actions" in page and "checked" in page
    saved = post_form(client, "/account/password", "/admin/account/reminders", {})
    assert saved.status_code == 302
    with database(app) as session:
        assert session.get(User, world.partner_b_user).action_reminders is False
        assert session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "action_reminders_setting")
        )
    assert "You will get no more emails about actions." in client.get("/account/password").text

    result = mail_app.test_cli_runner().invoke(args=["actions", "remind"])
    assert result.exit_code == 0, result.output
    messages = handler.wait(1)
    assert [rcpt for rcpt, _m in messages] == [["coord@example.org"]]

    post_form(client, "/account/password", "/admin/account/reminders", {"action_reminders": "y"})
    with database(app) as session:
        assert session.get(User, world.partner_b_user).action_reminders is True


def test_without_mail_the_command_says_so_and_marks_nothing(app, world):  # type: ignore[no-untyped-def]
    ids = _actions(app, world)
    result = app.test_cli_runner().invoke(args=["actions", "remind"])
    assert result.exit_code != 0
    assert "mail is not configured" in result.output
    with database(app) as session:
        assert session.get(ActionItem, ids["late"]).reminded_overdue_at is None


def _reminded(app) -> int:  # type: ignore[no-untyped-def]
    with database(app) as session:
        return session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "action_reminder")
        )


def test_the_workspace_sends_the_days_reminders_itself(make_app, inbox, world):  # type: ignore[no-untyped-def]
    """A school without cron still gets reminders: a page of the workspace, once it has
    gone, has its worker send what is owed today; another worker sends nothing twice."""
    handler, port = inbox
    settings = {**SENDER, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port}
    settings["REMINDER_CHECK_MINUTES"] = 30
    first, second = make_app(**settings), make_app(**settings)
    _actions(first, world)
    client = first.test_client()
    as_user(client, first, world.partner_b_user)
    page = client.get("/admin/actions")
    assert page.status_code == 200
    assert handler.messages == []  # nothing is sent while the page is on its way
    page.close()  # as a server does once the page has gone
    looked = first.extensions["action_reminders"]
    looked.join(30)
    messages = handler.wait(2)
    assert sorted(m["Subject"] for _rcpt, m in messages) == [
        "Due in 6 days: Partner B's guide",
        "Overdue: School evening",
    ]
    assert _reminded(first) == 2
    # The same worker looks again only after REMINDER_CHECK_MINUTES; another worker looks
    # now, finds every reminder of the day claimed, and sends nothing.
    other = second.test_client()
    as_user(other, second, world.coordinator)
    for page in (other.get("/admin/"), client.get("/admin/actions")):
        assert page.status_code == 200
        page.close()
    second.extensions["action_reminders"].join(30)
    assert len(handler.messages) == 2 and _reminded(first) == 2
    # The first worker does not look again before REMINDER_CHECK_MINUTES have passed.
    assert first.extensions["action_reminders"] is looked


def test_workers_looking_at_once_send_each_reminder_once(make_app, inbox, world):  # type: ignore[no-untyped-def]
    import threading

    from app.reminders import remind

    handler, port = inbox
    apps = [make_app(**SENDER, MAIL_SERVER="127.0.0.1", MAIL_PORT=port) for _ in range(4)]
    _actions(apps[0], world)
    start = threading.Barrier(len(apps))

    def look(app) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        remind(app)

    threads = [threading.Thread(target=look, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    handler.wait(2)
    assert len(handler.messages) == 2 and _reminded(apps[0]) == 2


def test_an_undelivered_reminder_is_tried_again_on_the_next_run(make_app, inbox, world):  # type: ignore[no-untyped-def]
    import socket

    handler, port = inbox
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        nowhere = closed.getsockname()[1]
    down = make_app(**SENDER, MAIL_SERVER="127.0.0.1", MAIL_PORT=nowhere, MAIL_TIMEOUT=2)
    ids = _actions(down, world)
    result = down.test_cli_runner().invoke(args=["actions", "remind"])
    assert result.exit_code == 0, result.output
    assert "0 sent about 0 actions, 2 not delivered (tried again on the next run)" in result.output
    with database(down) as session:
        assert session.get(ActionItem, ids["soon"]).reminded_due_at is None
        assert session.get(ActionItem, ids["late"]).reminded_overdue_at is None
    assert _reminded(down) == 0
    up = make_app(**SENDER, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    result = up.test_cli_runner().invoke(args=["actions", "remind"])
    assert "reminders: 2 sent about 2 actions" in result.output
    assert len(handler.wait(2)) == 2 and _reminded(up) == 2


def test_a_sending_that_breaks_leaves_its_reminder_for_the_next_run(app, world):  # type: ignore[no-untyped-def]
    from app.admin.services.actions import send_reminders

    ids = _actions(app, world)
    sent = []

    def breaks(to: str, subject: str, body: str) -> bool:
        if subject.startswith("Overdue"):
            raise RuntimeError("the mail library failed")
        sent.append(subject)
        return True

    with app.app_context():
        from app.extensions import db

        with pytest.raises(RuntimeError):
            send_reminders(db.session, dt.date.today(), breaks, lambda a: "u", "a")
    with database(app) as session:
        # The overdue one (sent first) broke and is released; the other was not reached.
        assert session.get(ActionItem, ids["late"]).reminded_overdue_at is None
        assert session.get(ActionItem, ids["soon"]).reminded_due_at is None
    assert sent == [] and _reminded(app) == 0
