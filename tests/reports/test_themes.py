"""The packet's community research: theme counts of coded notes per question and
interviewee role, through the comment threshold and the differencing check."""

from __future__ import annotations

import csv
import datetime as dt
import io

import sqlalchemy as sa

from app.models import Answer, CodedNote, CommentRedaction, ThemeTag
from reports import build_report, cache, render_csv, render_html
from reports.document import build as build_document
from reports.themes import community_research
from tests.conftest import ROOT

INTERVIEW = ROOT / "surveys" / "community-interview.yaml"
ITEM = "interview.barriers"


def interviews(build, wave, roles: dict[str, int]):  # type: ignore[no-untyped-def]
    survey = build.survey(INTERVIEW)
    for role, n in roles.items():
        build.respond(
            survey,
            wave,
            "student",
            {
                "consent.interview": [True] * n,
                "interviewee.role": [role] * n,
                ITEM: [
                    f"{role} note {k}: the bus takes an hour and it costs too much"
                    for k in range(n)
                ],
            },
        )
    return survey


def code_all(session, wave, themes_for, quote=None):  # type: ignore[no-untyped-def]
    answers = session.scalars(
        sa.select(Answer)
        .where(Answer.item_id == ITEM, Answer.wave_id == wave.id)
        .order_by(Answer.id)
    ).all()
    for k, answer in enumerate(answers):
        session.add(
            CodedNote(answer_id=answer.id, wave_id=wave.id, quote=quote(k) if quote else None)
        )
        session.flush()
        for theme in themes_for(k):
            session.add(ThemeTag(answer_id=answer.id, theme=theme))
    session.flush()
    return answers


def question(session, wave, survey):  # type: ignore[no-untyped-def]
    (chosen,) = [
        q for q in community_research(session, wave.id, [survey.id], 10) if q.item_id == ITEM
    ]
    return chosen


def counts(q) -> dict[str, float | None]:  # type: ignore[no-untyped-def]
    return {t.code: t.count.value for t in q.themes if t.count.value}


def test_theme_counts_per_question_and_role_when_every_group_is_large(session, build, two_waves):
    wave = two_waves[1]
    survey = interviews(build, wave, {"partner_staff": 10, "youth": 12})
    code_all(
        session,
        wave,
        lambda k: ["cost"] + (["transport"] if k % 2 else []),
        quote=lambda k: "the bus takes an hour" if k == 0 else None,
    )
    q = question(session, wave, survey)
    assert q.notes.value == 22
    assert counts(q) == {"cost": 22, "transport": 11}
    by_role = {
        r.role: (r.notes.value, r.counts.get("cost").value if r.counts else None) for r in q.roles
    }
    assert by_role == {
        "Staff at a community partner (clinic, non-profit, youth program)": (10, 10),
        "Young person": (12, 12),
    }
    (cost,) = [t for t in q.themes if t.code == "cost"]
    assert cost.quotes == ("the bus takes an hour",)


def test_a_small_role_is_hidden_and_the_rest_cannot_be_worked_out(session, build, two_waves):
    wave = two_waves[1]
    survey = interviews(build, wave, {"partner_staff": 10, "youth": 4})
    code_all(session, wave, lambda k: ["cost"])
    q = question(session, wave, survey)
    assert q.notes.value == 14 and counts(q) == {"cost": 14}
    # 14 - 10 = 4 would give the young people's count away: neither role is shown.
    assert [r.notes.shown for r in q.roles] == [False, False]
    assert all(r.counts == {} for r in q.roles)


def test_fewer_coded_notes_than_the_threshold_show_no_themes_and_no_quotes(
    session, build, two_waves
):
    wave = two_waves[1]
    survey = interviews(build, wave, {"youth": 12})
    answers = code_all(session, wave, lambda k: ["cost"], quote=lambda k: "the bus takes an hour")
    # Only 9 of the 12 notes stay coded.
    for answer in answers[9:]:
        session.delete(session.get(CodedNote, answer.id))
    session.flush()
    q = question(session, wave, survey)
    assert not q.notes.shown and q.written == 12
    assert all(t.count.value is None and t.quotes == () for t in q.themes)


