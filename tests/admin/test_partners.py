"""The partner directory: adding, changing and deleting partners, renewal notices,
inactive partners, and each partner's page (for staff, and read-only for its users)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.admin.services import FormProblem
from app.admin.services.links import add_link
from app.admin.services.partners import (
    PartnerDetails,
    create_partner,
    delete_partner,
    partner_counts,
    renewals_due,
)
from app.admin.services.waves import create_wave
from app.models import (
    AgreementKind,
    Audience,
    AuditEvent,
    Channel,
    Link,
    Partner,
    PartnerCategory,
    Response,
    Role,
    Survey,
    User,
    Wave,
)
from tests.admin.conftest import database, post_form

TODAY = dt.datetime.now(dt.UTC).date()


def form_data(**changes: str) -> dict[str, str]:
    data = {
        "name": "Westside Teen Clinic",
        "category": "healthcare_provider",
        "contact_name": "Dana Ortiz",
        "contact_email": "Dana.Ortiz@Westside.example.org",
        "contact_phone": "555-0100 ext. 12",
        "services": "Counselling and a weekly walk-in hour for students.",
        "agreement_kind": "mou",
        "agreement_signed_on": "2026-01-15",
        "agreement_renews_on": "2027-01-15",
        "notes": "Prefers email.",
        "active": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def partner_by_name(session, name: str) -> Partner | None:  # type: ignore[no-untyped-def]
    return session.scalar(sa.select(Partner).where(Partner.name == name))


def test_coordinator_adds_a_partner_with_every_field_and_it_is_audited(app, client_as, world):  # type: ignore[no-untyped-def]
    client = client_as(world.coordinator)
    response = post_form(client, "/admin/partners/new", "/admin/partners/new", form_data())
    assert response.status_code == 302
    with database(app) as session:
        partner = partner_by_name(session, "Westside Teen Clinic")
        assert partner.category is PartnerCategory.HEALTHCARE_PROVIDER
        assert partner.contact_email == "dana.ortiz@westside.example.org"
        assert partner.contact_phone == "555-0100 ext. 12"
        assert partner.agreement_kind is AgreementKind.MOU
        assert partner.agreement_renews_on == dt.date(2027, 1, 15)
        assert partner.active and not partner.share_results
        event = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "partner_create")
        ).one()
        assert event.target == f"partner:{partner.id}" and event.user_id == world.coordinator
        partner_id = partner.id
    assert response.headers["Location"].endswith(f"/admin/partners/{partner_id}")
    page = client.get(f"/admin/partners/{partner_id}").text
    assert "Westside Teen Clinic" in page and "Healthcare provider" in page
    assert "Memorandum of understanding" in page and "Prefers email." in page
    listing = client.get("/admin/partners").text
    assert "Westside Teen Clinic" in listing and "Dana Ortiz" in listing


def test_a_duplicate_name_is_refused_whatever_its_case_and_spacing(app, client_as, world):  # type: ignore[no-untyped-def]
    client = client_as(world.coordinator)
    taken = f"  {world.partner_a_name.upper()}  "
    response = post_form(
        client, "/admin/partners/new", "/admin/partners/new", form_data(name=taken)
    )
    assert response.status_code == 400
    assert f"A partner named “{world.partner_a_name}” is already in the directory" in (
        response.text
    )
    # What was typed stays in the form.
    assert "Dana Ortiz" in response.text and "Counselling and a weekly" in response.text
    with database(app) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Partner)) == 6


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "   "}, "Give the name of the partner."),
        ({"contact_email": "not an address"}, "Enter an email address like"),
        ({"contact_phone": "call me"}, "Enter a phone number with digits"),
        ({"agreement_kind": "none"}, "leave both agreement dates empty"),
        ({"agreement_renews_on": "2025-12-31"}, "on or after the signing date"),
        ({"agreement_signed_on": "2026-02-30"}, "Not a valid date value."),
        ({"category": "bakery"}, "Not a valid choice."),
        ({"services": "x" * 5001}, "Keep it to 5,000 characters."),
    ],
)
def test_refused_partner_forms_say_why_and_keep_the_input(app, client_as, world, changes, message):  # type: ignore[no-untyped-def]
    client = client_as(world.coordinator)
    response = post_form(client, "/admin/partners/new", "/admin/partners/new", form_data(**changes))
    assert response.status_code == 400
    assert message in response.text
    assert "Dana Ortiz" in response.text
    with database(app) as session:
        assert partner_by_name(session, "Westside Teen Clinic") is None
        assert not session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "partner_create")
        )


def test_editing_a_partner_records_what_changed(app, client_as, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        session.get(Partner, world.partner_a).share_results = False
        session.commit()
    client = client_as(world.coordinator)
    url = f"/admin/partners/{world.partner_a}/edit"
    page = client.get(url)
    assert world.partner_a_name in page.text
    response = post_form(
        client,
        url,
        url,
        form_data(name=world.partner_a_name, category="other", share_results="y", notes="Hi"),
    )
    assert response.status_code == 302
    with database(app) as session:
        partner = session.get(Partner, world.partner_a)
        assert partner.share_results and partner.category is PartnerCategory.OTHER
        event = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "partner_update")
        ).one()
        changes = event.detail["changes"]
        assert changes["share_results"] == [False, True]
        assert changes["category"][1] == "other"
        assert changes["notes"] == [None, None]  # free text is named, not copied
    # Saving again without changes writes nothing.
    response = post_form(
        client,
        url,
        url,
        form_data(name=world.partner_a_name, category="other", share_results="y", notes="Hi"),
    )
    assert response.status_code == 302
    with database(app) as session:
        assert (
            session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "partner_update"))
            == 1
        )


def test_renaming_to_another_partners_name_is_refused(app, client_as, world):  # type: ignore[no-untyped-def]
    client = client_as(world.coordinator)
    url = f"/admin/partners/{world.partner_a}/edit"
    response = post_form(client, url, url, form_data(name=world.partner_b_name.lower()))
    assert response.status_code == 400 and "is already in the directory" in response.text
    with database(app) as session:
        assert session.get(Partner, world.partner_a).name == world.partner_a_name


def test_renewal_due_is_flagged_within_sixty_days(app, client_as, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        due = create_partner(
            session,
            PartnerDetails(
                "Due Soon",
                PartnerCategory.OTHER,
                agreement_kind=AgreementKind.CONTRACT,
                agreement_renews_on=TODAY + dt.timedelta(days=60),
            ),
        )
        create_partner(
            session,
            PartnerDetails(
                "Not Yet",
                PartnerCategory.OTHER,
                agreement_kind=AgreementKind.CONTRACT,
                agreement_renews_on=TODAY + dt.timedelta(days=61),
            ),
        )
        create_partner(
            session,
            PartnerDetails(
                "Overdue but inactive",
                PartnerCategory.OTHER,
                agreement_kind=AgreementKind.MOU,
                agreement_renews_on=TODAY - dt.timedelta(days=3),
                active=False,
            ),
        )
        assert [p.name for p in renewals_due(session, TODAY)] == ["Due Soon"]
        assert due.renewal_due(TODAY) and not due.renewal_due(TODAY - dt.timedelta(days=1))
        session.commit()
    client = client_as(world.coordinator)
    assert "Agreements due for renewal" in client.get("/admin/").text
    listing = client.get("/admin/partners").text
    row = listing[listing.index("Due Soon") : listing.index("Due Soon") + 1500]
    assert "Renewal due" in row.split("</tr>")[0]
    later = listing[listing.index("Not Yet") :].split("</tr>")[0]
    assert "Renewal due" not in later
    assert "Overdue but inactive" not in listing  # the list shows active partners first
    assert "Overdue but inactive" in client.get("/admin/partners?show=inactive").text


def test_an_inactive_partner_takes_no_new_links_and_keeps_its_history(app, client_as, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        partner = session.get(Partner, world.partner_a)
        partner.active = False
        links_before = session.scalar(
            sa.select(sa.func.count()).where(Link.partner_id == partner.id)
        )
        survey = session.scalar(sa.select(Survey).where(Survey.slug == "family-feedback"))
        wave = session.get(Wave, world.current)
        with pytest.raises(FormProblem, match="is inactive and takes no new links"):
            add_link(session, survey, wave, Audience.FAMILY, partner, Channel.EMAIL, None)
        # A new wave copied from the current one leaves the inactive partner's links out.
        copied = create_wave(
            session, "Copy", TODAY, TODAY + dt.timedelta(days=9), copy_links_from=wave
        )
        partners_copied = set(
            session.scalars(sa.select(Link.partner_id).where(Link.wave_id == copied.id))
        )
        assert partner.id not in partners_copied and len(partners_copied) > 1
        session.rollback()
        session.get(Partner, world.partner_a).active = False
        session.commit()
    client = client_as(world.coordinator)
    form = client.get("/admin/links/new").text
    assert world.partner_a_name not in form and world.partner_b_name in form
    links_page = client.get(f"/admin/links?wave={world.current}").text
    assert "inactive partner" in links_page
    with database(app) as session:
        assert (
            session.scalar(sa.select(sa.func.count()).where(Link.partner_id == world.partner_a))
            == links_before
        )


def test_a_partner_with_responses_cannot_be_deleted(app, client_as, world):  # type: ignore[no-untyped-def]
    client = client_as(world.coordinator)
    url = f"/admin/partners/{world.partner_b}/edit"
    assert "it cannot be deleted" in client.get(url).text
    response = post_form(client, url, f"/admin/partners/{world.partner_b}/delete", {})
    assert response.status_code == 302
    assert "has responses" in client.get(response.headers["Location"]).text
    with database(app) as session:
        assert session.get(Partner, world.partner_b) is not None
        assert not session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "partner_delete")
        )


def test_a_partner_without_responses_is_deleted_with_its_links(app, client_as, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        partner = create_partner(session, PartnerDetails("Short-lived", PartnerCategory.OTHER))
        survey = session.scalar(sa.select(Survey).where(Survey.slug == "family-feedback"))
        add_link(
            session,
            survey,
            session.get(Wave, world.current),
            Audience.FAMILY,
            partner,
            Channel.WEB,
            None,
        )
        partner_id = partner.id
        session.commit()
    client = client_as(world.coordinator)
    url = f"/admin/partners/{partner_id}/edit"
    assert "and its 1 link for good" in client.get(url).text
    response = post_form(client, url, f"/admin/partners/{partner_id}/delete", {})
    assert response.status_code == 302
    with database(app) as session:
        assert session.get(Partner, partner_id) is None
        assert not session.scalar(sa.select(sa.func.count()).where(Link.partner_id == partner_id))
        event = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "partner_delete")
        ).one()
        assert event.detail == {"name": "Short-lived", "links_deleted": 1}


def test_a_partner_with_users_is_not_deleted(app, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        partner = session.get(Partner, world.partner_a)
        session.execute(sa.update(Response).values(partner_id=None))  # no responses left
        with pytest.raises(FormProblem, match="still has 1 user account"):
            delete_partner(session, partner)


def test_staff_see_live_counts_through_the_privacy_rule(app, client_as, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        partner = session.get(Partner, world.partner_b)
        blocks = partner_counts(session, partner, 10, {}, released_only=False)
        assert blocks and blocks[0].wave.id == world.current
        for block in blocks:
            for row in block.rows:
                true = session.scalar(
                    sa.select(sa.func.count()).where(
                        Response.wave_id == block.wave.id,
                        Response.partner_id == partner.id,
                        Response.survey_id == row.survey_id,
                        Response.audience == row.audience,
                        Response.deleted_at.is_(None),
                    )
                )
                if row.count is not None:
                    assert row.count == true >= 10
                else:
                    assert row.status in ("small", "withheld", "no_data")
                    assert row.status != "small" or 0 < true < 10
    page = client_as(world.coordinator).get(f"/admin/partners/{world.partner_b}").text
    assert "privacy rule" in page and f"partner={world.partner_b}" in page


def test_partner_users_see_their_own_page_read_only_with_released_figures(app, client_as, world):  # type: ignore[no-untyped-def]
    from reports.releases import make_release

    client = client_as(world.partner_a_user)
    own = client.get(f"/admin/partners/{world.partner_a}")
    assert own.status_code == 200
    assert "Edit " + world.partner_a_name not in own.text
    assert "/edit" not in own.text and "Notes" not in own.text
    assert "Figures appear here once the wave is released." in own.text
    assert client.get(f"/admin/partners/{world.partner_b}").status_code == 403
    assert client.get(f"/admin/partners/{world.partner_a}/edit").status_code == 403
    assert client.get("/admin/partners").status_code == 403
    with database(app) as session:
        previous = session.get(Wave, world.previous)
        previous_name = previous.name
        make_release(session, previous)
        session.commit()
        partner = session.get(Partner, world.partner_a)
        released = partner_counts(session, partner, 10, {}, released_only=True)
        by_wave = {block.wave.id: block for block in released}
        assert by_wave[world.previous].released and by_wave[world.previous].rows
        assert by_wave[world.current].note
    page = client.get(f"/admin/partners/{world.partner_a}").text
    assert previous_name in page and "Figures appear here once" in page
    assert "fewer than 10" in page or " responses" in page


def test_the_waves_page_states_each_waves_state_truthfully(app, client_as, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        session.add(
            Wave(
                name="2027 Spring review",
                opens_on=TODAY + dt.timedelta(days=90),
                closes_on=TODAY + dt.timedelta(days=120),
            )
        )
        session.get(Wave, world.previous).is_open = False
        session.add(Wave(name="Stopped early", opens_on=TODAY, closes_on=TODAY, is_open=False))
        session.add(
            Wave(
                name="Ran its course",
                opens_on=TODAY - dt.timedelta(days=20),
                closes_on=TODAY - dt.timedelta(days=10),
            )
        )
        session.commit()
    client = client_as(world.coordinator)
    page = client.get("/admin/waves").text

    def state_of(name: str) -> str:
        row = page[page.index(name) :].split("</tr>")[0]
        cells = row.split("<td>")
        return cells[3].split("</td>")[0].strip()

    assert state_of("2027 Spring review") == "Scheduled"
    assert state_of("Stopped early") == "Switched off"
    assert state_of("Ran its course") == "Closed"
    with database(app) as session:
        current = session.get(Wave, world.current).name
        previous = session.get(Wave, world.previous).name
    assert state_of(current) == "Open"
    assert state_of(previous) == "Switched off"
    # The dashboard still follows the wave open today, not the newest one.
    dashboard = client.get("/admin/").text
    assert f'<h2 id="wave-heading">{current}</h2>' in dashboard
    assert "2027 Spring review (scheduled)" in dashboard


def test_the_dashboard_picker_shows_any_wave(app, client_as, world):  # type: ignore[no-untyped-def]
    client = client_as(world.coordinator)
    with database(app) as session:
        wave = session.get(Wave, world.previous)
        wave.is_open = False
        previous = wave.name
        session.commit()
    page = client.get(f"/admin/?wave={world.previous}").text
    assert f'<h2 id="wave-heading">{previous}</h2>' in page
    assert "Switched off: its links take no answers" in page
    assert "Back to the wave open today" in page
    assert client.get("/admin/?wave=abc").status_code == 404
    assert client.get("/admin/?wave=99999999999999999999999").status_code == 404


def test_links_show_the_survey_title_and_a_copy_button(app, client_as, world):  # type: ignore[no-untyped-def]
    from app.admin.services.surveys import survey_titles

    page = client_as(world.coordinator).get(f"/admin/links?wave={world.current}").text
    assert 'data-copy="link-url-' in page and " hidden>Copy" in page
    with database(app) as session:
        titles = survey_titles(session)
        used = set(session.scalars(sa.select(Link.survey_id).where(Link.wave_id == world.current)))
    assert used
    for survey_id in used:
        assert f"<td>{titles[survey_id]}</td>" in page


def test_a_partners_page_lists_its_links_and_the_people_who_sign_in_for_it(app, client_as, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        partner_a = session.get(Partner, world.partner_a)
        # A second, deactivated account of partner A.
        session.add(
            User(
                email="former@example.org",
                password_hash="x",
                role=Role.PARTNER,
                partner=partner_a,
                active=False,
            )
        )
        session.commit()
        own = list(session.scalars(sa.select(Link).where(Link.partner_id == world.partner_a)))
        others = list(session.scalars(sa.select(Link).where(Link.partner_id != world.partner_a)))
        tokens = [link.token for link in own]
        other_tokens = [link.token for link in others]
    assert tokens and other_tokens
    for viewer in (world.coordinator, world.partner_a_user):
        page = client_as(viewer).get(f"/admin/partners/{world.partner_a}").text
        links = page[page.index('id="links-heading"') : page.index('id="users-heading"')]
        users = page[page.index('id="users-heading"') :]
        for token in tokens:
            assert f"/s/{token}</code>" in links
        assert not any(token in page for token in other_tokens)
        assert links.count("<tr") == len(tokens) + 1  # the heading row
        assert "a@example.org" in users and "former@example.org (deactivated)" in users
        assert "b@example.org" not in page
    # Admins may open each account from there.
    page = client_as(world.admin).get(f"/admin/partners/{world.partner_a}").text
    assert f'href="/admin/users/{world.partner_a_user}' in page
