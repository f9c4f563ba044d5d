"""Review meetings: the demo's past review and its actions, agendas made from the packet
(only figures it shows, the previous review's open actions, renewals), edited before the
meeting and printed as HTML and a one- or two-page PDF."""

from __future__ import annotations

import datetime as dt
import io
import re

import sqlalchemy as sa

from app.admin.services.actions import OPEN_STATUSES
from app.admin.services.reviews import generate_agenda
from app.models import (
    ActionItem,
    ActionStatus,
    AgreementKind,
    Answer,
    AuditEvent,
    FindingKind,
    Partner,
    Review,
    Wave,
)
from tests import factories
from tests.admin.conftest import as_user, csrf_token, database, post_form

N_SHOWN = re.compile(r"n = (\d+)")


def figures_shown(agenda: dict) -> list[int]:  # type: ignore[type-arg]
    return [
        int(n)
        for section in agenda["sections"]
        for item in section["items"]
        for n in N_SHOWN.findall(item["text"])
    ]


def items_of(agenda: dict, key: str) -> list[dict]:  # type: ignore[type-arg]
    return next(s for s in agenda["sections"] if s["key"] == key)["items"]


def test_the_demo_has_a_past_review_and_the_next_agenda_brings_its_open_actions(
    app, runner, session
):  # type: ignore[no-untyped-def]
    assert runner.invoke(args=["surveys", "sync"]).exit_code == 0
    result = runner.invoke(args=["demo", "--responses", "1500", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "has a past review with 6 actions" in result.output
    previous, current = session.scalars(sa.select(Wave).order_by(Wave.opens_on))
    (review,) = session.scalars(sa.select(Review))
    assert review.wave_id == previous.id and review.held_on > previous.closes_on
    today = dt.date.today()
    assert review.held_on < today and review.agenda_made_at is not None

    # The agenda: the released packet's questions, gaps and weakest elements, with
    # no group under the threshold.
    agenda = review.agenda
    assert agenda["figures"] == "released"
    assert len(items_of(agenda, "questions")) >= 3
    gaps = items_of(agenda, "gaps")
    assert {"kind": "gap", "item_id": "comm.referral_process_clear"}.items() <= gaps[0][
        "finding"
    ].items()
    assert sorted(gaps[0]["finding"]["audiences"]) == ["family", "partner"]
    elements = items_of(agenda, "elements")
    assert elements and all(1 <= e["finding"]["element"] <= 9 for e in elements)
    assert items_of(agenda, "changes") == []  # the first wave: nothing to compare with
    min_cell = app.config["MIN_CELL_SIZE"]
    assert figures_shown(agenda) and min(figures_shown(agenda)) >= min_cell

    # Its actions: every status, a dropped one with its reason, one overdue, one of a
    # partner that shares results, an item the current wave asks, an element, a gap.
    actions = list(session.scalars(sa.select(ActionItem).order_by(ActionItem.id)))
    assert 5 <= len(actions) <= 7
    assert {a.status for a in actions} == set(ActionStatus)
    assert all(a.dropped_reason for a in actions if a.status is ActionStatus.DROPPED)
    assert sum(a.is_overdue(today) for a in actions) == 1
    assert any(a.owner_partner and a.owner_partner.share_results for a in actions)
    kinds = {a.finding_kind for a in actions}
    assert {FindingKind.ITEM, FindingKind.GAP, FindingKind.ELEMENT} <= kinds
    asked_now = set(
        session.scalars(sa.select(Answer.item_id).where(Answer.wave_id == current.id).distinct())
    )
    assert any(a.item_id in asked_now for a in actions if a.finding_kind is FindingKind.ITEM)
    assert all(a.title_es and a.description_es and a.title_es != a.title for a in actions)
    assert all(a.notes for a in actions)
    assert all(
        n.written_at.replace(tzinfo=None) < dt.datetime.now() for a in actions for n in a.notes
    )

    # The next review: live figures with changes since the last wave, and the open
    # actions of the one before (not the done or dropped ones).
    following = factories.review(session, current)
    generate_agenda(session, following, app.config)
    agenda = following.agenda
    assert agenda["figures"] == "live"
    assert items_of(agenda, "changes")
    open_ids = {i["finding"]["action_id"] for i in items_of(agenda, "open_actions")}
    assert open_ids == {a.id for a in actions if a.status in OPEN_STATUSES}
    assert min(figures_shown(agenda)) >= min_cell


def test_coordinator_runs_a_review_from_agenda_to_print(app, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        partner = session.get(Partner, world.partner_a)
        partner.agreement_kind = AgreementKind.MOU
        partner.agreement_renews_on = dt.date.today() + dt.timedelta(days=20)
        session.commit()
    client = app.test_client()
    as_user(client, app, world.coordinator)
    new = f"/admin/reviews/new?wave={world.current}"
    refused = post_form(client, new, new, {"held_on": "next tuesday", "notes": "Kept notes"})
    assert refused.status_code == 400 and "Not a valid date value" in refused.text
    assert "Kept notes" in refused.text
    made = post_form(
        client,
        new,
        new,
        {
            "held_on": dt.date.today().isoformat(),
            "roles": ["leadership", "families"],
            "partner_ids": [str(world.partner_a)],
            "notes": "Met in the library.",
        },
    )
    assert made.status_code == 302
    page = made.headers["Location"]
    review_id = int(page.rsplit("/", 1)[1])
    shown = client.get(page).text
    assert "School leadership, Families, " + world.partner_a_name in shown
    assert "Generate the agenda from the packet" in shown

    generated = post_form(client, page, f"{page}/agenda/generate", {})
    assert generated.status_code == 302
    with database(app) as session:
        review = session.get(Review, review_id)
        agenda = review.agenda
        assert agenda["figures"] == "live"
        renewals = items_of(agenda, "renewals")
        assert any(world.partner_a_name in i["text"] for i in renewals)
        shown_n = figures_shown(agenda)
        assert not shown_n or min(shown_n) >= app.config["MIN_CELL_SIZE"]
        assert session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.action == "review_agenda", AuditEvent.target == f"review:{review_id}"
            )
        )
    shown = client.get(page).text
    assert "Regenerate from the packet" in shown
    first_question = (
        items_of(agenda, "questions")[0]["text"] if items_of(agenda, "questions") else None
    )

    # Edit: change the renewal line, empty the first question, add an item.
    edit = f"{page}/agenda"
    form = client.get(edit).text
    data = {"item-renewals-0": "Renew the MOU with the clinic", "added": "Spring fair dates"}
    if first_question:
        data["item-questions-0"] = ""
    saved = client.post(edit, data={**data, "csrf_token": csrf_token(form)})
    assert saved.status_code == 302
    with database(app) as session:
        agenda = session.get(Review, review_id).agenda
        assert items_of(agenda, "renewals")[0]["text"] == "Renew the MOU with the clinic"
        assert items_of(agenda, "other")[0]["text"] == "Spring fair dates"
        if first_question:
            assert first_question not in [i["text"] for i in items_of(agenda, "questions")]
    too_long = client.post(
        edit, data={"added": "x" * 2001, "csrf_token": csrf_token(client.get(edit).text)}
    )
    assert too_long.status_code == 400 and "x" * 2001 in too_long.text

    printed = client.get(f"{page}/print")
    assert printed.status_code == 200 and "Renew the MOU with the clinic" in printed.text
    pdf = client.get(f"{page}/agenda.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf.data))
    assert 1 <= pages <= 2

    # An agenda item's finding opens the action form filled in.
    with database(app) as session:
        agenda = session.get(Review, review_id).agenda
    finding = next(
        (i["finding"] for s in agenda["sections"] for i in s["items"] if i["finding"]), None
    )
    if finding is not None and finding["kind"] == "gap":
        form = client.get(
            f"/admin/actions/new?review={review_id}&kind=gap&item={finding['item_id']}"
            f"&audiences={','.join(finding['audiences'])}"
        ).text
        assert f'value="{finding["item_id"]}"' in form
    form = client.get(f"/admin/actions/new?review={review_id}").text
    assert (
        f'<option selected value="{review_id}"' in form or f'value="{review_id}" selected' in form
    )


def test_regenerating_replaces_the_agenda_and_a_review_without_one_says_so(app, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        review = factories.review(session, session.get(Wave, world.previous))
        session.commit()
        review_id = review.id
    client = app.test_client()
    as_user(client, app, world.coordinator)
    page = f"/admin/reviews/{review_id}"
    assert client.get(f"{page}/agenda").status_code == 302  # nothing to edit yet
    assert "not been generated" in client.get(f"{page}/print").text
    post_form(client, page, f"{page}/agenda/generate", {})
    edit = f"{page}/agenda"
    client.post(edit, data={"added": "Mine", "csrf_token": csrf_token(client.get(edit).text)})
    post_form(client, page, f"{page}/agenda/generate", {})
    with database(app) as session:
        agenda = session.get(Review, review_id).agenda
        assert items_of(agenda, "other") == []
    listed = client.get(f"/admin/reviews?wave={world.previous}").text
    assert "1 review</caption>" in listed
    assert f'href="/admin/reviews/new?wave={world.previous}">Add a review of' in listed
    # Without a wave chosen, the button is for the wave the dashboard follows.
    everything = client.get("/admin/reviews").text
    assert f'href="/admin/reviews/new?wave={world.current}">Add a review of' in everything


def test_what_interviewees_raised_takes_only_the_themes_the_packet_shows():  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    from app.admin.services.reviews import _theme_items
    from reports.model import Cell, Status
    from reports.themes import ThemeCount, ThemeQuestion

    def question(notes: Cell, themes: list[ThemeCount]) -> ThemeQuestion:
        return ThemeQuestion(
            "community-interview",
            "interview.barriers",
            "What gets in the way?",
            notes,
            30,
            themes,
            [],
        )

    shown = question(
        Cell.of(24),
        [
            ThemeCount("transport", "Transport to services", Cell.of(10)),
            ThemeCount("cost", "Cost", Cell.of(15), ("the bus costs too much",)),
            ThemeCount("stigma", "Stigma", Cell.of(0)),
            ThemeCount("time", "Time", Cell.of(3)),
            ThemeCount("language", "Language", Cell.of(2)),
        ],
    )
    # Fewer coded notes than the comments' threshold: the packet shows no theme of it.
    hidden = question(
        Cell.hidden(Status.SMALL), [ThemeCount("cost", "Cost", Cell.hidden(Status.SMALL))]
    )
    report = SimpleNamespace(interviews=SimpleNamespace(themes=[hidden, shown]))
    items = _theme_items(report)  # type: ignore[arg-type]
    # The three themes most notes speak to, most first; none without notes.
    assert [i["finding"] for i in items] == [
        {"kind": "theme", "theme_code": "cost"},
        {"kind": "theme", "theme_code": "transport"},
        {"kind": "theme", "theme_code": "time"},
    ]
    assert items[0]["text"] == (
        "Cost: 15 of 24 coded notes on “What gets in the way?”, one said: “the bus costs too much”."
    )
    assert items[1]["text"].endswith("on “What gets in the way?”.")
    # A packet without interviews (released figures, a partner's scope): no section items.
    assert _theme_items(SimpleNamespace(interviews=None)) == []  # type: ignore[arg-type]


def _review_with_agenda(app, world) -> int:  # type: ignore[no-untyped-def]
    with database(app) as session:
        review = factories.review(session, session.get(Wave, world.current))
        review.agenda = {
            "wave": "Fall",
            "figures": "live",
            "min_cell": 10,
            "sections": [
                {
                    "key": "questions",
                    "title": "Questions for the meeting",
                    "items": [
                        {"text": "First question", "finding": None},
                        {"text": "Second question", "finding": None},
                        {"text": "Third question", "finding": None},
                    ],
                },
                {
                    "key": "themes",
                    "title": "What interviewees raised",
                    "items": [
                        {
                            "text": "Cost: 15 of 24 coded notes",
                            "finding": {"kind": "theme", "theme_code": "cost"},
                        },
                    ],
                },
                {"key": "other", "title": "Other business", "items": []},
            ],
        }
        session.commit()
        return review.id


def test_agenda_items_move_up_and_down_within_their_section_audited(app, world):  # type: ignore[no-untyped-def]
    review_id = _review_with_agenda(app, world)
    client = app.test_client()
    as_user(client, app, world.coordinator)
    edit = f"/admin/reviews/{review_id}/agenda"
    form = client.get(edit).text
    assert 'value="questions-0:down"' in form and 'value="questions-0:up"' not in form
    assert 'value="questions-2:up"' in form and 'value="questions-2:down"' not in form
    # The move saves what was typed too, and keeps the editor open at the moved item.
    moved = client.post(
        edit,
        data={
            "csrf_token": csrf_token(form),
            "move": "questions-2:up",
            "item-questions-0": "First question, reworded",
        },
    )
    assert moved.status_code == 302
    assert moved.headers["Location"].endswith(f"{edit}#item-questions-1")
    with database(app) as session:
        texts = [i["text"] for i in items_of(session.get(Review, review_id).agenda, "questions")]
        assert texts == ["First question, reworded", "Third question", "Second question"]
        detail = session.scalar(
            sa.select(AuditEvent.detail).where(AuditEvent.action == "review_agenda")
        )
        assert detail["changes"] == {
            "items": 1,
            "moved": {"item": "questions-2", "direction": "up"},
        }
    # Emptying an item above while moving one: the move is of the item clicked, and
    # each typed text stays with its item.
    again = client.post(
        edit,
        data={
            "csrf_token": csrf_token(client.get(edit).text),
            "move": "questions-2:up",
            "item-questions-0": "",
            "item-questions-1": "Third, typed",
            "item-questions-2": "Second, typed",
        },
    )
    assert again.status_code == 302
    with database(app) as session:
        texts = [i["text"] for i in items_of(session.get(Review, review_id).agenda, "questions")]
        assert texts == ["Second, typed", "Third, typed"]
    # The first item cannot go up: nothing changes, nothing is audited.
    client.post(
        edit, data={"csrf_token": csrf_token(client.get(edit).text), "move": "questions-0:up"}
    )
    refused = client.post(
        edit, data={"csrf_token": csrf_token(client.get(edit).text), "move": "questions-x:sideways"}
    )
    assert refused.status_code == 400 and "Choose an item to move." in refused.text
    with database(app) as session:
        texts = [i["text"] for i in items_of(session.get(Review, review_id).agenda, "questions")]
        assert texts == ["Second, typed", "Third, typed"]
        assert (
            len(
                session.scalars(
                    sa.select(AuditEvent).where(AuditEvent.action == "review_agenda")
                ).all()
            )
            == 2
        )


def test_a_review_is_deleted_only_once_no_action_points_at_it(app, world):  # type: ignore[no-untyped-def]
    review_id = _review_with_agenda(app, world)
    with database(app) as session:
        action = factories.action(
            session,
            session.get(Wave, world.current),
            "Bus passes",
            review=session.get(Review, review_id),
        )
        session.commit()
        action_id = action.id
    client = app.test_client()
    as_user(client, app, world.coordinator)
    page = f"/admin/reviews/{review_id}/delete"
    asked = client.get(page)
    assert asked.status_code == 200 and f"/admin/actions/{action_id}/edit" in asked.text
    refused = post_form(client, f"/admin/reviews/{review_id}", page, {})
    assert refused.status_code == 400
    assert "1 action was decided at this review." in refused.text
    with database(app) as session:
        assert session.get(Review, review_id) is not None
        assert not session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "review_delete"))
        # The action is pointed at no review: now the review can go, the action stays.
        session.get(ActionItem, action_id).review_id = None
        session.commit()
    assert "Delete the review" in client.get(page).text
    deleted = post_form(client, page, page, {})
    assert deleted.status_code == 302
    assert deleted.headers["Location"].endswith(f"/admin/reviews?wave={world.current}")
    with database(app) as session:
        assert session.get(Review, review_id) is None
        assert session.get(ActionItem, action_id) is not None
        event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "review_delete"))
        assert event.target == f"review:{review_id}"
    assert client.get(page).status_code == 404


