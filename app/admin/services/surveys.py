"""Surveys as the workspace names them: titles from each survey's latest version."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm

from app.definitions.sync import definition_of
from app.models import Survey, SurveyVersion


def survey_titles(session: orm.Session) -> dict[int, str]:
    """{survey id: title in the survey's first language} from each latest version."""
    latest = (
        sa.select(SurveyVersion.survey_id, sa.func.max(SurveyVersion.number).label("number"))
        .group_by(SurveyVersion.survey_id)
        .subquery()
    )
    titles = {}
    for version in session.scalars(
        sa.select(SurveyVersion).join(
            latest,
            sa.and_(
                SurveyVersion.survey_id == latest.c.survey_id,
                SurveyVersion.number == latest.c.number,
            ),
        )
    ):
        definition = definition_of(version)
        titles[version.survey_id] = definition.text(
            definition.header.title, definition.languages[0]
        )
    for survey_id, slug in session.execute(sa.select(Survey.id, Survey.slug)):
        titles.setdefault(survey_id, slug)
    return titles