def test_a_redaction_drops_the_quote_and_a_removed_note_does_not_count(session, build, two_waves):
    wave = two_waves[1]
    survey = interviews(build, wave, {"youth": 11})
    answers = code_all(session, wave, lambda k: ["cost"], quote=lambda k: "the bus takes an hour")
    session.add(CommentRedaction(answer_id=answers[0].id, text=None, reason="a name"))
    for answer in answers[1:]:
        session.add(
            CommentRedaction(
                answer_id=answer.id, text="[removed] it costs too much", reason="place"
            )
        )
    session.flush()
    q = question(session, wave, survey)
    assert q.notes.value == 10 and counts(q) == {"cost": 10}
    assert all(t.quotes == () for t in q.themes)


def test_themes_reach_the_packet_summary_and_the_spreadsheet(session, build, two_waves):
    wave = two_waves[1]
    interviews(build, wave, {"partner_staff": 10, "youth": 12})
    code_all(
        session,
        wave,
        lambda k: ["waiting_times"],
        quote=lambda k: "it costs too much" if k < 2 else None,
    )
    report = build_report(session, None, wave.name)
    document = build_document(report)
    summary = document.section("summary")
    assert any("Themes from community interviews" in getattr(b, "text", "") for b in summary.blocks)
    html = render_html(report)
    assert "Themes in the interview notes" in html and "Waiting times" in html
    assert "“it costs too much”" in html
    body = render_csv(report)
    table = body[body.index("Table,Wave,") :]
    rows = [r for r in csv.DictReader(io.StringIO(table)) if r["Table"] == "theme"]
    whole = [
        r for r in rows if r["Audience"] == "All roles" and r["Answer code"] == "waiting_times"
    ]
    assert whole and whole[0]["Count"] == "22" and whole[0]["n"] == "22"
    assert not [r for r in rows if r["Audience"] == "Young person" and r["Count"] == ""]


def test_coding_a_note_changes_the_report_fingerprint(session, build, two_waves):
    wave = two_waves[1]
    interviews(build, wave, {"youth": 10})
    before = cache.fingerprint(session, "scope", {}, today=dt.date(2026, 12, 1))
    answers = code_all(session, wave, lambda k: [])
    coded = cache.fingerprint(session, "scope", {}, today=dt.date(2026, 12, 1))
    session.add(ThemeTag(answer_id=answers[0].id, theme="cost"))
    session.flush()
    tagged = cache.fingerprint(session, "scope", {}, today=dt.date(2026, 12, 1))
    assert len({before, coded, tagged}) == 3


def test_uncoded_notes_are_listed_in_the_packet_under_the_comment_rule(session, build, two_waves):
    """Notes nobody has coded yet are still the interviews' findings: the packet lists
    them as it lists comments, from C notes, and says that none is coded."""
    wave = two_waves[1]
    interviews(build, wave, {"youth": 12})
    html = render_html(build_report(session, None, wave.name, comment_min=10))
    section = html[html.index("Community-research interviews</h2>") :]
    assert "youth note 0: the bus takes an hour" in section
    assert "None of its 12 notes is coded yet." in section and "12 comments" in section
    # Under the threshold the notes are not listed, and the page says why.
    build.respond(
        build.surveys["community-interview"],
        two_waves[0],
        "student",
        {
            "consent.interview": [True] * 9,
            "interviewee.role": ["youth"] * 9,
            ITEM: [f"spring note {k}: nobody answers the phone" for k in range(9)],
        },
    )
    html = render_html(build_report(session, None, two_waves[0].name, comment_min=10))
    section = html[html.index("Community-research interviews</h2>") :]
    assert "spring note" not in html
    assert "Fewer than 10 people wrote a comment: not shown." in section
