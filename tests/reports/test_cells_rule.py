"""The stricter count-level rule (SUPPRESSION=cells): no count from 1 to N-1 is shown,
complementary suppression keeps every hidden one from being worked out, and it ends."""

from __future__ import annotations

import datetime as dt

import pytest

from reports import build_report
from reports.cells import Span
from reports.model import Status
from reports.releases import ReleaseRefused, make_release
from tests.reports.helpers import DATA

WAVE = "2026 Fall review"
ITEM = "comm.referral_process_clear"


def test_span_is_exact():
    span = Span()
    span.add({0: 1, 1: 1})  # a + b
    span.add({1: 1, 2: 1})  # b + c
    assert not span.contains({0: 1})
    assert span.contains({0: 1, 1: 2, 2: 1})
    span.add({2: 1})  # c: now b and a follow
    assert span.contains({0: 1}) and span.contains({1: 1})


def test_a_small_cell_and_the_one_that_would_give_it_away_are_hidden(session, build, two_waves):
    survey = build.survey(DATA / "report-test.yaml")
    build.respond(survey, two_waves[1], "family", {ITEM: ["4"] * 40 + ["2"] * 3})
    report = build_report(session, "report-test", WAVE, mode="cells")
    item = next(s for s in report.sections if s.audience == "family").item(ITEM)
    counts = {o.code: o.count for o in item.options}
    assert counts["2"].status is Status.SMALL
    # n = 43 beside "Agree" = 40 would tell the 3: one of them is hidden as well.
    assert not (counts["4"].shown and item.n.shown)
    assert Status.WITHHELD in (counts["4"].status, item.n.status)
    assert item.percent_favourable.value is None
    assert counts["1"].value == 0  # nobody is a shown zero


def test_partner_cells_are_protected_against_differencing(session, build, two_waves):
    survey = build.survey(DATA / "report-test.yaml")
    wave = two_waves[1]
    clinic = build.partner("Clinic")
    build.respond(survey, wave, "family", {ITEM: ["5"] * 12 + ["3"] * 20}, clinic)
    build.respond(survey, wave, "family", {ITEM: ["5"] * 3 + ["3"] * 30})
    view = build_report(session, "report-test", WAVE, "Clinic", mode="cells")
    options = {o.code: o.count for o in view.sections[0].item(ITEM).options}
    whole = build_report(session, "report-test", WAVE, mode="cells")
    whole_options = {o.code: o.count for o in whole.sections[0].item(ITEM).options}
    # Whole "5" = 15 and clinic 12 would give the 3 outside the clinic away.
    assert not (options["5"].shown and whole_options["5"].shown)


@pytest.mark.parametrize("mode", ["respondents", "cells"])
def test_every_partner_view_of_adversarial_data_finishes(session, build, two_waves, mode):
    survey = build.survey(DATA / "report-test.yaml")
    wave = two_waves[1]
    partners = [build.partner(f"P{k}") for k in range(4)]
    # Every non-zero option small in each partner, sums on the edge of the threshold.
    for k, partner in enumerate(partners):
        build.respond(
            survey, wave, "family", {ITEM: ["1"] * (k + 1) + ["2"] * (4 - k) + ["5"] * 5}, partner
        )
    for partner in partners:
        report = build_report(session, "report-test", WAVE, partner.name, mode=mode)
        assert report.sections


def test_two_small_groups_together_are_not_given_away(session, build, two_waves):
    # Whole 12 = clinic 10 + club 1 + 1 through general links. Each small group alone
    # stays hidden, but whole minus clinic would tell that the club's and the general
    # links' families together are 2, all "Agree" (found by the privacy oracle).
    survey = build.survey(DATA / "report-test.yaml")
    wave = two_waves[1]
    clinic, club = build.partner("Clinic"), build.partner("Club")
    build.respond(survey, wave, "family", {ITEM: ["4"] * 10}, clinic)
    build.respond(survey, wave, "family", {ITEM: ["4"]}, club)
    build.respond(survey, wave, "family", {ITEM: ["4"]})
    whole = build_report(session, "report-test", WAVE, mode="cells").sections[0].item(ITEM)
    view = build_report(session, "report-test", WAVE, "Clinic", mode="cells").sections[0]
    theirs = view.item(ITEM)
    assert not (whole.n.shown and theirs.n.shown)
    agree = {o.code: o.count for o in whole.options}["4"]
    assert not (agree.shown and {o.code: o.count for o in theirs.options}["4"].shown)


