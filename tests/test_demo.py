"""The demo data a coordinator first sees, and the packet built from it: believable
figures (rates, timestamps, comments, changes and gaps) and the packet's page budget."""

from __future__ import annotations

import collections
import datetime as dt
import random

import sqlalchemy as sa

from app.definitions.sync import definition_of, latest_version
from app.demo.answers import Profile, Tendencies, demo_answer
from app.demo.texts import Writer
from app.models import (
    Answer,
    Audience,
    AuditEvent,
    Link,
    Partner,
    Release,
    Response,
    Survey,
    Wave,
)
from bench.packet_pages import PAGE_BUDGET, SUMMARY_BUDGET, pdf_facts


def load_demo(runner, responses: int, seed: int) -> None:  # type: ignore[no-untyped-def]
    assert runner.invoke(args=["surveys", "sync"]).exit_code == 0
    result = runner.invoke(args=["demo", "--responses", str(responses), "--seed", str(seed)])
    assert result.exit_code == 0, result.output
    assert "released to partners (release 1)" in result.output


def percent_favourable(session, slug: str, item: str, audience: str, wave: int) -> float:  # type: ignore[no-untyped-def]
    """Top two boxes of a five-point item, "don't know" left out."""
    counts = dict(
        session.execute(
            sa.select(Answer.choice, sa.func.count())
            .join(Survey, Survey.id == Answer.survey_id)
            .where(
                Survey.slug == slug,
                Answer.item_id == item,
                Answer.audience == audience,
                Answer.wave_id == wave,
            )
            .group_by(Answer.choice)
        ).all()
    )
    counts.pop("dk", None)
    return 100 * (counts.get("4", 0) + counts.get("5", 0)) / sum(counts.values())


def test_demo_data_reads_like_a_real_partnership(runner, session):  # type: ignore[no-untyped-def]
    load_demo(runner, 1200, seed=7)
    partners = list(session.scalars(sa.select(Partner)))
    assert len(partners) == 6 and sum(p.share_results for p in partners) == 4
    previous, current = session.scalars(sa.select(Wave).order_by(Wave.opens_on))
    today = dt.date.today()
    assert previous.state(today) == "closed" and current.state(today) == "open"
    (release,) = session.scalars(sa.select(Release))
    assert release.wave_id == previous.id
    assert session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "release"))

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    latest = session.scalar(sa.select(sa.func.max(Response.submitted_at)))
    assert latest.replace(tzinfo=None) < now
    assert release.made_at.replace(tzinfo=None) < now
    assert not session.scalar(
        sa.select(sa.func.count())
        .select_from(Response)
        .where(Response.started_at >= Response.submitted_at)
    )

    held = dict(
        session.execute(
            sa.select(Response.link_id, sa.func.count()).group_by(Response.link_id)
        ).all()
    )
    rates = [
        held[link.id] / link.expected_n
        for link in session.scalars(sa.select(Link).where(Link.expected_n.is_not(None)))
        if held.get(link.id)
    ]
    assert 0.2 <= min(rates) < 0.25 and max(rates) <= 0.95

    # A small partner: its staff are fewer than the threshold, and far fewer than the
    # next partner's (who reach the threshold at the demo's 2,000 responses).
    staff = dict(
        session.execute(
            sa.select(Partner.name, sa.func.count())
            .join(Response, Response.partner_id == Partner.id)
            .join(Survey, Survey.id == Response.survey_id)
            .where(Survey.slug == "partner-feedback", Response.wave_id == current.id)
            .group_by(Partner.name)
        ).all()
    )
    smallest, next_one = sorted(staff.values())[:2]
    assert 0 < smallest < 10 and 2 * smallest < next_one

    written = [
        (text, language)
        for text, language, item in session.execute(
            sa.select(Answer.value_text, Response.language, Answer.item_id)
            .join(Response, Response.id == Answer.response_id)
            .where(Answer.value_text.is_not(None), Answer.choice.is_(None))
        )
        if item.startswith(("comments.", "interview"))
    ]
    repeats = collections.Counter(text for text, _language in written)
    assert len(written) > 250 and len(repeats) > 0.85 * len(written)
    assert {language for _text, language in written} == {"en", "es"}
    notes = session.scalar(
        sa.select(sa.func.count()).select_from(Answer).where(Answer.item_id.like("interview.%"))
    )
    assert notes > 20

    # Distributions differ by audience, item and wave, without extremes.
    family_referral = percent_favourable(
        session, "family-feedback", "comm.referral_process_clear", "family", current.id
    )
    partner_referral = percent_favourable(
        session, "partner-feedback", "comm.referral_process_clear", "partner", current.id
    )
    assert partner_referral - family_referral > 15
    moves = [
        percent_favourable(session, "family-feedback", item, "family", current.id)
        - percent_favourable(session, "family-feedback", item, "family", previous.id)
        for item in ("help.know_where_to_get_help", "access.services_easy_to_access")
    ]
    assert moves[0] > 5 and moves[1] < -5
    for slug, item, audience, n in session.execute(
        sa.select(Survey.slug, Answer.item_id, Answer.audience, sa.func.count())
        .join(Survey, Survey.id == Answer.survey_id)
        .where(Answer.wave_id == current.id, Answer.item_id.like("%.%"), Answer.choice == "5")
        .group_by(Survey.slug, Answer.item_id, Answer.audience)
    ).all():
        if n > 40:
            favourable = percent_favourable(session, slug, item, audience.value, current.id)
            assert 10 < favourable < 92, (slug, item, audience, favourable)


