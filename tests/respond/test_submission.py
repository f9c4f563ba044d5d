"""Submitting: one transaction, exactly once, nothing partial, nothing identifying."""

from __future__ import annotations

import datetime as dt
import http.client
import threading
import time
import uuid
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa

from app.database import connect_for_lookups, write_transaction
from app.definitions.sync import latest_version, store_definition
from app.extensions import db
from app.models import Answer, Link, Response
from app.respond.service import Submission, find_link, record_once, stored_version
from tests.conftest import EXAMPLE
from tests.respond.helpers import Respondent, read_form, update

FULL_ANSWERS_PAGE_1 = {"uses_services": "yes", "services_used": ["clinic", "other"]}


def finish(person: Respondent, lang: str = "en", **page2):  # type: ignore[no-untyped-def]
    person.open(lang)
    person.press(
        "next",
        {**FULL_ANSWERS_PAGE_1, "services_used.other": "Tutoring", "contact_channel": "text"},
    )
    answers = {"help.know_where": "2", "overall": "4", "comments": "More evening hours"}
    return person.press("submit", {**answers, **page2})


def stored(session):  # type: ignore[no-untyped-def]
    session.rollback()  # a new snapshot, with what the requests committed
    return list(session.scalars(sa.select(Response)))


def test_submit_stores_response_and_answers_copied_from_the_link(respondent, session):
    response = finish(respondent, "es")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/s/{respondent.token}/thanks?lang=es")
    (row,) = stored(session)
    link = row.link
    assert (row.survey_id, row.wave_id, row.audience, row.partner_id) == (
        link.survey_id,
        link.wave_id,
        link.audience,
        link.partner_id,
    )
    assert row.language == "es"
    assert row.survey_version_id == latest_version(session, link.survey_id).id
    assert str(row.submission_uuid) == respondent.last_post["_uuid"]
    assert row.started_at is not None and row.started_at <= row.submitted_at
    answers = {(a.item_id, a.choice, a.value_num, a.value_text) for a in row.answers}
    assert answers == {
        ("uses_services", "yes", None, None),
        ("services_used", "clinic", None, None),
        ("services_used", "other", None, "Tutoring"),
        ("contact_channel", "text", None, None),
        ("help.know_where", "2", 2.0, None),
        ("overall", "4", 4.0, None),
        ("comments", None, None, "More evening hours"),
    }


def test_answers_to_hidden_questions_are_never_stored(respondent, session):
    respondent.open("en")
    # "Which services?" is answered, then "no": the condition hides it.
    respondent.press("next", {"uses_services": "no", "services_used": ["clinic"]})
    respondent.press("submit", {"help.know_where": "5", "overall": "5", "comments": "hidden"})
    (row,) = stored(session)
    items = {a.item_id for a in row.answers}
    assert "services_used" not in items
    # comments shows only for low know_where or an unanswered overall rating.
    assert "comments" not in items


def test_double_submit_stores_one_response(respondent, session):
    finish(respondent)
    again = respondent.client.post(respondent.previous_form.action, data=respondent.last_post)
    assert again.status_code == 303 and "/thanks" in again.headers["Location"]
    assert len(stored(session)) == 1


def test_back_and_resubmit_keeps_the_first_response(respondent, session):
    finish(respondent)
    first = stored(session)[0].id
    # The browser's back button brings the last page back with the same submission id.
    respondent.history_back()
    respondent.press("submit", {"help.know_where": "2", "comments": "Changed my mind"})
    assert respondent.response.status_code == 303
    rows = stored(session)
    assert [r.id for r in rows] == [first]
    assert {a.value_text for a in rows[0].answers if a.item_id == "comments"} == {
        "More evening hours"
    }


