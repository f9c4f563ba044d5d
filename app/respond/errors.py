"""Error pages on survey links, in the person's language.

They replace the generic pages for requests to this blueprint: unknown and closed
links, a form that must be reloaded (CSRF), a post that is too large, too many posts.
Each says what happened and what to do; none of them clears the answers kept on the
device, so going back or opening the survey again brings them back.
"""

from __future__ import annotations

from flask import current_app, g, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.i18n import preferred_language, use_language
from app.respond import bp, store
from app.respond.presenter import language_choices
from app.respond.service import LinkFacts, current_version


# Registered per code as well: Flask prefers a handler for the error's code, and the
# application's generic CSRF handler is registered for 400.
@bp.errorhandler(CSRFError)
@bp.errorhandler(400)
@bp.errorhandler(403)
@bp.errorhandler(404)
@bp.errorhandler(405)
@bp.errorhandler(410)
@bp.errorhandler(413)
@bp.errorhandler(429)
@bp.errorhandler(HTTPException)
def respondent_error(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    if code == 413:
        _drain_body()
    link = g.get("respond_link")
    definition = None
    try:
        if link is not None:
            version = current_version(store.connection(), link.survey_id)
            definition = version.definition if version else None
    except Exception:  # noqa: BLE001 - an error page must not fail in turn
        current_app.logger.exception("error page could not load the survey")
        store.discard()
    languages = definition.languages if definition else current_app.config["LANGUAGES"]
    language = g.get("language") or preferred_language(languages, request.args.get("lang"))
    use_language(language)

    heading, message, action = _explain(error, link)
    body = render_template(
        "respond/message.html",
        code=code,
        heading=heading,
        message=message,
        action=action,
        survey=definition,
        t=(lambda text: definition.text(text, language)) if definition else str,
        language=language,
        languages=language_choices(list(languages)),
    )
    headers = {"Cache-Control": "no-store"}
    # Only Retry-After (429, 503) is kept of the error's own headers.
    headers.update((k, v) for k, v in error.get_headers() if k.lower() == "retry-after")
    return body, code, headers


def _explain(
    error: HTTPException, link: LinkFacts | None
) -> tuple[str, str, tuple[str, str] | None]:
    """(heading, message, (url, label) of the way on) for an error."""
    code = error.code
    token = (request.view_args or {}).get("token")
    survey_url = url_for("respond.survey", token=token, lang=g.get("language")) if token else None
    reopen = (survey_url, gettext("Open the survey again")) if survey_url else None
    if isinstance(error, CSRFError):
        return (
            gettext("Please reload the survey"),
            gettext(
                "This page could not be sent because it was open for a long time or the "
                "browser's data was cleared. Your answers are saved on this device: open "
                "the survey again and they will be filled in for you."
            ),
            reopen,
        )
    if code == 404:
        return (
            gettext("We couldn't find this survey"),
            gettext(
                "Check that the link is complete, or ask the person who sent it for a new one."
            ),
            None,
        )
    if code == 410:
        return (
            gettext("This survey is closed"),
            gettext("It no longer accepts answers. Thank you for your interest."),
            None,
        )
    if code == 403 and link is not None:
        return (
            gettext("This survey is not open yet"),
            gettext(
                "It opens on %(date)s. Please come back then.",
                date=format_date(link.wave.opens_on, "long"),
            ),
            None,
        )
    if code == 413:
        return (
            gettext("Your answers are too long to send"),
            gettext(
                "Go back with your browser's Back button, shorten your longest answers, "
                "and send the page again. Your answers are saved on this device."
            ),
            reopen,
        )
    if code == 429:
        return (
            gettext("Please wait a moment"),
            gettext(
                "Many answers were sent from this connection in a short time. Wait a "
                "minute, then go back and send the page again. Your answers are saved "
                "on this device."
            ),
            None,
        )
    if code == 400:
        return (
            gettext("This page doesn't match the survey"),
            gettext(
                "The page sent answers the survey doesn't ask, perhaps because the survey "
                "changed. Nothing was stored. Open the survey again to continue; your "
                "answers are saved on this device."
            ),
            reopen,
        )
    return (
        gettext("Something went wrong"),
        gettext("Please go back and try again. Your answers are saved on this device."),
        reopen,
    )


# Bodies up to this size are read and discarded before answering 413 (see _drain_body).
DRAIN_LIMIT = 32 * 1024 * 1024


def _drain_body() -> None:
    """Read the unread body of a refused post before answering.

    A server that closes a connection with unread data makes the kernel reset it, and
    the browser then shows a network error instead of our page. A body over the limit
    was refused from its Content-Length before any of it was read, so exactly that
    many bytes are waiting.
    """
    length = request.content_length
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if length is None or limit is None or not limit < length <= DRAIN_LIMIT:
        return
    stream = request.environ.get("wsgi.input")
    if stream is None:
        return
    remaining = length
    try:
        while remaining > 0:
            chunk = stream.read(min(64 * 1024, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
    except OSError:
        pass
