"""Action items: created on their own or from a finding, moved through their statuses
with dated notes (dropped needs a reason), listed with filters, counted on the
dashboard when overdue; partner users see and update only their own partner's."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from app.models import (
    ActionItem,
    ActionNote,
    ActionStatus,
    Answer,
    AuditEvent,
    FindingKind,
    Partner,
    Wave,
)
from tests import factories
from tests.admin.conftest import as_user, csrf_token, database, post_form


def _action_form(world, **changes):  # type: ignore[no-untyped-def]
    data = {
        "wave_id": str(world.current),
        "review_id": "",
        "title": "Send the referral guide home",
        "title_es": "Enviar la guía de ayuda a casa",
        "description": "A one-page guide in both languages.",
        "description_es": "Una guía de una página en los dos idiomas.",
        "owner": str(world.partner_b),
        "due_on": "",
        "finding_kind": "none",
        "item_id": "",
        "element": "",
        "theme_code": "",
    }
    data.update(changes)
    return data


def _make(app, world, **kwargs) -> int:  # type: ignore[no-untyped-def]
    with database(app) as session:
        wave = session.get(Wave, kwargs.pop("wave", world.current))
        owner = kwargs.pop("owner", None)
        made = factories.action(
            session,
            wave,
            owner=session.get(Partner, owner) if owner else None,
            **kwargs,
        )
        session.commit()
        return made.id


def test_coordinator_creates_an_action_from_a_gap_and_sees_refusals(app, world):  # type: ignore[no-untyped-def]
    client = app.test_client()
    as_user(client, app, world.coordinator)
    page = client.get(
        "/admin/actions/new?kind=gap&item=comm.referral_process_clear&audiences=family,partner"
    )
    assert page.status_code == 200
    assert 'value="comm.referral_process_clear"' in page.text
    assert re.search(r'value="family"[^>]*checked|checked[^>]*value="family"', page.text)

    # A gap needs exactly two audiences; the typed values stay.
    data = _action_form(
        world, finding_kind="gap", item_id="comm.referral_process_clear", audiences=["family"]
    )
    refused = client.post("/admin/actions/new", data={**data, "csrf_token": csrf_token(page.text)})
    assert refused.status_code == 400
    assert "exactly two audiences" in refused.text
    assert "Enviar la guía de ayuda a casa" in refused.text

    refused = client.post(
        "/admin/actions/new",
        data={**_action_form(world, title="  "), "csrf_token": csrf_token(page.text)},
    )
    assert refused.status_code == 400 and "Give the action a short title." in refused.text

    data["audiences"] = ["family", "partner"]
    made = client.post("/admin/actions/new", data={**data, "csrf_token": csrf_token(page.text)})
    assert made.status_code == 302
    with database(app) as session:
        action = session.scalars(sa.select(ActionItem)).one()
        assert action.finding_kind is FindingKind.GAP
        assert action.audience_list() == ["family", "partner"]
        assert action.owner_partner_id == world.partner_b
        assert action.title_es == "Enviar la guía de ayuda a casa"
        assert session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.action == "action_create", AuditEvent.target == f"action:{action.id}"
            )
        )
    shown = client.get(made.headers["Location"]).text
    assert re.search(
        r"Gap on item comm\.referral_process_clear, “[^”]+”, between Family and Partner", shown
    )


def test_an_action_goes_planned_in_progress_done_and_dropped_needs_a_reason(app, world):  # type: ignore[no-untyped-def]
    action_id = _make(app, world, owner=world.partner_b)
    client = app.test_client()
    as_user(client, app, world.coordinator)
    page = f"/admin/actions/{action_id}"
    url = f"{page}/progress"

    moved = post_form(client, page, url, {"status": "in_progress", "note": "Guide drafted."})
    assert moved.status_code == 302
    refused = post_form(client, page, url, {"status": "dropped", "note": "Stopping."})
    assert refused.status_code == 400
    assert "Say why the action is dropped." in refused.text
    assert "Stopping." in refused.text  # what was typed stays
    moved = post_form(client, page, url, {"status": "done", "note": "Sent home in May."})
    assert moved.status_code == 302
    with database(app) as session:
        action = session.get(ActionItem, action_id)
        assert action.status is ActionStatus.DONE
        assert [n.text for n in action.notes] == ["Guide drafted.", "Sent home in May."]
        events = session.scalars(
            sa.select(AuditEvent.detail).where(AuditEvent.action == "action_progress")
        ).all()
        assert [e["changes"]["status"] for e in events] == [
            ["planned", "in_progress"],
            ["in_progress", "done"],
        ]
    moved = post_form(client, page, url, {"status": "dropped", "dropped_reason": "Funding ended."})
    assert moved.status_code == 302
    with database(app) as session:
        action = session.get(ActionItem, action_id)
        assert action.status is ActionStatus.DROPPED
        assert action.dropped_reason == "Funding ended."
    assert "Funding ended." in client.get(page).text


def test_partner_users_see_and_update_only_their_own_partners_actions(app, world):  # type: ignore[no-untyped-def]
    own = _make(app, world, title="Partner B's own action", owner=world.partner_b)
    other = _make(app, world, title="Partner A's action", owner=world.partner_a)
    school = _make(app, world, title="The school team's action")

    client = app.test_client()
    as_user(client, app, world.partner_b_user)
    listed = client.get("/admin/actions").text
    assert "Partner B&#39;s own action" in listed or "Partner B's own action" in listed
    assert "Partner A" not in listed and "school team&#39;s action" not in listed
    # An owner filter naming another partner changes nothing: still only their own.
    listed = client.get(f"/admin/actions?owner={world.partner_a}").text
    assert "own action" in listed and "Partner A&#39;s action" not in listed

    assert client.get(f"/admin/actions/{own}").status_code == 200
    for refused in (other, school):
        assert client.get(f"/admin/actions/{refused}").status_code == 403
        token = csrf_token(client.get(f"/admin/actions/{own}").text)
        response = client.post(
            f"/admin/actions/{refused}/progress",
            data={"status": "done", "note": "Not mine", "csrf_token": token},
        )
        assert response.status_code == 403
    assert client.get("/admin/actions/new").status_code == 403
    assert client.get(f"/admin/actions/{own}/edit").status_code == 403

    done = post_form(
        client,
        f"/admin/actions/{own}",
        f"/admin/actions/{own}/progress",
        {"status": "in_progress", "note": "First session held."},
    )
    assert done.status_code == 302
    with database(app) as session:
        assert session.get(ActionItem, own).status is ActionStatus.IN_PROGRESS
        assert session.get(ActionItem, other).status is ActionStatus.PLANNED
        assert session.scalars(sa.select(ActionNote.text)).all() == ["First session held."]
    assert client.get("/admin/actions/999999").status_code == 404
    # Their pages lead back to their own list, say which organisation wrote a note,
    # and leave out the owner column (always themselves).
    page = client.get(f"/admin/actions/{own}").text
    assert ">Our actions</a>" in page and ">All actions</a>" not in page
    assert f"</time>, {world.partner_b_name}</p>" in page
    assert '<th scope="col">Owner</th>' not in client.get("/admin/actions").text
    with database(app) as session:
        review = factories.review(session, session.get(Wave, world.current))
        for action_id in (own, other):
            session.get(ActionItem, action_id).review_id = review.id
        session.commit()
        review_id = review.id
    by_review = client.get(f"/admin/actions?review={review_id}").text
    assert "own action" in by_review and "Partner A&#39;s action" not in by_review
    assert f"/admin/reviews/{review_id}" not in by_review


def test_dates_are_written_out():  # type: ignore[no-untyped-def]
    from app.admin.services.actions import readable_day

    assert readable_day(dt.date(2026, 7, 4)) == "4 July 2026"
    assert readable_day(dt.date(2026, 7, 4), weekday=True) == "Saturday 4 July 2026"
    assert readable_day(None) == ""


def test_overdue_filter_and_the_dashboard_count(app, world):  # type: ignore[no-untyped-def]
    today = dt.date.today()
    late = _make(app, world, title="Late one", due_on=today - dt.timedelta(days=3))
    _make(app, world, title="Due later", due_on=today + dt.timedelta(days=30))
    _make(
        app,
        world,
        title="Late but done",
        due_on=today - dt.timedelta(days=3),
        status=ActionStatus.DONE,
    )
    _make(
        app,
        world,
        title="Late but dropped",
        due_on=today - dt.timedelta(days=9),
        status=ActionStatus.DROPPED,
        dropped_reason="No longer needed.",
    )
    client = app.test_client()
    as_user(client, app, world.coordinator)
    listed = client.get("/admin/actions?overdue=1").text
    assert "Late one" in listed
    assert "Due later" not in listed and "Late but done" not in listed
    assert "Late but dropped" not in listed
    assert "1 action, 1 overdue</caption>" in listed
    assert "Late but dropped" in client.get("/admin/actions?status=dropped").text
    assert "Due later" in client.get("/admin/actions?status=open&owner=school").text
    assert "Late one" not in client.get(f"/admin/actions?owner={world.partner_a}").text

    dashboard = client.get("/admin/").text
    assert "1 action is overdue" in dashboard
    assert "past its due date and not yet marked done or dropped" in dashboard
    assert "/admin/actions?overdue=1" in dashboard
    # Done: the count goes.
    post_form(
        client, f"/admin/actions/{late}", f"/admin/actions/{late}/progress", {"status": "done"}
    )
    assert "overdue</a>" not in client.get("/admin/").text


def test_editing_an_action_keeps_what_was_typed_and_resets_reminders(app, world):  # type: ignore[no-untyped-def]
    today = dt.date.today()
    action_id = _make(app, world, due_on=today + dt.timedelta(days=3))
    with database(app) as session:
        session.get(ActionItem, action_id).reminded_due_at = dt.datetime.now(dt.UTC)
        session.commit()
    client = app.test_client()
    as_user(client, app, world.coordinator)
    page = f"/admin/actions/{action_id}/edit"
    assert "Send the referral guide home" in client.get(page).text
    refused = post_form(
        client,
        page,
        page,
        _action_form(world, finding_kind="element", element="", title="Guide v2", owner="school"),
    )
    assert refused.status_code == 400 and "Choose an element from 1 to 9." in refused.text
    assert 'value="Guide v2"' in refused.text
    saved = post_form(
        client,
        page,
        page,
        _action_form(
            world,
            finding_kind="element",
            element="4",
            title="Guide v2",
            owner="school",
            due_on=(today + dt.timedelta(days=20)).isoformat(),
        ),
    )
    assert saved.status_code == 302
    with database(app) as session:
        action = session.get(ActionItem, action_id)
        assert (action.title, action.element, action.owner_partner_id) == ("Guide v2", 4, None)
        assert action.reminded_due_at is None  # a new due date earns new reminders
        detail = session.scalar(
            sa.select(AuditEvent.detail).where(AuditEvent.action == "action_update")
        )
        assert detail["changes"]["element"] == [None, 4]


def test_an_item_finding_is_shown_with_the_words_a_survey_asks_it_in(app, world):  # type: ignore[no-untyped-def]
    from markupsafe import escape

    from app.admin.services.actions import finding_text, item_wording
    from app.models import FindingKind as Kind

    with database(app) as session:
        asked = session.scalars(sa.select(Answer.item_id).order_by(Answer.id).limit(1)).one()
        wording = item_wording(session, [asked, "gone.from.every.survey", None])
        assert set(wording) == {asked} and wording[asked]
        assert " – " not in wording[asked] and not wording[asked].endswith(".")
        wave = session.get(Wave, world.current)
        gap = factories.action(
            session, wave, finding_kind=Kind.GAP, item_id=asked, audiences=("family", "staff")
        )
        gone = factories.action(session, wave, finding_kind=Kind.ITEM, item_id="gone.x")
        assert finding_text(gap, wording) == (
            f"Gap on item {asked}, “{wording[asked]}”, between Family and Staff"
        )
        # An item no survey asks any more keeps its id.
        assert finding_text(gone, wording) == "Item gone.x"
        session.commit()
        gap_id = gap.id
    client = app.test_client()
    as_user(client, app, world.coordinator)
    assert str(escape(wording[asked])) in client.get(f"/admin/actions/{gap_id}").text


def test_the_wave_filter_lists_only_that_waves_actions(app, world):  # type: ignore[no-untyped-def]
    _make(app, world, title="Current wave's action")
    _make(app, world, title="Earlier wave's action", wave=world.previous)
    client = app.test_client()
    as_user(client, app, world.coordinator)
    current = client.get(f"/admin/actions?wave={world.current}").text
    assert "Current wave&#39;s action" in current and "Earlier wave" not in current
    assert "1 action" in current
    earlier = client.get(f"/admin/actions?wave={world.previous}").text
    assert "Earlier wave&#39;s action" in earlier and "Current wave" not in earlier
    assert re.search(rf'<option value="{world.previous}" selected>', earlier)
    every = client.get("/admin/actions").text
    assert "Current wave&#39;s action" in every and "Earlier wave&#39;s action" in every


def test_an_action_answers_an_interview_theme_by_its_code(app, world):  # type: ignore[no-untyped-def]
    client = app.test_client()
    as_user(client, app, world.coordinator)
    page = client.get("/admin/actions/new?kind=theme&theme=transport")
    assert page.status_code == 200
    assert 'value="transport"' in page.text
    assert re.search(r'selected[^>]*value="theme"|value="theme"[^>]*selected', page.text)
    token = csrf_token(page.text)
    refused = client.post(
        "/admin/actions/new",
        data={**_action_form(world, finding_kind="theme", theme_code=""), "csrf_token": token},
    )
    assert refused.status_code == 400 and "Give the theme&#39;s code" in refused.text
    unknown = client.post(
        "/admin/actions/new",
        data={
            **_action_form(world, finding_kind="theme", theme_code="transprt"),
            "csrf_token": token,
        },
    )
    assert unknown.status_code == 400
    assert "No codebook has the theme &#39;transprt&#39;" in unknown.text
    assert "stigma, transport" in unknown.text  # the codes to choose from, in order
    assert 'value="transprt"' in unknown.text  # what was typed stays
    made = client.post(
        "/admin/actions/new",
        data={
            **_action_form(world, finding_kind="theme", theme_code="transport", item_id="x.y"),
            "csrf_token": token,
        },
    )
    assert made.status_code == 302
    with database(app) as session:
        action = session.scalars(sa.select(ActionItem)).one()
        assert action.finding_kind is FindingKind.THEME and action.theme_code == "transport"
        assert not action.item_id  # only what its kind uses is kept
    assert "Interview theme transport" in client.get(made.headers["Location"]).text
    assert "Interview theme transport" in client.get("/admin/actions").text
