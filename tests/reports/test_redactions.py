"""A coordinator's redaction keeps a name or a disclosure out of every report, counts a
removed comment out, and can be undone."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.models import Answer, CommentRedaction
from reports import build_report, render_csv
from tests.reports.helpers import DATA

WAVE = "2026 Fall review"


def _comments(session):  # type: ignore[no-untyped-def]
    report = build_report(session, "report-test", WAVE, comment_min=5)
    item = next(s for s in report.sections if s.audience == "family").item("comments")
    return item, render_csv(report)


def test_redacted_text_replaces_the_comment_in_every_report(session, build, two_waves):
    survey = build.survey(DATA / "report-test.yaml")
    texts = ["Ms Alvarez at the front desk was rude"] + [f"Fine {k}" for k in range(6)]
    build.respond(survey, two_waves[1], "family", {"comments": texts})
    named = session.scalar(sa.select(Answer).where(Answer.value_text == texts[0]))
    session.add(
        CommentRedaction(
            answer_id=named.id,
            text="[name] at the front desk was rude",
            reason="a staff member's name",
        )
    )
    session.flush()
    item, csv_text = _comments(session)
    shown = [c.text for c in item.comments]
    assert "[name] at the front desk was rude" in shown
    assert "Alvarez" not in csv_text and item.n.value == 7


def test_a_removed_comment_is_not_counted_and_an_undone_one_comes_back(session, build, two_waves):
    survey = build.survey(DATA / "report-test.yaml")
    texts = ["Something that must not be repeated"] + [f"Fine {k}" for k in range(5)]
    build.respond(survey, two_waves[1], "family", {"comments": texts})
    answer = session.scalar(sa.select(Answer).where(Answer.value_text == texts[0]))
    redaction = CommentRedaction(answer_id=answer.id, text=None, reason="disclosure")
    session.add(redaction)
    session.flush()
    item, csv_text = _comments(session)
    assert item.n.value == 5 and "must not be repeated" not in csv_text
    redaction.undone_at = dt.datetime.now(dt.UTC)
    session.flush()
    item, _csv = _comments(session)
    assert item.n.value == 6 and texts[0] in [c.text for c in item.comments]


@pytest.mark.xfail(
    strict=True,
    reason="a release keeps the comment texts it was made with: a later redaction or "
    "deletion does not reach what partners read",
)
def test_a_redaction_after_a_release_reaches_what_partners_read(session, build, two_waves):
    from reports.releases import make_release

    survey = build.survey(DATA / "report-test.yaml")
    wave = two_waves[1]  # closed
    clinic = build.partner("Clinic")
    texts = ["Ms Alvarez hurt my son"] + [f"Fine {k}" for k in range(11)]
    build.respond(survey, wave, "family", {"comments": texts}, clinic)
    build.respond(survey, wave, "family", {"comments": ["All good"] * 12})
    make_release(session, wave)
    named = session.scalar(sa.select(Answer).where(Answer.value_text == texts[0]))
    session.add(CommentRedaction(answer_id=named.id, text=None, reason="a disclosure"))
    session.flush()
    live = build_report(session, "report-test", WAVE, "Clinic")
    assert "Alvarez" not in render_csv(live)
    released = build_report(session, "report-test", WAVE, "Clinic", figures="released")
    assert "Alvarez" not in render_csv(released)
