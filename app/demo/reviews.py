"""The demo's past review: the meeting about the previous wave, its agenda made from the
released packet, and six actions it decided, in every status, with progress notes and
Spanish text written for families (not generated).

Among them: one dropped with its reason, one overdue, one owned by a partner that shares
its results, one on an item the current wave asks again, one on a Nine Elements element
and one on a perception gap between families and partners.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing as t
from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy import orm

from app import audit
from app.models import (
    ActionItem,
    ActionNote,
    ActionStatus,
    FindingKind,
    Partner,
    Review,
    Wave,
)


@dataclasses.dataclass(frozen=True)
class DemoAction:
    title: str
    title_es: str
    description: str
    description_es: str
    owner: int | None  # index into the partners that share results; None: school team
    due_in: int  # days from today (negative: in the past)
    status: ActionStatus
    notes: tuple[tuple[int, str], ...] = ()  # (days after the review, text)
    dropped_reason: str = ""
    finding_kind: FindingKind = FindingKind.NONE
    item_id: str | None = None
    audiences: str = ""
    element: int | None = None


ACTIONS = (
    DemoAction(
        "Send families a one-page guide to getting help",
        "Enviar a las familias una guía de una página para pedir ayuda",
        "A short guide, in English and Spanish, saying whom to call at school and at each "
        "partner when a child is stressed, worried or sad. Sent home in folders and by text.",
        "Una guía corta, en inglés y en español, que dice a quién llamar en la escuela y en "
        "cada organización cuando un niño está estresado, preocupado o triste. La mandamos "
        "a casa en las carpetas y por mensaje de texto.",
        None,
        -100,
        ActionStatus.DONE,
        (
            (
                14,
                "Draft written with the family liaison; two parents read it and suggested "
                "shorter sentences.",
            ),
            (40, "Printed 600 copies in each language; sent home in Friday folders and by text."),
        ),
        finding_kind=FindingKind.ITEM,
        item_id="help.know_where_to_get_help",
        audiences="family",
    ),
    DemoAction(
        "Explain the referral steps to families and partner staff together",
        "Explicar juntos los pasos para pedir un servicio, a familias y organizaciones",
        "Partner staff felt the referral steps were clear; families did not. One evening "
        "session and a printed flowchart of the steps, from the first call to the first visit.",
        "Al personal de las organizaciones los pasos les parecen claros; a las familias no. "
        "Haremos una reunión por la tarde y un dibujo impreso de los pasos, desde la primera "
        "llamada hasta la primera cita.",
        1,  # the family resource centre
        5,
        ActionStatus.IN_PROGRESS,
        (
            (30, "Flowchart drafted with the school counselor."),
            (120, "Evening session booked at the library; invitations go out next week."),
        ),
        finding_kind=FindingKind.GAP,
        item_id="comm.referral_process_clear",
        audiences="family,partner",
    ),
    DemoAction(
        "Find funding to keep the programmes running next year",
        "Buscar dinero para seguir con los programas el próximo año",
        "The school team rated long-term sustainability lowest. List what ends with this "
        "year's grant and apply to two funders before the deadline.",
        "El equipo de la escuela dio la nota más baja a la continuidad de los programas. "
        "Vamos a ver qué se termina con la beca de este año y pedir dinero a dos fundaciones.",
        None,
        -10,
        ActionStatus.PLANNED,
        ((60, "List of what the grant pays for is started; waiting on the district's figures."),),
        finding_kind=FindingKind.ELEMENT,
        element=7,
    ),
    DemoAction(
        "Train staff in trauma-informed classrooms",
        "Capacitar al personal sobre el trauma en el salón de clases",
        "A two-session workshop for teachers, run by a partner's clinicians.",
        "Un taller de dos sesiones para los maestros, con especialistas de una organización.",
        3,  # the counselling provider
        -60,
        ActionStatus.DROPPED,
        ((20, "Two dates offered; too few teachers free on either."),),
        dropped_reason="The district now offers the same training to every school for free; "
        "our teachers joined it in the spring instead.",
        finding_kind=FindingKind.ELEMENT,
        element=6,
    ),
    DemoAction(
        "Drop-in hours at the after-school club",
        "Horas de visita sin cita en el club después de clases",
        "A counselor at the club one afternoon a week, so students can ask for help where "
        "they already are.",
        "Una consejera en el club una tarde por semana, para que los estudiantes pidan ayuda "
        "donde ya están.",
        2,  # the after-school club
        30,
        ActionStatus.IN_PROGRESS,
        ((45, "Room agreed with the club; first afternoons running since last month."),),
        finding_kind=FindingKind.ITEM,
        item_id="trust.comfortable_asking_for_help",
        audiences="student",
    ),
    DemoAction(
        "Monthly check-ins between the counselor and partner staff",
        "Reuniones cada mes entre la consejera y el personal de las organizaciones",
        "Thirty minutes each month to go over open referrals and who follows up.",
        "Treinta minutos cada mes para revisar los casos abiertos y quién da seguimiento.",
        None,
        -120,
        ActionStatus.DONE,
        ((25, "First check-in held; kept to the last Tuesday of each month."),),
    ),
)

TOOK_PART = ["leadership", "mental_health_team", "teachers", "families", "partners"]
NOTES = (
    "Went through the released packet section by section. Families and partner staff see "
    "the referral steps very differently; several parents at the meeting said they had "
    "not known whom to call. Partners raised funding beyond this year."
)
DECISIONS = (
    "Six actions, listed below, each with an owner and a due date. The coordinator sends "
    "the list to every partner within a week and brings progress to the next review."
)


def _moment(day: dt.date, hour: int = 16) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


def add_past_review(
    session: orm.Session,
    previous: Wave,
    partners: Sequence[Partner],
    config: Mapping[str, t.Any],
    today: dt.date,
) -> str:
    """Add the review of ``previous`` (once), generate its agenda from the released
    packet, and add its actions. Only flushes."""
    from app.admin.services.reviews import generate_agenda

    if session.scalar(sa.select(Review.id).where(Review.wave_id == previous.id).limit(1)):
        return f"“{previous.name}” keeps its review"
    held_on = min(previous.closes_on + dt.timedelta(days=10), today - dt.timedelta(days=1))
    sharing = [p for p in partners if p.share_results and p.active]
    review = Review(
        wave=previous,
        held_on=held_on,
        took_part={"roles": TOOK_PART, "partner_ids": sorted(p.id for p in sharing[:3])},
        notes=NOTES,
        decisions=DECISIONS,
        created_at=_moment(held_on - dt.timedelta(days=3)),
        agenda={},
    )
    session.add(review)
    session.flush()
    made_at = _moment(held_on - dt.timedelta(days=2))
    generate_agenda(session, review, config, today=held_on, now=min(made_at, _moment(today, 0)))
    audit.record(session, None, "review_create", f"review:{review.id}", {"wave": previous.name})
    for spec in ACTIONS:
        action = ActionItem(
            wave_id=previous.id,
            review_id=review.id,
            title=spec.title,
            title_es=spec.title_es,
            description=spec.description,
            description_es=spec.description_es,
            owner_partner_id=(
                sharing[spec.owner % len(sharing)].id
                if spec.owner is not None and sharing
                else None
            ),
            due_on=today + dt.timedelta(days=spec.due_in),
            status=spec.status,
            dropped_reason=spec.dropped_reason,
            finding_kind=spec.finding_kind,
            item_id=spec.item_id,
            audiences=spec.audiences,
            element=spec.element,
            created_at=_moment(held_on, 18),
            updated_at=_moment(held_on, 18),
        )
        session.add(action)
        for days, text in spec.notes:
            written = min(_moment(held_on + dt.timedelta(days=days)), _moment(today, 0))
            action.notes.append(ActionNote(text=text, written_at=written))
        session.flush()
        audit.record(session, None, "action_create", f"action:{action.id}", {"title": action.title})
    session.flush()
    return f"“{previous.name}” has a past review with {len(ACTIONS)} actions"
