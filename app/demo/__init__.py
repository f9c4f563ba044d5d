"""Demo data a coordinator would believe: six partners, two review waves, their links
and synthetic responses, repeatable for a given seed.

- ``plan``: who the partnership is, which links exist, how many answered each (rates
  between 20% and 95%, one visibly low, a small partner under the threshold).
- ``answers``: how each respondent answers (:func:`answers.demo_answer` asks each
  question's type, which draws on the respondent's profile), with distributions that
  differ by item, audience and wave.
- ``texts``: comments and interview notes in English and Spanish.
- ``storage``: bulk writes (COPY on PostgreSQL).

Every timestamp is in the past. With ``release_min_n`` the closed previous wave is
released to partners as a coordinator would at its close (audited), so partner users
and the packet have a review to compare with.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import typing as t
import uuid
from collections.abc import Callable, Mapping

import sqlalchemy as sa
from sqlalchemy import orm

from app import audit
from app.definitions.sync import definition_of, latest_version
from app.demo.answers import Profile, Tendencies, answer_rows, demo_answer
from app.demo.plan import allocate, ensure_partners, ensure_waves, plan_links, set_expected
from app.demo.storage import ANSWER_COLUMNS, bulk_insert, reset_sequences
from app.demo.texts import Writer
from app.models import Answer, Audience, Response, Survey, Wave
from app.models.base import table_of

SPANISH_SHARE = {
    Audience.FAMILY: 0.42,
    Audience.STUDENT: 0.16,
    Audience.STAFF: 0.04,
    Audience.PARTNER: 0.05,
}
FIRST_HOUR, LAST_HOUR = 7, 21  # people answer between 7:00 and 21:00


@dataclasses.dataclass
class DemoSummary:
    partners: int
    waves: int
    links: int
    responses: int
    answers: int
    released: str | None = None  # what happened to the closed wave's release
    review: str | None = None  # the closed wave's past review and its actions


def _window(wave: Wave, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(wave.opens_on, dt.time(FIRST_HOUR), dt.UTC)
    end = dt.datetime.combine(wave.closes_on, dt.time(LAST_HOUR), dt.UTC)
    return start, max(start, min(end, now - dt.timedelta(minutes=20)))


def _submitted_at(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    """A moment in the window: most answers come in the first weeks, in waking hours."""
    days = max(0, (end - start).days)
    day = start + dt.timedelta(days=int(days * rng.random() ** 1.4))
    moment = day + dt.timedelta(seconds=rng.randint(0, (LAST_HOUR - FIRST_HOUR) * 3600))
    if moment > end:
        moment = end - dt.timedelta(seconds=rng.randint(0, 6 * 3600))
    return max(start, moment)


def generate(
    session: orm.Session,
    n_responses: int,
    seed: int = 1,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
    chunk: int = 2000,
    *,
    release_min_n: int | None = None,
    report_settings: Mapping[str, t.Any] | None = None,
    now: dt.datetime | None = None,
) -> DemoSummary:
    """Create partners, waves and links if missing, then ``n_responses`` responses.
    With ``report_settings`` (the app's config) as well as ``release_min_n``, the
    released wave gets a past review, its agenda made from the packet, and its actions.
    Only flushes; the caller commits."""
    now = now or dt.datetime.now(dt.UTC)
    today = today or now.date()
    partners = ensure_partners(session)
    previous, current = ensure_waves(session, today)
    planned = plan_links(session, (previous, current), partners)
    if not planned:
        raise ValueError("no surveys are stored yet; run `flask --app wsgi surveys sync` first")

    rng = random.Random(seed)
    tendencies, writer = Tendencies(seed), Writer(seed)
    latest = {s.id: latest_version(session, s.id) for s in session.scalars(sa.select(Survey))}
    versions = {sid: v for sid, v in latest.items() if v is not None}
    definitions = {sid: definition_of(v) for sid, v in versions.items()}
    counts = allocate(planned, n_responses)
    order = [k for k, count in enumerate(counts) for _ in range(count)]
    rng.shuffle(order)  # responses arrive interleaved across links
    windows = {w.id: _window(w, now) for w in (previous, current)}

    next_response = (session.scalar(sa.select(sa.func.max(Response.id))) or 0) + 1
    uuid_rng = random.Random(seed * 7919 + next_response)
    total_answers = 0
    for begin in range(0, len(order), chunk):
        responses, answers = [], []
        for k in order[begin : begin + chunk]:
            link = planned[k].link
            audience = link.audience
            language = "es" if rng.random() < SPANISH_SHARE[audience] else "en"
            submitted = _submitted_at(rng, *windows[link.wave_id])
            profile = Profile(
                audience,
                link.wave_id == current.id,
                link.partner_id,
                language,
                rng,
                tendencies,
                writer,
                today,
            )
            responses.append(
                {
                    "id": next_response,
                    "submission_uuid": uuid.UUID(int=uuid_rng.getrandbits(128), version=4),
                    "link_id": link.id,
                    "survey_id": link.survey_id,
                    "survey_version_id": versions[link.survey_id].id,
                    "wave_id": link.wave_id,
                    "audience": audience.value,
                    "partner_id": link.partner_id,
                    "language": language,
                    "started_at": submitted - dt.timedelta(seconds=rng.randint(150, 1100)),
                    "submitted_at": submitted,
                }
            )
            facts = (next_response, link.survey_id, link.wave_id, audience.value, link.partner_id)
            for row in answer_rows(definitions[link.survey_id], profile):
                answers.append((*facts, row.item_id, row.choice, row.value_num, row.value_text))
            next_response += 1
        bulk_insert(
            session, table_of(Response), list(responses[0]), [tuple(r.values()) for r in responses]
        )
        bulk_insert(session, table_of(Answer), ANSWER_COLUMNS, answers)
        total_answers += len(answers)
        if progress:
            progress(len(responses))
    reset_sequences(session)
    set_expected(session, planned)
    released = None
    if release_min_n is not None:
        released = release_closed_wave(session, previous, release_min_n, today)
    review = None
    if release_min_n is not None and report_settings is not None:
        from app.demo.reviews import add_past_review

        review = add_past_review(session, previous, partners, report_settings, today)
    return DemoSummary(len(partners), 2, len(planned), n_responses, total_answers, released, review)


def release_closed_wave(session: orm.Session, wave: Wave, min_n: int, today: dt.date) -> str:
    """Release ``wave`` to partners as its coordinator would have a few days after it
    closed (audited); a re-release the rule refuses leaves the last one in place."""
    from reports.releases import ReleaseRefused, latest_release, make_release

    earlier = latest_release(session, wave.id)
    answered = session.scalar(
        sa.select(sa.func.count()).select_from(Response).where(Response.wave_id == wave.id)
    )
    if earlier is None and not answered:
        return f"“{wave.name}” not released: it has no responses yet"
    try:
        release = make_release(session, wave, None, min_n, today=today)
    except ReleaseRefused as refused:
        if earlier is None:
            return f"“{wave.name}” not released: {refused}"
        return f"“{wave.name}” keeps release {earlier.number}: {refused}"
    if earlier is None:
        made = dt.datetime.combine(wave.closes_on + dt.timedelta(days=3), dt.time(15), dt.UTC)
        release.made_at = min(made, dt.datetime.now(dt.UTC))
    audit.record(
        session,
        None,
        "release",
        f"wave:{wave.id}",
        {"wave": wave.name, "release": release.number, "responses": release.responses},
    )
    session.flush()
    return f"“{wave.name}” released to partners (release {release.number})"


__all__ = ["DemoSummary", "Profile", "Tendencies", "demo_answer", "generate"]
