"""The privacy rule (reports.suppress): groups, not cells; differencing between a
partner's view and the whole; follow-ups take their parent's decision; comments have
their own threshold; every label says the truth."""

from __future__ import annotations

import pytest

from reports import build_report, render_csv, render_html
from reports.model import Status
from reports.suppress import published_parts
from tests.reports.helpers import DATA

WAVE = "2026 Fall review"
ITEM = "comm.referral_process_clear"


def _section(report, audience):
    return next(s for s in report.sections if s.audience == audience)


@pytest.fixture
def survey(build, two_waves):
    return build.survey(DATA / "report-test.yaml")


@pytest.mark.parametrize(("n", "shown"), [(9, False), (10, True)])
def test_a_group_of_nine_is_not_shown_and_ten_is_shown(session, build, two_waves, survey, n, shown):
    build.respond(survey, two_waves[1], "staff", {ITEM: ["4"] * n})
    report = build_report(session, "report-test", WAVE)
    staff = _section(report, "staff")
    item = staff.item(ITEM)
    if shown:
        assert staff.responses.value == 10 and item.percent_favourable.value == 100.0
    else:
        assert staff.responses.status is Status.SMALL and staff.responses.value is None
        assert item.n.status is Status.SMALL and item.percent_favourable.value is None
        assert all(o.count.value is None for o in item.options)
        assert "Fewer than 10 people answered: not shown." in render_html(report)


def test_a_shown_group_shows_every_option_however_small(session, build, two_waves, survey):
    # 60 families: one chose "Strongly disagree". The old cell rule hid it, and with it
    # percent favourable; the group rule shows the whole distribution.
    codes = ["1"] * 1 + ["2"] * 3 + ["3"] * 14 + ["4"] * 30 + ["5"] * 12
    build.respond(survey, two_waves[1], "family", {ITEM: codes})
    report = build_report(session, "report-test", WAVE)
    item = _section(report, "family").item(ITEM)
    counts = {o.code: o.count.value for o in item.options}
    assert counts == {"1": 1, "2": 3, "3": 14, "4": 30, "5": 12, "dk": 0}
    assert item.percent_favourable.value == pytest.approx(70.0)
    assert item.mean.shown
    from reports.html import fragment

    section = str(
        fragment(report, ["section-report-test.family"], header=False, contents=False)
    ).lower()
    assert "fewer than" not in section and "withheld" not in section


def test_configured_minimum_applies(session, build, two_waves, survey):
    build.respond(survey, two_waves[1], "staff", {ITEM: ["4"] * 6})
    assert (
        _section(build_report(session, "report-test", WAVE, min_cell=5), "staff").responses.value
        == 6
    )
    report = build_report(session, "report-test", WAVE, min_cell=7)
    assert _section(report, "staff").responses.status is Status.SMALL


def test_not_shown_differs_from_no_data(session, build, two_waves, survey):
    build.respond(survey, two_waves[1], "staff", {ITEM: ["4"] * 3})
    report = build_report(session, "report-test", WAVE)
    assert _section(report, "staff").responses.status is Status.SMALL
    assert _section(report, "family").responses.status is Status.NO_DATA
    html = render_html(report)
    assert "Fewer than 10 people answered: not shown." in html
    assert "No responses yet, so no section follows for: Families: Report test survey." in html
    assert ",small," in render_csv(report)


def test_partner_view_is_withheld_when_the_rest_is_a_small_group(session, build, two_waves, survey):
    wave = two_waves[1]
    clinic = build.partner("Clinic")
    build.respond(survey, wave, "family", {ITEM: ["4"] * 20}, clinic)
    build.respond(survey, wave, "family", {ITEM: ["2"] * 5})
    whole = build_report(session, "report-test", WAVE)
    assert _section(whole, "family").item(ITEM).n.value == 25
    view = build_report(session, "report-test", WAVE, "Clinic")
    item = _section(view, "family").item(ITEM)
    # 25 - 20 = 5 people outside the clinic's view would be exposed: withheld, and said so.
    assert item.n.status is Status.WITHHELD and item.percent_favourable.value is None
    assert "Withheld so that a small group elsewhere cannot be worked out." in render_html(view)
    assert _section(view, "family").responses.status is Status.WITHHELD


