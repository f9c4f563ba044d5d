"""Report test helpers: surveys, waves and responses written directly with known
counts, so every expected figure can be worked out by hand."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from pathlib import Path

from app.admin.services.links import create_link
from app.definitions.sync import definition_of, latest_version
from app.models import Answer, Partner, PartnerCategory, Response, Survey, Wave
from tests.conftest import ROOT
from tests.factories import store_survey

DATA = Path(__file__).resolve().parent / "data"
SELF_ASSESSMENT = ROOT / "surveys" / "partnership-self-assessment.yaml"


def expand(counts: dict[str, int]) -> list[str]:
    """{"4": 2, "dk": 1} -> ["4", "4", "dk"]"""
    return [code for code, n in counts.items() for _ in range(n)]


class Builder:
    """Writes surveys, waves, partners, links and responses for one test."""

    def __init__(self, session):
        self.session = session
        self.surveys: dict[str, Survey] = {}
        self._links: dict[tuple, object] = {}

    def survey(self, path: Path) -> Survey:
        survey = store_survey(self.session, path)
        self.surveys[survey.slug] = survey
        return survey

    def wave(self, name: str, opens: dt.date) -> Wave:
        wave = Wave(name=name, opens_on=opens, closes_on=opens + dt.timedelta(days=30))
        self.session.add(wave)
        self.session.flush()
        return wave

    def partner(self, name: str) -> Partner:
        partner = Partner(name=name, category=PartnerCategory.COMMUNITY_NONPROFIT)
        self.session.add(partner)
        self.session.flush()
        return partner

    def link(self, survey, wave, audience, partner=None, expected=None):
        key = (survey.id, wave.id, audience, partner.id if partner else None)
        if key not in self._links:
            self._links[key] = create_link(
                self.session, survey, wave, audience, partner, expected_n=expected
            )
        return self._links[key]

    def respond(
        self,
        survey: Survey,
        wave: Wave,
        audience: str,
        answers: dict[str, list],
        partner: Partner | None = None,
        n: int | None = None,
        deleted: bool = False,
        expected: int | None = None,
    ) -> list[Response]:
        """``answers``: item id -> one value per response (None: unanswered). Scored and
        choice values are option codes; a multiple-choice value is a list of codes."""
        version = latest_version(self.session, survey.id)
        definition = definition_of(version)
        link = self.link(survey, wave, audience, partner, expected)
        total = n if n is not None else max((len(v) for v in answers.values()), default=0)
        made = []
        for k in range(total):
            response = Response(
                submission_uuid=uuid.uuid4(),
                link_id=link.id,
                survey_id=survey.id,
                survey_version_id=version.id,
                wave_id=wave.id,
                audience=audience,
                partner_id=partner.id if partner else None,
                language="en",
                submitted_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=k),
                deleted_at=dt.datetime(2026, 10, 2, tzinfo=dt.UTC) if deleted else None,
            )
            self.session.add(response)
            self.session.flush()
            for item_id, values in answers.items():
                value = values[k] if k < len(values) else None
                if value is None:
                    continue
                question = definition.question_by_item[item_id]
                if question.name == "likert_group":
                    rows = question.answer_rows({item_id: value})
                elif question.name == "multiple_choice":
                    rows = question.answer_rows({"choices": value, "other": None})
                elif question.name == "single_choice":
                    rows = question.answer_rows({"choice": value, "other": None})
                else:
                    rows = question.answer_rows(value)
                for row in rows:
                    self.session.add(
                        Answer(
                            response_id=response.id,
                            item_id=row.item_id,
                            choice=row.choice,
                            value_num=row.value_num,
                            value_text=row.value_text,
                        )
                    )
            made.append(response)
        self.session.flush()
        return made


def interleave(*lists: list) -> list:
    return [x for group in itertools.zip_longest(*lists) for x in group if x is not None]
