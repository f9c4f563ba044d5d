"""First run, invitations, password resets and changes: one-time links that work once,
expire, are stored hashed, end other sessions and are audited; email through a real
(local) SMTP server, with links on PUBLIC_BASE_URL whatever Host the request named."""

from __future__ import annotations

import datetime as dt
import re
import socket
import time
from email import message_from_bytes

import pytest
import sqlalchemy as sa

from app.auth.account_links import hash_token
from app.models import AccountLink, AccountLinkKind, AuditEvent, Role, User, utcnow
from app.users import verify_password
from tests.admin.conftest import (
    PASSWORD,
    WORLD_INVITATION,
    as_user,
    csrf_token,
    database,
    post_form,
    sign_in,
)

NEW_PASSWORD = "a new and rather long passphrase"
LINK = re.compile(r'id="made-link" type="text" readonly value="([^"]+)"')


def actions(app) -> list[str]:  # type: ignore[no-untyped-def]
    with database(app) as session:
        return list(session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def made_link(html: str) -> str:
    match = LINK.search(html)
    assert match, "no link on the page"
    return match.group(1)


def signed_in_as(client) -> str | None:  # type: ignore[no-untyped-def]
    page = client.get("/account/password")
    if page.status_code != 200:
        return None
    match = re.search(r'<span class="signed-in-as">([^<]+)</span>', page.text)
    return match.group(1) if match else None


# First run ---------------------------------------------------------------------------


def setup_link(runner) -> str:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["setup", "--demo-responses", "0"])
    assert result.exit_code == 0, result.output
    match = re.search(r"(http://localhost/setup/\S+)", result.output)
    assert match, result.output
    return path_of(match.group(1))