def test_demo_answers_come_from_one_function_for_every_type(runner, session):  # type: ignore[no-untyped-def]
    assert runner.invoke(args=["surveys", "sync"]).exit_code == 0
    profile = Profile(
        Audience.FAMILY,
        True,
        None,
        "es",
        random.Random(1),
        Tendencies(1),
        Writer(1),
        dt.date.today(),
    )
    asked: set[str] = set()
    answered: collections.Counter[str] = collections.Counter()
    definitions = [
        definition_of(latest_version(session, s.id)) for s in session.scalars(sa.select(Survey))
    ]
    for _ in range(30):
        for definition in definitions:
            for _page, questions in definition.pages:
                for question in questions:
                    if not question.answerable:
                        continue
                    asked.add(question.name)
                    value = demo_answer(question, profile)
                    if value is not None:
                        # The value is one the type itself turns into stored rows.
                        assert question.answer_rows(value), (question.item, value)
                        answered[question.name] += 1
    assert asked >= {"likert_group", "rating", "yes_no", "long_text", "consent", "short_text"}
    assert set(answered) == asked, asked - set(answered)


def test_demo_packets_keep_their_page_budget_and_ask_three_to_six_questions(  # type: ignore[no-untyped-def]
    runner, session, app
):
    from reports import build_report, render

    load_demo(runner, 2000, seed=7)
    wave = session.scalar(sa.select(Wave.name).order_by(Wave.opens_on.desc()).limit(1))
    config = app.config
    options = {
        "min_cell": config["MIN_CELL_SIZE"],
        "comment_min": config["COMMENT_MIN_CELL_SIZE"],
    }
    whole = pdf_facts(render(build_report(session, None, wave, **options), "pdf"))
    assert whole["before_appendix"] <= PAGE_BUDGET, whole
    assert whole["summary"] <= SUMMARY_BUDGET, whole
    assert whole["fewer"] + whole["withheld"] <= 12, whole

    partner = "Riverside Community Health Clinic"
    report = build_report(session, None, wave, partner, **options)
    shown = [
        item
        for group in report.sections
        if not group.responses.no_data
        for question in group.questions
        for item in question.items
        if item.kind == "scored"
    ]
    assert shown and sum(item.n.shown for item in shown) > 0.9 * len(shown)
    theirs = pdf_facts(render(report, "pdf"))
    assert theirs["before_appendix"] <= PAGE_BUDGET and theirs["fewer"] + theirs["withheld"] <= 8, (
        theirs
    )
    # Every packet's summary gives the meeting three to six questions, the whole
    # school's and each partner's, in the past wave (nothing earlier to change from) as
    # in the current one; only a packet with nothing shown (the small partner's) has none.
    questions = {}
    for wave_name in session.scalars(sa.select(Wave.name)):
        for scope in [None, *session.scalars(sa.select(Partner.name))]:
            summary = build_report(session, None, wave_name, scope, **options).summary
            questions[wave_name, scope] = len(summary.questions)
            assert (3 <= questions[wave_name, scope] <= 6) or summary.empty, questions
    assert list(questions.values()).count(0) == 2, questions  # the small partner's two
