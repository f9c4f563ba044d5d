"""Offline interviews on interview links only: the page, its bundle, the service
worker, a fresh form token, and the endpoint that stores a queued record once."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from flask import abort, current_app, g, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf.csrf import CSRFError

from app.database import write_transaction
from app.extensions import csrf
from app.i18n import preferred_language, use_language
from app.ratelimit import rate_limited
from app.respond import antiforgery, bp, store
from app.respond.offline import RecordRefused, bundle, check_record, read_record
from app.respond.presenter import language_choices
from app.respond.service import (
    LinkFacts,
    LinkState,
    VersionFacts,
    current_version,
    find_link,
    link_state,
    record_once,
)

NO_CACHE = {"Cache-Control": "private, no-cache"}
WORKER = Path(__file__).resolve().parents[1] / "static" / "interview-sw.js"
# The offline page's own files, cached by the worker with the page and its bundle.
OFFLINE_ASSETS = ("app.css", "respond.css", "interview.js")


def _interview(token: str) -> tuple[LinkFacts, VersionFacts]:
    """An interview link and its survey's latest version; 404 for any other link."""
    link = find_link(store.connection(), token)
    if link is None:
        abort(404)
    g.respond_link = link
    version = current_version(store.connection(), link.survey_id)
    if version is None or not version.definition.is_interview:
        abort(404)
    return link, version


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@bp.get("/s/sw.js")
def service_worker() -> ResponseReturnValue:
    """The worker script, from a path above every link so that its scope can be one
    link's pages (``/s/<token>``); it is never cached long, so an update reaches phones."""
    headers = {
        "Content-Type": "text/javascript; charset=utf-8",
        "Cache-Control": "no-cache",
        "Service-Worker-Allowed": "/s/",
    }
    return WORKER.read_bytes(), 200, headers


@bp.get("/s/<token>/offline")
def offline_page(token: str) -> ResponseReturnValue:
    link, version = _interview(token)
    definition = version.definition
    language = preferred_language(definition.languages, request.args.get("lang"))
    use_language(language)
    body = render_template(
        "respond/offline.html",
        survey=definition,
        t=lambda text: definition.text(text, language),
        token=link.token,
        version=version.id,
        language=language,
        languages=language_choices(definition.languages),
        bundle_url=url_for(".offline_bundle", token=token),
    )
    return body, 200, NO_CACHE


@bp.get("/s/<token>/offline.json")
def offline_bundle(token: str) -> ResponseReturnValue:
    link, version = _interview(token)
    definition = version.definition
    data = bundle(definition, version)
    pages = [
        url_for(".offline_page", token=token, lang=language) for language in definition.languages
    ]
    data["token"] = link.token
    data["assets"] = [
        *pages,
        url_for(".offline_page", token=token),
        url_for(".offline_bundle", token=token),
        *(url_for("static", filename=name) for name in OFFLINE_ASSETS),
    ]
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return body, 200, {**NO_CACHE, "Content-Type": "application/json"}


@bp.get("/s/<token>/offline/token")
def offline_form_token(token: str) -> ResponseReturnValue:
    """A fresh anti-forgery token (and its cookie) for sending queued interviews."""
    _interview(token)
    return jsonify(csrf_token=antiforgery.form_token()), 200, {"Cache-Control": "no-store"}


@bp.post("/s/<token>/records")
@rate_limited("SUBMIT_RATE_LIMIT")
@csrf.exempt
def offline_record(token: str) -> ResponseReturnValue:
    """Store one interview taken offline, exactly once. 2xx only when it is stored
    (now or before); any refusal says why, in the interviewer's language."""
    link = find_link(store.connection(), token)
    if link is None:
        return _refused("unknown_link", gettext("This interview link does not exist."), 404)
    g.respond_link = link
    try:
        raw = json.loads(request.form.get("record") or "")
    except ValueError:
        raw = None
    language = raw.get("language") if isinstance(raw, dict) else None
    use_language(preferred_language(current_app.config["LANGUAGES"], language))
    state = link_state(link, _now().date(), submitting=True)
    if state is not LinkState.OPEN:
        return _refused(
            "closed",
            gettext(
                "This interview link is closed, so the server did not store it. Download "
                "a backup and give it to your coordinator."
            ),
            410 if state is LinkState.CLOSED else 403,
        )
    try:
        antiforgery.check()
    except CSRFError:
        return _refused("form_token", gettext("The form token has expired; sending again."), 403)
    try:
        submission = check_record(store.connection(), link, read_record(raw), _now())
    except RecordRefused as refused:
        return _refused(refused.code, refused.reason, refused.status)
    with write_transaction(store.connection()) as connection:
        stored = record_once(connection, submission)
    return jsonify(stored=stored, uuid=str(submission.submission_uuid)), 201 if stored else 200


def _refused(code: str, reason: str, status: int) -> ResponseReturnValue:
    return jsonify(refused=code, reason=reason), status, {"Cache-Control": "no-store"}
