"""Responses (list, filters, one response, soft delete) and raw exports (CSV, XLSX)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy import event

from app.admin.services.exports import csv_chunks, export_rows, safe_text
from app.admin.services.responses import ResponseFilters
from app.extensions import db
from app.models import Answer, AuditEvent, Link, Partner, PartnerCategory, Response, Survey
from tests.admin.conftest import database, post_form

NASTY = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


def add_response(session, link: Link, answers, when: dt.datetime | None = None) -> Response:  # type: ignore[no-untyped-def]
    version = link.survey.versions[-1]
    response = Response(
        submission_uuid=uuid.uuid4(),
        link_id=link.id,
        survey_id=link.survey_id,
        survey_version_id=version.id,
        wave_id=link.wave_id,
        audience=link.audience,
        partner_id=link.partner_id,
        language="en",
        submitted_at=when or dt.datetime.now(dt.UTC),
    )
    session.add(response)
    session.flush()
    for item_id, choice, value_num, value_text in answers:
        session.add(
            Answer(
                response_id=response.id,
                item_id=item_id,
                choice=choice,
                value_num=value_num,
                value_text=value_text,
            )
        )
    session.flush()
    return response


@pytest.fixture
def nasty(app, world):  # type: ignore[no-untyped-def]
    """A family response whose comment and partner name try to be spreadsheet formulas."""
    with database(app) as session:
        partner = Partner(name="=cmd|' /C calc'!A0", category=PartnerCategory.OTHER)
        session.add(partner)
        link = session.scalar(
            sa.select(Link)
            .join(Survey)
            .where(Survey.slug == "family-feedback", Link.wave_id == world.current)
            .limit(1)
        )
        link = Link(
            token="nasty-token",
            survey_id=link.survey_id,
            wave_id=link.wave_id,
            audience=link.audience,
            partner=partner,
        )
        session.add(link)
        session.flush()
        response = add_response(
            session,
            link,
            [
                ("comments.what_is_working", None, None, NASTY[0]),
                ("comments.what_to_change", None, None, "<script>alert('x')</script>"),
                ("help.know_where_to_get_help", "4", 4.0, None),
                ("family.preferred_contact", "text", None, None),
                ("family.preferred_contact", "email", None, None),
            ],
        )
        session.commit()
        return response.id


def export(client, fmt: str = "csv", values: str = "labels", survey: str = "family-feedback"):  # type: ignore[no-untyped-def]
    """Download an export completely and close it (a streamed response left open would
    keep its database transaction open)."""
    response = client.get(f"/admin/exports?survey={survey}&values={values}&format={fmt}")
    response.was_streamed = response.is_streamed
    response.get_data()
    response.close()
    return response


def csv_rows(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def kept_family_responses(app) -> int:  # type: ignore[no-untyped-def]
    with database(app) as session:
        return session.scalar(
            sa.select(sa.func.count())
            .select_from(Response)
            .join(Survey, Survey.id == Response.survey_id)
            .where(Survey.slug == "family-feedback", Response.deleted_at.is_(None))
        )


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
    ],
)
def test_cells_that_would_be_formulas_are_made_text(value, expected):
    assert safe_text(value) == expected


def test_csv_export_has_one_row_per_response_and_is_formula_safe(app, coordinator, nasty):  # type: ignore[no-untyped-def]
    response = export(coordinator)
    assert response.status_code == 200
    assert response.was_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    assert len(rows) == kept_family_responses(app)
    assert len({r["response_id"] for r in rows}) == len(rows)
    row = next(r for r in rows if r["response_id"] == str(nasty))
    assert row["comments.what_is_working"] == "'" + NASTY[0]
    assert row["partner"] == "'=cmd|' /C calc'!A0"
    assert row["comments.what_to_change"] == "<script>alert('x')</script>"
    assert row["help.know_where_to_get_help"] == "Agree"
    assert "; " in row["family.preferred_contact"]
    for other in rows:
        for value in other.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
            assert not (value.startswith("-") and not value.lstrip("-").replace(".", "").isdigit())


def test_csv_export_with_codes(app, coordinator, nasty):  # type: ignore[no-untyped-def]
    row = next(
        r for r in csv_rows(export(coordinator, values="codes")) if r["response_id"] == str(nasty)
    )
    assert row["help.know_where_to_get_help"] == "4"
    assert row["family.preferred_contact"] == "text; email"


def test_xlsx_export_is_formula_safe_and_complete(app, coordinator, nasty):  # type: ignore[no-untyped-def]
    response = export(coordinator, fmt="xlsx")
    assert response.status_code == 200 and response.was_streamed
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == kept_family_responses(app)
    row = dict(zip(header, next(r for r in body if r[0] == nasty), strict=True))
    assert row["comments.what_is_working"] == "'" + NASTY[0]
    assert row["partner"].startswith("'=")
    workbook = load_workbook(io.BytesIO(response.data))
    for line in workbook.active.iter_rows():
        for cell in line:
            assert cell.data_type != "f", cell.value


def test_exports_leave_out_deleted_responses_and_are_audited(app, coordinator, world, nasty):  # type: ignore[no-untyped-def]
    with database(app) as session:
        session.get(Response, nasty).deleted_at = dt.datetime.now(dt.UTC)
        session.commit()
    rows = csv_rows(export(coordinator))
    assert str(nasty) not in {r["response_id"] for r in rows}
    export(coordinator, fmt="xlsx", values="codes")
    with database(app) as session:
        events = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id)
        ).all()
        assert [(e.user_id, e.target, e.detail["format"]) for e in events] == [
            (world.coordinator, "survey:family-feedback", "csv"),
            (world.coordinator, "survey:family-feedback", "xlsx"),
        ]
        assert events[0].detail["responses"] == len(rows)


def test_export_form_refuses_bad_choices_with_a_message(coordinator, world):  # type: ignore[no-untyped-def]
    response = export(coordinator, survey="no-such-survey")
    assert response.status_code == 400
    assert "Not a valid choice" in response.text
    assert export(coordinator, fmt="pdf").status_code == 400


def test_exports_read_responses_in_chunks(app, world):  # type: ignore[no-untyped-def]
    """Keyset chunks: the number of queries grows with the responses, the rows held at
    once do not (the bench measures memory at 200,000 responses)."""
    with database(app) as session:
        survey = session.scalar(sa.select(Survey).where(Survey.slug == "family-feedback"))
        statements: list[str] = []

        def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            if statement.lstrip().upper().startswith("SELECT"):
                statements.append(statement)

        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", count)
        try:
            pieces = list(csv_chunks(export_rows(session, survey, ResponseFilters(), chunk=5), 5))
        finally:
            event.remove(engine, "before_cursor_execute", count)
        responses = kept_family_responses(app)
        assert responses > 15
        response_reads = [s for s in statements if "FROM response" in s and "LIMIT" in s]
        assert len(response_reads) >= responses // 5
        assert len(pieces) >= responses // 5


def test_response_list_filters_and_pages(app, coordinator, world):  # type: ignore[no-untyped-def]
    everything = coordinator.get("/admin/responses")
    assert everything.status_code == 200
    assert "120 responses" in everything.text
    assert "Page 1 of 3" in everything.text
    assert coordinator.get("/admin/responses?page=3").status_code == 200
    assert coordinator.get("/admin/responses?page=99").status_code == 200
    with database(app) as session:
        families_now = session.scalar(
            sa.select(sa.func.count())
            .select_from(Response)
            .where(Response.wave_id == world.current, Response.audience == "family")
        )
    filtered = coordinator.get(f"/admin/responses?wave={world.current}&audience=family")
    assert f"{families_now} response" in filtered.text
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    assert "0 responses" in coordinator.get(f"/admin/responses?from={future}").text


@pytest.mark.parametrize(
    "query",
    [
        "from=yesterday",
        "to=2026-02-30",
        "audience=aliens",
        "wave=x",
        "_external=1&_scheme=javascript",
        "from=2027-01-02&to=2027-01-01",
    ],
)
def test_bad_filters_get_a_message_not_an_error(coordinator, world, query):  # type: ignore[no-untyped-def]
    response = coordinator.get(f"/admin/responses?{query}")
    assert response.status_code == 200
    assert "javascript:" not in response.text


def test_one_response_shows_its_answers_with_free_text_escaped(coordinator, nasty):  # type: ignore[no-untyped-def]
    page = coordinator.get(f"/admin/responses/{nasty}")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text
    assert "<script>alert" not in page.text
    assert "Agree" in page.text


def test_response_is_soft_deleted_with_a_reason_and_audited(app, coordinator, world, nasty):  # type: ignore[no-untyped-def]
    url = f"/admin/responses/{nasty}/delete"
    short = post_form(coordinator, url, url, {"reason": "x"})
    assert short.status_code == 400
    before = kept_family_responses(app)
    done = post_form(coordinator, url, url, {"reason": "A test entry made during training"})
    assert done.status_code == 302
    with database(app) as session:
        response = session.get(Response, nasty)
        assert response.deleted_at is not None
        assert response.deleted_by_id == world.coordinator
        assert response.deleted_reason == "A test entry made during training"
        assert session.scalar(sa.select(sa.func.count()).where(Answer.response_id == nasty)) == 5
        audit = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "response_delete"))
        assert audit.target == f"response:{nasty}"
        assert audit.detail == {"reason": "A test entry made during training"}
    assert kept_family_responses(app) == before - 1
    assert f"#{nasty}</a>" not in coordinator.get("/admin/responses").text
    assert f"#{nasty}</a>" in coordinator.get("/admin/responses?deleted=1").text
    page = coordinator.get(f"/admin/responses/{nasty}").text
    assert "Deleted" in page and "A test entry made during training" in page
    again = post_form(coordinator, url, url, {"reason": "Once more, with feeling"})
    assert again.status_code == 400


def test_an_export_leaves_no_connection_or_transaction_behind(app, coordinator, world):  # type: ignore[no-untyped-def]
    export(coordinator)
    export(coordinator, fmt="xlsx")
    # A download stopped after its first piece (the person cancelled it).
    stopped = coordinator.get("/admin/exports?survey=family-feedback&values=codes&format=csv")
    pieces = iter(stopped.response)
    assert next(pieces)
    stopped.close()
    with app.app_context():
        assert db.engine.pool.checkedout() == 0
