"""Small-cell suppression: minimum n, complementary cells, differencing between a
partner view and the whole, the comment threshold, suppressed versus no data."""

from __future__ import annotations

import pytest

from reports import build_report, render_csv, render_html
from reports.model import Cell
from reports.suppress import publishable
from tests.reports.helpers import DATA

WAVE = "2026 Fall review"


def _section(report, audience):
    return next(s for s in report.sections if s.audience == audience)


@pytest.fixture
def survey(build, two_waves):
    return build.survey(DATA / "report-test.yaml")


@pytest.mark.parametrize(("n", "shown"), [(9, False), (10, True)])
def test_group_of_nine_is_hidden_and_ten_is_shown(session, build, two_waves, survey, n, shown):
    build.respond(survey, two_waves[1], "staff", {"comm.referral_process_clear": ["4"] * n})
    report = build_report(session, "report-test", WAVE)
    staff = _section(report, "staff")
    item = staff.item("comm.referral_process_clear")
    if shown:
        assert staff.responses.value == 10 and item.percent_favourable.value == 100.0
    else:
        assert staff.responses.suppressed and staff.responses.value is None
        assert item.n.suppressed and item.percent_favourable.suppressed
        assert all(o.count.value is None for o in item.options)
        assert "fewer than 10" in render_html(report)


def test_configured_minimum_applies(session, build, two_waves, survey):
    build.respond(survey, two_waves[1], "staff", {"comm.referral_process_clear": ["4"] * 6})
    report = build_report(session, "report-test", WAVE, min_cell=5)
    assert _section(report, "staff").responses.value == 6
    report = build_report(session, "report-test", WAVE, min_cell=7)
    assert _section(report, "staff").responses.suppressed


def test_suppressed_differs_from_no_data(session, build, two_waves, survey):
    build.respond(survey, two_waves[1], "staff", {"comm.referral_process_clear": ["4"] * 3})
    report = build_report(session, "report-test", WAVE)
    assert _section(report, "staff").responses.suppressed
    assert _section(report, "family").responses.no_data is False  # zero responses
    assert _section(report, "family").responses.value == 0
    html = render_html(report)
    assert "Fewer than 10 people in this group answered" in html
    assert "No responses from this group." in html
    csv_text = render_csv(report)
    assert "suppressed" in csv_text


def test_complementary_suppression_hides_a_second_option(session, build, two_waves, survey):
    build.respond(survey, two_waves[1], "family", {"contact": ["text"] * 25 + ["email"] * 5})
    report = build_report(session, "report-test", WAVE)
    contact = _section(report, "family").item("contact")
    assert contact.n.value == 30
    counts = {o.code: o.count for o in contact.options}
    # "email" (5) is primary; "text" (25) would give it away as 30 - 25.
    assert counts["email"].suppressed and counts["text"].suppressed
    assert all(o.percent.suppressed for o in contact.options)


def test_complementary_suppression_keeps_hidden_sum_at_least_min(session, build, two_waves, survey):
    # n = 60: "1" = 4 is primary; the next smallest ("2" = 12) joins it (sum 16).
    # Percent favourable stays: the unfavourable part (16) and favourable (30) are large.
    codes = ["1"] * 4 + ["2"] * 12 + ["3"] * 14 + ["4"] * 15 + ["5"] * 15
    build.respond(survey, two_waves[1], "family", {"comm.referral_process_clear": codes})
    report = build_report(session, "report-test", WAVE)
    item = _section(report, "family").item("comm.referral_process_clear")
    hidden = {o.code for o in item.options if o.count.suppressed}
    assert hidden == {"1", "2"}
    assert item.percent_favourable.value == pytest.approx(50.0)
    assert item.mean.suppressed  # a mean could solve the two hidden counts


def test_small_favourable_part_hides_percent_favourable(session, build, two_waves, survey):
    codes = ["4"] * 3 + ["2"] * 20 + ["3"] * 20
    build.respond(survey, two_waves[1], "family", {"comm.referral_process_clear": codes})
    item = _section(build_report(session, "report-test", WAVE), "family").item(
        "comm.referral_process_clear"
    )
    assert item.n.value == 43
    assert item.percent_favourable.suppressed and item.change.value is None