def test_an_action_added_from_an_agenda_item_quotes_it_and_leads_back(app, world):  # type: ignore[no-untyped-def]
    review_id = _review_with_agenda(app, world)
    client = app.test_client()
    as_user(client, app, world.coordinator)
    review_page = client.get(f"/admin/reviews/{review_id}").text
    link = f"/admin/actions/new?review={review_id}&amp;from=themes-0&amp;kind=theme&amp;theme=cost"
    assert link in review_page
    form = client.get(link.replace("&amp;", "&")).text
    assert "From the agenda of the review meeting of" in form
    assert "Cost: 15 of 24 coded notes" in form
    assert 'value="cost"' in form
    assert f'href="/admin/reviews/{review_id}">Cancel' in form
    # A key that names no item quotes nothing (and is no error).
    other = client.get(f"/admin/actions/new?review={review_id}&from=themes-9").text
    assert "From the agenda" not in other


def test_actions_list_open_first_and_by_review(app, world):  # type: ignore[no-untyped-def]
    today = dt.date.today()
    review_id = _review_with_agenda(app, world)
    with database(app) as session:
        wave = session.get(Wave, world.current)
        review = session.get(Review, review_id)
        factories.action(
            session,
            wave,
            "Done early",
            due_on=today - dt.timedelta(days=60),
            status=ActionStatus.DONE,
            review=review,
        )
        factories.action(
            session, wave, "Open later", due_on=today + dt.timedelta(days=30), review=review
        )
        factories.action(session, wave, "Not from the review", due_on=today)
        session.commit()
    client = app.test_client()
    as_user(client, app, world.coordinator)
    listed = client.get("/admin/actions").text
    assert (
        listed.index("Not from the review")
        < listed.index("Open later")
        < listed.index("Done early")
    )
    by_review = client.get(f"/admin/actions?review={review_id}").text
    assert "Open later" in by_review and "Done early" in by_review
    assert "Not from the review" not in by_review
    assert "2 actions</caption>" in by_review
    assert f'href="/admin/reviews/{review_id}">the review meeting of' in by_review
    reviews = client.get("/admin/reviews").text
    assert f'href="/admin/actions?review={review_id}">2 decided</a>, 1 open' in reviews
    shown = client.get(f"/admin/reviews/{review_id}").text
    assert f'href="/admin/actions?review={review_id}">2 decided</a>, 1 still open' in shown