def test_partner_view_is_shown_when_the_rest_is_large_enough(session, build, two_waves, survey):
    wave = two_waves[1]
    clinic = build.partner("Clinic")
    build.respond(survey, wave, "family", {ITEM: ["4"] * 20}, clinic)
    build.respond(survey, wave, "family", {ITEM: ["2"] * 10})
    view = build_report(session, "report-test", WAVE, "Clinic")
    family = _section(view, "family")
    assert family.responses.value == 20
    item = family.item(ITEM)
    assert item.percent_favourable.value == 100.0
    assert next(o for o in item.options if o.code == "2").count.value == 0


def test_two_partner_views_cannot_isolate_the_rest():
    # Whole 27 = clinic 12 + club 12 + 3 through general links. Each view alone passes
    # (27 - 12 = 15), but whole minus both would expose the 3: the smaller (a tie: the
    # first in order) is withheld, and then the rest is 15.
    assert published_parts(27, {"clinic": 12, "club": 12}, 10) == {"club"}
    assert published_parts(32, {"clinic": 12, "club": 10}, 10) == {"clinic", "club"}
    assert published_parts(24, {"clinic": 12, "club": 12}, 10) == {"clinic", "club"}
    assert published_parts(25, {"clinic": 20}, 10) == set()
    assert published_parts(30, {"clinic": 20, "club": 3}, 10) == {"clinic"}


def test_every_partner_view_makes_the_same_decision(session, build, two_waves, survey):
    wave = two_waves[1]
    clinic, club = build.partner("Clinic"), build.partner("Club")
    build.respond(survey, wave, "family", {ITEM: ["4"] * 12}, clinic)
    build.respond(survey, wave, "family", {ITEM: ["5"] * 12}, club)
    build.respond(survey, wave, "family", {ITEM: ["2"] * 3})
    shown = {
        name: _section(build_report(session, "report-test", WAVE, name), "family").item(ITEM).n
        for name in ("Clinic", "Club")
    }
    assert sorted(c.status.value for c in shown.values()) == ["shown", "withheld"]


def test_a_follow_up_takes_its_parents_decision(session, build, two_waves):
    survey = build.survey(DATA / "report-follow-up.yaml")
    wave = two_waves[1]
    clinic = build.partner("Clinic")
    # Parent: whole 20, clinic 17 -> rest 3: the clinic's parent is withheld. The
    # follow-up (asked after "yes") has rest 0 but would tell the clinic's "yes" count.
    build.respond(
        survey, wave, "family", {"used": ["yes"] * 12 + ["no"] * 5, "helpful": ["4"] * 12}, clinic
    )
    build.respond(survey, wave, "family", {"used": ["no"] * 3})
    view = build_report(session, "report-follow-up", WAVE, "Clinic")
    family = _section(view, "family")
    assert family.item("used").n.status is Status.WITHHELD
    assert family.item("helpful").n.status is Status.WITHHELD
    whole = _section(build_report(session, "report-follow-up", WAVE), "family")
    assert whole.item("used").n.value == 20 and whole.item("helpful").n.value == 12


@pytest.mark.parametrize(("written", "listed"), [(9, False), (10, True)])
def test_comments_need_their_own_threshold(session, build, two_waves, survey, written, listed):
    comments = [f"Comment number {k}" for k in range(written)] + [None] * (20 - written)
    build.respond(survey, two_waves[1], "family", {"comments": comments}, n=20)
    report = build_report(session, "report-test", WAVE, comment_min=10)
    item = _section(report, "family").item("comments")
    if listed:
        assert len(item.comments) == 10 and item.comment_count.value == 10
    else:
        assert item.comments == [] and item.comment_count.status is Status.SMALL
        assert "Fewer than 10 people wrote a comment: not shown." in render_html(report)


def test_duplicate_comments_merge_and_count_as_the_comments_they_merge(
    session, build, two_waves, survey
):
    comments = ["Thank you"] * 6 + ["More evening meetings, please."] * 2 + ["Great staff"] * 2
    build.respond(survey, two_waves[1], "family", {"comments": comments})
    item = _section(build_report(session, "report-test", WAVE), "family").item("comments")
    assert item.n.value == 10
    # Most written first; among equals, the one written first.
    assert [(c.text, c.count) for c in item.comments] == [
        ("Thank you", 6),
        ("More evening meetings, please.", 2),
        ("Great staff", 2),
    ]


