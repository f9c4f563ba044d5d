"""Figures worked out by hand: percent favourable, reverse scoring, "don't know"
exclusion, change in points, choice counts, versions, mirrored items, Nine Elements."""

from __future__ import annotations

import pytest

from reports import ReportError, build_report
from tests.reports.helpers import DATA, SELF_ASSESSMENT, expand

# 100 family answers: 40 favourable (4, 5) of 80 scored; 20 "don't know".
REFERRAL_NOW = {"1": 10, "2": 10, "3": 20, "4": 30, "5": 10, "dk": 20}
# Reverse-worded: 1 and 2 are favourable -> 50 of 80.
WAIT_NOW = {"1": 30, "2": 20, "3": 10, "4": 10, "5": 10, "dk": 20}
# Previous wave: 20 favourable of 80 -> 25%.
REFERRAL_BEFORE = {"1": 20, "2": 20, "3": 20, "4": 20, "5": 0, "dk": 0}


@pytest.fixture
def family_data(build, two_waves):
    survey = build.survey(DATA / "report-test.yaml")
    before, now = two_waves
    build.respond(
        survey,
        now,
        "family",
        {
            "comm.referral_process_clear": expand(REFERRAL_NOW),
            "access.wait_too_long": expand(WAIT_NOW),
            "contact": ["text"] * 70 + ["email"] * 20 + [None] * 10,
            "channels": [["flyer"]] * 40 + [["flyer", "school"]] * 30 + [["school"]] * 20,
            "children": [1] * 50 + [3] * 50,
        },
        expected=400,
    )
    build.respond(
        survey, before, "family", {"comm.referral_process_clear": expand(REFERRAL_BEFORE)}
    )
    return survey, before, now


def _section(report, audience="family", slug="report-test"):
    return next(s for s in report.sections if s.audience == audience and s.survey_slug == slug)


def test_percent_favourable_leaves_dont_know_out_of_the_denominator(session, family_data):
    report = build_report(session, "report-test", "2026 Fall review")
    item = _section(report).item("comm.referral_process_clear")
    assert item.n.value == 100
    assert item.percent_favourable.value == pytest.approx(50.0)  # 40 / (100 - 20)
    assert item.mean.value == pytest.approx(3.25)  # (10 + 20 + 60 + 120 + 50) / 80
    options = {o.code: o for o in item.options}
    assert options["dk"].excluded and options["dk"].percent.value == pytest.approx(20.0)
    assert options["4"].favourable and not options["3"].favourable


def test_reverse_worded_item_counts_disagreement_as_favourable(session, family_data):
    report = build_report(session, "report-test", "2026 Fall review")
    item = _section(report).item("access.wait_too_long")
    assert item.reverse
    assert item.percent_favourable.value == pytest.approx(62.5)  # (30 + 20) / 80
    assert {o.code for o in item.options if o.favourable} == {"1", "2"}


def test_change_since_previous_wave_in_points(session, family_data):
    report = build_report(session, "report-test", "2026 Fall review")
    item = _section(report).item("comm.referral_process_clear")
    assert report.previous_wave_name == "2026 Spring review"
    assert item.previous_percent_favourable.value == pytest.approx(25.0)
    assert item.change.value == pytest.approx(25.0)
    assert [name for name, _ in item.trend] == ["2026 Spring review", "2026 Fall review"]
    # Nobody answered the reverse item before: no change, and it says "no data".
    wait = _section(report).item("access.wait_too_long")
    assert wait.change.no_data


def test_responses_and_response_rate(session, family_data):
    report = build_report(session, "report-test", "2026 Fall review")
    section = _section(report)
    assert section.responses.value == 100
    assert section.expected == 400
    assert section.response_rate.value == pytest.approx(25.0)
    staff = _section(report, "staff")
    assert staff.responses.no_data and not staff.responses.suppressed


def test_a_rate_over_100_percent_is_flagged_not_printed(session, build, two_waves):
    from reports import render_csv, render_html

    survey = build.survey(DATA / "report-test.yaml")
    build.respond(
        survey, two_waves[1], "family", {"comm.referral_process_clear": ["4"] * 30}, expected=5
    )
    report = build_report(session, "report-test", "2026 Fall review")
    section = _section(report)
    assert section.over_expected and section.response_rate.value == pytest.approx(600.0)
    html = render_html(report)
    assert "600%" not in html and "over 100%: check the expected number" in html
    assert "more responses than expected: check the expected number for this link" in render_csv(
        report
    )