def test_final_submit_checks_earlier_pages_again(respondent, session):
    respondent.open("en")
    respondent.press("next", {"uses_services": "yes"})
    # Page 1 came back as hidden fields; a changed one is caught on the last submit.
    response = respondent.press(
        "submit", {"help.know_where": "2", "contact_channel": "carrier-pigeon"}
    )
    assert response.status_code == 422
    assert "About you" in respondent.text
    assert "Choose one of the answers shown." in respondent.text
    assert stored(session) == []


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"children": "16"}, "Enter a number from 0 to 15."),
        ({"overall": "11"}, "Enter a number from 1 to 5."),
        ({"help.know_where": "7"}, "Choose one of the answers shown."),
        ({"one_word": "w" * 41}, "Use 40 characters or fewer."),
        ({"comments": "c" * 2001}, "Use 2,000 characters or fewer."),
        ({"ok_to_follow_up": "maybe"}, "Choose one of the answers shown."),
    ],
)
def test_bad_answers_get_a_message_and_store_nothing(respondent, session, answers, message):
    respondent.open("en")
    respondent.press("next", {"uses_services": "no"})
    response = respondent.press("submit", {"help.know_where": "1", **answers})
    assert response.status_code == 422
    assert message in respondent.text
    assert stored(session) == []


def test_answers_to_questions_that_do_not_exist_are_refused(respondent, session):
    respondent.open("es")
    respondent.press("next", {"uses_services": "no"})
    response = respondent.press("submit", {"help.know_where": "1", "salary": "100000"})
    assert response.status_code == 400
    assert "Esta página no coincide con la encuesta" in respondent.text
    assert "No se guardó nada" in respondent.text
    assert stored(session) == []


def test_post_to_a_closed_link_stores_nothing(respondent, session, app, example_link):
    respondent.open("es")
    respondent.press("next", {"uses_services": "no"})
    update(app, Link, example_link.id, is_open=False)
    response = respondent.press("submit", {"help.know_where": "1"})
    assert response.status_code == 410
    assert "Esta encuesta está cerrada" in respondent.text
    assert stored(session) == []


@pytest.mark.parametrize("field", ["_page", "_version"])
@pytest.mark.parametrize("value", ["²", "①", "٣", "１", "-1", " 1", "1" * 40])
def test_hidden_numbers_in_other_digits_mean_the_first_page_and_current_version(
    respondent, session, field, value
):
    """``str.isdigit()`` accepts "²" and "①" but ``int()`` refuses them: only ASCII
    digits count, anything else is the first page or the current version."""
    respondent.open("en")
    response = respondent.press("next", {"uses_services": "no"}, **{field: value})
    assert response.status_code == 200
    assert "Your views" in respondent.text
    assert respondent.field("_page") == ["1"]
    response = respondent.press("submit", {"help.know_where": "3"})
    assert response.status_code == 303
    (row,) = stored(session)
    assert row.survey_version_id == latest_version(session, row.survey_id).id


def test_post_to_an_unknown_link_is_a_404(client):
    response = client.post("/s/nope?lang=es", data={"uses_services": "yes"})
    assert response.status_code == 404


def test_form_keeps_the_version_it_was_shown_on(respondent, session, example_link):
    respondent.open("en")
    shown_on = latest_version(session, example_link.survey_id).id
    # The survey is edited while the family is answering.
    from app.definitions import load_text

    edited = EXAMPLE.read_text().replace("Thank you for helping.", "Thanks for your help.")
    store_definition(session, load_text(edited, "example.yaml"), "example.yaml")
    session.commit()
    assert latest_version(session, example_link.survey_id).id != shown_on
    respondent.press("next", {"uses_services": "no"})
    respondent.press("submit", {"help.know_where": "3"})
    (row,) = stored(session)
    assert row.survey_version_id == shown_on


