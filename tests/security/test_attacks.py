"""An attack suite: what a hostile respondent, survey author, partner name or visitor
can send, and what must never happen (script running in a coordinator's browser,
formulas running in a spreadsheet, SQL reaching the database, files read off disk,
redirects to other sites, unbounded bodies or floods)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from html.parser import HTMLParser

import openpyxl
import pytest
import sqlalchemy as sa

from app.admin.services.links import create_link
from app.definitions import load_text
from app.definitions.sync import store_definition
from app.models import Answer, Audience, AuditEvent, Link, Partner, Response, Survey, Wave
from reports import build_report, render_html, render_pdf, render_xlsx
from tests.admin.conftest import as_user, csrf_token, database, sign_in
from tests.conftest import EXAMPLE

SCRIPT = "<script>alert('xss')</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = "<svg onload=alert(1)>"
ATTR = '" onmouseover="alert(1)" x="'
FORMULA = '=HYPERLINK("http://attacker.invalid","open")'
PAYLOADS = [SCRIPT, IMG, SVG, ATTR]
SQLI = [
    "' OR '1'='1",
    "1; DROP TABLE response; --",
    "1 UNION SELECT password_hash FROM user_account",
]


class _Markup(HTMLParser):
    """Collects what a browser would treat as markup: tags, attributes, script bodies."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.handlers: list[tuple[str, str]] = []
        self.tags: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append(tag)
        self.handlers += [(tag, name) for name, _ in attrs if name.startswith("on")]
        self._in_script = tag == "script"

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        self._in_script = False

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._in_script and data.strip():
            self.scripts.append(data)


def assert_inert(html: str) -> None:
    """No payload survives as markup: no event-handler attribute, no inline script, no
    injected img/svg element carrying a handler. Escaped text is fine."""
    parsed = _Markup()
    parsed.feed(html)
    assert parsed.handlers == [], parsed.handlers
    assert parsed.scripts == [], parsed.scripts[:1]


def add_hostile_answers(app, world) -> int:  # type: ignore[no-untyped-def]
    """Free text full of payloads on one response of the family survey."""
    with database(app) as session:
        response = session.scalar(
            sa.select(Response)
            .join(Survey, Survey.id == Response.survey_id)
            .where(Survey.slug == "family-feedback", Response.wave_id == world.current)
            .order_by(Response.id)
            .limit(1)
        )
        for text in PAYLOADS:
            session.add(
                Answer(response_id=response.id, item_id="comments.what_to_change", value_text=text)
            )
        # Alone in its cell, so the export sees a cell that starts with "=".
        session.execute(
            sa.delete(Answer).where(
                Answer.response_id == response.id, Answer.item_id == "comments.what_is_working"
            )
        )
        session.add(
            Answer(response_id=response.id, item_id="comments.what_is_working", value_text=FORMULA)
        )
        session.commit()
        return response.id


def test_stored_xss_through_answers_is_inert_in_coordinator_pages(app, client, world):
    response_id = add_hostile_answers(app, world)
    as_user(client, app, world.coordinator)
    page = client.get(f"/admin/responses/{response_id}")
    assert page.status_code == 200
    assert_inert(page.text)
    assert "&lt;script&gt;alert(" in page.text
    listing = client.get("/admin/responses")
    assert listing.status_code == 200
    assert_inert(listing.text)


def test_formulas_in_answers_are_neutralised_in_raw_exports(app, client, world):
    add_hostile_answers(app, world)
    as_user(client, app, world.coordinator)
    exported = client.get(
        "/admin/exports", query_string={"survey": "family-feedback", "format": "csv"}
    )
    assert exported.status_code == 200
    cells = [c for row in csv.reader(io.StringIO(exported.text)) for c in row]
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert "'" + FORMULA in cells

    exported = client.get(
        "/admin/exports", query_string={"survey": "family-feedback", "format": "xlsx"}
    )
    assert exported.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(exported.data)).active
    values = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(v.startswith("=") for v in values)
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_hostile_partner_names_are_inert_everywhere_they_show(app, client, world):
    with database(app) as session:
        session.get(Partner, world.partner_a).name = IMG + SCRIPT
        session.commit()
    as_user(client, app, world.coordinator)
    for url in [
        "/admin/",
        "/admin/links",
        "/admin/responses",
        f"/admin/links/{world.partner_a_link}/flyer",
    ]:
        page = client.get(url)
        assert page.status_code == 200, url
        assert_inert(page.text)
    as_user(client, app, world.partner_a_user)
    page = client.get("/admin/partner")
    assert page.status_code == 200
    assert_inert(page.text)