def test_choice_counts_and_multiple_choice_percent_of_respondents(session, family_data):
    report = build_report(session, "report-test", "2026 Fall review")
    section = _section(report)
    contact = section.item("contact")
    assert contact.n.value == 90
    assert {o.label: o.count.value for o in contact.options} == {"Text message": 70, "Email": 20}
    channels = section.item("channels")
    assert channels.multiple and channels.n.value == 90
    flyer = next(o for o in channels.options if o.code == "flyer")
    assert flyer.count.value == 70 and flyer.percent.value == pytest.approx(100 * 70 / 90)
    children = section.item("children")
    assert children.n.value == 100 and children.mean.value == pytest.approx(2.0)


def test_soft_deleted_responses_are_left_out(session, build, family_data):
    survey, _before, now = family_data
    build.respond(survey, now, "family", {"comm.referral_process_clear": ["5"] * 30}, deleted=True)
    report = build_report(session, "report-test", "2026 Fall review")
    section = _section(report)
    assert section.responses.value == 100
    assert section.item("comm.referral_process_clear").percent_favourable.value == 50.0


def test_version_change_compares_only_items_in_both_versions(session, build, two_waves):
    before, now = two_waves
    # Version 1 (answered in spring) lacks the reverse item; version 2 has it.
    text = (DATA / "report-test.yaml").read_text()
    old = text.replace(
        "          - item: access.wait_too_long\n            reverse: true\n"
        "            text: Students wait too long for help.\n",
        "",
    )
    from app.definitions import load_text
    from app.definitions.sync import store_definition

    store_definition(session, load_text(old, "old.yaml"), "old.yaml")
    import sqlalchemy as sa

    from app.models import Answer, Survey

    survey = session.scalar(sa.select(Survey).where(Survey.slug == "report-test"))
    build.surveys["report-test"] = survey
    spring = build.respond(survey, before, "family", {"comm.referral_process_clear": ["4"] * 20})
    # A stray answer under the newer item id in the old version must not be compared.
    for response in spring[:15]:
        session.add(Answer(response_id=response.id, item_id="access.wait_too_long", choice="5"))
    build.survey(DATA / "report-test.yaml")  # version 2
    build.respond(
        survey,
        now,
        "family",
        {"comm.referral_process_clear": ["2"] * 20, "access.wait_too_long": ["1"] * 20},
    )
    report = build_report(session, "report-test", "2026 Fall review")
    section = _section(report)
    referral = section.item("comm.referral_process_clear")
    assert referral.change.value == pytest.approx(-100.0)
    wait = section.item("access.wait_too_long")
    assert wait.percent_favourable.value == 100.0
    assert wait.change.no_data and wait.trend[0][1].no_data


def test_mirrored_items_side_by_side_largest_gap_first(session, build, two_waves):
    _before, now = two_waves
    test = build.survey(DATA / "report-test.yaml")
    mirror = build.survey(DATA / "report-mirror.yaml")
    build.respond(
        test,
        now,
        "family",
        {
            "comm.referral_process_clear": ["4"] * 10 + ["2"] * 30,  # 25%
            "access.wait_too_long": ["1"] * 40,
        },
    )
    build.respond(test, now, "staff", {"comm.referral_process_clear": ["4"] * 15 + ["2"] * 15})
    build.respond(mirror, now, "partner", {"comm.referral_process_clear": ["5"] * 36 + ["1"] * 12})
    report = build_report(session, "report-test", "2026 Fall review")
    assert [m.item_id for m in report.mirrored] == ["comm.referral_process_clear"]
    gap = report.mirrored[0]
    values = {v.group: v.percent_favourable.value for v in gap.values}
    assert values == {"Families": 25.0, "School staff": 50.0, "Partners": 75.0}
    assert gap.gap.value == 50.0
    assert gap.highest.group == "Partners" and gap.lowest.group == "Families"
    assert report.summary.gaps[0].value == "50 points apart"