def test_comment_lists_are_withheld_when_the_rest_is_small(session, build, two_waves, survey):
    wave = two_waves[1]
    clinic = build.partner("Clinic")
    build.respond(survey, wave, "family", {"comments": [f"Clinic {k}" for k in range(20)]}, clinic)
    build.respond(survey, wave, "family", {"comments": [f"Other {k}" for k in range(5)]})
    whole = _section(build_report(session, "report-test", WAVE), "family").item("comments")
    assert whole.n.value == 25
    view = _section(build_report(session, "report-test", WAVE, "Clinic"), "family")
    assert view.item("comments").n.status is Status.WITHHELD
    assert view.item("comments").comments == []


def test_comment_threshold_is_separate_from_min_cell(session, build, two_waves, survey):
    comments = [f"Comment {k}" for k in range(12)]
    build.respond(survey, two_waves[1], "family", {"comments": comments})
    report = build_report(session, "report-test", WAVE, min_cell=10, comment_min=15)
    assert _section(report, "family").item("comments").comments == []


def _sharing_and_pooled(session, build, two_waves, survey):  # type: ignore[no-untyped-def]
    wave = two_waves[1]
    sharing = build.partner("Sharing Clinic")
    sharing.share_results = True
    pooled = build.partner("Quiet Pantry")  # share_results is off by default
    build.respond(survey, wave, "family", {ITEM: ["4"] * 12}, sharing)
    build.respond(survey, wave, "family", {ITEM: ["2"] * 13}, pooled)
    build.respond(survey, wave, "family", {ITEM: ["5"] * 14})
    return build_report(session, None, WAVE)


def test_a_partner_that_does_not_share_is_pooled_in_the_packet(session, build, two_waves, survey):
    """Rule 7: a partner's own results are in the whole-school packet only when its
    agreement allows; otherwise its responses count in every whole-school figure."""
    report = _sharing_and_pooled(session, build, two_waves, survey)
    assert [p.name for p in report.partners] == ["Sharing Clinic"]
    assert report.pooled_partners == 1
    (own,) = report.partners[0].groups
    assert own.responses.value == 12 and own.item(ITEM).percent_favourable.value == 100.0
    family = _section(report, "family")
    assert family.responses.value == 39  # the pooled partner's 13 are in the whole
    counts = {o.code: o.count.value for o in family.item(ITEM).options}
    assert counts["2"] == 13 and family.item(ITEM).n.value == 39
    html = render_html(report)
    assert "1 partner whose agreement does not allow sharing" in html
    partners = html[html.index('id="partners"') :]
    assert "Sharing Clinic" in partners and "Quiet Pantry" not in partners


def _pooled_names(report):  # type: ignore[no-untyped-def]
    """Every text of the whole-school packet a reader gets: page, PDF, spreadsheet."""
    import io

    from pypdf import PdfReader

    from reports import render_pdf

    pdf = PdfReader(io.BytesIO(render_pdf(report)))
    pdf_text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    return {"html": render_html(report), "csv": render_csv(report), "pdf": pdf_text}


def test_a_pooled_partner_is_not_named_anywhere_in_the_packet(session, build, two_waves, survey):
    """Rule 7 in the response counts: the links of partners that do not share are one
    part of the whole, with their responses together, named for none of them."""
    report = _sharing_and_pooled(session, build, two_waves, survey)
    parts = {p.label: p.responses.value for p in _section(report, "family").parts}
    assert parts == {
        "Web link, general links": 14,
        "Web link, Sharing Clinic": 12,
        "Partners not sharing results (1)": 13,
    }
    for rendered, text in _pooled_names(report).items():
        assert "Quiet Pantry" not in text, rendered
        assert "Partners not sharing results (1)" in text, rendered


def test_a_partner_that_does_not_share_still_reads_its_own_links(session, build, two_waves, survey):
    _sharing_and_pooled(session, build, two_waves, survey)
    own = build_report(session, None, WAVE, "Quiet Pantry")
    family = _section(own, "family")
    assert family.responses.value == 13
    assert [(p.partner, p.label) for p in family.parts] == [("Quiet Pantry", "Web link")]
    assert "Quiet Pantry" in render_csv(own)