def test_a_reviews_decisions_are_stored_shown_printed_and_every_change_audited(app, world):  # type: ignore[no-untyped-def]
    import pypdf

    client = app.test_client()
    as_user(client, app, world.coordinator)
    new = f"/admin/reviews/new?wave={world.current}"
    decided = "Print the referral steps for every office.\nAsk the clinic about evening hours."
    made = post_form(
        client,
        new,
        new,
        {"held_on": "2026-05-12", "roles": ["families"], "notes": "", "decisions": decided},
    )
    assert made.status_code == 302
    page = made.headers["Location"]
    review_id = int(page.rsplit("/", 1)[1])
    with database(app) as session:
        assert session.get(Review, review_id).decisions == decided
        created = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "review_create")
        ).one()
        assert created.user_id == world.coordinator
        assert created.target == f"review:{review_id}"
        assert created.detail["held_on"] == "2026-05-12"
    assert "Ask the clinic about evening hours." in client.get(page).text
    assert "Ask the clinic about evening hours." in client.get(f"{page}/print").text
    pdf = pypdf.PdfReader(io.BytesIO(client.get(f"{page}/agenda.pdf").data))
    printed = " ".join((p.extract_text() or "") for p in pdf.pages)
    assert "Decisions" in printed and "evening hours" in printed

    # Changing the decisions is audited by name, without copying the text.
    edit = f"{page}/edit"
    changed = post_form(
        client,
        edit,
        edit,
        {"held_on": "2026-05-12", "roles": ["families"], "decisions": "Evening hours from June."},
    )
    assert changed.status_code == 302
    with database(app) as session:
        assert session.get(Review, review_id).decisions == "Evening hours from June."
        updated = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "review_update")
        ).one()
        assert updated.user_id == world.coordinator and updated.target == f"review:{review_id}"
        assert updated.detail["changes"] == {"decisions": True}
        assert "Evening hours" not in repr(updated.detail)
    assert "Evening hours from June." in client.get(f"{page}/print").text
    # Saving it unchanged records nothing more.
    post_form(
        client,
        edit,
        edit,
        {"held_on": "2026-05-12", "roles": ["families"], "decisions": "Evening hours from June."},
    )
    with database(app) as session:
        assert (
            session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "review_update"))
            == 1
        )