def test_a_percentage_is_not_shown_beside_a_hidden_n(session, build, two_waves):
    # 5 of 7 "Agree" shown and n hidden: 71.4% would tell n = 7, and so the 2 others
    # (found by the privacy oracle).
    survey = build.survey(DATA / "report-test.yaml")
    build.respond(survey, two_waves[1], "family", {ITEM: ["4"] * 5 + ["2"] * 2})
    report = build_report(session, "report-test", WAVE, mode="cells")
    item = report.sections[0].item(ITEM)
    for option in item.options:
        assert not (option.percent.shown and not item.n.shown)
        if option.count.shown and option.count.value and not item.n.shown:
            assert option.percent.status is Status.DERIVED


SPRING = "2026 Spring review"


def _released(session, mode: str, partner: str | None = None):  # type: ignore[no-untyped-def]
    report = build_report(session, "report-test", SPRING, partner, mode=mode, figures="released")
    return report.sections[0].item(ITEM)


def _count(item, code: str):  # type: ignore[no-untyped-def]
    return {o.code: o.count for o in item.options}[code]


@pytest.mark.parametrize("mode", ["respondents", "cells"])
def test_a_second_release_does_not_give_a_small_group_away(session, build, two_waves, mode):
    # Release 1: the clinic's 10 and 10 through general links, all "Agree". Then the
    # clinic's 10 are deleted and 4 new ones come: 14 responses changed, so a second
    # release is allowed. It hides the clinic's 4 but shows the whole's 14 "Agree";
    # the general links did not change, so 14 - (20 - 10) tells the clinic's 4
    # (found by the privacy oracle).
    spring = two_waves[0]
    survey = build.survey(DATA / "report-test.yaml")
    clinic = build.partner("Clinic")
    gone = build.respond(survey, spring, "family", {ITEM: ["4"] * 10}, clinic)
    build.respond(survey, spring, "family", {ITEM: ["4"] * 10})
    session.commit()
    make_release(session, spring, min_n=10)
    first = _count(_released(session, mode), "4"), _count(_released(session, mode, "Clinic"), "4")
    for response in gone:
        response.deleted_at = dt.datetime.now(dt.UTC)
    build.respond(survey, spring, "family", {ITEM: ["4"] * 4}, clinic)
    session.commit()
    assert first[0].shown and first[1].shown
    # Refused, with the reason: the clinic's group would be left with 4.
    with pytest.raises(ReleaseRefused, match="would have 4 responses.*in both releases"):
        make_release(session, spring, min_n=10, mode=mode)


def test_two_releases_do_not_differ_by_a_small_count(session, build, two_waves):
    # Ten new clinic families, three of them "Strongly disagree": the clinic's count of
    # that answer goes from 10 to 13, both shown, which tells the 3 new ones' answer.
    spring = two_waves[0]
    survey = build.survey(DATA / "report-test.yaml")
    clinic = build.partner("Clinic")
    build.respond(survey, spring, "family", {ITEM: ["1"] * 10 + ["4"] * 10}, clinic)
    session.commit()
    make_release(session, spring, min_n=10, mode="cells")
    before = _count(_released(session, "cells", "Clinic"), "1")
    build.respond(survey, spring, "family", {ITEM: ["1"] * 3 + ["4"] * 7}, clinic)
    session.commit()
    assert before.shown
    with pytest.raises(ReleaseRefused, match="changed by [37] since the last release"):
        make_release(session, spring, min_n=10, mode="cells")
    # The group rule lets it go: ten new families are a group of ten.
    make_release(session, spring, min_n=10, mode="respondents")