def test_concurrent_duplicates_store_one_response(app, example_link):
    """Two sessions store the same submission at once (the race a double tap makes).
    The first holds its insert uncommitted while the second tries; on PostgreSQL the
    second meets the unique constraint, on SQLite it waits for the write lock."""
    with app.app_context():
        version_id = latest_version(db.session, example_link.survey_id).id
    submission_uuid = uuid.uuid4()
    results: dict[str, bool] = {}

    def store(name: str, hold: threading.Event | None, done: threading.Event | None) -> None:
        with app.app_context(), connect_for_lookups(db.engine) as connection:
            submission = Submission(
                link=find_link(connection, example_link.token),
                version=stored_version(connection, version_id),
                submission_uuid=submission_uuid,
                language="en",
                started_at=None,
                rows=[],
            )
            with write_transaction(connection):
                results[name] = record_once(connection, submission)
                if hold is not None:
                    hold.set()
                    done.wait(10)

    first_holding, let_go = threading.Event(), threading.Event()
    first = threading.Thread(target=store, args=("first", first_holding, let_go))
    first.start()
    assert first_holding.wait(10)
    second = threading.Thread(target=store, args=("second", None, None))
    second.start()
    time.sleep(0.5)  # let the second reach its lookup/insert while the first holds
    let_go.set()
    first.join(20)
    second.join(20)
    assert results == {"first": True, "second": False}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1


def test_form_left_open_for_hours_across_a_restart_still_submits(
    respondent, session, app, monkeypatch
):
    respondent.open("en")
    respondent.press("next", {"uses_services": "no"})
    # Eleven hours later, after the service restarted (no state kept in the process).
    later = time.time() + 11 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    app.extensions.pop("survey_form_mac_key", None)
    response = respondent.press("submit", {"help.know_where": "3"})
    assert response.status_code == 303
    assert len(stored(session)) == 1


def test_form_token_is_bound_to_the_browser_that_opened_the_form(
    respondent, client, session, example_link
):
    """A token copied from someone else's page (or a page fetched by another site) is
    refused: it is a MAC of the key in the cookie of the browser it was made for."""
    other = Respondent(client.application.test_client(), example_link.token)
    other.open("en")
    respondent.open("en")
    respondent.press("next", {"uses_services": "no"})
    response = respondent.press(
        "submit", {"help.know_where": "3"}, csrf_token=other.field("csrf_token")[0]
    )
    assert response.status_code == 400
    client.delete_cookie("survey_key", path="/s/")
    respondent.open("en")
    respondent.press("next", {"uses_services": "no"})
    client.delete_cookie("survey_key", path="/s/")
    response = respondent.press("submit", {"help.know_where": "3"})
    assert response.status_code == 400
    assert stored(session) == []


def test_over_https_a_survey_post_must_come_from_this_site(client, example_link, session):
    """As for the coordinator forms: over HTTPS the post's Referer must be this host."""
    page = client.get(f"/s/{example_link.token}?lang=en", base_url="https://survey.example")
    form = read_form(page.get_data(as_text=True))
    fields = dict(form.fields)
    fields.update({"uses_services": "no", "nav": "next"})
    refused = []
    for referrer in (None, "https://elsewhere.example/page", "http://survey.example/s/"):
        headers = {"Referer": referrer} if referrer else {}
        answer = client.post(
            form.action, data=fields, base_url="https://survey.example", headers=headers
        )
        refused.append(answer.status_code)
    good = client.post(
        form.action,
        data=fields,
        base_url="https://survey.example",
        headers={"Referer": f"https://survey.example{form.action}"},
    )
    assert refused == [400, 400, 400]
    assert good.status_code == 200
    assert stored(session) == []


def test_missing_or_bad_csrf_token_says_to_reload_in_the_person_language(respondent, session):
    respondent.open("es")
    respondent.press("next", {"uses_services": "no"})
    for token in ("", "not-a-token"):
        response = respondent.press("submit", {"help.know_where": "3"}, csrf_token=token)
        assert response.status_code == 400
        assert "Vuelva a abrir la encuesta" in respondent.text
        assert "Sus respuestas están guardadas en este dispositivo" in respondent.text
        assert f'href="/s/{respondent.token}?lang=es"' in respondent.text
        respondent.open("es")
        respondent.press("next", {"uses_services": "no"})
    assert stored(session) == []