def _quoted_note(session, skip: set[int]):  # type: ignore[no-untyped-def]
    """A written answer coded with a quote, and a stored agenda quoting it."""
    from app.models import CodedNote, Response

    answer = session.scalar(
        sa.select(Answer)
        .join(Response, Response.id == Answer.response_id)
        .where(
            sa.func.length(Answer.value_text) > 20,
            Response.deleted_at.is_(None),
            Answer.id.not_in(skip),
        )
        .order_by(Answer.id)
        .limit(1)
    )
    quote = " ".join(answer.value_text.split()[:3])
    session.add(CodedNote(answer_id=answer.id, wave_id=answer.wave_id, quote=quote))
    review = Review(
        wave_id=answer.wave_id,
        held_on=dt.date.today(),
        agenda={
            "wave": "w",
            "sections": [
                {
                    "key": "themes",
                    "title": "What interviewees raised",
                    "items": [
                        {
                            "text": f"Cost: 3 of 12 coded notes on “Q”, one said: “{quote}”.",
                            "finding": {"kind": "theme", "theme_code": "cost"},
                        }
                    ],
                }
            ],
        },
        agenda_made_at=dt.datetime.now(dt.UTC),
    )
    session.add(review)
    session.flush()
    return answer, quote, review


def test_a_redaction_takes_a_quote_it_removes_out_of_stored_agendas(app, world):  # type: ignore[no-untyped-def]
    from app.admin.services.comments import redact
    from app.models import User

    with database(app) as session:
        user = session.get(User, world.coordinator)
        answer, quote, review = _quoted_note(session, {world.partner_b_answer})
        # A redaction that keeps the quote in the note keeps it on the agenda.
        redact(session, answer, answer.value_text + " [x]", "a test", user)
        assert f"“{quote}”" in items_of(review.agenda, "themes")[0]["text"]
        redact(session, answer, "[removed]", "a disclosure", user)
        (item,) = items_of(review.agenda, "themes")
        assert item["text"] == "Cost: 3 of 12 coded notes on “Q”." and quote not in str(
            review.agenda
        )
        assert item["finding"] == {"kind": "theme", "theme_code": "cost"}


