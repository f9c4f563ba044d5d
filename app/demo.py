"""Demo data: partners, two review waves, links, and realistic synthetic responses.

Distributions differ by item, audience and wave so reports have something to show:
families see referral and communication less favourably than partners do, and the
current wave moved on some items. Repeatable for a given seed. Rows are written in
bulk (COPY on PostgreSQL) so 100,000 responses take seconds, not minutes.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import hashlib
import random
import typing as t
import uuid
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy import orm

from app.admin.services.links import create_link
from app.definitions.survey import SurveyDefinition, evaluate
from app.definitions.sync import definition_of, latest_version
from app.models import (
    Answer,
    Audience,
    Channel,
    Link,
    Partner,
    PartnerCategory,
    Response,
    Survey,
    Wave,
)

DEMO_PARTNERS = [
    ("Riverside Community Health Clinic", PartnerCategory.HEALTHCARE_PROVIDER),
    ("Familias Unidas Family Resource Center", PartnerCategory.COMMUNITY_NONPROFIT),
    ("Eastside After-School Club", PartnerCategory.OUT_OF_SCHOOL_TIME),
    ("County Juvenile Probation Youth Services", PartnerCategory.JUVENILE_JUSTICE),
    ("Bright Path Counseling Associates", PartnerCategory.CONTRACTED_PROVIDER),
    ("Neighborhood Faith Alliance", PartnerCategory.OTHER),
]

DEFAULT_CHANNEL = {
    Audience.FAMILY: Channel.FLYER_QR,
    Audience.STUDENT: Channel.IN_CLASS,
    Audience.STAFF: Channel.EMAIL,
    Audience.PARTNER: Channel.EMAIL,
}
EXPECTED = {Audience.FAMILY: 900, Audience.STUDENT: 1200, Audience.STAFF: 120, Audience.PARTNER: 40}
# Relative share of responses per audience.
AUDIENCE_WEIGHT = {Audience.FAMILY: 4, Audience.STUDENT: 5, Audience.STAFF: 2, Audience.PARTNER: 1}
SPANISH_SHARE = {
    Audience.FAMILY: 0.4,
    Audience.STUDENT: 0.15,
    Audience.STAFF: 0.05,
    Audience.PARTNER: 0.05,
}
# How favourably each audience tends to answer (added to an item's base tendency).
AUDIENCE_LEAN = {
    Audience.FAMILY: -0.12,
    Audience.STUDENT: -0.05,
    Audience.STAFF: 0.05,
    Audience.PARTNER: 0.12,
}

COMMENTS = {
    "en": [
        "The counselor called me back the same week. That meant a lot.",
        "I did not know the clinic was at the school until this year.",
        "Forms only came in English, so I had to ask my son to translate.",
        "Wait times for therapy are too long, almost two months.",
        "The after-school program is the best thing for my daughter.",
        "More information in Spanish, please, and by text message.",
        "Teachers notice when kids are struggling but don't always know who to call.",
        "Referrals get lost between the school and the clinic.",
        "Please have meetings in the evening so working parents can come.",
        "The staff are kind and respect our culture.",
        "We need a clear person to contact at the school.",
        "Good communication this semester, much better than last year.",
    ],
    "es": [
        "La consejera me llamó la misma semana. Eso significó mucho.",
        "No sabía que la clínica estaba en la escuela hasta este año.",
        "Los formularios solo venían en inglés y mi hijo tuvo que traducir.",
        "La espera para la terapia es muy larga, casi dos meses.",
        "El programa después de clases es lo mejor para mi hija.",
        "Más información en español, por favor, y por mensaje de texto.",
        "Necesitamos una persona clara a quien llamar en la escuela.",
        "El personal es amable y respeta nuestra cultura.",
        "Las reuniones deberían ser por la tarde para los padres que trabajan.",
    ],
}
SHORT_TEXTS = {
    "en": ["Helpful", "Slow", "Caring", "Confusing", "Welcoming"],
    "es": ["Útil", "Lento", "Amable", "Confuso", "Acogedor"],
}


@dataclasses.dataclass
class DemoSummary:
    partners: int
    waves: int
    links: int
    responses: int
    answers: int


def ensure_partners(session: orm.Session) -> list[Partner]:
    partners = []
    for name, category in DEMO_PARTNERS:
        partner = session.scalar(sa.select(Partner).where(Partner.name == name))
        if partner is None:
            partner = Partner(name=name, category=category)
            session.add(partner)
        partners.append(partner)
    session.flush()
    return partners


def ensure_waves(session: orm.Session, today: dt.date) -> tuple[Wave, Wave]:
    """A closed previous review about six months ago and an open current one."""
    season = "Fall" if today.month >= 7 else "Spring"
    prev_season = "Spring" if season == "Fall" else "Fall"
    prev_year = today.year if season == "Fall" else today.year - 1
    specs = [
        (
            f"{prev_year} {prev_season} review",
            today - dt.timedelta(days=210),
            today - dt.timedelta(days=160),
            False,
        ),
        (
            f"{today.year} {season} review",
            today - dt.timedelta(days=28),
            today + dt.timedelta(days=30),
            True,
        ),
    ]
    waves = []
    for name, opens, closes, is_open in specs:
        wave = session.scalar(sa.select(Wave).where(Wave.name == name))
        if wave is None:
            wave = Wave(name=name, opens_on=opens, closes_on=closes, is_open=is_open)
            session.add(wave)
        waves.append(wave)
    session.flush()
    return waves[0], waves[1]


def ensure_links(
    session: orm.Session, waves: t.Sequence[Wave], partners: list[Partner]
) -> list[Link]:
    """Links for every survey x audience in each wave: one general link, plus one per
    partner for partner-audience surveys, plus partner text-message links for families."""
    links: list[Link] = []
    for survey in session.scalars(sa.select(Survey).order_by(Survey.slug)):
        version = latest_version(session, survey.id)
        if version is None:
            continue
        definition = definition_of(version)
        for wave in waves:
            for audience_name in definition.header.audiences:
                audience = Audience(audience_name)
                channel = (
                    Channel.INTERVIEW if definition.is_interview else DEFAULT_CHANNEL[audience]
                )
                specs: list[tuple[Partner | None, Channel, int | None]] = [
                    (None, channel, None if definition.is_interview else EXPECTED[audience])
                ]
                if audience is Audience.PARTNER:
                    specs = [(p, Channel.EMAIL, 6) for p in partners]
                elif audience is Audience.FAMILY:
                    specs += [(p, Channel.TEXT_MESSAGE, 150) for p in partners[:2]]
                for partner, chan, expected in specs:
                    existing = session.scalar(
                        sa.select(Link).where(
                            Link.survey_id == survey.id,
                            Link.wave_id == wave.id,
                            Link.audience == audience,
                            Link.channel == chan,
                            Link.partner_id == partner.id if partner else Link.partner_id.is_(None),
                        )
                    )
                    links.append(
                        existing
                        or create_link(session, survey, wave, audience, partner, chan, expected)
                    )
    return links


def _unit(*parts: t.Any) -> float:
    """A stable pseudo-random number in [0, 1) from the given parts."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class _Generator:
    def __init__(self, seed: int, current_wave_id: int):
        self.rng = random.Random(seed)
        self.seed = seed
        self.current_wave_id = current_wave_id
        self._weights: dict[tuple[t.Any, ...], tuple[list[str], list[float]]] = {}

    def lean(self, item: str, audience: Audience, wave_id: int) -> float:
        base = 0.35 + 0.45 * _unit(self.seed, item)
        lean = AUDIENCE_LEAN[audience]
        if item.startswith(("comm.", "access.")) and audience is Audience.FAMILY:
            lean -= 0.15
        if wave_id == self.current_wave_id:
            lean += 0.25 * (_unit(self.seed, item, "trend") - 0.4)
        return min(0.92, max(0.08, base + lean))

    def pick_scored(self, question: t.Any, item: str, audience: Audience, wave_id: int) -> str:
        key = (item, audience, wave_id)
        if key not in self._weights:
            scoring = question.scoring(item)
            codes = [o.value for o in scoring.options]
            p = self.lean(item, audience, wave_id)
            if scoring.reverse:
                p = 1 - p
            scored = [o for o in scoring.options if not o.excluded]
            n = len(scored)
            weights = []
            for option in scoring.options:
                if option.excluded:
                    weights.append(0.05)
                else:
                    rank = scored.index(option) / max(1, n - 1)  # 0 = lowest score
                    weights.append(max(0.02, 1 - abs(rank - p) * 1.8) ** 2)
            total = sum(weights)
            cumulative, acc = [], 0.0
            for w in weights:
                acc += w / total
                cumulative.append(acc)
            self._weights[key] = (codes, cumulative)
        codes, cumulative = self._weights[key]
        index = bisect.bisect_left(cumulative, self.rng.random())
        return codes[min(index, len(codes) - 1)]

    def value_for(self, question: t.Any, audience: Audience, wave_id: int, language: str) -> t.Any:
        rng = self.rng
        kind = question.name
        d = question.definition
        if kind == "likert":
            return self.pick_scored(question, question.item, audience, wave_id)
        if kind == "likert_group":
            return {r.item: self.pick_scored(question, r.item, audience, wave_id) for r in d.rows}
        if kind == "rating":
            return int(self.pick_scored(question, question.item, audience, wave_id))
        if kind == "single_choice":
            codes = question.codes()
            choice = codes[min(int(rng.random() ** 1.6 * len(codes)), len(codes) - 1)]
            return {
                "choice": choice,
                "other": rng.choice(SHORT_TEXTS[language]) if choice == "other" else None,
            }
        if kind == "multiple_choice":
            codes = question.codes()
            chosen = [c for c in codes if rng.random() < 0.35] or [codes[0]]
            if d.max_choices:
                chosen = chosen[: d.max_choices]
            return {
                "choices": chosen,
                "other": rng.choice(SHORT_TEXTS[language]) if "other" in chosen else None,
            }
        if kind == "yes_no":
            return "yes" if rng.random() < self.lean(question.item, audience, wave_id) else "no"
        if kind == "number":
            low = d.min if d.min is not None else 0
            high = d.max if d.max is not None else low + 10
            return int(low + (high - low) * rng.random() ** 2)
        if kind == "short_text":
            return rng.choice(SHORT_TEXTS[language]) if rng.random() < 0.4 else None
        if kind == "long_text":
            return rng.choice(COMMENTS[language]) if rng.random() < 0.3 else None
        if kind == "date":
            return dt.date.today() - dt.timedelta(days=rng.randint(10, 400))
        if kind == "consent":
            return True
        return None

    def answers(
        self, definition: SurveyDefinition, audience: Audience, wave_id: int, language: str
    ) -> list[t.Any]:
        rows: list[t.Any] = []
        seen: dict[str, t.Any] = {}
        for page, questions in definition.pages:
            if not evaluate(page.show_if, seen):
                continue
            for question in questions:
                if not question.answerable or not evaluate(question.definition.show_if, seen):
                    continue
                if not question.definition.required and self.rng.random() < 0.06:
                    continue
                value = self.value_for(question, audience, wave_id, language)
                if value is None:
                    continue
                seen.update(question.condition_values(value))
                rows.extend(question.answer_rows(value))
        return rows