def test_partner_view_hides_what_the_whole_would_give_away(session, build, two_waves, survey):
    wave = two_waves[1]
    clinic = build.partner("Clinic")
    build.respond(survey, wave, "family", {"comm.referral_process_clear": ["4"] * 20}, clinic)
    build.respond(survey, wave, "family", {"comm.referral_process_clear": ["2"] * 5})
    whole = build_report(session, "report-test", WAVE)
    assert _section(whole, "family").responses.value == 25
    view = build_report(session, "report-test", WAVE, "Clinic")
    family = _section(view, "family")
    # 25 - 20 = 5 people outside the clinic's view would be exposed: hide.
    assert family.responses.suppressed
    assert family.item("comm.referral_process_clear").percent_favourable.suppressed


def test_partner_view_is_shown_when_the_rest_is_large_enough(session, build, two_waves, survey):
    wave = two_waves[1]
    clinic = build.partner("Clinic")
    build.respond(survey, wave, "family", {"comm.referral_process_clear": ["4"] * 20}, clinic)
    build.respond(survey, wave, "family", {"comm.referral_process_clear": ["2"] * 10})
    view = build_report(session, "report-test", WAVE, "Clinic")
    family = _section(view, "family")
    assert family.responses.value == 20
    item = family.item("comm.referral_process_clear")
    assert item.percent_favourable.value == 100.0
    # The whole has 10 "2" answers; the clinic none: its 0 is shown, the rest stays whole.
    assert next(o for o in item.options if o.code == "2").count.value == 0


def test_option_cells_are_protected_against_differencing(session, build, two_waves, survey):
    wave = two_waves[1]
    clinic = build.partner("Clinic")
    build.respond(
        survey,
        wave,
        "family",
        {"comm.referral_process_clear": ["5"] * 12 + ["3"] * 20},
        clinic,
    )
    build.respond(survey, wave, "family", {"comm.referral_process_clear": ["5"] * 3 + ["3"] * 30})
    view = build_report(session, "report-test", WAVE, "Clinic")
    options = {
        o.code: o.count for o in view.sections[0].item("comm.referral_process_clear").options
    }
    # Whole "5" = 15, clinic 12: 3 outside the clinic -> the clinic's 12 is hidden.
    assert options["5"].suppressed
    assert options["3"].suppressed  # complementary: 32 - 20 would reveal it otherwise


def test_two_partner_views_cannot_isolate_the_rest():
    # Whole 27 = clinic 12 + club 12 + 3 through general links. Each view alone passes
    # (27 - 12 = 15), but whole minus both would expose the 3: both are withdrawn.
    assert not publishable(Cell(12, peers=(12, 3)), 10)
    assert publishable(Cell(12, peers=(12, 10)), 10)
    assert publishable(Cell(0, peers=(3,)), 10)
    assert not publishable(Cell(20, peers=(5,)), 10)


@pytest.mark.parametrize(("written", "listed"), [(9, False), (10, True)])
def test_comments_need_their_own_threshold(session, build, two_waves, survey, written, listed):
    comments = [f"Comment number {k}" for k in range(written)] + [None] * (20 - written)
    build.respond(survey, two_waves[1], "family", {"comments": comments}, n=20)
    report = build_report(session, "report-test", WAVE, comment_min=10)
    item = _section(report, "family").item("comments")
    if listed:
        assert len(item.comments) == 10 and item.comment_count.value == 10
    else:
        assert item.comments == [] and item.comment_count.suppressed
        assert "Fewer than 10 comments" in render_html(report)


def test_comment_threshold_is_separate_from_min_cell(session, build, two_waves, survey):
    comments = [f"Comment {k}" for k in range(12)]
    build.respond(survey, two_waves[1], "family", {"comments": comments})
    report = build_report(session, "report-test", WAVE, min_cell=10, comment_min=15)
    assert _section(report, "family").item("comments").comments == []
