"""Soft-deleted responses are in no figure, count or comment of any report: reports
subtract their answers from aggregates over the whole answer table, so adding deleted
responses of every shape must leave every report exactly as it was."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from app.models import Response
from reports import build_report, render_csv, render_html
from tests.reports.helpers import DATA, expand

NOW, BEFORE = "2026 Fall review", "2026 Spring review"
DELETED_COMMENT = "Deleted comment that no report may show"


def live_answers(n: int, seed: int) -> dict[str, list]:
    codes = ["1", "2", "3", "4", "5", "dk"]
    return {
        "comm.referral_process_clear": [codes[(k * seed) % 6] for k in range(n)],
        "access.wait_too_long": [codes[(k + seed) % 6] for k in range(n)],
        "contact": [("text", "email", None)[k % 3] for k in range(n)],
        "channels": [(["flyer"], ["flyer", "school"], ["school"])[k % 3] for k in range(n)],
        "children": [1 + (k * seed) % 4 for k in range(n)],
        "comments": [f"Live comment {seed}-{k}" if k % 2 else None for k in range(n)],
    }


def deleted_answers(n: int) -> dict[str, list]:
    """Unlike any live answer, so any leak moves a figure."""
    return {
        "comm.referral_process_clear": ["5"] * n,
        "access.wait_too_long": expand({"1": n - 1, "dk": 1}),
        "contact": ["email"] * n,
        "channels": [["school"]] * n,
        "children": [9] * n,
        "comments": [DELETED_COMMENT] * n,
    }


@pytest.fixture
def survey_data(build, two_waves):
    before, now = two_waves
    survey = build.survey(DATA / "report-test.yaml")
    mirror = build.survey(DATA / "report-mirror.yaml")
    clinic, ghost = build.partner("Clinic"), build.partner("Ghost")
    # Ghost's link exists before any answer: only its (deleted) responses come later.
    build.link(survey, now, "family", ghost)
    build.respond(survey, now, "family", live_answers(40, 1), expected=300)
    build.respond(survey, now, "family", live_answers(25, 2), partner=clinic)
    build.respond(survey, now, "staff", live_answers(15, 3))
    build.respond(survey, before, "family", live_answers(30, 5))
    build.respond(mirror, now, "staff", {"comm.referral_process_clear": expand({"4": 12, "2": 8})})
    return survey, mirror, before, now, clinic, ghost


def reports(session) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    """Every view a coordinator can ask for, as comparable values and rendered text."""
    by_view = {}
    for name, args in {
        "whole": ("report-test", NOW),
        "clinic": ("report-test", NOW, "Clinic"),
        "packet": (None, NOW),
        "previous": ("report-test", BEFORE),
    }.items():
        report = build_report(session, *args, min_cell=5, comment_min=5)
        report = dataclasses.replace(report, generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        by_view[name] = (report, render_csv(report), render_html(report))
    return by_view


def test_deleted_responses_change_no_figure_count_or_comment(session, build, survey_data):
    survey, mirror, before, now, clinic, ghost = survey_data
    session.flush()
    expected = reports(session)
    assert expected["whole"][0].sections[0].responses.value == 40 + 25
    assert "Live comment" in expected["whole"][2]

    # Deleted at submission time (every group, a partner with nothing else, both waves,
    # the mirrored instrument) ...
    build.respond(survey, now, "family", deleted_answers(12), deleted=True)
    build.respond(survey, now, "family", deleted_answers(7), partner=clinic, deleted=True)
    build.respond(survey, now, "family", deleted_answers(11), partner=ghost, deleted=True)
    build.respond(survey, now, "staff", deleted_answers(6), deleted=True)
    build.respond(survey, before, "family", deleted_answers(9), deleted=True)
    build.respond(mirror, now, "staff", {"comm.referral_process_clear": ["1"] * 10}, deleted=True)
    # ... and the way coordinators delete: later, by setting deleted_at on the response.
    later = build.respond(survey, now, "family", deleted_answers(8), partner=clinic)
    later += build.respond(survey, now, "staff", deleted_answers(5))
    session.execute(
        sa.update(Response)
        .where(Response.id.in_([r.id for r in later]))
        .values(deleted_at=dt.datetime(2026, 10, 20, tzinfo=dt.UTC))
    )
    session.flush()
    deleted = sa.select(sa.func.count()).where(Response.deleted_at.is_not(None))
    assert session.scalar(deleted) == 12 + 7 + 11 + 6 + 9 + 10 + 8 + 5

    after = reports(session)
    for name, (report, csv_text, html_text) in after.items():
        assert report == expected[name][0], name
        assert csv_text == expected[name][1], name
        assert html_text == expected[name][2], name
        assert DELETED_COMMENT not in html_text


def test_a_group_with_only_deleted_responses_has_no_data(session, build, two_waves):
    _before, now = two_waves
    survey = build.survey(DATA / "report-test.yaml")
    build.respond(survey, now, "family", live_answers(20, 1))
    build.respond(survey, now, "staff", deleted_answers(20), deleted=True)
    report = build_report(session, "report-test", NOW, min_cell=5, comment_min=5)
    staff = next(s for s in report.sections if s.audience == "staff")
    assert staff.responses.no_data
    items = list(staff.items())
    assert items
    for item in items:
        assert not item.n.value and not item.comment_count.value and not item.comments
        assert not item.mean.value and not any(o.count.value for o in item.options)
