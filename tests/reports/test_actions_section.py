"""The packet's "What we said we would do": the actions the earlier wave's review
decided, their status, and each linked finding's figures then and now with the n behind
each, through the privacy rule, in every format and scope."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from app.models import ActionItem, ActionNote, Partner, Wave
from app.models.review import ActionStatus, FindingKind
from reports import build_report, render
from reports.cache import fingerprint
from reports.model import Status
from tests.reports.helpers import DATA, SELF_ASSESSMENT

SPRING, FALL = "2026 Spring review", "2026 Fall review"
ITEM = "comm.referral_process_clear"
TODAY = dt.date(2026, 11, 15)


def _action(session, wave: Wave, title: str, owner: Partner | None = None, **fields) -> ActionItem:  # type: ignore[no-untyped-def]
    action = ActionItem(wave_id=wave.id, title=title, owner_partner_id=owner.id if owner else None)
    for name, value in fields.items():
        setattr(action, name, value)
    session.add(action)
    session.flush()
    return action


def _note(session, action: ActionItem, text: str, day: int) -> None:  # type: ignore[no-untyped-def]
    session.add(
        ActionNote(
            action_id=action.id,
            text=text,
            written_at=dt.datetime(2026, 6, day, tzinfo=dt.UTC),
        )
    )
    session.flush()
    session.expire(action, ["notes"])


@pytest.fixture
def data(build, two_waves):  # type: ignore[no-untyped-def]
    """Families: 50% (n = 20) in spring, 75% (n = 40) in fall. Staff: 4 people in spring
    (all favourable: hidden), 50% (n = 20) in fall."""
    spring, fall = two_waves
    survey = build.survey(DATA / "report-test.yaml")
    build.respond(survey, spring, "family", {ITEM: ["4"] * 10 + ["2"] * 10})
    build.respond(survey, spring, "staff", {ITEM: ["5"] * 4})
    build.respond(survey, fall, "family", {ITEM: ["4"] * 30 + ["2"] * 10})
    build.respond(survey, fall, "staff", {ITEM: ["4"] * 10 + ["2"] * 10})
    return spring, fall


def _packet(session, partner: str | None = None, **kwargs):  # type: ignore[no-untyped-def]
    return build_report(session, None, FALL, partner, today=TODAY, **kwargs)


def _csv_rows(report) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    body = render(report, "csv").decode()
    body = body[body.index("Table,Wave,") :]
    return [r for r in csv.DictReader(io.StringIO(body)) if r["Table"].startswith("action")]


def test_the_next_packet_lists_the_earlier_reviews_actions_with_status(session, data):
    spring, fall = data
    late = _action(
        session,
        spring,
        "Explain the referral steps at the fall open house",
        finding_kind=FindingKind.ITEM,
        item_id=ITEM,
        audiences="family,staff",
        status=ActionStatus.IN_PROGRESS,
        due_on=dt.date(2026, 10, 1),
    )
    _note(session, late, "Draft handout shared with staff", 1)
    _note(session, late, "Handout printed in both languages", 20)
    _action(
        session,
        spring,
        "Evening office hours",
        status=ActionStatus.DROPPED,
        dropped_reason="No staff available in the evening",
    )
    _action(session, spring, "Partner contact list", status=ActionStatus.DONE)
    _action(session, fall, "Decided this fall: reported next time")

    report = _packet(session)
    assert report.actions is not None and report.actions.decided_in == SPRING
    by_title = {a.title: a for a in report.actions.actions}
    assert set(by_title) == {
        "Explain the referral steps at the fall open house",
        "Evening office hours",
        "Partner contact list",
    }
    first = by_title["Explain the referral steps at the fall open house"]
    assert first.overdue and first.status_label == "In progress" and first.owner == "School team"
    assert first.latest_note == "Handout printed in both languages"
    assert first.latest_note_on == dt.date(2026, 6, 20)
    dropped = by_title["Evening office hours"]
    assert dropped.status == "dropped" and dropped.dropped_reason.startswith("No staff")
    assert not by_title["Partner contact list"].overdue

    family, staff = first.figures
    assert family.label == "Families"
    assert (family.then.value, family.then_n.value) == (50.0, 20)
    assert (family.now.value, family.now_n.value) == (75.0, 40)
    assert staff.label == "School staff"
    assert staff.then.status is Status.SMALL and staff.then.value is None
    assert (staff.now.value, staff.now_n.value) == (50.0, 20)

    html = render(report, "html").decode()
    section = html[html.index("What we said we would do") :]
    assert "In progress (overdue)" in section
    # How many, and where they stand, before the table.
    assert (
        f"3 actions decided at the review of {SPRING}: 1 done, 1 in progress, 1 dropped; "
        "1 overdue." in section
    )
    assert "Dropped: No staff available in the evening" in section
    assert "Handout printed in both languages" in section and "Jun 20: Handout" in section
    assert "Draft handout shared" not in section  # only the latest note
    assert "Decided this fall" not in html
    # Early in the packet: right after the summary, before who answered.
    assert html.index('id="actions"') < html.index('id="responses"')


def test_a_hidden_figure_reads_as_the_rule_labels_it_in_every_format(session, data):
    spring, _fall = data
    _action(
        session,
        spring,
        "Referral steps",
        finding_kind=FindingKind.ITEM,
        item_id=ITEM,
        audiences="staff",
    )
    report = _packet(session)
    html = render(report, "html").decode()
    section = html[html.index('id="actions"') : html.index('id="responses"')]
    assert "fewer than 10 answered" in section
    assert "100%" not in section  # the four staff who all agreed
    rows = _csv_rows(report)
    then = next(r for r in rows if r["Table"] == "action figure" and r["Wave"] == SPRING)
    assert then["Percent favourable"] == "" and then["n"] == "" and then["Status"] == "small"
    now = next(r for r in rows if r["Table"] == "action figure" and r["Wave"] == FALL)
    assert (now["Percent favourable"], now["n"], now["Status"]) == ("50", "20", "shown")
    assert "What we said we would do" in _pdf_text(report)


def _pdf_text(report) -> str:  # type: ignore[no-untyped-def]
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(render(report, "pdf")))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_a_gap_and_an_element_then_and_now(session, build, data):
    spring, fall = data
    assessment = build.survey(SELF_ASSESSMENT)
    build.respond(assessment, spring, "staff", {"element1.leadership_team_exists": ["4"] * 20})
    build.respond(
        assessment, fall, "staff", {"element1.leadership_team_exists": ["4"] * 10 + ["1"] * 10}
    )
    _action(
        session,
        spring,
        "Close the gap",
        finding_kind=FindingKind.GAP,
        item_id=ITEM,
        audiences="family,staff",
    )
    _action(session, spring, "Leadership", finding_kind=FindingKind.ELEMENT, element=1)
    report = _packet(session)
    gap, element = report.actions.actions
    assert gap.finding.startswith("Perception gap between Families and School staff")
    points = gap.figures[-1]
    assert points.kind == "points"
    assert points.then.status is Status.DERIVED  # the staff figure then is hidden
    assert points.label == "Gap: Families minus School staff"
    assert points.now.value == 25.0  # 75% against 50%
    school = element.figures[0]
    assert school.label.startswith("School team")
    assert (school.then.value, school.then_n.value) == (100.0, 20)
    assert (school.now.value, school.now_n.value) == (50.0, 20)
    html = render(report, "html").decode()
    assert "(Nine Elements, element 1: " in html and "not shown" in html


def test_an_action_whose_item_was_removed_says_no_longer_asked(session, data):
    spring, _fall = data
    _action(
        session,
        spring,
        "Ask about transport",
        finding_kind=FindingKind.ITEM,
        item_id="transport.bus_on_time",
        audiences="family",
    )
    report = _packet(session)
    (action,) = report.actions.actions
    assert action.no_longer_asked
    html = render(report, "html").decode()
    assert "no longer asked in the survey" in html
    assert "no longer asked" in _pdf_text(report)
    rows = _csv_rows(report)
    assert any(r["Note"] == "no longer asked in the survey" for r in rows)


def test_a_partner_packet_lists_its_own_and_the_school_teams_actions(session, build, data):
    spring, fall = data
    survey = build.surveys["report-test"]
    ours, theirs = build.partner("Riverside Clinic"), build.partner("Eastside Club")
    build.respond(survey, spring, "family", {ITEM: ["4"] * 12}, partner=ours)
    build.respond(survey, fall, "family", {ITEM: ["4"] * 6 + ["2"] * 6}, partner=ours)
    _action(session, spring, "School-wide", finding_kind=FindingKind.ITEM, item_id=ITEM)
    _action(session, spring, "Riverside's own", owner=ours)
    _action(session, spring, "Eastside's own", owner=theirs)

    report = _packet(session, "Riverside Clinic")
    titles = [a.title for a in report.actions.actions]
    assert titles == ["School-wide", "Riverside's own"]
    family = report.actions.actions[0].figures[0]
    # Riverside's families only: 100% (n = 12) then, 50% (n = 12) now.
    assert (family.then.value, family.then_n.value) == (100.0, 12)
    assert (family.now.value, family.now_n.value) == (50.0, 12)
    for fmt in ("html", "csv"):
        assert b"Eastside's own" not in render(report, fmt)
    assert (
        f"2 actions decided at the review of {SPRING}, the ones Riverside Clinic owns and "
        "the partnership-wide ones: 2 planned."
    ) in render(report, "html").decode()
    whole = _packet(session)
    assert [a.owner for a in whole.actions.actions] == [
        "School team",
        "Eastside Club",
        "Riverside Clinic",
    ]


def test_csv_and_xlsx_carry_the_actions(session, data):
    from openpyxl import load_workbook

    spring, _fall = data
    _action(
        session,
        spring,
        "Referral steps",
        owner=None,
        finding_kind=FindingKind.ITEM,
        item_id=ITEM,
        audiences="family",
        due_on=dt.date(2026, 12, 1),
        status=ActionStatus.PLANNED,
    )
    report = _packet(session)
    rows = _csv_rows(report)
    action = next(r for r in rows if r["Table"] == "action")
    assert (action["Question"], action["Owner"], action["Due"], action["Answer"]) == (
        "Referral steps",
        "School team",
        "2026-12-01",
        "Planned",
    )
    figures = [(r["Wave"], r["Percent favourable"], r["n"]) for r in rows if r["Table"] != "action"]
    assert figures == [(SPRING, "50", "20"), (FALL, "75", "40")]
    book = load_workbook(io.BytesIO(render(report, "xlsx")), read_only=True)
    sheet = list(book["Actions"].iter_rows(values_only=True))
    assert sheet[0][0] == "Question" and len(sheet) == 4  # header, the action, two figures


def test_the_csv_note_of_a_dropped_action_reads_as_one_list(session, data):
    spring, _fall = data
    dropped = _action(
        session,
        spring,
        "Evening hours",
        status=ActionStatus.DROPPED,
        dropped_reason="The district runs the same hours.",
    )
    _note(session, dropped, "Told the families.", 3)
    (action,) = _csv_rows(_packet(session))
    assert action["Note"] == (
        f"decided at the review of {SPRING}; dropped because: The district runs the same "
        "hours; latest note 2026-06-03: Told the families."
    )


def test_no_section_without_an_earlier_review_or_its_actions(session, data):
    spring, _fall = data
    assert _packet(session).actions is None
    _action(session, spring, "Only in the whole packet")
    assert build_report(session, "report-test", FALL, today=TODAY).actions is None
    assert build_report(session, None, SPRING, today=TODAY).actions is None


def test_the_cache_fingerprint_changes_with_actions_and_notes(session, data):
    spring, _fall = data

    def key() -> str:
        return fingerprint(session, f"{FALL}|packet|pdf", {"min_cell": 10}, TODAY)

    before = key()
    action = _action(session, spring, "Referral steps")
    added = key()
    assert added != before
    action.status = ActionStatus.DONE
    session.flush()
    done = key()
    assert done != added
    _note(session, action, "Finished", 2)
    assert key() != done


def test_released_packets_read_then_and_now_from_the_releases(session, build, data):
    from reports.releases import make_release

    spring, fall = data
    make_release(session, spring, None, 10)
    make_release(session, fall, None, 10)
    # Families answering the spring survey after its release: live figures change,
    # the released packet's "then" does not.
    build.respond(build.surveys["report-test"], spring, "family", {ITEM: ["2"] * 20})
    _action(session, spring, "Referral steps", finding_kind=FindingKind.ITEM, item_id=ITEM)
    released = _packet(session, figures="released").actions.actions[0].figures[0]
    assert (released.then.value, released.then_n.value) == (50.0, 20)
    live = _packet(session).actions.actions[0].figures[0]
    assert (live.then.value, live.then_n.value) == (25.0, 40)


def test_then_and_now_headings_are_never_the_last_row_of_a_pdf_page(session, data):
    """Each action's row in the then-and-now table heads its groups' rows: the PDF keeps
    it with the first of them, so no page ends on an action without its figures."""
    import re

    import pypdf

    spring, _fall = data
    for k in range(40):
        _action(
            session,
            spring,
            f"Action {k:02d}",
            finding_kind=FindingKind.ITEM,
            item_id=ITEM,
            audiences="family,staff",
        )
    report = _packet(session)
    html = render(report, "html").decode()
    assert html.count('<tr class="group-row">') == 40
    pages = pypdf.PdfReader(io.BytesIO(render(report, "pdf"))).pages
    heading, figures = re.compile(r"Action \d\d \("), re.compile(r"Families|School staff")
    checked = 0
    for page in pages:
        words = page.extract_text()
        last_heading = max((m.end() for m in heading.finditer(words)), default=-1)
        last_figure = max((m.end() for m in figures.finditer(words)), default=-1)
        if last_heading >= 0:
            checked += 1
            assert last_figure > last_heading, words[-400:]
    assert checked >= 2  # the table runs over more than one page
