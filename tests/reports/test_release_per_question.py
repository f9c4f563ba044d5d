"""A re-release must not differ from the release before by fewer than N answers to one
question: ten new responses of which only one answered a question would otherwise give
away that person's answer (the two releases' counts of that question differ by it)."""

from __future__ import annotations

import pytest

from reports import build_report
from reports.releases import ReleaseRefused, make_release, pending_changes
from tests.reports.helpers import DATA

ASKED = "comm.referral_process_clear"
SKIPPED = "access.wait_too_long"
SPRING = "2026 Spring review"


def test_a_question_answered_by_few_of_the_new_responses_holds_the_release(
    session, build, two_waves
):
    spring, _fall = two_waves
    survey = build.survey(DATA / "report-test.yaml")
    clinic = build.partner("Clinic")
    build.respond(survey, spring, "family", {ASKED: ["4"] * 30, SKIPPED: ["2"] * 30}, clinic)
    session.commit()
    make_release(session, spring)
    # Ten more families: every one answers the first question, one the second.
    build.respond(
        survey, spring, "family", {ASKED: ["5"] * 10, SKIPPED: ["1"] + [None] * 9}, clinic
    )
    session.commit()
    _changed, reason = pending_changes(session, spring, 10)
    assert reason is not None and "1 answer" in reason and SKIPPED in reason
    with pytest.raises(ReleaseRefused, match=SKIPPED):
        make_release(session, spring)
    # Nine more answer it: ten changed answers to that question, a group large enough.
    build.respond(survey, spring, "family", {ASKED: ["5"] * 9, SKIPPED: ["3"] * 9}, clinic)
    session.commit()
    second = make_release(session, spring)
    assert second.number == 2
    report = build_report(session, "report-test", SPRING, "Clinic", figures="released")
    assert report.sections[0].item(SKIPPED).n.value == 40
