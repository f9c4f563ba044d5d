"""Interview mode: the interviewer is addressed, consent comes first, then the next one."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.models import Response
from tests.conftest import ROOT
from tests.factories import store_survey
from tests.respond.helpers import Respondent, open_link

INTERVIEW = ROOT / "surveys" / "community-interview.yaml"


@pytest.fixture
def interviewer(client, session):  # type: ignore[no-untyped-def]
    link = open_link(session, store_survey(session, INTERVIEW), audience="student")
    session.commit()
    return Respondent(client, link.token)


def test_first_page_reads_the_consent_script_to_the_interviewer(interviewer):
    body = interviewer.open("es").get_data(as_text=True)
    assert "Modo entrevista: tú eres quien entrevista" in body
    assert "Guion de consentimiento: léelo en voz alta" in body
    assert "Soy estudiante investigador" in body
    assert body.index("Guion de consentimiento") < body.index("¿La persona aceptó participar")
    assert "Terminar sin guardar y empezar una nueva entrevista" in body
    # A draft left on the device: the script shows this, addressing the interviewer.
    assert "¿No es tu entrevista? Empieza de nuevo" in body and "¿No es usted?" not in body


def test_no_consent_no_interview(interviewer, session):
    interviewer.open("en")
    response = interviewer.press("next", {"interviewee.role": "youth"})
    assert response.status_code == 422
    assert "Tick the box to continue." in interviewer.text
    assert "Interview questions" not in interviewer.text
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0


def test_minor_needs_parent_permission_before_the_interview(interviewer):
    interviewer.open("en")
    interviewer.press(
        "next",
        {"consent.interview": "given", "interviewee.role": "youth", "interviewee.under_18": "yes"},
    )
    assert interviewer.response.status_code == 422
    assert "Without consent the interview cannot go ahead." in interviewer.text
    interviewer.press("next", {"consent.parent_permission": "given"})
    assert "Interview questions" in interviewer.text


def test_interview_is_saved_with_role_and_notes_then_the_next_one_starts(interviewer, session):
    interviewer.open("en")
    interviewer.press(
        "next",
        {
            "consent.interview": "given",
            "interviewee.role": "business_owner",
            "interviewee.under_18": "no",
        },
    )
    interviewer.press("next", {"interview.barriers": "Cost and waiting lists."})
    assert "Save interview" in interviewer.text
    first_uuid = interviewer.field("_uuid")[0]
    interviewer.press("submit", {"interviewer.summary": "Transport came up twice."})
    thanks = interviewer.client.get(interviewer.response.headers["Location"])
    body = thanks.get_data(as_text=True)
    assert "Interview saved" in body and "Start next interview" in body
    session.rollback()  # a new snapshot, with what the requests committed
    (row,) = session.scalars(sa.select(Response)).all()
    answers = {a.item_id: a.choice or a.value_text for a in row.answers}
    assert answers == {
        "consent.interview": "given",
        "interviewee.role": "business_owner",
        "interviewee.under_18": "no",
        "interview.barriers": "Cost and waiting lists.",
        "interviewer.summary": "Transport came up twice.",
    }
    # "Start next interview" opens a fresh form with a new submission id.
    interviewer.open("en")
    assert interviewer.field("_uuid")[0] != first_uuid
    assert interviewer.field("interviewee.role") == []


def test_end_without_saving_asks_first_and_no_brings_the_interview_back(interviewer, session):
    interviewer.open("en")
    interviewer.press(
        "next",
        {"consent.interview": "given", "interviewee.role": "youth", "interviewee.under_18": "no"},
    )
    action = interviewer.form.action
    interviewer.press("end", {"interview.barriers": "The bus takes an hour."})
    asked = interviewer.text
    assert interviewer.response.status_code == 200
    assert "End this interview without saving?" in asked
    assert "No, go back to the interview" in asked
    # "Yes" is a plain link to a fresh interview that also deletes the device's draft.
    assert f'href="/s/{interviewer.token}?lang=en" data-discard-draft=' in asked
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
    # "No": every answer, the one typed on this page included, comes back.
    interviewer.form.action = action
    interviewer.press("resume")
    assert "Interview questions" in interviewer.text
    assert interviewer.form.textareas["interview.barriers"] == "The bus takes an hour."
    assert interviewer.field("interviewee.role") == ["youth"]


def test_end_is_an_interview_button_only(client, session):
    from tests.factories import store_survey
    from tests.respond.helpers import Respondent, open_link

    link = open_link(session, store_survey(session, ROOT / "surveys" / "family-feedback.yaml"))
    session.commit()
    family = Respondent(client, link.token)
    family.open("en")
    assert 'value="end"' not in family.text
    family.press("end")
    assert "End this interview without saving?" not in family.text
