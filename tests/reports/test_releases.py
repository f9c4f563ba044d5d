"""Releases: partners read a closed wave's frozen figures; a later response, deletion or
import changes nothing they were given; releasing again waits until every group changed
by none or at least N responses."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.admin.services.links import create_link
from app.models import Response
from reports import ReportError, build_report, render_csv
from reports.releases import ReleaseRefused, make_release, pending_changes
from tests.reports.helpers import DATA

ITEM = "comm.referral_process_clear"
SPRING = "2026 Spring review"


@pytest.fixture
def closed_wave(session, build, two_waves):
    spring, _fall = two_waves
    survey = build.survey(DATA / "report-test.yaml")
    clinic = build.partner("Clinic")
    build.respond(survey, spring, "family", {ITEM: ["4"] * 15 + ["2"] * 10}, clinic)
    build.respond(survey, spring, "family", {ITEM: ["5"] * 20})
    session.commit()
    return survey, spring, clinic


def test_an_open_wave_is_not_released(session, build, two_waves):
    fall = two_waves[1]
    fall.opens_on, fall.closes_on = dt.date.today(), dt.date.today() + dt.timedelta(days=9)
    with pytest.raises(ReleaseRefused, match="still open"):
        make_release(session, fall)


def test_partners_read_only_released_figures(session, closed_wave):
    _survey, spring, _clinic = closed_wave
    with pytest.raises(ReportError, match="not been released"):
        build_report(session, "report-test", SPRING, "Clinic", figures="released")
    make_release(session, spring)
    report = build_report(session, "report-test", SPRING, "Clinic", figures="released")
    assert report.release_label.startswith("Release 1 of")
    assert report.sections[0].item(ITEM).n.value == 25


def test_released_figures_never_change(session, build, closed_wave):
    survey, spring, clinic = closed_wave
    make_release(session, spring)
    before = render_csv(build_report(session, "report-test", SPRING, "Clinic", figures="released"))
    # One more response, a deletion, a late import: live figures move, released do not.
    build.respond(survey, spring, "family", {ITEM: ["1"]}, clinic)
    victim = session.scalar(sa.select(Response).order_by(Response.id).limit(1))
    victim.deleted_at = dt.datetime.now(dt.UTC)
    session.commit()
    after = render_csv(build_report(session, "report-test", SPRING, "Clinic", figures="released"))
    strip = lambda text: [row for row in text.splitlines() if not row.startswith("Prepared")]  # noqa: E731
    assert strip(after) == strip(before)
    live = build_report(session, "report-test", SPRING, "Clinic")
    assert live.sections[0].item(ITEM).n.value == 25  # 25 - 1 deleted + 1 new


def test_a_re_release_waits_for_enough_change_in_every_group(session, build, closed_wave):
    survey, spring, clinic = closed_wave
    make_release(session, spring)
    with pytest.raises(ReleaseRefused, match="nothing has changed"):
        make_release(session, spring)
    build.respond(survey, spring, "family", {ITEM: ["1"] * 3}, clinic)
    session.commit()
    changed, reason = pending_changes(session, spring, 10)
    assert changed == 3 and "3 responses changed" in reason and "families" in reason
    with pytest.raises(ReleaseRefused, match="none or at least 10"):
        make_release(session, spring)
    build.respond(survey, spring, "family", {ITEM: ["1"] * 7}, clinic)
    session.commit()
    second = make_release(session, spring)
    assert second.number == 2
    report = build_report(session, "report-test", SPRING, "Clinic", figures="released")
    assert report.sections[0].item(ITEM).n.value == 35


def test_releasing_again_waits_for_every_channel(session, build, closed_wave):
    # The clinic's group changed by 5 (enough for N = 5), but 3 of them came through its
    # web link and 2 through a new email link: the two releases' response counts per
    # channel would differ by 3 and 2 (found by the privacy oracle).
    survey, spring, clinic = closed_wave
    make_release(session, spring, min_n=5)
    build.respond(survey, spring, "family", {ITEM: ["4"] * 3}, clinic)
    key = (survey.id, spring.id, "family", clinic.id)
    web = build._links[key]
    build._links[key] = create_link(session, survey, spring, "family", clinic, "email")
    build.respond(survey, spring, "family", {ITEM: ["4"] * 2}, clinic)
    build._links[key] = web
    with pytest.raises(ReleaseRefused, match="through the (web|email) links of Clinic"):
        make_release(session, spring, min_n=5)
    assert "through the email links of Clinic" in pending_changes(session, spring, 5)[1]


def test_a_re_release_waits_for_a_small_channel_beside_an_unchanged_one(session, build, two_waves):
    """Each partner had 10 responses by email and 10 on the web; all email ones go and
    one or two come: every group changed by 11 or more, but the web's 20 are unchanged,
    so the whole (23) minus the web's 20 would tell that 3 answered by email."""
    from app.models import Channel

    spring, _fall = two_waves
    survey = build.survey(DATA / "report-test.yaml")
    first, second = build.partner("First Clinic"), build.partner("Second Clinic")
    email = {}
    for partner in (first, second):
        build.respond(survey, spring, "family", {ITEM: ["4"] * 10}, partner)
        key = (survey.id, spring.id, "family", partner.id)
        web = build._links[key]
        build._links[key] = email[partner.id] = create_link(
            session, survey, spring, "family", partner, Channel.EMAIL
        )
        build.respond(survey, spring, "family", {ITEM: ["2"] * 10}, partner)
        build._links[key] = web
    session.commit()
    make_release(session, spring)
    for partner, new in ((first, 1), (second, 2)):
        for response in session.scalars(
            sa.select(Response).where(Response.link_id == email[partner.id].id)
        ):
            response.deleted_at = dt.datetime.now(dt.UTC)
        key = (survey.id, spring.id, "family", partner.id)
        web = build._links[key]
        build._links[key] = email[partner.id]
        build.respond(survey, spring, "family", {ITEM: ["1"] * new}, partner)
        build._links[key] = web
    session.commit()
    _changed, reason = pending_changes(session, spring, 10)
    assert reason and "responses through the “Email” channel changed" in reason
    with pytest.raises(ReleaseRefused, match="had or would have"):
        make_release(session, spring)


def test_a_re_release_waits_for_a_small_changed_link_beside_an_unchanged_one(
    session, build, two_waves
):
    """Two web links of one partner, 10 each; the first loses its 10 and gets 3: the
    partner and the channel changed by 13, but the second link's 10 did not, so the
    channel (13) minus that link (10, as released before) would tell the 3."""
    spring, _fall = two_waves
    survey = build.survey(DATA / "report-test.yaml")
    clinic = build.partner("Clinic")
    build.respond(survey, spring, "family", {ITEM: ["4"] * 10}, clinic)
    key = (survey.id, spring.id, "family", clinic.id)
    first = build._links[key]
    build._links[key] = create_link(session, survey, spring, "family", clinic)
    build.respond(survey, spring, "family", {ITEM: ["2"] * 10}, clinic)
    build.respond(survey, spring, "family", {ITEM: ["5"] * 12})
    session.commit()
    make_release(session, spring)
    for response in session.scalars(sa.select(Response).where(Response.link_id == first.id)):
        response.deleted_at = dt.datetime.now(dt.UTC)
    build._links[key] = first
    build.respond(survey, spring, "family", {ITEM: ["1"] * 3}, clinic)
    session.commit()
    _changed, reason = pending_changes(session, spring, 10)
    assert reason and "one link of the “Web link” channel" in reason and "Clinic" in reason