def test_deleting_a_response_takes_its_quotes_out_of_stored_agendas(app, world):  # type: ignore[no-untyped-def]
    from app.admin.services.responses import soft_delete
    from app.models import Response, User

    with database(app) as session:
        user = session.get(User, world.coordinator)
        answer, quote, review = _quoted_note(session, {world.partner_b_answer})
        soft_delete(session, session.get(Response, answer.response_id), user, "asked to leave")
        assert quote not in str(review.agenda)
        assert items_of(review.agenda, "themes")[0]["text"] == "Cost: 3 of 12 coded notes on “Q”."
        session.flush()
        event = session.scalar(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "response_delete")
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        assert event is not None and event.detail["agenda_quotes_dropped"] == 1


def test_a_generated_agenda_quotes_no_comment(app, world):  # type: ignore[no-untyped-def]
    # Comments reach an agenda only as a coder's quote of an interview note (above):
    # questions, gaps, changes and elements are made of figures and question wording.
    with database(app) as session:
        wave = session.get(Wave, world.current)
        review = Review(wave_id=wave.id, held_on=dt.date.today(), agenda={})
        session.add(review)
        session.flush()
        agenda = str(generate_agenda(session, review, app.config))
        comments = session.scalars(
            sa.select(Answer.value_text).where(
                Answer.wave_id == wave.id, sa.func.length(Answer.value_text) > 12
            )
        ).all()
        assert comments and not [c for c in comments if c in agenda]