def test_first_run_link_creates_the_first_admin_once_and_is_audited(app, runner):  # type: ignore[no-untyped-def]
    url = setup_link(runner)
    client = app.test_client()
    page = client.get(url)
    assert page.status_code == 200 and "Create my admin account" in page.text
    token = csrf_token(page.text)
    short = client.post(
        url,
        data={
            "csrf_token": token,
            "email": "me@school.org",
            "password": "short",
            "confirm": "short",
        },
    )
    assert short.status_code == 400
    assert "at least 12 characters" in short.text
    assert 'value="me@school.org"' in short.text  # what was typed stays
    done = client.post(
        url,
        data={
            "csrf_token": token,
            "email": " Me@School.org",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert done.status_code == 302 and done.headers["Location"] == "/admin/invitations/new"
    assert signed_in_as(client) == "me@school.org"
    with database(app) as session:
        user = session.scalar(sa.select(User))
        assert user.role is Role.ADMIN and verify_password(user, NEW_PASSWORD)
    assert {"setup_link_create", "setup_complete", "sign_in"} <= set(actions(app))
    again = app.test_client().get(url)
    assert again.status_code == 410 and "already been used" in again.text
    # Once an account exists, start-up prints no setup link.
    assert "/setup/" not in runner.invoke(args=["setup", "--demo-responses", "0"]).output


def test_each_start_replaces_the_setup_link_and_a_stale_one_says_so(app, runner):  # type: ignore[no-untyped-def]
    first = setup_link(runner)
    second = setup_link(runner)
    assert first != second
    old = app.test_client().get(first)
    assert old.status_code == 410 and "withdrawn" in old.text
    assert app.test_client().get(second).status_code == 200


def test_setup_link_expires_after_a_day(app, runner):  # type: ignore[no-untyped-def]
    url = setup_link(runner)
    with database(app) as session:
        link = session.scalar(sa.select(AccountLink))
        assert link.expires_at - link.created_at == dt.timedelta(hours=24)
        link.expires_at = utcnow() - dt.timedelta(seconds=1)
        session.commit()
    page = app.test_client().get(url)
    assert page.status_code == 410 and "expired" in page.text


def test_setup_link_is_dead_once_an_account_is_made_on_the_command_line(app, runner):  # type: ignore[no-untyped-def]
    url = setup_link(runner)
    made = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "cli@school.org",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input=NEW_PASSWORD + "\n",
    )
    assert made.exit_code == 0, made.output
    page = app.test_client().get(url)
    assert page.status_code == 410 and "Set-up is already done" in page.text
    assert "user_create" in actions(app)  # the command line is audited too


def test_tokens_are_stored_only_as_hashes(app, runner):  # type: ignore[no-untyped-def]
    url = setup_link(runner)
    token = url.rsplit("/", 1)[1]
    with database(app) as session:
        link = session.scalar(sa.select(AccountLink))
        assert link.token_hash == hash_token(token) and token not in link.token_hash
        dumped = " ".join(str(v) for v in session.execute(sa.select(AccountLink)).one())
        assert token not in dumped


# Invitations -------------------------------------------------------------------------


def invite(app, user_id: int, **form) -> object:  # type: ignore[no-untyped-def]
    client = app.test_client()
    as_user(client, app, user_id)
    return post_form(client, "/admin/invitations/new", "/admin/invitations/new", form)


def test_invited_partner_user_sets_a_password_and_is_signed_in(app, world):  # type: ignore[no-untyped-def]
    made = invite(
        app,
        world.coordinator,
        email="New.Person@Clinic.org",
        role="partner",
        partner_id=str(world.partner_a),
    )
    assert made.status_code == 200, made.text
    assert "does not send email" in made.text  # no MAIL_SERVER: copy it
    url = path_of(made_link(made.text))
    assert url.startswith("/invitation/")
    invitee = app.test_client()
    page = invitee.get(url)
    assert page.status_code == 200
    assert "new.person@clinic.org" in page.text and world.partner_a_name in page.text
    token = csrf_token(page.text)
    mismatch = invitee.post(
        url, data={"csrf_token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"}
    )
    assert mismatch.status_code == 400 and "not the same" in mismatch.text
    done = invitee.post(
        url, data={"csrf_token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert done.status_code == 302 and done.headers["Location"] == "/admin/partner"
    assert world.partner_a_name in invitee.get("/admin/partner").text
    with database(app) as session:
        user = session.scalar(sa.select(User).where(User.email == "new.person@clinic.org"))
        assert user.role is Role.PARTNER and user.partner_id == world.partner_a
    assert {"invitation_create", "invitation_accept"} <= set(actions(app))
    used = app.test_client().get(url)
    assert used.status_code == 410 and "already been used" in used.text
    fresh = app.test_client()
    assert sign_in(fresh, "new.person@clinic.org", NEW_PASSWORD).status_code == 302


def test_invitation_form_refusals_keep_what_was_typed(app, world):  # type: ignore[no-untyped-def]
    no_partner = invite(app, world.admin, email="p@clinic.org", role="partner", partner_id="")
    assert no_partner.status_code == 400 and "choose one" in no_partner.text
    assert 'value="p@clinic.org"' in no_partner.text
    taken = invite(app, world.admin, email="coord@example.org", role="coordinator", partner_id="")
    assert taken.status_code == 400 and "already has an account" in taken.text
    bad = invite(app, world.admin, email="not an address", role="coordinator", partner_id="")
    assert bad.status_code == 400 and "Enter an email address" in bad.text
    # A coordinator cannot make an admin: the role is not offered, and a forged post fails.
    client = app.test_client()
    as_user(client, app, world.coordinator)
    assert 'value="admin"' not in client.get("/admin/invitations/new").text
    forged = invite(app, world.coordinator, email="boss@school.org", role="admin", partner_id="")
    assert forged.status_code == 400
    with database(app) as session:
        emails = set(session.scalars(sa.select(AccountLink.email)))
    assert emails == {"invitee@example.org"}  # only the world's own


def test_withdrawn_and_expired_invitations_give_a_clear_page(app, world):  # type: ignore[no-untyped-def]
    url = f"/invitation/{WORLD_INVITATION}"
    assert app.test_client().get(url).status_code == 200
    client = app.test_client()
    as_user(client, app, world.coordinator)
    listing = client.get("/admin/invitations")
    assert "invitee@example.org" in listing.text and "Waiting" in listing.text
    withdrawn = client.post(
        f"/admin/invitations/{world.invitation}/revoke",
        data={"csrf_token": csrf_token(listing.text)},
    )
    assert withdrawn.status_code == 302
    page = app.test_client().get(url)
    assert page.status_code == 410 and "withdrawn" in page.text
    assert "invitation_revoke" in actions(app)
    again = invite(
        app, world.coordinator, email="late@example.org", role="coordinator", partner_id=""
    )
    late = path_of(made_link(again.text))
    with database(app) as session:
        link = session.scalar(sa.select(AccountLink).where(AccountLink.email == "late@example.org"))
        assert link.expires_at - link.created_at == dt.timedelta(days=7)
        link.expires_at = utcnow() - dt.timedelta(minutes=1)
        session.commit()
    expired = app.test_client().get(late)
    assert expired.status_code == 410 and "expired" in expired.text
    stranger = app.test_client()
    token = csrf_token(stranger.get("/signin").text)
    sent = stranger.post(
        late, data={"csrf_token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert sent.status_code == 410


def test_inviting_again_replaces_the_earlier_link(app, world):  # type: ignore[no-untyped-def]
    first = path_of(
        made_link(
            invite(app, world.admin, email="x@school.org", role="coordinator", partner_id="").text
        )
    )
    second = path_of(
        made_link(
            invite(app, world.admin, email="x@school.org", role="coordinator", partner_id="").text
        )
    )
    assert app.test_client().get(first).status_code == 410
    assert app.test_client().get(second).status_code == 200


# Email -------------------------------------------------------------------------------


class Inbox:
    """A local SMTP server (aiosmtpd) keeping what it receives."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"

    def wait(self, count: int = 1, timeout: float = 10) -> list:
        end = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < end:
            time.sleep(0.05)
        return self.messages


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox():  # type: ignore[no-untyped-def]
    from aiosmtpd.controller import Controller

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


@pytest.fixture
def mail_app(make_app, inbox):  # type: ignore[no-untyped-def]
    _, port = inbox
    return make_app(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_DEFAULT_SENDER="Partnership feedback <noreply@school.org>",
        PUBLIC_BASE_URL="https://feedback.school.org",
    )


def body_of(message) -> str:  # type: ignore[no-untyped-def]
    return message.get_payload(decode=True).decode()


def test_invitation_is_emailed_with_a_link_on_the_public_address(mail_app, inbox, world):  # type: ignore[no-untyped-def]
    handler, _ = inbox
    client = mail_app.test_client()
    evil = "http://evil.example"  # the Host a client named: never used in a link
    signin = client.get("/signin", base_url=evil)
    data = {"csrf_token": csrf_token(signin.text), "email": "admin@example.org"}
    client.post("/signin", base_url=evil, data={**data, "password": PASSWORD})
    page = client.get("/admin/invitations/new", base_url=evil)
    made = client.post(
        "/admin/invitations/new",
        base_url=evil,
        data={
            "csrf_token": csrf_token(page.text),
            "email": "staff@school.org",
            "role": "coordinator",
            "partner_id": "",
        },
    )
    assert made.status_code == 200 and "It was emailed to staff@school.org" in made.text
    shown = made_link(made.text)
    assert shown.startswith("https://feedback.school.org/invitation/")
    [(to, message)] = handler.wait()
    assert to == ["staff@school.org"]
    assert message["From"] == "Partnership feedback <noreply@school.org>"
    assert shown in body_of(message) and "evil.example" not in body_of(message)


def test_forgot_password_answers_the_same_and_emails_only_real_accounts(mail_app, inbox, world):  # type: ignore[no-untyped-def]
    handler, _ = inbox
    answers = []
    for email in ["nobody@example.org", "coord@example.org", "b@example.org"]:
        client = mail_app.test_client()
        response = post_form(client, "/forgot", "/forgot", {"email": email})
        assert response.status_code == 200
        answers.append(response.text.split('role="status">', 1)[1].split("<", 1)[0])
        response.close()  # as a WSGI server does: the message goes after the answer
    assert len(set(answers)) == 1
    messages = handler.wait(2)
    time.sleep(0.3)  # nothing more arrives for the unknown address
    assert sorted(to[0] for to, _ in handler.messages) == ["b@example.org", "coord@example.org"]
    url = re.search(r"https://feedback\.school\.org(/reset/\S+)", body_of(messages[0][1]))
    assert url, body_of(messages[0][1])
    assert actions(mail_app).count("password_reset_request") == 2


def test_smtp_server_down_still_shows_the_link(make_app, world):  # type: ignore[no-untyped-def]
    app = make_app(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=free_port(),
        MAIL_TIMEOUT=2,
        MAIL_DEFAULT_SENDER="noreply@school.org",
    )
    made = invite(app, world.admin, email="s@school.org", role="coordinator", partner_id="")
    assert made.status_code == 200 and "could not be emailed" in made.text
    assert made_link(made.text).startswith("http://localhost/invitation/")


def test_mail_settings_are_checked_at_start(make_app):  # type: ignore[no-untyped-def]
    from app.config import ConfigError

    with pytest.raises(ConfigError, match="MAIL_DEFAULT_SENDER"):
        make_app(MAIL_SERVER="smtp.school.org")
    with pytest.raises(ConfigError, match="not both"):
        make_app(
            MAIL_SERVER="smtp.school.org",
            MAIL_DEFAULT_SENDER="a@b.org",
            MAIL_USE_TLS=True,
            MAIL_USE_SSL=True,
        )


# Passwords ---------------------------------------------------------------------------


def test_forgot_password_is_rate_limited(make_app, world):  # type: ignore[no-untyped-def]
    app = make_app(RATELIMIT_ENABLED=True, RESET_RATE_LIMIT="3 per minute")
    client = app.test_client()
    statuses = [
        post_form(client, "/forgot", "/forgot", {"email": "x@example.org"}).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_emailed_reset_links_per_account_are_capped(app, world):  # type: ignore[no-untyped-def]
    for _ in range(5):
        post_form(app.test_client(), "/forgot", "/forgot", {"email": "coord@example.org"})
    with database(app) as session:
        count = session.scalar(
            sa.select(sa.func.count())
            .select_from(AccountLink)
            .where(AccountLink.kind == AccountLinkKind.RESET)
        )
    assert count == 3


def test_admin_reset_link_sets_a_new_password_and_ends_every_other_session(app, world):  # type: ignore[no-untyped-def]
    old = app.test_client()
    assert sign_in(old, "coord@example.org").status_code == 302
    assert signed_in_as(old) == "coord@example.org"
    admin = app.test_client()
    as_user(admin, app, world.admin)
    edit = admin.get(f"/admin/users/{world.coordinator}")
    made = admin.post(
        f"/admin/users/{world.coordinator}/reset", data={"csrf_token": csrf_token(edit.text)}
    )
    assert made.status_code == 200 and "Password reset link for coord@example.org" in made.text
    url = path_of(made_link(made.text))
    person = app.test_client()
    page = person.get(url)
    assert page.status_code == 200 and "coord@example.org" in page.text
    done = person.post(
        url,
        data={
            "csrf_token": csrf_token(page.text),
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert done.status_code == 302 and signed_in_as(person) == "coord@example.org"
    assert signed_in_as(old) is None  # the other session ended
    assert sign_in(app.test_client(), "coord@example.org", PASSWORD).status_code == 200
    assert sign_in(app.test_client(), "coord@example.org", NEW_PASSWORD).status_code == 302
    assert person.get(url).status_code == 410
    assert {"password_reset_issue", "password_reset"} <= set(actions(app))


def test_reset_link_of_a_deactivated_account_does_not_work(app, world):  # type: ignore[no-untyped-def]
    post_form(app.test_client(), "/forgot", "/forgot", {"email": "coord@example.org"})
    with database(app) as session:
        link = session.scalar(sa.select(AccountLink).where(AccountLink.kind == "reset"))
        token = "known-reset-token"
        link.token_hash = hash_token(token)
        session.get(User, world.coordinator).active = False
        session.commit()
    page = app.test_client().get(f"/reset/{token}")
    assert page.status_code == 410 and "deactivated" in page.text


def test_change_password_needs_the_current_one_and_ends_other_sessions(app, world):  # type: ignore[no-untyped-def]
    other = app.test_client()
    assert sign_in(other, "a@example.org").status_code == 302
    me = app.test_client()
    assert sign_in(me, "a@example.org").status_code == 302
    wrong = post_form(
        me,
        "/account/password",
        "/account/password",
        {"current_password": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert wrong.status_code == 400 and "not your current password" in wrong.text
    same = post_form(
        me,
        "/account/password",
        "/account/password",
        {"current_password": PASSWORD, "password": PASSWORD, "confirm": PASSWORD},
    )
    assert same.status_code == 400 and "same as the current" in same.text
    done = post_form(
        me,
        "/account/password",
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert signed_in_as(me) == "a@example.org"  # this session goes on
    assert signed_in_as(other) is None  # the other one ended
    assert "password_change" in actions(app)


def test_signed_out_visitors_cannot_change_a_password(app, world):  # type: ignore[no-untyped-def]
    response = app.test_client().get("/account/password")
    assert response.status_code == 302 and "/signin?next=" in response.headers["Location"]


# Command line ------------------------------------------------------------------------


def test_command_line_invites_and_makes_reset_links_through_the_same_service(app, world):  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    made = runner.invoke(
        args=[
            "users",
            "invite",
            "--email",
            "cli@clinic.org",
            "--role",
            "partner",
            "--partner",
            world.partner_a_name,
        ]
    )
    assert made.exit_code == 0, made.output
    url = made.output.strip()
    assert url.startswith("http://localhost/invitation/")
    assert app.test_client().get(path_of(url)).status_code == 200
    missing = runner.invoke(
        args=["users", "invite", "--email", "x@clinic.org", "--role", "partner"]
    )
    assert missing.exit_code == 1 and "choose one" in missing.output
    unknown = runner.invoke(
        args=[
            "users",
            "invite",
            "--email",
            "x@clinic.org",
            "--role",
            "partner",
            "--partner",
            "No Such Clinic",
        ]
    )
    assert unknown.exit_code == 1 and "no partner named" in unknown.output
    reset = runner.invoke(args=["users", "reset-link", "--email", "Coord@Example.org"])
    assert reset.exit_code == 0 and "/reset/" in reset.output
    assert app.test_client().get(path_of(reset.output.strip())).status_code == 200
    nobody = runner.invoke(args=["users", "reset-link", "--email", "nobody@example.org"])
    assert nobody.exit_code == 1 and "no account" in nobody.output
    assert {"invitation_create", "password_reset_issue"} <= set(actions(app))


def test_one_invitation_sent_twice_at_once_makes_one_account(make_app, world):  # type: ignore[no-untyped-def]
    import threading
    import urllib.error
    import urllib.parse
    import urllib.request

    from tests.conftest import served_over_http

    app = make_app(WTF_CSRF_ENABLED=False)
    body = urllib.parse.urlencode({"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).encode()
    statuses: list[int] = []
    with served_over_http(app) as base:
        start = threading.Barrier(4)

        def accept() -> None:
            start.wait()
            try:
                with urllib.request.urlopen(f"{base}/invitation/{WORLD_INVITATION}", body) as r:
                    statuses.append(r.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)

        threads = [threading.Thread(target=accept) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    # The one that made the account is redirected (urllib follows, ending on a 200 page);
    # the others find the link used.
    assert sorted(statuses) == [200, 410, 410, 410], statuses
    with database(app) as session:
        made = session.scalars(sa.select(User).where(User.email == "invitee@example.org"))
        assert len(list(made)) == 1
    assert actions(app).count("invitation_accept") == 1
