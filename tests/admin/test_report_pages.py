"""Report pages and downloads: coordinators choose any partner, partner users see only
their own, small groups stay hidden in every format, and every view and download is
audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa

from app.admin.services.reporting import ReportScope, ascii_slug, download_name
from app.models import AuditEvent, Partner, Response, Role, Survey, Wave
from tests.admin.conftest import add_user, as_user, database

FAMILY = "family-feedback"
FORMATS = ("pdf", "xlsx", "csv", "html")
SAFE_FILENAME = re.compile(r'^attachment; filename="[a-z0-9-]+\.(pdf|xlsx|csv|html)"$')


@pytest.fixture
def wave_name(app, world) -> str:  # type: ignore[no-untyped-def]
    with database(app) as session:
        return session.get(Wave, world.current).name


@pytest.fixture
def released(app, world) -> int:  # type: ignore[no-untyped-def]
    """The previous (closed) wave, released to partners: the wave partner users read."""
    from reports.releases import make_release

    with database(app) as session:
        make_release(session, session.get(Wave, world.previous), None, 10)
        session.commit()
    return world.previous


@pytest.fixture
def small_family_group(app, world, released) -> int:  # type: ignore[no-untyped-def]
    """How many families answered through partner A's links in the released wave: fewer
    than the minimum cell size, so every partner-A family figure must be hidden."""
    with database(app) as session:
        families = session.scalar(
            sa.select(sa.func.count())
            .select_from(Response)
            .join(Survey)
            .where(
                Survey.slug == FAMILY,
                Response.wave_id == released,
                Response.partner_id == world.partner_a,
                Response.deleted_at.is_(None),
            )
        )
    assert 0 < families < app.config["MIN_CELL_SIZE"], "the fixture no longer has a small group"
    return families


def report_events(app) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with database(app) as session:
        events = list(
            session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.action.in_(["report_view", "report_download"]))
                .order_by(AuditEvent.id)
            )
        )
        session.expunge_all()
        return events


def test_coordinator_opens_the_current_waves_packet_by_default(client_as, world, wave_name):  # type: ignore[no-untyped-def]
    page = client_as(world.coordinator).get("/admin/reports")
    assert page.status_code == 200
    assert "Partnership review packet" in page.text
    assert f'<option selected value="{world.current}">{wave_name}</option>' in page.text
    assert '<link rel="stylesheet" href="/admin/reports/report.css">' in page.text
    for fmt in FORMATS:
        href = f"/admin/reports/download/{fmt}?wave={world.current}&amp;figures=live"
        assert f'href="{href}"' in page.text
    assert "responses through" not in page.text  # every partner, no partner filter
    assert "Open wave: figures will change as more people answer." in page.text
    assert len(page.data) < 200_000  # the summary and contents; sections load on their own


@pytest.mark.parametrize("partner", ["a", "b"])
def test_coordinator_may_choose_any_partner(client_as, world, partner):  # type: ignore[no-untyped-def]
    partner_id = world.partner_a if partner == "a" else world.partner_b
    name = world.partner_a_name if partner == "a" else world.partner_b_name
    page = client_as(world.coordinator).get(
        f"/admin/reports?wave={world.current}&survey={FAMILY}&partner={partner_id}"
    )
    assert page.status_code == 200
    assert f"responses through {name}" in page.text
    expected = f"/admin/reports/download/csv?wave={world.current}&amp;survey={FAMILY}"
    assert f'href="{expected}&amp;partner={partner_id}&amp;figures=live"' in page.text


def test_partner_user_sees_an_open_wave_only_once_released(client_as, world):  # type: ignore[no-untyped-def]
    page = client_as(world.partner_a_user).get("/admin/reports")
    assert page.status_code == 200
    assert "have not been released to partners yet" in page.text
    assert "/admin/reports/download/" not in page.text
    download = client_as(world.partner_a_user).get(
        f"/admin/reports/download/pdf?wave={world.current}"
    )
    assert download.status_code == 404 and "not been released" in download.text


def test_partner_user_sees_only_its_own_partner(client_as, world, released):  # type: ignore[no-untyped-def]
    page = client_as(world.partner_a_user).get(f"/admin/reports?wave={released}")
    assert page.status_code == 200
    assert f"Reports for {world.partner_a_name}" in page.text
    assert f"responses through {world.partner_a_name}" in page.text
    assert world.partner_b_name not in page.text
    assert 'name="partner"' not in page.text  # nothing to choose: it is always theirs
    assert "partner=" not in page.text  # download links carry no partner either


@pytest.mark.parametrize("how", ["id", "name", "many"])
def test_partner_user_asking_for_another_partner_is_refused(client_as, world, app, how):  # type: ignore[no-untyped-def]
    other = {
        "id": f"partner={world.partner_b}",
        "name": f"partner={world.partner_b_name}",
        "many": f"partner={world.partner_a}&partner={world.partner_b}",
    }[how]
    client = client_as(world.partner_a_user)
    for url in (f"/admin/reports?{other}", f"/admin/reports/download/csv?{other}"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "only their own partner" in response.text
        assert world.partner_b_name not in response.text
    assert report_events(app) == []


def test_partner_user_naming_its_own_partner_gets_its_report(client_as, world, released):  # type: ignore[no-untyped-def]
    client = client_as(world.partner_a_user)
    page = client.get(f"/admin/reports?wave={released}&partner={world.partner_a}")
    assert page.status_code == 200
    assert f"responses through {world.partner_a_name}" in page.text


@pytest.mark.parametrize(
    "url",
    [
        "/admin/reports",
        "/admin/reports?wave=1&survey=family-feedback",
        "/admin/reports/download/pdf",
        "/admin/reports/download/xlsx?wave=1",
        "/admin/reports/report.css",
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, world, url):  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin?next=")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("wave=999999", "There is no such wave; choose one from the list."),
        ("wave=spring", "There is no such wave; choose one from the list."),
        ("survey=no-such-survey", "There is no such survey; choose one from the list."),
        ("partner=999999", "There is no such partner; choose one from the list."),
        ("partner=Riverside", "There is no such partner; choose one from the list."),
    ],
)
def test_unknown_choices_are_refused_with_a_clear_message(client_as, world, app, query, message):  # type: ignore[no-untyped-def]
    client = client_as(world.coordinator)
    for url in (f"/admin/reports?{query}", f"/admin/reports/download/pdf?{query}"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert message in response.text
        assert "Content-Disposition" not in response.headers
    assert report_events(app) == []


def test_partner_user_with_an_unknown_wave_gets_the_form_back(client_as, world):  # type: ignore[no-untyped-def]
    response = client_as(world.partner_a_user).get("/admin/reports?wave=999999")
    assert response.status_code == 400
    assert "There is no such wave" in response.text


def test_unknown_download_format_is_a_404(client_as, world):  # type: ignore[no-untyped-def]
    response = client_as(world.coordinator).get("/admin/reports/download/docx")
    assert response.status_code == 404


def test_without_any_wave_the_page_says_so(app, password_hash):  # type: ignore[no-untyped-def]
    with database(app) as session:
        user = add_user(session, "alone@example.org", Role.COORDINATOR, password_hash)
        session.commit()
        user_id = user.id
    client = app.test_client()
    as_user(client, app, user_id)
    page = client.get("/admin/reports")
    assert page.status_code == 200
    assert "There are no waves yet" in page.text
    download = client.get("/admin/reports/download/pdf")
    assert download.status_code == 404
    assert "There are no waves yet" in download.text
    assert report_events(app) == []


def download(client, fmt: str, query: str):  # type: ignore[no-untyped-def]
    response = client.get(f"/admin/reports/download/{fmt}?{query}")
    assert response.status_code == 200, response.text[:500]
    assert SAFE_FILENAME.match(response.headers["Content-Disposition"]), response.headers
    return response


def test_every_download_opens_and_hides_a_small_partner_group(  # type: ignore[no-untyped-def]
    client_as, world, app, released, small_family_group
):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    min_cell = app.config["MIN_CELL_SIZE"]
    client = client_as(world.partner_a_user)
    query = f"wave={released}&survey={FAMILY}"
    with database(app) as session:
        wave_name = session.get(Wave, released).name

    pdf = download(client, "pdf", query)
    assert pdf.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert wave_name in text and world.partner_a_name in text
    assert f"Fewer than {min_cell} people answered: not shown." in text
    assert world.partner_b_name not in text

    xlsx = download(client, "xlsx", query)
    workbook = load_workbook(io.BytesIO(xlsx.data), read_only=True)
    try:
        about = {row[0]: row[1] for row in workbook["About"].iter_rows(values_only=True)}
        assert about["Scope"] == world.partner_a_name
        assert about["Figures"].startswith("Release 1 of")
        rows = list(workbook["Responses"].iter_rows(values_only=True))
        header = rows[0]
        families = [dict(zip(header, r, strict=True)) for r in rows[1:] if r[1] == "Families"]
        group = next(r for r in families if not r["Partner"])
        assert group["Count"] is None and group["Status"] == "small"  # not the count itself
        cells = [c for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row]
        assert world.partner_b_name not in cells
        assert small_family_group not in [r["Count"] for r in families]
    finally:
        workbook.close()

    table = download(client, "csv", query)
    assert table.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(table.data.decode("utf-8"))))
    assert ["Scope", world.partner_a_name] in rows
    header_at = next(k for k, r in enumerate(rows) if r and r[0] == "Table")
    data = [dict(zip(rows[header_at], r, strict=True)) for r in rows[header_at + 1 :]]
    family = [r for r in data if r["Audience code"] == "family"]
    assert family and all(r["Status"] != "shown" for r in family if r["Table"] != "comment")
    assert all(r["Count"] == "" and r["n"] == "" for r in family)
    assert world.partner_b_name not in table.data.decode("utf-8")

    page = download(client, "html", query)
    assert page.data.startswith(b"<!doctype html>")
    assert f"Fewer than {min_cell} people answered: not shown." in page.text
    assert world.partner_b_name not in page.text


def test_coordinator_downloads_the_packet_in_every_format(client_as, world, wave_name):  # type: ignore[no-untyped-def]
    client = client_as(world.coordinator)
    signatures = {"pdf": b"%PDF", "xlsx": b"PK", "csv": b"Report,", "html": b"<!doctype html>"}
    for fmt in FORMATS:
        response = download(client, fmt, f"wave={world.current}")
        assert response.data.startswith(signatures[fmt]), fmt
        filename = f'filename="report-packet-{ascii_slug(wave_name)}-'
        assert filename in response.headers["Content-Disposition"]


def test_report_views_and_downloads_are_audited(client_as, world, app, wave_name, released):  # type: ignore[no-untyped-def]
    coordinator = client_as(world.coordinator)
    assert (
        coordinator.get(f"/admin/reports?wave={world.current}&survey={FAMILY}").status_code == 200
    )
    query = f"wave={world.current}&survey={FAMILY}&partner={world.partner_b}"
    download(coordinator, "xlsx", query)
    download(client_as(world.partner_a_user), "csv", f"wave={released}")
    with database(app) as session:
        released_name = session.get(Wave, released).name

    view, coordinator_download, partner_download = report_events(app)
    assert (view.action, view.user_id, view.target) == (
        "report_view",
        world.coordinator,
        f"report:{FAMILY}",
    )
    assert view.detail == {
        "survey": FAMILY,
        "wave": wave_name,
        "partner": "all partners",
        "figures": "live",
    }
    assert coordinator_download.action == "report_download"
    assert coordinator_download.detail == {
        "survey": FAMILY,
        "wave": wave_name,
        "partner": world.partner_b_name,
        "figures": "live",
        "format": "xlsx",
    }
    assert (partner_download.user_id, partner_download.target) == (
        world.partner_a_user,
        "report:packet",
    )
    assert partner_download.detail == {
        "survey": "every survey",
        "wave": released_name,
        "partner": world.partner_a_name,
        "figures": "released",
        "format": "csv",
    }
    now = dt.datetime.now(dt.UTC)
    for event in (view, coordinator_download, partner_download):
        at = event.at if event.at.tzinfo else event.at.replace(tzinfo=dt.UTC)
        assert abs(now - at) < dt.timedelta(minutes=5)


def test_admin_sees_report_entries_in_the_audit_log(client_as, world, released):  # type: ignore[no-untyped-def]
    download(client_as(world.partner_a_user), "csv", f"wave={released}")
    page = client_as(world.admin).get("/admin/audit?action=report_download").text
    assert "a@example.org" in page and "report:packet" in page and "format: csv" in page


def test_each_file_is_built_once_and_then_served_from_the_cache(client_as, world, monkeypatch):  # type: ignore[no-untyped-def]
    import reports

    calls = []
    real = reports.build_report

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args[1:4])
        return real(*args, **kwargs)

    monkeypatch.setattr(reports, "build_report", counting)
    client = client_as(world.coordinator)
    client.get(f"/admin/reports?wave={world.current}&survey={FAMILY}")
    first = download(client, "csv", f"wave={world.current}&survey={FAMILY}").data
    assert len(calls) == 2  # the page's sections, and the file
    client.get(f"/admin/reports?wave={world.current}&survey={FAMILY}")
    again = download(client, "csv", f"wave={world.current}&survey={FAMILY}").data
    assert len(calls) == 2 and again == first  # both from the cache


def test_report_respects_the_configured_minimum_cell_size(app, client_as, world, make_app):  # type: ignore[no-untyped-def]
    strict = make_app(MIN_CELL_SIZE=50, COMMENT_MIN_CELL_SIZE=50)
    client = strict.test_client()
    as_user(client, strict, world.coordinator)
    page = client.get(f"/admin/reports?wave={world.current}&survey={FAMILY}")
    assert page.status_code == 200
    assert "fewer than 50" in page.text


def test_stylesheet_is_served_as_a_css_file(client_as, world):  # type: ignore[no-untyped-def]
    response = client_as(world.partner_a_user).get("/admin/reports/report.css")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/css; charset=utf-8"
    assert ".report" in response.text


def test_partner_page_and_dashboard_link_to_reports(client_as, world, app, released):  # type: ignore[no-untyped-def]
    home = client_as(world.partner_a_user).get("/admin/partner").text
    assert f'href="/admin/reports?wave={released}"' in home
    assert f'href="/admin/reports?wave={world.current}"' not in home  # not released yet
    assert "Not released yet:" in home
    assert 'href="/admin/reports"' in home  # the navigation
    dashboard = client_as(world.coordinator).get("/admin/").text
    assert f'href="/admin/reports?wave={world.current}"' in dashboard


def test_download_names_are_safe_ascii():  # type: ignore[no-untyped-def]
    wave = Wave(name='2026 "Otoño" review/../x', opens_on=dt.date(2026, 9, 1))
    partner = Partner(name="Familias Unidas — Niños & Co.\r\nX-Evil: 1")
    scope = ReportScope(wave=wave, survey_slug=None, partner=partner)
    name = download_name(scope, "pdf", dt.date(2026, 10, 2))
    assert name == (
        "report-packet-2026-otono-review-x-familias-unidas-ninos-co-x-evil-1-2026-10-02.pdf"
    )
    assert ascii_slug("ΔΔΔ") == "x"
    assert len(ascii_slug("a" * 500)) == 60
