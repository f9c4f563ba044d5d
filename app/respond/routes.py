"""Survey pages. Each post is parsed, checked, and answered by a page or a redirect."""

from __future__ import annotations

import datetime as dt
import uuid

from flask import abort, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import Gone

from app.database import write_transaction
from app.definitions.survey import SurveyDefinition
from app.extensions import csrf
from app.i18n import preferred_language, use_language
from app.ratelimit import rate_limited
from app.respond import antiforgery, bp, store
from app.respond.flow import Answers, form_number
from app.respond.presenter import (
    language_choices,
    page_fields,
    with_phone_links,
)
from app.respond.service import (
    LinkFacts,
    LinkState,
    Submission,
    current_version,
    find_link,
    link_state,
    parse_started,
    parse_uuid,
    record_once,
    version_for,
)

NO_CACHE = {"Cache-Control": "private, no-cache"}


# Survey forms carry their own anti-forgery token (see app.respond.antiforgery).
bp.after_request(antiforgery.set_cookie)


@bp.get("/s/<token>")
def survey(token: str) -> ResponseReturnValue:
    link = _answerable_link(token)
    version = current_version(store.connection(), link.survey_id)
    if version is None:
        abort(404)
    definition = version.definition
    language = _language(definition, request.args.get("lang"))
    answers = Answers(definition, MultiDict())
    form = {
        "uuid": str(uuid.uuid4()),
        "started": _now().isoformat(timespec="seconds"),
        "version": version.id,
        "language": language,
    }
    return _page(link, definition, answers, form, answers.first_page(), fresh=True)


@bp.post("/s/<token>")
@rate_limited("SUBMIT_RATE_LIMIT")
@csrf.exempt
def survey_post(token: str) -> ResponseReturnValue:
    link = _answerable_link(token, submitting=True)
    # Checked here rather than before the view, so a post to an unknown or closed link
    # hears that first (reloading would not help).
    antiforgery.check()
    posted = request.form
    shown_on = form_number(posted.get("_version"))
    version = version_for(store.connection(), link, None if shown_on is None else str(shown_on))
    if version is None:
        abort(404)
    definition = version.definition
    language = _language(
        definition,
        posted.get("_switch_lang") or posted.get("_lang") or request.args.get("lang"),
    )
    answers = Answers(definition, posted)
    if answers.unknown:
        current_app.logger.info("survey %s: unknown fields %s", token, answers.unknown[:5])
        abort(400, description="unknown_fields")
    submission_uuid = parse_uuid(posted.get("_uuid")) or uuid.uuid4()
    form = {
        "uuid": str(submission_uuid),
        "started": posted.get("_started", ""),
        "version": version.id,
        "language": language,
    }
    page = answers.nearest_page(form_number(posted.get("_page")) or 0)

    # A change of language, or the page script bringing a reloaded page back from the
    # device's draft: the same page, nothing checked yet.
    if "_switch_lang" in posted or posted.get("nav") == "resume":
        return _page(link, definition, answers, form, page)
    if posted.get("nav") == "end" and definition.is_interview:
        return _end_confirmation(link, definition, answers, form, page)
    if posted.get("nav") == "back":
        previous = answers.previous_page(page)
        return _page(link, definition, answers, form, page if previous is None else previous)
    if answers.errors_on(page):
        return _page(link, definition, answers, form, page, show_errors=True, status=422)
    following = answers.next_page(page)
    if following is not None:
        return _page(link, definition, answers, form, following)

    # The last page: everything is checked again, since earlier pages came back as
    # hidden fields that the browser could have changed.
    bad = answers.first_page_with_errors()
    if bad is not None:
        return _page(link, definition, answers, form, bad, show_errors=True, status=422)
    rows = answers.answer_rows()
    started_at = parse_started(posted.get("_started"), _now())
    with write_transaction(store.connection()) as connection:
        record_once(
            connection,
            Submission(
                link=link,
                version=version,
                submission_uuid=submission_uuid,
                language=language,
                started_at=started_at,
                rows=rows,
            ),
        )
    return redirect(url_for(".thanks", token=token, lang=language), 303)


@bp.get("/s/<token>/thanks")
def thanks(token: str) -> ResponseReturnValue:
    link = find_link(store.connection(), token)
    version = current_version(store.connection(), link.survey_id) if link else None
    if link is None or version is None:
        abort(404)
    definition = version.definition
    language = _language(definition, request.args.get("lang"))
    body = render_template(
        "respond/thanks.html",
        survey=definition,
        t=lambda text: definition.text(text, language),
        support_message=with_phone_links(
            definition.text(definition.header.support_message, language)
        ),
        token=token,
        language=language,
        languages=language_choices(definition.languages),
    )
    return body, 200, NO_CACHE


def _end_confirmation(
    link: LinkFacts, definition: SurveyDefinition, answers: Answers, form: dict, index: int
) -> tuple[str, int, dict[str, str]]:
    """Asked before an interview is thrown away; "No" posts every answer back."""
    language = form["language"]
    body = render_template(
        "respond/end.html",
        survey=definition,
        t=lambda text: definition.text(text, language),
        token=link.token,
        page_index=index,
        carried=answers.carried_fields([]),
        form=form,
        form_token=antiforgery.form_token(),
        language=language,
        languages=[],
    )
    return body, 200, NO_CACHE


def _answerable_link(token: str, submitting: bool = False) -> LinkFacts:
    link = find_link(store.connection(), token)
    if link is None:
        abort(404)
    g.respond_link = link
    state = link_state(link, _now().date(), submitting)
    if state is LinkState.CLOSED:
        raise Gone()
    if state is LinkState.NOT_YET_OPEN:
        abort(403, description="not_yet_open")
    return link


def _language(definition: SurveyDefinition, asked: str | None) -> str:
    language = preferred_language(definition.languages, asked)
    use_language(language)
    return language


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _page(
    link: LinkFacts,
    definition: SurveyDefinition,
    answers: Answers,
    form: dict,
    index: int,
    show_errors: bool = False,
    fresh: bool = False,
    status: int = 200,
) -> tuple[str, int, dict[str, str]]:
    body = render_template(
        "respond/page.html",
        **page_fields(definition, answers, index, form["language"], show_errors),
        token=link.token,
        form=form,
        form_token=antiforgery.form_token(),
        fresh=fresh,
    )
    return body, status, NO_CACHE
