"""People leave and plans change: a user's role, partner and active flag; a wave's name
and dates; a link's partner, channel and expected count. Each change is checked as at
creation, keeps what was typed when refused, ends the user's sessions where access
changes, and is audited with what changed."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.auth.account_links import hash_token
from app.models import AccountLink, AccountLinkKind, AuditEvent, Channel, Link, User, Wave, utcnow
from tests.admin.conftest import as_user, database, post_form, sign_in


def staff(app, user_id: int):  # type: ignore[no-untyped-def]
    client = app.test_client()
    as_user(client, app, user_id)
    return client


def audit_details(app, action: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with database(app) as session:
        return list(
            session.scalars(
                sa.select(AuditEvent.detail)
                .where(AuditEvent.action == action)
                .order_by(AuditEvent.id)
            )
        )


# Users -------------------------------------------------------------------------------


def test_moving_a_partner_user_to_another_partner_ends_their_sessions(app, world):  # type: ignore[no-untyped-def]
    person = app.test_client()
    assert sign_in(person, "a@example.org").status_code == 302
    url = f"/admin/users/{world.partner_a_user}"
    moved = post_form(
        staff(app, world.admin),
        url,
        url,
        {"role": "partner", "partner_id": world.partner_b, "active": "y"},
    )
    assert moved.status_code == 302
    assert person.get("/admin/partner").status_code == 302  # signed out
    again = app.test_client()
    assert sign_in(again, "a@example.org").status_code == 302
    assert world.partner_b_name in again.get("/admin/partner").text
    [detail] = audit_details(app, "user_update")
    assert detail == {"partner": [world.partner_a_name, world.partner_b_name]}


def test_a_partner_user_made_coordinator_leaves_their_partner(app, world):  # type: ignore[no-untyped-def]
    url = f"/admin/users/{world.partner_a_user}"
    kept = post_form(
        staff(app, world.admin),
        url,
        url,
        {"role": "coordinator", "partner_id": world.partner_a, "active": "y"},
    )
    assert kept.status_code == 400 and "Only partner users belong to a partner" in kept.text
    assert f'<option selected value="{world.partner_a}"' in kept.text  # the choice stays
    done = post_form(
        staff(app, world.admin), url, url, {"role": "coordinator", "partner_id": "", "active": "y"}
    )
    assert done.status_code == 302
    with database(app) as session:
        user = session.get(User, world.partner_a_user)
        assert user.role.value == "coordinator" and user.partner_id is None


def test_deactivating_withdraws_pending_reset_links(app, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        session.add(
            AccountLink(
                kind=AccountLinkKind.RESET,
                token_hash=hash_token("pending-reset"),
                user_id=world.coordinator,
                expires_at=utcnow() + dt.timedelta(hours=1),
            )
        )
        session.commit()
    url = f"/admin/users/{world.coordinator}"
    assert post_form(staff(app, world.admin), url, url, {"role": "coordinator"}).status_code == 302
    with database(app) as session:
        link = session.scalar(sa.select(AccountLink).where(AccountLink.kind == "reset"))
        assert link.revoked_at is not None
    assert app.test_client().get("/reset/pending-reset").status_code == 410


# Waves -------------------------------------------------------------------------------


def test_wave_is_renamed_and_moved_with_an_audit_entry(app, world):  # type: ignore[no-untyped-def]
    url = f"/admin/waves/{world.current}/edit"
    client = staff(app, world.coordinator)
    page = client.get(url)
    assert page.status_code == 200
    with database(app) as session:
        wave = session.get(Wave, world.current)
        old_name, opens = wave.name, wave.opens_on
    assert f'value="{old_name}"' in page.text
    closes = opens + dt.timedelta(days=40)
    saved = post_form(
        client,
        url,
        url,
        {
            "name": "  Fall   review (extended) ",
            "opens_on": opens.isoformat(),
            "closes_on": closes.isoformat(),
        },
    )
    assert saved.status_code == 302
    with database(app) as session:
        wave = session.get(Wave, world.current)
        assert wave.name == "Fall review (extended)" and wave.closes_on == closes
    [detail] = audit_details(app, "wave_update")
    assert detail["name"] == [old_name, "Fall review (extended)"]
    assert set(detail) == {"name", "closes_on"}
    unchanged = post_form(
        client,
        url,
        url,
        {
            "name": "Fall review (extended)",
            "opens_on": opens.isoformat(),
            "closes_on": closes.isoformat(),
        },
    )
    assert unchanged.status_code == 302
    assert len(audit_details(app, "wave_update")) == 1  # nothing changed, nothing logged


def test_wave_edit_is_checked_as_creation_is_and_keeps_the_input(app, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        other = session.get(Wave, world.previous).name
    url = f"/admin/waves/{world.current}/edit"
    client = staff(app, world.coordinator)
    clash = post_form(
        client,
        url,
        url,
        {"name": other.upper(), "opens_on": "2026-09-01", "closes_on": "2026-10-01"},
    )
    assert clash.status_code == 400 and "already exists" in clash.text
    assert f'value="{other.upper()}"' in clash.text
    backwards = post_form(
        client,
        url,
        url,
        {"name": "Typed name", "opens_on": "2026-09-01", "closes_on": "2026-08-01"},
    )
    assert backwards.status_code == 400 and "on or after the open date" in backwards.text
    assert 'value="Typed name"' in backwards.text and 'value="2026-08-01"' in backwards.text
    garbage = post_form(client, url, url, {"name": "x", "opens_on": "soon", "closes_on": ""})
    assert garbage.status_code == 400
    assert audit_details(app, "wave_update") == []
    assert staff(app, world.coordinator).get("/admin/waves/999999/edit").status_code == 404


# Links -------------------------------------------------------------------------------


def test_link_changes_partner_channel_and_expected_count_but_keeps_its_address(app, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        link = session.get(Link, world.link)
        token, channel = link.token, link.channel
    new_channel = Channel.WEB if channel is not Channel.WEB else Channel.EMAIL
    url = f"/admin/links/{world.link}/edit"
    client = staff(app, world.coordinator)
    page = client.get(url)
    assert page.status_code == 200 and token in page.text
    saved = post_form(
        client,
        url,
        url,
        {"partner_id": world.partner_b, "channel": new_channel.value, "expected_n": "250"},
    )
    assert saved.status_code == 302, saved.text
    with database(app) as session:
        link = session.get(Link, world.link)
        assert link.token == token and link.partner_id == world.partner_b
        assert link.channel is new_channel and link.expected_n == 250
    [detail] = audit_details(app, "link_update")
    assert detail["partner"] == [None, world.partner_b_name]
    assert detail["channel"] == [channel.value, new_channel.value]
    assert detail["expected_n"][1] == 250


def test_link_edit_refuses_a_duplicate_and_a_bad_count_keeping_the_input(app, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        link = session.get(Link, world.link)
        twin = Link(
            token="twin-token-1",
            survey_id=link.survey_id,
            wave_id=link.wave_id,
            audience=link.audience,
            partner_id=world.partner_a,
            channel=Channel.IN_CLASS,
        )
        session.add(twin)
        session.commit()
    url = f"/admin/links/{world.link}/edit"
    client = staff(app, world.coordinator)
    duplicate = post_form(
        client, url, url, {"partner_id": world.partner_a, "channel": "in_class", "expected_n": "31"}
    )
    assert duplicate.status_code == 400 and "already exists" in duplicate.text
    assert 'value="31"' in duplicate.text
    zero = post_form(client, url, url, {"partner_id": "", "channel": "web", "expected_n": "0"})
    assert zero.status_code == 400 and "Use 1 to 1,000,000" in zero.text
    wrong = post_form(client, url, url, {"partner_id": "", "channel": "pigeon"})
    assert wrong.status_code == 400
    assert audit_details(app, "link_update") == []