def test_anonymous_response_keeps_no_ip_user_agent_or_cookie(client, example_link, session):
    person = Respondent(client, example_link.token)
    environ = {"REMOTE_ADDR": "203.0.113.77", "HTTP_USER_AGENT": "Phone-Browser/9.9 Unique"}
    client.environ_base.update(environ)
    first = person.open("en")
    cookies = first.headers.getlist("Set-Cookie")
    # Only the cookie that holds the form's anti-forgery key, seen by the survey pages
    # alone, and it ends with the browser session: no Expires, no Max-Age.
    assert len(cookies) == 1 and cookies[0].startswith("survey_key=")
    assert "Path=/s/" in cookies[0] and "HttpOnly" in cookies[0]
    assert "Expires" not in cookies[0] and "Max-Age" not in cookies[0]
    finish(person)
    thanks = client.get(person.response.headers["Location"])
    assert thanks.headers.getlist("Set-Cookie") == []
    (row,) = stored(session)
    values = [str(getattr(row, c.key)) for c in Response.__table__.columns]
    for answer in row.answers:
        values += [str(getattr(answer, c.key)) for c in Answer.__table__.columns]
    text = " ".join(values)
    key = cookies[0].split(";")[0].partition("=")[2]
    assert "203.0.113" not in text and "Phone-Browser" not in text and key not in text


def test_thank_you_page_has_support_message_and_privacy_statement_in_spanish(respondent):
    finish(respondent, "es")
    page = respondent.client.get(respondent.response.headers["Location"])
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and '<html lang="es">' in body
    assert "Gracias" in body
    assert 'llame a la consejera escolar al <a href="tel:5550100">555-0100</a>' in body
    assert "No guardamos su nombre, su dirección IP" in body
    assert f'data-clear-draft="{respondent.token}"' in body


def test_started_at_outside_plausible_bounds_is_not_stored(respondent, session):
    respondent.open("en")
    respondent.press("next", {"uses_services": "no"})
    respondent.press("submit", {"help.know_where": "3"}, _started="1999-01-01T00:00:00+00:00")
    (row,) = stored(session)
    assert row.started_at is None
    submitted = row.submitted_at.replace(tzinfo=row.submitted_at.tzinfo or dt.UTC)
    assert submitted > dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)


def test_concurrent_duplicate_posts_over_http_store_one_response(live_server, example_link, app):
    """Eight simultaneous posts of the same last page (a retrying phone, a double tap)
    against the threaded server: every one ends on the thank-you page, one is stored."""
    address = urlsplit(live_server)

    def request(method, path, cookie=None, body=None):  # type: ignore[no-untyped-def]
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if cookie:
            headers["Cookie"] = cookie
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        result = (response.status, response.getheader("Set-Cookie"), response.read().decode())
        connection.close()
        return result

    _status, set_cookie, page = request("GET", f"/s/{example_link.token}?lang=en")
    cookie = set_cookie.split(";")[0]
    form = read_form(page)
    fields = form.fields + [("uses_services", "no"), ("nav", "next")]
    _status, _cookie, page = request("POST", form.action, cookie, urlencode(fields))
    form = read_form(page)
    body = urlencode(form.fields + [("help.know_where", "5"), ("nav", "submit")])

    statuses: list[int] = []
    start = threading.Barrier(8)

    def post() -> None:
        start.wait()
        statuses.append(request("POST", form.action, cookie, body)[0])

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [303] * 8
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1


