"""Waves (create, open/close, start from the last one's links) and links (create,
duplicates, QR codes, printable flyer)."""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa

from app.models import AuditEvent, Link, Survey, Wave
from tests.admin.conftest import database, post_form


def wave_count(app) -> int:  # type: ignore[no-untyped-def]
    with database(app) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Wave))


def test_wave_closing_before_it_opens_is_refused_with_input_kept(app, coordinator):  # type: ignore[no-untyped-def]
    before = wave_count(app)
    response = post_form(
        coordinator,
        "/admin/waves/new",
        "/admin/waves/new",
        {"name": "2027 Spring review", "opens_on": "2027-03-01", "closes_on": "2027-02-01"},
    )
    assert response.status_code == 400
    assert "The close date must be on or after the open date." in response.text
    assert 'value="2027 Spring review"' in response.text
    assert 'value="2027-03-01"' in response.text and 'value="2027-02-01"' in response.text
    assert wave_count(app) == before


def test_wave_with_a_taken_name_or_bad_date_is_refused(app, coordinator, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        taken = session.get(Wave, world.current).name
    before = wave_count(app)
    response = post_form(
        coordinator,
        "/admin/waves/new",
        "/admin/waves/new",
        {"name": taken.upper(), "opens_on": "2027-03-01", "closes_on": "2027-04-01"},
    )
    assert response.status_code == 400 and "already exists" in response.text
    response = post_form(
        coordinator,
        "/admin/waves/new",
        "/admin/waves/new",
        {"name": "Typo wave", "opens_on": "2027-13-01", "closes_on": "2027-04-01"},
    )
    assert response.status_code == 400 and "Opens on" in response.text
    assert wave_count(app) == before


def link_spec(link: Link) -> tuple:  # type: ignore[type-arg]
    return (link.survey_id, link.audience, link.partner_id or 0, link.channel, link.expected_n or 0)


def test_new_wave_from_the_last_ones_links_copies_links_with_new_tokens(app, coordinator, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        old = list(session.scalars(sa.select(Link).where(Link.wave_id == world.current)))
        old_specs = sorted(map(link_spec, old))
        old_tokens = {link.token for link in old}
    response = post_form(
        coordinator,
        "/admin/waves/new",
        "/admin/waves/new",
        {
            "name": "Next review",
            "opens_on": (dt.date.today() + dt.timedelta(days=40)).isoformat(),
            "closes_on": (dt.date.today() + dt.timedelta(days=80)).isoformat(),
            "copy_links": "y",
        },
    )
    assert response.status_code == 302
    with database(app) as session:
        wave = session.scalar(sa.select(Wave).where(Wave.name == "Next review"))
        assert wave.is_open
        new = list(session.scalars(sa.select(Link).where(Link.wave_id == wave.id)))
        assert sorted(map(link_spec, new)) == old_specs
        assert not {link.token for link in new} & old_tokens
        event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "wave_create"))
        assert event.detail["copied_from"] is not None


def test_wave_is_closed_and_reopened(app, coordinator, world):  # type: ignore[no-untyped-def]
    url = f"/admin/waves/{world.current}/state"
    assert post_form(coordinator, "/admin/waves", url, {"open": "0"}).status_code == 302
    with database(app) as session:
        assert not session.get(Wave, world.current).is_open
    assert post_form(coordinator, "/admin/waves", url, {"open": "1"}).status_code == 302
    assert post_form(coordinator, "/admin/waves", url, {"open": "maybe"}).status_code == 400
    with database(app) as session:
        assert session.get(Wave, world.current).is_open
        actions = session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["wave_close", "wave_open"]


def _survey_id(app, slug: str) -> int:  # type: ignore[no-untyped-def]
    with database(app) as session:
        return session.scalar(sa.select(Survey.id).where(Survey.slug == slug))


