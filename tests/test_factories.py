"""The shared test factories store what the service itself would store."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.models import Answer
from tests import factories
from tests.conftest import EXAMPLE

ANSWERS = {
    "uses_services": "yes",
    "services_used": ["counseling", "other"],
    "services_used.other": "Tutoring",
    "help.know_where": "4",
    "comm.referral_process_clear": "dk",
}


def _stored(session, response) -> list[tuple]:  # type: ignore[no-untyped-def]
    return sorted(
        session.execute(
            sa.select(
                Answer.item_id,
                Answer.choice,
                Answer.value_num,
                Answer.value_text,
                Answer.survey_id,
                Answer.wave_id,
                Answer.audience,
                Answer.partner_id,
            ).where(Answer.response_id == response.id)
        ).all(),
        key=repr,
    )


def test_submitted_and_orm_responses_store_the_same_answers(session) -> None:  # type: ignore[no-untyped-def]
    survey = factories.store_survey(session, EXAMPLE)
    clinic = factories.partner(session)
    link = factories.link(session, survey, factories.wave(session), "family", clinic)

    submitted = factories.submit(session, link, ANSWERS)
    written = factories.response(session, link, ANSWERS)

    rows = _stored(session, submitted)
    assert rows == _stored(session, written)
    assert ("services_used", "other", None, "Tutoring") in [r[:4] for r in rows]
    assert {r[4:] for r in rows} == {(survey.id, link.wave_id, link.audience, clinic.id)}


def test_a_repeated_submission_uuid_stores_one_response(session) -> None:  # type: ignore[no-untyped-def]
    survey = factories.store_survey(session, EXAMPLE)
    link = factories.link(session, survey, factories.wave(session))
    first = factories.submit(session, link, ANSWERS)
    again = factories.submit(
        session, link, {"help.know_where": "1"}, submission_uuid=first.submission_uuid
    )
    assert again.id == first.id
    assert len(_stored(session, first)) == 5


def test_answers_the_survey_does_not_ask_are_refused(session) -> None:  # type: ignore[no-untyped-def]
    survey = factories.store_survey(session, EXAMPLE)
    link = factories.link(session, survey, factories.wave(session))
    with pytest.raises(ValueError, match="no field nonsense"):
        factories.submit(session, link, {"nonsense": "1"})
    with pytest.raises(ValueError, match="help.know_where"):
        factories.submit(session, link, {"help.know_where": "7"})
