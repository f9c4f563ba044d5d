from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from app.definitions.sync import definition_of, latest_version
from app.extensions import db
from app.i18n import use_language
from app.models import Link, Survey, Wave
from app.preview import bp, wave_of_token
from app.preview.outline import outline

LANGUAGES = {"en": "English", "es": "Español"}


def _words(wave: str, contact: str) -> dict[str, str]:
    return {
        "heading": gettext("Preview of the surveys for %(wave)s", wave=wave),
        "lead": gettext(
            "Before the partnership's review, the school asks students, families, staff "
            "and community partners what they think of the mental-health and well-being "
            "supports students get. These are the questions, exactly as they are asked."
        ),
        "anonymous": gettext(
            "Taking part is voluntary: anyone may skip any question or stop at any "
            "time, and nothing happens to a student who does not take part. The "
            "surveys are anonymous: they ask for no name, and reports show only "
            "groups of at least ten people."
        ),
        "contact": gettext(
            "Questions, or to say your child should not take a survey: %(contact)s.",
            contact=contact,
        )
        if contact
        else gettext(
            "Questions, or to say your child should not take a survey: contact the school office."
        ),
        "print": gettext("Print this page"),
        "none": gettext("No surveys are planned for this review yet."),
        "answers": gettext("Answers offered"),
        "language": gettext("Language"),
    }


@bp.get("/<token>")
def wave_preview(token: str) -> ResponseReturnValue:
    wave_id = wave_of_token(current_app.config["SECRET_KEY"], token)
    wave = db.session.get(Wave, wave_id) if wave_id is not None else None
    if wave is None:
        abort(404)
    language = request.args.get("lang", "en")
    if language not in LANGUAGES:
        language = "en"
    use_language(language)
    instruments = []
    for survey in db.session.scalars(
        sa.select(Survey)
        .where(Survey.id.in_(sa.select(Link.survey_id).where(Link.wave_id == wave.id)))
        .order_by(Survey.slug)
    ):
        version = latest_version(db.session, survey.id)
        if version is not None:
            definition = definition_of(version)
            instruments.append(
                outline(
                    definition,
                    language if language in definition.languages else definition.languages[0],
                )
            )
    return render_template(
        "preview/wave.html",
        wave=wave,
        token=token,
        language=language,
        languages=LANGUAGES,
        words=_words(wave.name, current_app.config.get("PARENT_CONTACT") or ""),
        instruments=instruments,
    )
