"""A coordinator's redaction keeps a name or a disclosure out of every report, counts a
removed comment out, and can be undone."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.admin.services.responses import soft_delete
from app.models import Answer, CommentRedaction, Response, User
from reports import build_report, render_csv
from reports.releases import REMOVED
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


def _released_clinic(session, build, wave, first):  # type: ignore[no-untyped-def]
    """A released wave whose clinic families wrote ``first`` and eleven other comments."""
    from reports.releases import make_release

    survey = build.survey(DATA / "report-test.yaml")
    clinic = build.partner("Clinic")
    build.respond(
        survey, wave, "family", {"comments": [first] + [f"Fine {k}" for k in range(11)]}, clinic
    )
    build.respond(survey, wave, "family", {"comments": ["All good"] * 12})
    make_release(session, wave)
    return session.scalar(sa.select(Answer).where(Answer.value_text == first))


def _released(session):  # type: ignore[no-untyped-def]
    report = build_report(session, "report-test", WAVE, "Clinic", figures="released")
    item = next(s for s in report.sections if s.audience == "family").item("comments")
    return item, render_csv(report)


def test_a_redaction_after_a_release_reaches_what_partners_read(session, build, two_waves):
    named = _released_clinic(session, build, two_waves[1], "Ms Alvarez hurt my son")
    session.add(CommentRedaction(answer_id=named.id, text=None, reason="a disclosure"))
    session.flush()
    live = build_report(session, "report-test", WAVE, "Clinic")
    assert "Alvarez" not in render_csv(live)
    item, csv_text = _released(session)
    assert "Alvarez" not in csv_text
    # What was counted stays as released: the removed comment is listed as removed.
    assert item.n.value == 12
    assert REMOVED in [c.text for c in item.comments]
    assert sum(c.count for c in item.comments) == 12


def test_a_partial_redaction_after_a_release_shows_its_text_and_can_be_undone(
    session, build, two_waves
):
    named = _released_clinic(session, build, two_waves[1], "Ms Alvarez was rude")
    redaction = CommentRedaction(answer_id=named.id, text="[name] was rude", reason="a name")
    session.add(redaction)
    session.flush()
    item, csv_text = _released(session)
    assert "Alvarez" not in csv_text and "[name] was rude" in [c.text for c in item.comments]
    redaction.undone_at = dt.datetime.now(dt.UTC)
    session.flush()
    item, _csv = _released(session)
    shown = [c.text for c in item.comments]
    assert "Ms Alvarez was rude" in shown and "[name] was rude" not in shown
    assert item.n.value == 12 and REMOVED not in shown


def test_a_comment_removed_before_a_release_stays_out_of_it_when_restored(
    session, build, two_waves
):
    from reports.releases import make_release

    survey = build.survey(DATA / "report-test.yaml")
    wave = two_waves[1]
    clinic = build.partner("Clinic")
    texts = ["Something to keep out"] + [f"Fine {k}" for k in range(12)]
    build.respond(survey, wave, "family", {"comments": texts}, clinic)
    answer = session.scalar(sa.select(Answer).where(Answer.value_text == texts[0]))
    redaction = CommentRedaction(answer_id=answer.id, text=None, reason="disclosure")
    session.add(redaction)
    session.flush()
    make_release(session, wave)
    redaction.undone_at = dt.datetime.now(dt.UTC)
    session.flush()
    item, csv_text = _released(session)
    # The release counted 12 comments: restoring one adds nothing partners were given.
    assert item.n.value == 12 and texts[0] not in csv_text


def test_a_response_deleted_after_a_release_keeps_its_comment_there_unless_redacted(
    session, build, two_waves
):
    # Partners know where responses were deleted: a comment leaving the release with
    # its response would tell them who wrote it, so only a redaction takes it out.
    named = _released_clinic(session, build, two_waves[1], "My name is Dana Reyes")
    user = User(email="coordinator@example.org", password_hash="-", role="coordinator")
    session.add(user)
    session.flush()
    session.add(CommentRedaction(answer_id=named.id, text="My name is [name]", reason="a name"))
    soft_delete(session, session.get(Response, named.response_id), user, "asked to be removed")
    session.flush()
    item, csv_text = _released(session)
    assert "Dana Reyes" not in csv_text and "My name is [name]" in [c.text for c in item.comments]
    assert item.n.value == 12


def test_a_response_deleted_after_a_release_changes_nothing_there(session, build, two_waves):
    named = _released_clinic(session, build, two_waves[1], "The bus is late")
    strip = lambda text: [r for r in text.splitlines() if not r.startswith("Prepared")]  # noqa: E731
    before = _released(session)[1]
    user = User(email="coordinator@example.org", password_hash="-", role="coordinator")
    session.add(user)
    session.flush()
    soft_delete(session, session.get(Response, named.response_id), user, "a duplicate")
    session.flush()
    assert strip(_released(session)[1]) == strip(before)


def test_a_redaction_splits_only_its_own_copy_of_a_repeated_comment(session, build, two_waves):
    named = _released_clinic(session, build, two_waves[1], "Fine 0")  # written twice
    session.add(CommentRedaction(answer_id=named.id, text=None, reason="a disclosure"))
    session.flush()
    item, _csv = _released(session)
    counts = {c.text: c.count for c in item.comments}
    assert counts["Fine 0"] == 1 and counts[REMOVED] == 1 and item.n.value == 12


def test_a_release_made_before_answers_were_kept_shows_texts_as_redacted_now(
    session, build, two_waves
):
    from app.models import Release

    named = _released_clinic(session, build, two_waves[1], "Ms Alvarez hurt my son")
    release = session.scalar(sa.select(Release))
    release.data = {k: v for k, v in release.data.items() if k != "comment_answers"}
    session.flush()
    session.add(CommentRedaction(answer_id=named.id, text="[name] hurt my son", reason="a name"))
    session.flush()
    item, csv_text = _released(session)
    assert "Alvarez" not in csv_text and "[name] hurt my son" in [c.text for c in item.comments]
    assert item.n.value == 12
