"""Dashboard numbers, user management for admins, and the audit log."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.admin.services.tracking import Week, day_chart, link_progress, responses_per_week
from app.admin.services.waves import current_wave
from app.models import AuditEvent, Link, Response, Role, User, Wave
from tests.admin.conftest import database, post_form, sign_in


def _add_responses(session, counts) -> None:  # type: ignore[no-untyped-def]
    """``counts`` responses (empty answers) through each link, now."""
    from tests import factories

    for link, n in counts:
        for _ in range(n):
            factories.response(session, link, {})
    session.flush()


def _delete_responses(session, *where) -> None:  # type: ignore[no-untyped-def]
    session.execute(sa.update(Response).where(*where).values(deleted_at=dt.datetime.now(dt.UTC)))


def test_current_wave_is_the_one_open_today_that_opened_last(app, world):  # type: ignore[no-untyped-def]
    today = dt.datetime.now(dt.UTC).date()
    with database(app) as session:
        assert current_wave(session).id == world.current
        # A wave made for next term, switched on: it must not hide the live one.
        future = Wave(
            name="2027 Spring review",
            opens_on=today + dt.timedelta(days=5),
            closes_on=today + dt.timedelta(days=90),
        )
        session.add(future)
        session.flush()
        assert current_wave(session).id == world.current
        # A wave that opened later than the current one and is open today wins.
        later = Wave(name="Later", opens_on=today, closes_on=today, is_open=False)
        session.add(later)
        session.flush()
        assert current_wave(session).id == world.current  # switched off: not open today
        later.is_open = True
        session.flush()
        assert current_wave(session).id == later.id
        # Once "Later" has closed, the wave still open is followed again.
        assert current_wave(session, today + dt.timedelta(days=2)).id == world.current
        # None open that day: the latest that opened; none opened: the next scheduled.
        assert current_wave(session, today + dt.timedelta(days=200)).id == future.id
        later.is_open = False
        session.flush()
        assert current_wave(session, today + dt.timedelta(days=100)).id == future.id
        first = session.scalar(sa.select(Wave).order_by(Wave.opens_on, Wave.id).limit(1))
        before_all = first.opens_on - dt.timedelta(days=1)
        assert current_wave(session, before_all).id == first.id


def test_dashboard_counts_rates_and_last_response_per_link(app, client_as, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        wave = session.get(Wave, world.current)
        rows = link_progress(session, wave, 10)
        by_link = {r.link.id: r for r in rows}
        counts = dict(
            session.execute(
                sa.select(Response.link_id, sa.func.count())
                .where(Response.wave_id == world.current, Response.deleted_at.is_(None))
                .group_by(Response.link_id)
            ).all()
        )
        links = session.scalar(sa.select(sa.func.count()).where(Link.wave_id == world.current))
        assert len(rows) == links
        for link_id, row in by_link.items():
            count = counts.get(link_id, 0)
            if row.responses is not None:
                assert row.responses == count  # a shown count is the true count
            else:  # and a hidden one says why: a small group, or one a count could reveal
                assert row.status in ("small", "withheld")
                assert row.status != "small" or 0 < count < 10
        shown = [r for r in rows if r.responses]
        busiest = max(shown, key=lambda r: r.responses)
        assert busiest.last_response_at is not None
        if busiest.link.expected_n:
            assert busiest.rate == busiest.responses / busiest.link.expected_n
        session.commit()
        total = sum(counts.values())
    page = client_as(world.coordinator).get("/admin/")
    assert page.status_code == 200
    assert f"{total} responses so far" in page.text
    assert "<svg" in page.text and 'role="img"' in page.text
    assert "Responses per week as a table" in page.text


def test_dashboard_counts_follow_the_privacy_rule(app, world):  # type: ignore[no-untyped-def]
    from app.admin.services.links import create_link
    from app.models import Audience, Survey

    with database(app) as session:
        wave = session.get(Wave, world.current)
        survey = session.scalar(sa.select(Survey).where(Survey.slug == "staff-feedback"))
        wave_links = list(
            session.scalars(
                sa.select(Link).where(Link.wave_id == wave.id, Link.survey_id == survey.id)
            )
        )
        # start this group afresh
        _delete_responses(session, Response.link_id.in_([link.id for link in wave_links]))
        big = wave_links[0]
        small = create_link(session, survey, wave, Audience.STAFF, None, expected_n=10)
        _add_responses(session, ((big, 20), (small, 3)))
        rows = {r.link.id: r for r in link_progress(session, wave, 10)}
        # 3 is a small group; 20 beside it would give the 3 away from the group's 23.
        assert rows[small.id].responses is None and rows[small.id].status == "small"
        assert rows[big.id].responses is None and rows[big.id].status == "withheld"


def test_the_wave_total_cannot_give_a_small_group_away(app, client_as, world):  # type: ignore[no-untyped-def]
    """Link counts are decided per survey x audience; the wave's total spans them all,
    so a family group of 3 ("fewer than 10") beside a staff group of 15 (shown) must
    not come with a total of 18: 18 - 15 = 3."""
    from app.admin.services.links import create_link
    from app.admin.services.tracking import shown_total
    from app.models import Audience, Survey

    with database(app) as session:
        wave = session.get(Wave, world.current)
        _delete_responses(session, Response.wave_id == wave.id)  # start the wave afresh
        family = session.scalar(sa.select(Survey).where(Survey.slug == "family-feedback"))
        staff = session.scalar(sa.select(Survey).where(Survey.slug == "staff-feedback"))
        family_link = create_link(session, family, wave, Audience.FAMILY, None, expected_n=40)
        staff_link = create_link(session, staff, wave, Audience.STAFF, None, expected_n=40)
        _add_responses(session, ((family_link, 3), (staff_link, 15)))
        rows = {r.link.id: r for r in link_progress(session, wave, 10)}
        assert rows[family_link.id].status == "small"
        assert rows[staff_link.id].responses == 15
        total = shown_total(session, wave, 10)
        assert total.count is None and total.status == "withheld"
        assert total.at_least == 15  # what is shown elsewhere anyway
        staff_link_id = staff_link.id
        # Weeks split the total: with the total not shown, a full split would give it.
        weeks = responses_per_week(session, wave, 10)
        assert all(c is None or c == 0 for _, c, _status in weeks)
        assert {status for _, c, status in weeks if c is None} == {"withheld"}
        session.commit()
    page = client_as(world.coordinator).get("/admin/").text
    assert "18 response" not in page and "3 responses" not in page
    assert "At least 15 responses so far" in page
    assert "fewer than 10</td>" not in page.split("Responses per week as a table")[1]

    with database(app) as session:
        wave = session.get(Wave, world.current)
        # Small groups that together make N or more: the rest gives no one group away.
        partner_survey = session.scalar(sa.select(Survey).where(Survey.slug == "partner-feedback"))
        partner_link = create_link(session, partner_survey, wave, Audience.PARTNER, None)
        _add_responses(session, ((partner_link, 7),))
        total = shown_total(session, wave, 10)
        assert (total.count, total.status) == (25, "shown")
        _delete_responses(session, Response.link_id.in_([staff_link_id, partner_link.id]))
        total = shown_total(session, wave, 10)
        assert (total.count, total.status) == (None, "small")
        _delete_responses(session)
        total = shown_total(session, wave, 10)
        assert (total.count, total.status) == (0, "no_data")


def test_responses_per_week_through_the_privacy_rule(app, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        wave = session.get(Wave, world.current)
        weeks = responses_per_week(session, wave, 10)
        assert weeks[0][0] == wave.opens_on
        assert all((b[0] - a[0]).days == 7 for a, b in zip(weeks, weeks[1:], strict=False))
        kept = session.scalar(
            sa.select(sa.func.count())
            .select_from(Response)
            .where(Response.wave_id == wave.id, Response.deleted_at.is_(None))
        )
        shown = [c for _, c, _status in weeks if c is not None]
        assert all(c == 0 or c >= 10 for c in shown)
        assert sum(shown) <= kept and (kept - sum(shown) == 0 or kept - sum(shown) >= 10)
    chart = day_chart(
        [
            Week(dt.date(2027, 1, 1), 0, "no_data"),
            Week(dt.date(2027, 1, 8), 14),
            Week(dt.date(2027, 1, 15), None, "small"),
        ]
    )
    assert chart.bars[0].height == 0 and chart.bars[1].height > 0 and chart.peak == 14
    assert chart.bars[2].height == 0


def test_dashboard_without_an_open_wave_says_so(app, client_as, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        for wave in session.scalars(sa.select(Wave)):
            wave.is_open = False
        session.commit()
    page = client_as(world.coordinator).get("/admin/")
    assert "No wave is open today" in page.text
    assert "Switched off: its links take no answers" in page.text


def test_users_page_invites_rather_than_creating_with_a_password(client_as, world):  # type: ignore[no-untyped-def]
    admin = client_as(world.admin)
    page = admin.get("/admin/users").text
    assert "/admin/invitations/new" in page
    edit = admin.get(f"/admin/users/{world.coordinator}").text
    assert 'type="password"' not in edit and "Make a password reset link" in edit
    assert admin.get("/admin/users/new").status_code == 404


def test_deactivating_a_user_signs_them_out_everywhere(app, client_as, world):  # type: ignore[no-untyped-def]
    partner = app.test_client()
    sign_in(partner, "a@example.org")
    assert partner.get("/admin/partner").status_code == 200
    url = f"/admin/users/{world.partner_a_user}"
    response = post_form(
        client_as(world.admin), url, url, {"role": "partner", "partner_id": world.partner_a}
    )  # "active" unticked
    assert response.status_code == 302
    assert partner.get("/admin/partner").status_code == 302
    assert sign_in(app.test_client(), "a@example.org").status_code == 200  # refused
    with database(app) as session:
        event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user_update"))
        assert event.detail == {"active": [True, False]}


def test_admin_cannot_remove_their_own_admin_access(app, client_as, world):  # type: ignore[no-untyped-def]
    url = f"/admin/users/{world.admin}"
    response = post_form(
        client_as(world.admin), url, url, {"role": "coordinator", "partner_id": "", "active": "y"}
    )
    assert response.status_code == 400
    assert "cannot remove your own admin access" in response.text
    with database(app) as session:
        assert session.get(User, world.admin).role is Role.ADMIN


def test_admin_reads_the_audit_log_and_filters_it(app, client_as, world):  # type: ignore[no-untyped-def]
    coordinator = app.test_client()
    sign_in(coordinator, "coord@example.org")
    coordinator.get("/admin/exports?survey=family-feedback&values=labels&format=csv").close()
    admin = client_as(world.admin)
    page = admin.get("/admin/audit")
    assert page.status_code == 200
    assert "coord@example.org" in page.text and "survey:family-feedback" in page.text
    only_exports = admin.get("/admin/audit?action=export").text
    assert "1 event." in only_exports
    assert client_as(world.coordinator).get("/admin/audit").status_code == 403


def test_partner_pages_count_each_group_on_its_own(app, client_as, world):  # type: ignore[no-untyped-def]
    """The partner pages have no total across groups: each survey x audience is its own
    line, decided as the partner's part of that group, so no line is a sum that a
    shown line could be taken from."""
    from app.admin.services.links import create_link
    from app.admin.services.partners import partner_counts
    from app.models import Audience, Partner, Survey

    with database(app) as session:
        wave = session.get(Wave, world.current)
        wave_name = wave.name
        _delete_responses(session, Response.wave_id == wave.id)
        partner = session.get(Partner, world.partner_a)
        family = session.scalar(sa.select(Survey).where(Survey.slug == "family-feedback"))
        staff = session.scalar(sa.select(Survey).where(Survey.slug == "staff-feedback"))
        _add_responses(
            session,
            (
                (create_link(session, family, wave, Audience.FAMILY, partner), 3),
                (create_link(session, family, wave, Audience.FAMILY, None), 12),
                (create_link(session, staff, wave, Audience.STAFF, partner), 15),
            ),
        )
        (block,) = [
            b
            for b in partner_counts(session, partner, 10, {}, released_only=False)
            if b.wave.id == wave.id
        ]
        lines = {row.audience: (row.status, row.count) for row in block.rows}
        assert lines["family"] == ("small", None) and lines["staff"] == ("shown", 15)
        session.commit()
    page = client_as(world.coordinator).get(f"/admin/partners/{world.partner_a}").text
    current = page.split(f"<h3>{wave_name}</h3>")[1].split("</ul>")[0]
    assert "15 responses" in current and "fewer than 10" in current
    assert "18" not in current and "responses" not in current.replace("15 responses", "")
