"""Arbitrary posts to a survey link: never a 500, never a partial write."""

from __future__ import annotations

import os
import re
import uuid
from urllib.parse import urlencode

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models import Answer, Link, Response, Survey
from bench.submission import ITEMS
from tests.conftest import EXAMPLE
from tests.factories import store_survey
from tests.reliability.conftest import responses_missing_answers
from tests.respond.helpers import open_link as open_link_to

EXAMPLES = 2000 if os.environ.get("SOAK") else 150
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
# What no stored text may hold: C0 controls but tab and newline, DEL; nor be blank.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
BLANK = (
    "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + "\u200b\u200c\u200d\u2060\ufeff"
)
REAL_KEYS = [f"q{i}" for i in range(ITEMS)] + [
    "_uuid",
    "_version",
    "_page",
    "_lang",
    "_started",
    "nav",
    "csrf_token",
    "_switch_lang",
]
hostile = st.sampled_from(
    [
        "",
        "\x00",
        "4\x00",
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "1; DROP TABLE answer;",
        "../../etc/passwd",
        "%00",
        "\ufeff",
        "５",
        "²",
        "①",
        "\x1b[31m",
        "\u200b",
        "1e999",
        "-0",
        "NaN",
        "submit",
        "back",
        "next",
        "dk",
        "4 ",
        " 4",
        "x" * 70_000,
        "é" * 5000,
        str(uuid.uuid4()),
        "00000000-0000-0000-0000-000000000000",
    ]
)
values = st.one_of(hostile, st.text(max_size=40), st.integers(-10, 10).map(str))
keys = st.one_of(st.sampled_from(REAL_KEYS), st.text(max_size=20))
fields = st.lists(st.tuples(keys, values), max_size=30)
settings_ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _form(client, token):  # type: ignore[no-untyped-def]
    return dict(HIDDEN.findall(client.get(f"/s/{token}").get_data(as_text=True)))


def _check_store(session) -> None:  # type: ignore[no-untyped-def]
    session.rollback()  # a new snapshot, with what the requests committed
    assert responses_missing_answers(session) == 0
    bad = session.scalar(
        sa.select(sa.func.count())
        .select_from(Answer)
        .where(Answer.choice.not_in(["1", "2", "3", "4", "5"]))
    )
    assert bad == 0


@settings_
@given(fields=fields, keep_hidden=st.booleans(), valid_answers=st.booleans())
def test_arbitrary_fields_never_500_never_partial(
    app, session, open_link, fields, keep_hidden, valid_answers
):
    client = app.test_client()
    body: list[tuple[str, str]] = []
    if keep_hidden:
        body += list(_form(client, open_link).items())
    if valid_answers:
        body += [(f"q{i}", "4") for i in range(ITEMS)] + [("nav", "submit")]
    body += fields  # repeated keys and all
    response = client.post(
        f"/s/{open_link}", data=urlencode(body), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code < 500, (response.status_code, body[:5])
    _check_store(session)


@settings_
@given(
    raw=st.binary(max_size=2000),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=latin-1",
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
            "text/plain",
            "application/json",
        ]
    ),
)
def test_arbitrary_bodies_and_encodings_never_500(app, session, open_link, raw, content_type):
    client = app.test_client()
    hidden = _form(client, open_link)
    response = client.post(f"/s/{open_link}", data=raw, content_type=content_type)
    assert response.status_code < 500
    # With a real CSRF token in front, the body is read and checked.
    prefix = urlencode(hidden).encode() + b"&"
    response = client.post(
        f"/s/{open_link}", data=prefix + raw, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code < 500
    _check_store(session)


# A complete, valid final post to the example survey (every question type).
EXAMPLE_ANSWERS = [
    ("uses_services", "yes"),
    ("services_used", "clinic"),
    ("services_used", "other"),
    ("services_used.other", "Tutoring"),
    ("contact_channel", "text"),
    ("help.know_where", "2"),
    ("comm.referral_process_clear", "4"),
    ("comm.hard_to_reach", "2"),
    ("overall", "4"),
    ("children", "2"),
    ("first_contact", "2026-01-15"),
    ("one_word", "kind"),
    ("comments", "More evening hours"),
    ("ok_to_follow_up", "given"),
]
EXAMPLE_KEYS = sorted({name for name, _value in EXAMPLE_ANSWERS})


@settings_
@given(
    replaced=st.dictionaries(st.sampled_from(EXAMPLE_KEYS), values, max_size=6),
    extra=st.lists(st.tuples(st.sampled_from(EXAMPLE_KEYS), values), max_size=4),
)
def test_hostile_values_in_every_question_type_never_500(app, session, replaced, extra):
    """Free text, numbers, dates, choices and their "other" text, consent: a valid post
    with some answers replaced or repeated by hostile values is stored whole (no
    control characters, no blank text) or refused whole."""
    token = _example_token(session)
    client = app.test_client()
    # From the last page (any page past the end is read as the last shown one).
    body = [(k, v) for k, v in _form(client, token).items() if k != "_page"] + [("_page", "99")]
    body += [(k, replaced.get(k, v)) for k, v in EXAMPLE_ANSWERS] + extra + [("nav", "submit")]
    response = client.post(
        f"/s/{token}", data=urlencode(body), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in {303, 400, 422}, (response.status_code, replaced, extra)
    session.rollback()
    # Every stored response has its answers (two questions are required).
    assert not session.scalar(
        sa.select(sa.func.count())
        .select_from(Response)
        .where(~sa.exists().where(Answer.response_id == Response.id))
    )
    texts = session.scalars(sa.select(Answer.value_text).where(Answer.value_text.is_not(None)))
    assert not any(CONTROL.search(text) or not text.strip(BLANK) for text in texts)


def _example_token(session) -> str:  # type: ignore[no-untyped-def]
    """The open link to the example survey, made on first use in this database
    (hypothesis calls the test many times with the same fixtures)."""
    token = session.scalar(
        sa.select(Link.token)
        .join(Survey, Link.survey_id == Survey.id)
        .where(Survey.slug == "example-feedback")
    )
    if token is None:
        token = open_link_to(session, store_survey(session, EXAMPLE)).token
        session.commit()
    return token


def test_huge_field_gets_413_and_stores_nothing(app, session, open_link):
    client = app.test_client()
    body = {**_form(client, open_link), "q0": "4" * (2 * 1024 * 1024)}
    response = client.post(f"/s/{open_link}", data=body)
    assert response.status_code == 413
    _check_store(session)
    assert session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0
