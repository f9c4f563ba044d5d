"""Arbitrary posts to a survey link: never a 500, never a partial write."""

from __future__ import annotations

import os
import re
import uuid
from urllib.parse import urlencode

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models import Answer
from bench.submission import ITEMS
from tests.reliability.conftest import responses_missing_answers

EXAMPLES = 2000 if os.environ.get("SOAK") else 150
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
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


def test_huge_field_gets_413_and_stores_nothing(app, session, open_link):
    client = app.test_client()
    body = {**_form(client, open_link), "q0": "4" * (2 * 1024 * 1024)}
    response = client.post(f"/s/{open_link}", data=body)
    assert response.status_code == 413
    _check_store(session)
    assert session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0