def test_the_released_packet_pools_the_same_way(session, build, two_waves, survey):
    from reports.releases import make_release

    _sharing_and_pooled(session, build, two_waves, survey)
    make_release(session, two_waves[1])
    report = build_report(session, None, WAVE, figures="released")
    parts = {p.label: p.responses.value for p in _section(report, "family").parts}
    assert parts["Partners not sharing results (1)"] == 13
    for rendered, text in _pooled_names(report).items():
        assert "Quiet Pantry" not in text, rendered


def test_the_pooled_part_is_shown_only_as_a_sum_of_shown_counts(session, build, two_waves, survey):
    """The pooled part is shown only when every pooled partner's own count is, so it
    tells nothing those counts do not: a pooled count of 16 beside 13 once the library
    shares would otherwise give away the library's 3."""
    wave = two_waves[1]
    sharing = build.partner("Sharing Clinic")
    sharing.share_results = True
    big, small = build.partner("Quiet Pantry"), build.partner("Small Library")
    build.respond(survey, wave, "family", {ITEM: ["4"] * 12}, sharing)
    build.respond(survey, wave, "family", {ITEM: ["2"] * 13}, big)
    build.respond(survey, wave, "family", {ITEM: ["3"] * 3}, small)
    build.respond(survey, wave, "family", {ITEM: ["5"] * 12})
    report = build_report(session, None, WAVE)
    parts = {p.label: p.responses for p in _section(report, "family").parts}
    assert parts["Partners not sharing results (2)"].status is Status.WITHHELD
    assert parts["Web link, Sharing Clinic"].value == 12
    own = _section(build_report(session, None, WAVE, "Quiet Pantry"), "family")
    assert own.responses.value == 13  # its own count does not depend on who shares
    small.share_results = True
    session.flush()
    parts = {
        p.label: p.responses for p in _section(build_report(session, None, WAVE), "family").parts
    }
    assert parts["Partners not sharing results (1)"].value == 13
    assert parts["Web link, Small Library"].status is Status.SMALL


def _by_channel(session, build, wave, survey, library_responses):  # type: ignore[no-untyped-def]
    from app.models import Channel

    clinic, library = build.partner("Sharing Clinic"), build.partner("Small Library")
    clinic.share_results = library.share_results = True
    build.respond(survey, wave, "family", {ITEM: ["4"] * 15}, expected=30)
    build.respond(survey, wave, "family", {ITEM: ["2"] * 12}, clinic, expected=20)
    build.respond(survey, wave, "family", {ITEM: ["3"] * library_responses}, library, expected=5)
    for partner in (clinic, library):
        build.link(survey, wave, "family", partner).channel = Channel.EMAIL
    session.flush()
    return _section(build_report(session, None, WAVE), "family")


def test_the_summary_gives_each_channels_rate_across_partners(session, build, two_waves, survey):
    family = _by_channel(session, build, two_waves[1], survey, library_responses=12)
    channels = {c.label: (c.responses.value, c.expected, c.rate.value) for c in family.channels}
    assert channels == {"Web link": (15, 30, 50.0), "Email": (24, 25, 96.0)}
    report = build_report(session, None, WAVE)
    summary = render_html(report).split('id="summary"')[1].split("</section>")[0]
    assert '<th scope="row" class="part">Email</th>' in summary and "96%" in summary
    rows = [r for r in render_csv(report).splitlines() if ",Email," in r and "Sharing" not in r]
    assert rows and ",24," in rows[0]


def test_a_channel_is_shown_only_as_a_sum_of_shown_counts(session, build, two_waves, survey):
    """The email links' 15 responses are the clinic's 12 (withheld: beside the
    general links' 15 they would give the library's 3 away) and the library's 3: a
    channel total is shown only when every part of it is."""
    family = _by_channel(session, build, two_waves[1], survey, library_responses=3)
    parts = {p.label: p.responses.status for p in family.parts}
    assert parts["Email, Sharing Clinic"] is Status.WITHHELD
    channels = {c.label: c.responses for c in family.channels}
    assert channels["Web link"].value == 15
    assert channels["Email"].status is Status.WITHHELD and channels["Email"].value is None