def generate(
    session: orm.Session,
    n_responses: int,
    seed: int = 1,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
    chunk: int = 2000,
) -> DemoSummary:
    """Create partners, waves and links if missing, then ``n_responses`` responses."""
    today = today or dt.date.today()
    partners = ensure_partners(session)
    previous, current = ensure_waves(session, today)
    links = ensure_links(session, (previous, current), partners)
    if not links:
        raise ValueError("no surveys are stored yet; run `flask --app wsgi surveys sync` first")

    gen = _Generator(seed, current.id)
    versions = {s.id: latest_version(session, s.id) for s in session.scalars(sa.select(Survey))}
    definitions = {sid: definition_of(v) for sid, v in versions.items() if v is not None}
    weights = [
        AUDIENCE_WEIGHT[link.audience] * (1.3 if link.wave_id == current.id else 1.0)
        for link in links
    ]
    if any(d.is_interview for d in definitions.values()):
        weights = [
            w * (0.1 if definitions[link.survey_id].is_interview else 1)
            for w, link in zip(weights, links, strict=True)
        ]
    link_rows = [
        (
            link.id,
            link.survey_id,
            versions[link.survey_id].id,
            link.wave_id,
            link.audience,
            link.partner_id,
            link.wave.opens_on,
            min(link.wave.closes_on, today),
        )
        for link in links
    ]
    next_response = (session.scalar(sa.select(sa.func.max(Response.id))) or 0) + 1
    uuid_rng = random.Random(seed * 7919 + next_response)
    total_answers = 0
    done = 0
    while done < n_responses:
        size = min(chunk, n_responses - done)
        responses, answers = [], []
        for chosen in gen.rng.choices(link_rows, weights=weights, k=size):
            link_id, survey_id, version_id, wave_id, audience, partner_id, opens, closes = chosen
            language = "es" if gen.rng.random() < SPANISH_SHARE[audience] else "en"
            span = max(0, (closes - opens).days)
            day = opens + dt.timedelta(days=gen.rng.randint(0, span))
            submitted = dt.datetime.combine(day, dt.time(7), dt.UTC) + dt.timedelta(
                seconds=gen.rng.randint(0, 14 * 3600)
            )
            responses.append(
                {
                    "id": next_response,
                    "submission_uuid": uuid.UUID(int=uuid_rng.getrandbits(128), version=4),
                    "link_id": link_id,
                    "survey_id": survey_id,
                    "survey_version_id": version_id,
                    "wave_id": wave_id,
                    "audience": audience.value,
                    "partner_id": partner_id,
                    "language": language,
                    "started_at": submitted - dt.timedelta(seconds=gen.rng.randint(120, 900)),
                    "submitted_at": submitted,
                }
            )
            facts = (next_response, survey_id, wave_id, audience.value, partner_id)
            for row in gen.answers(definitions[survey_id], audience, wave_id, language):
                answers.append((*facts, row.item_id, row.choice, row.value_num, row.value_text))
            next_response += 1
        _bulk_insert(
            session, Response.__table__, list(responses[0]), [tuple(r.values()) for r in responses]
        )
        _bulk_insert(session, Answer.__table__, ANSWER_COLUMNS, answers)
        total_answers += len(answers)
        done += size
        if progress:
            progress(size)
    _reset_sequences(session)
    return DemoSummary(len(partners), 2, len(links), n_responses, total_answers)


# An answer copies its response's survey, wave, audience and partner (see models.Answer).
ANSWER_COLUMNS = [
    "response_id",
    "survey_id",
    "wave_id",
    "audience",
    "partner_id",
    "item_id",
    "choice",
    "value_num",
    "value_text",
]


def _bulk_insert(
    session: orm.Session, table: sa.Table, columns: list[str], rows: list[tuple[t.Any, ...]]
) -> None:
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    # Apply each column type's own conversion (UUIDs, dates) once, then hand plain tuples
    # to the driver: the ORM's stored format without per-row statement compilation.
    processors = [
        (i, proc)
        for i, c in enumerate(columns)
        if (proc := table.c[c].type.dialect_impl(conn.dialect).bind_processor(conn.dialect))
    ]
    if processors:
        converted = []
        for row in rows:
            values = list(row)
            for i, proc in processors:
                values[i] = proc(values[i])
            converted.append(tuple(values))
        rows = converted
    marks = ", ".join("?" * len(columns))
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", rows)


def _reset_sequences(session: orm.Session) -> None:
    """After inserting explicit ids, move PostgreSQL's id sequences past them."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return
    for table in ("response", "answer"):
        conn.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
            )
        )


__all__ = ["DemoSummary", "generate"]