def test_link_is_created_and_a_duplicate_gets_a_clear_message(app, coordinator, world):  # type: ignore[no-untyped-def]
    data = {
        "survey_id": _survey_id(app, "family-feedback"),
        "wave_id": world.current,
        "audience": "family",
        "partner_id": world.partner_b,
        "channel": "in_class",
        "expected_n": "40",
    }
    first = post_form(coordinator, "/admin/links/new", "/admin/links/new", data)
    assert first.status_code == 302
    second = post_form(coordinator, "/admin/links/new", "/admin/links/new", data)
    assert second.status_code == 400
    assert "already exists" in second.text
    assert 'value="40"' in second.text  # what was typed is kept
    with database(app) as session:
        links = session.scalars(
            sa.select(Link).where(
                Link.wave_id == world.current,
                Link.partner_id == world.partner_b,
                Link.channel == "in_class",
            )
        ).all()
        assert len(links) == 1 and links[0].expected_n == 40
        assert (
            session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "link_create"))
            == 1
        )


def test_link_for_an_audience_the_survey_is_not_for_is_refused(app, coordinator, world):  # type: ignore[no-untyped-def]
    data = {
        "survey_id": _survey_id(app, "family-feedback"),
        "wave_id": world.current,
        "audience": "staff",
        "partner_id": "",
        "channel": "email",
        "expected_n": "",
    }
    response = post_form(coordinator, "/admin/links/new", "/admin/links/new", data)
    assert response.status_code == 400
    assert "not meant for staff" in response.text


@pytest.mark.parametrize("expected", ["0", "-5", "many"])
def test_link_expected_count_must_be_a_positive_number(app, coordinator, world, expected):  # type: ignore[no-untyped-def]
    data = {
        "survey_id": _survey_id(app, "family-feedback"),
        "wave_id": world.current,
        "audience": "family",
        "partner_id": "",
        "channel": "email",
        "expected_n": expected,
    }
    response = post_form(coordinator, "/admin/links/new", "/admin/links/new", data)
    assert response.status_code == 400
    assert "Expected number of responses" in response.text


def test_link_is_closed_and_audited(app, coordinator, world):  # type: ignore[no-untyped-def]
    url = f"/admin/links/{world.link}/state"
    assert post_form(coordinator, "/admin/links", url, {"open": "0"}).status_code == 302
    with database(app) as session:
        assert not session.get(Link, world.link).is_open
        assert session.scalar(sa.select(AuditEvent.action)) == "link_close"


def test_qr_codes_encode_the_public_link_and_are_sized_for_print(app, coordinator, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        token = session.get(Link, world.link).token
    svg = coordinator.get(f"/admin/links/{world.link}/qr.svg")
    assert svg.mimetype == "image/svg+xml"
    root = ET.fromstring(svg.data)
    assert root.tag.endswith("svg")
    assert f"http://localhost/s/{token}" in svg.text  # in its <title>
    assert int(root.get("width")) >= 250
    download = coordinator.get(f"/admin/links/{world.link}/qr.svg?download=1")
    assert "attachment" in download.headers["Content-Disposition"]

    png = coordinator.get(f"/admin/links/{world.link}/qr.png")
    assert png.mimetype == "image/png"
    assert png.data[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png.data[16:20], "big")
    assert width >= 400  # about 5 cm at 300 dpi
    assert b"pHYs" in png.data  # the print resolution is recorded

    import segno

    decoded = segno.make(f"http://localhost/s/{token}", error="m")
    buffer = io.BytesIO()
    decoded.save(buffer, kind="png", scale=16, border=4, dpi=300)
    assert buffer.getvalue() == png.data


def test_flyer_has_title_qr_code_and_short_address_in_english_and_spanish(app, coordinator, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        link = session.get(Link, world.link)
        token, slug = link.token, link.survey.slug
    page = coordinator.get(f"/admin/links/{world.link}/flyer")
    assert page.status_code == 200
    html = page.text
    assert f"localhost/s/{token}" in html
    assert f"/admin/links/{world.link}/qr.svg" in html
    assert 'lang="en"' in html and 'lang="es"' in html
    assert "Scan the code" in html and "Escanee el código" in html
    assert "data-print" in html
    assert slug  # the survey's own title is shown, in both languages where translated
    assert html.count('class="flyer-title"') == 2


def test_flyer_speaks_each_language_whatever_the_browser_speaks(app, coordinator, world):  # type: ignore[no-untyped-def]
    for accept in ("es", "en"):
        html = coordinator.get(
            f"/admin/links/{world.link}/flyer", headers={"Accept-Language": accept}
        ).text
        english, spanish = html.split('lang="es"', 1)
        assert "We want to hear from you" in english and "Queremos" not in english
        assert "Queremos escuchar su opinión" in spanish and "We want to hear" not in spanish