def test_hostile_text_is_inert_in_report_html_svg_and_pdf(app, world):
    add_hostile_answers(app, world)
    with database(app) as session:
        session.get(Partner, world.partner_a).name = SVG + ATTR
        wave_name = session.get(Wave, world.current).name
        session.commit()
        report = build_report(session, None, wave_name, min_cell=5, comment_min=5)
        html = render_html(report)
        pdf = render_pdf(report)
        xlsx = render_xlsx(report)
    assert_inert(html)
    for svg in re.findall(r"<svg.*?</svg>", html, flags=re.S):
        assert "<script" not in svg and "onload" not in svg and "onerror" not in svg
    # A PDF must carry no script or launch action for a viewer to run.
    for marker in (b"/JavaScript", b"/JS ", b"/JS(", b"/Launch", b"/SubmitForm", b"/URI"):
        assert marker not in pdf
    sheet_values = [
        c.value
        for ws in openpyxl.load_workbook(io.BytesIO(xlsx)).worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    assert not any(v.startswith(("=", "+", "-", "@")) for v in sheet_values)


def test_hostile_survey_text_is_inert_on_survey_and_coordinator_pages(app, client, world):
    hostile = (
        EXAMPLE.read_text()
        .replace("id: example-feedback", "id: hostile-survey")
        .replace("en: Example feedback", f'en: "{SCRIPT}"')
        .replace("en: Counseling", f'en: "{IMG}"')
        .replace("en: Thank you for helping.", f'en: "{SVG}"')
    )
    with database(app) as session:
        store_definition(session, load_text(hostile), "hostile.yaml")
        survey = session.scalar(sa.select(Survey).where(Survey.slug == "hostile-survey"))
        token = create_link(
            session, survey, session.get(Wave, world.current), Audience.FAMILY
        ).token
        session.commit()
    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    assert_inert(page.text)
    assert "&lt;script&gt;" in page.text
    as_user(client, app, world.coordinator)
    for url in ["/admin/", "/admin/links"]:
        assert_inert(client.get(url).text)


def _counts(app) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with database(app) as session:
        return tuple(
            session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (Response, Answer, Link)
        )


@pytest.mark.parametrize("value", SQLI)
def test_sql_injection_strings_in_every_parameter_change_nothing(app, client, world, value):
    before = _counts(app)
    as_user(client, app, world.admin)
    names = [
        "wave",
        "survey",
        "audience",
        "partner",
        "page",
        "from",
        "to",
        "action",
        "deleted",
        "format",
        "values",
        "lang",
        "next",
        "download",
    ]
    tested = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in {"static", "auth.signin"}:
            continue
        path = rule.rule
        for arg in rule.arguments:
            # Typed (int) arguments never reach a view with text; string ones get the payload.
            converter = rule._converters[arg].__class__.__name__
            replacement = "1" if converter == "IntegerConverter" else value
            path = re.sub(rf"<(?:[a-z]+:)?{arg}>", replacement.replace("/", "%2F"), path)
        response = client.get(path, query_string={n: value for n in names})
        assert response.status_code < 500, (path, response.status_code)
        tested += 1
    assert tested >= 15
    # And where forms write, the payload is stored as text, never run.
    page = client.get("/admin/waves/new")
    today = dt.date.today()
    client.post(
        "/admin/waves/new",
        data={
            "name": value,
            "opens_on": today.isoformat(),
            "closes_on": (today + dt.timedelta(days=9)).isoformat(),
            "csrf_token": csrf_token(page.text),
        },
    )
    after = _counts(app)
    assert after == before
    with database(app) as session:
        assert session.scalar(sa.select(Wave.name).where(Wave.name == value)) == value


@pytest.mark.parametrize(
    "path",
    [
        "/static/../app/config.py",
        "/static/..%2fapp%2fconfig.py",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/static/....//....//etc/passwd",
        "/s/..%2f..%2fetc%2fpasswd",
        "/static//etc/passwd",
        "/admin/links/1/qr.svg/../../../../etc/passwd",
    ],
)
def test_path_traversal_reads_no_file(client, path):
    response = client.get(path, follow_redirects=True)
    assert response.status_code in (400, 404)
    assert b"root:" not in response.data and b"SECRET_KEY" not in response.data


@pytest.mark.parametrize(
    "target",
    [
        "//attacker.invalid/x",
        "https://attacker.invalid/",
        "/\\attacker.invalid",
        "javascript:alert(1)",
        "http:/attacker.invalid",
        "\t//attacker.invalid",
    ],
)
def test_sign_in_never_redirects_off_site(client, world, target):
    response = sign_in(client, "coord@example.org", next_url=target)
    assert response.status_code in (302, 303)
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))


def test_missing_or_forged_csrf_is_refused_and_changes_nothing(app, client, world):
    as_user(client, app, world.coordinator)
    with database(app) as session:
        waves = session.scalar(sa.select(sa.func.count()).select_from(Wave))
    today = dt.date.today().isoformat()
    for token in (None, "forged", csrf_token(client.get("/admin/waves/new").text)[:-2] + "xx"):
        data = {"name": "Injected wave", "opens_on": today, "closes_on": today}
        if token is not None:
            data["csrf_token"] = token
        assert client.post("/admin/waves/new", data=data).status_code == 400
    with database(app) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Wave)) == waves


def test_oversized_bodies_get_413(client, world):
    big = {"email": "x" * (2 * 1024 * 1024), "password": "y"}
    assert client.post("/signin", data=big).status_code == 413
    with database(client.application) as session:
        token = session.get(Link, world.link).token
    assert client.post(f"/s/{token}", data={"comments": "z" * (2 * 1024 * 1024)}).status_code == 413


def test_floods_get_429(make_app, world):
    app = make_app(
        RATELIMIT_ENABLED=True, SIGNIN_RATE_LIMIT="5 per minute", SUBMIT_RATE_LIMIT="5 per minute"
    )
    client = app.test_client()
    statuses = [
        sign_in(client, "coord@example.org", password="wrong password!").status_code
        for _ in range(8)
    ]
    assert 429 in statuses
    limited = [s for s in statuses if s == 429]
    assert len(limited) >= 3
    with database(app) as session:
        token = session.get(Link, world.link).token
    posts = [client.post(f"/s/{token}", data={"_uuid": str(uuid.uuid4())}) for _ in range(8)]
    assert posts[-1].status_code == 429
    assert posts[-1].headers.get("Retry-After")
    with database(app) as session:
        failures = session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action.like("sign%"))
        )
    assert failures >= 1