def test_nine_elements_school_team_beside_partners(session, build, two_waves):
    _before, now = two_waves
    survey = build.survey(SELF_ASSESSMENT)
    element1 = [
        "element1.leadership_team_exists",
        "element1.families_students_have_voice",
        "element1.team_meets_regularly",
    ]
    # School team: per statement 10 x "3", 10 x "1", 10 x "dk" -> 50% good or better,
    # mean (30 + 10) / 20 = 2.0. Partners: 15 x "4", 10 x "2" -> 60%, mean 3.2.
    build.respond(
        survey, now, "staff", {i: ["3"] * 10 + ["1"] * 10 + ["dk"] * 10 for i in element1}
    )
    build.respond(survey, now, "partner", {i: ["4"] * 15 + ["2"] * 10 for i in element1})
    report = build_report(session, "partnership-self-assessment", "2026 Fall review")
    first = report.elements[0]
    assert first.number == 1 and first.title.startswith("Element 1")
    assert first.school.percent_good.value == pytest.approx(50.0)
    assert first.school.mean.value == pytest.approx(2.0)
    assert first.partners.percent_good.value == pytest.approx(60.0)
    assert first.partners.mean.value == pytest.approx(3.2)
    assert first.gap.value == pytest.approx(10.0)
    assert first.school.n.value == 30
    assert report.summary.weakest_elements[0].detail == "School team, n = 30"
    # Elements nobody rated read "no data", not "suppressed".
    assert report.elements[1].school.percent_good.no_data


def test_summary_names_what_people_chose_in_the_favourable_direction(session, family_data):
    report = build_report(session, "report-test", "2026 Fall review")
    (families,) = report.summary.audiences
    # The reverse-worded item is a strength because most disagreed that waits are long.
    strength = families.strengths[0]
    assert strength.value == "62% chose Strongly disagree or Disagree"  # 62.5 rounds to even
    assert strength.text == "Students wait too long for help."
    assert families.concerns[0].value == "Only 50% chose Agree or Strongly agree"
    assert report.summary.changes[0].value == "Up 25 points"
    assert "n = 80 then and 100 now" in report.summary.changes[0].detail
    assert "favourable: Students wait" not in render_pdf_text(report)


def render_pdf_text(report) -> str:  # type: ignore[no-untyped-def]
    import io

    from pypdf import PdfReader

    from reports import render_pdf

    pages = PdfReader(io.BytesIO(render_pdf(report))).pages
    return " ".join(" ".join(p.extract_text() for p in pages).split())


def test_reverse_worded_rows_are_charted_in_their_favourable_direction(session, family_data):
    from reports import charts

    report = build_report(session, "report-test", "2026 Fall review")
    wait = _section(report).item("access.wait_too_long")
    svg = charts.diverging([wait], "waits").svg()
    # The legend names favourability, not the options, and the favourable (blue) side
    # is the disagreeing one: 50 of 80 scored answers.
    assert "Most favourable" in svg and "Strongly agree" not in svg
    assert "62%" in svg


def test_element_scores_pool_every_instrument_that_asks_them(session, build, two_waves):
    _before, now = two_waves
    assessment = build.survey(SELF_ASSESSMENT)
    extra = build.survey(DATA / "report-elements.yaml")
    build.respond(assessment, now, "staff", {"element1.leadership_team_exists": ["4"] * 20})
    build.respond(extra, now, "staff", {"element1.extra_statement": ["1"] * 20})
    report = build_report(session, None, "2026 Fall review")
    first = next(e for e in report.elements if e.number == 1)
    assert first.school.percent_good.value == pytest.approx(50.0)
    assert sorted(first.school.pooled) == [
        ("partnership-self-assessment", "element1.leadership_team_exists"),
        ("report-elements", "element1.extra_statement"),
    ]
    single = build_report(session, "partnership-self-assessment", "2026 Fall review")
    assert next(e for e in single.elements if e.number == 1).school.percent_good.value == 50.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"survey_slug": "nope"}, "unknown survey 'nope'; surveys: 'report-test'"),
        ({"wave_name": "Winter"}, "unknown wave 'Winter'; waves: '2026 Spring review'"),
        ({"partner_name": "Nobody"}, "unknown partner 'Nobody'; partners: none yet"),
    ],
)
def test_unknown_survey_wave_or_partner_is_a_clear_error(session, family_data, kwargs, message):
    args = {"survey_slug": "report-test", "wave_name": "2026 Fall review", **kwargs}
    with pytest.raises(ReportError, match=message.replace("(", r"\(")):
        build_report(session, **args)


def test_minimum_cell_size_below_five_is_refused(session, family_data):
    with pytest.raises(ReportError, match="below 5"):
        build_report(session, "report-test", "2026 Fall review", min_cell=4)


def test_wave_without_responses_gives_an_empty_report(session, build, family_data):
    build.wave("2027 Spring review", __import__("datetime").date(2027, 3, 1))
    report = build_report(session, "report-test", "2027 Spring review")
    assert not report.has_responses
    assert all(s.responses.no_data for s in report.sections)