def test_a_database_failure_mid_write_is_a_503_and_stores_nothing(respondent, session):
    """The answers cannot be written (here: their table is missing): the person gets the
    "try again in a moment" page, not a 500, and the response row written a moment
    before in the same transaction is not left behind without its answers."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL writes the response and its answers in one statement")
    respondent.open("en")
    respondent.press("next", {**FULL_ANSWERS_PAGE_1, "services_used.other": "x"})
    session.execute(sa.text("ALTER TABLE answer RENAME TO answer_moved"))
    session.commit()
    try:
        response = respondent.press("submit", {"help.know_where": "2", "overall": "4"})
        assert response.status_code == 503
        assert "try again" in response.get_data(as_text=True).lower()
        session.rollback()
        assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
    finally:
        session.rollback()
        session.execute(sa.text("ALTER TABLE answer_moved RENAME TO answer"))
        session.commit()


def test_survey_pages_leave_pooled_connections_transactional(app, respondent):
    """Survey pages read outside a transaction (SQLite statement reads, PostgreSQL
    autocommit); the connection they return to the pool must be an ordinary one again,
    or the coordinator pages' multi-statement writes would stop being atomic."""
    finish(respondent)
    with app.app_context():
        # Take more connections at once than the requests ever held, so every pooled
        # one, the survey pages' included, is among them.
        connections = [db.engine.connect() for _ in range(4)]
        try:
            for connection in connections:
                connection.exec_driver_sql("SELECT 1")
                dbapi_connection = connection.connection.dbapi_connection
                if connection.dialect.name == "sqlite":
                    assert dbapi_connection.in_transaction
                else:
                    assert dbapi_connection.autocommit is False
                    assert dbapi_connection.info.transaction_status == 2  # INTRANS
        finally:
            for connection in connections:
                connection.close()


def test_text_answers_keep_everything_but_control_characters(respondent, session):
    """Neither database can keep a NUL inside text (PostgreSQL refuses it), and the other
    control characters (bell, escape sequences, delete) only garble exports and screens:
    they are dropped, line breaks become one newline, the rest is stored as typed."""
    respondent.open("en")
    respondent.press(
        "next",
        {**FULL_ANSWERS_PAGE_1, "services_used.other": 'Tu\x00to\x1b[31mría\x07 学校 "x" \\n'},
    )
    response = respondent.press(
        "submit",
        {"help.know_where": "2", "overall": "4", "comments": "Más\r\nhorarios\x7f\rpor favor"},
    )
    assert response.status_code == 303
    (row,) = stored(session)
    other = next(a for a in row.answers if a.choice == "other")
    assert other.value_text == 'Tuto[31mría 学校 "x" \\n'
    comments = next(a for a in row.answers if a.item_id == "comments")
    assert comments.value_text == "Más\nhorarios\npor favor"


def test_an_answer_of_only_zero_width_characters_counts_as_unanswered(respondent, session):
    respondent.open("en")
    respondent.press("next", {"uses_services": "no"})
    response = respondent.press(
        "submit", {"help.know_where": "2", "comments": "\u200b\ufeff\u200d", "one_word": "\u2060"}
    )
    assert response.status_code == 303
    (row,) = stored(session)
    assert {a.item_id for a in row.answers} == {"uses_services", "help.know_where"}


def test_a_connection_the_server_dropped_while_idle_is_replaced_unseen(
    app, respondent, session, monkeypatch
):
    """PostgreSQL closes a pooled connection (restart, idle timeout) while it waits in
    the pool: the next family to send a page never sees it. Connections used moments
    ago are lent without a ping (one round trip fewer per post)."""
    engine = session.get_bind()
    if engine.dialect.name == "sqlite":
        pytest.skip("no server to drop connections on SQLite")
    import app.database as database

    pings = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(1) or ping(c))
    respondent.open("en")
    respondent.press("next", {"uses_services": "no"})
    assert pings == []  # the connection had just been used
    # The server closes every connection in the pool.
    session.commit()
    outsider = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
    with outsider.connect() as conn:
        closed = conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).all()
    outsider.dispose()
    assert closed
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)
    response = respondent.press("submit", {"help.know_where": "3"})
    assert response.status_code == 303
    assert pings
    assert len(stored(session)) == 1
