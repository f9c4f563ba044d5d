"""Offline interviews: what the browser needs to run an interview without a connection,
and the strict check of a record it sends later.

The browser gets one JSON document per survey version (``bundle``), made from the
stored definition: each page's questions as the same templates render them online
(blank, and with a marked error in each field), the display conditions as the page
script reads them, and for each question the checks its type makes with the messages
in every language. The offline page script (``static/interview.js``) only puts these
together; nothing about a question is written a second time by hand.

A record the browser sends is read exactly as the last post of the online form is
(``check_record``): the same fields, against the version it was taken on, every shown
page checked, unknown fields refused, then stored once by its submission UUID.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import typing as t
import uuid

import sqlalchemy as sa
from flask import render_template
from flask_babel import gettext, ngettext
from werkzeug.datastructures import MultiDict

from app.definitions.survey import SurveyDefinition
from app.definitions.types import QuestionType
from app.i18n import use_language
from app.respond.flow import Answers, QuestionState, condition_json
from app.respond.messages import error_message
from app.respond.presenter import QuestionView, lead
from app.respond.service import LinkFacts, Submission, VersionFacts, parse_started, stored_version

# A backup file or a record may not be larger than this (an interview is a few KB).
MAX_RECORD_FIELDS = 2000
BACKUP_KIND = "interview-backup"
# Marks where a field's error message goes in the error variant of a question.
_MARK = "\u2063{}\u2063"


class RecordRefused(Exception):  # noqa: N818 - a refusal the interviewer reads, not a bug
    """A record the server will not store, with a reason in the record's language."""

    def __init__(self, code: str, reason: str, status: int = 422) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.status = status


# --- the bundle -------------------------------------------------------------------
def _checks(question: QuestionType) -> dict[str, t.Any]:
    """What the offline page checks of ``question``'s answer: what its type says."""
    checks: dict[str, t.Any] = {"fields": question.field_names()}
    if question.answerable:
        checks.update(question.offline_checks())
    return checks


def _messages(question: QuestionType) -> dict[str, dict[str, str]]:
    """Field -> error code -> message, in the current language, for every error the
    offline page can find in this question."""
    messages: dict[str, dict[str, str]] = {}
    for error in question.offline_errors():
        messages.setdefault(error.field, {})[error.code] = error_message(error, question)
    return messages


def _views(
    definition: SurveyDefinition, index: int, language: str, marked: bool
) -> list[QuestionView]:
    """Every question of page ``index``, blank; ``marked`` puts a mark where each
    field's error message goes. All conditional questions carry their condition: the
    offline page decides every condition itself."""
    _page, questions = definition.pages[index]
    views = []
    for question in questions:
        state = QuestionState(question, index, True, None, [])
        messages = {f: _MARK.format(f) for f in question.field_names()} if marked else {}
        live = question.definition.show_if is not None
        views.append(QuestionView(state, definition, language, {}, messages, live))
    return views


def _field_places(view: QuestionView) -> dict[str, t.Any]:
    """Where a question's parts are on the page: its block, and for each field the
    error message's id, what the error summary links to and names it by."""
    places: dict[str, t.Any] = {"block": view.id(view.item, "q"), "fields": {}}
    for name in view.question.field_names():
        row = view.question.row_text(name)
        label = view.translate(row) if row is not None else lead(view.text)
        places["fields"][name] = {
            "error": view.error_id(name),
            "target": view.field_id(name),
            "name": label,
        }
    return places


def _ui(definition: SurveyDefinition) -> dict[str, str]:
    """Interface words the offline page writes itself, in the current language."""
    interview_end = gettext("End without saving and start a new interview")
    return {
        "next": gettext("Next"),
        "back": gettext("Back"),
        "save": gettext("Save interview"),
        "page": gettext("Page %(number)s of %(total)s", number="{number}", total="{total}"),
        "errors_one": ngettext(
            "There is a problem with %(num)d answer", "There are problems with %(num)d answers", 1
        ),
        "errors_other": ngettext(
            "There is a problem with %(num)d answer",
            "There are problems with %(num)d answers",
            2,
        ).replace("2", "{num}"),
        "error_prefix": gettext("Error:"),
        "end": interview_end,
        "end_question": gettext("End this interview without saving?"),
        "end_explained": gettext(
            "The notes of this interview will be deleted from this device and not sent. "
            "This cannot be undone."
        ),
        "end_no": gettext("No, go back to the interview"),
        "end_yes": gettext("Yes, delete these notes and start a new interview"),
        "saved_heading": gettext("Interview saved on this device"),
        "saved_text": gettext(
            "It is sent as soon as there is a connection. Thank the person for their time."
        ),
        "next_interview": gettext("Start next interview"),
        "waiting_none": gettext("No interviews waiting to send."),
        "waiting_one": gettext("1 interview waiting to send."),
        "waiting_other": gettext("{count} interviews waiting to send."),
        "sending": gettext("Sending…"),
        "sent_all": gettext("Every interview has been sent."),
        "not_sent": gettext("Not sent yet: no connection. They will be sent when there is one."),
        "refused": gettext("Refused by the server:"),
        "ready": gettext("Ready offline"),
        "preparing": gettext("Getting ready for offline use…"),
        "not_secure": gettext(
            "This address is not secure (it does not start with https), so the browser "
            "will not keep the survey for offline use. You can still interview while "
            "connected."
        ),
        "no_worker": gettext(
            "This browser cannot keep the survey for offline use. You can still interview "
            "while connected."
        ),
        "not_cached": gettext(
            "Not ready offline: open this page once with a connection to get the survey."
        ),
        "persisted": gettext("This browser keeps the waiting interviews until they are sent."),
        "not_persisted": gettext(
            "This browser may clear stored interviews when space runs low. Send them, or "
            "download a backup, as soon as you can."
        ),
        "backup_name": gettext("interviews-backup"),
    }


def bundle(definition: SurveyDefinition, version: VersionFacts) -> dict[str, t.Any]:
    """Everything the offline page needs to run this version of an interview survey."""
    pages = []
    for page, questions in definition.pages:
        pages.append(
            {
                "id": page.id,
                "show_if": condition_json(page.show_if),
                "questions": [
                    {
                        "item": q.item,
                        "show_if": condition_json(q.definition.show_if),
                        "checks": _checks(q),
                    }
                    for q in questions
                ],
            }
        )
    texts: dict[str, t.Any] = {}
    for language in definition.languages:
        use_language(language)
        texts[language] = {
            "ui": _ui(definition),
            "pages": [
                {
                    "title": definition.text(page.title, language) if page.title else None,
                    "intro": definition.text(page.intro, language) if page.intro else None,
                    "html": _render(definition, index, language, marked=False),
                    "marked": _render(definition, index, language, marked=True),
                    "fields": {
                        view.item: _field_places(view)
                        for view in _views(definition, index, language, marked=False)
                    },
                    "messages": {q.item: _messages(q) for q in questions if q.answerable},
                }
                for index, (page, questions) in enumerate(definition.pages)
            ],
        }
    return {
        "version": version.id,
        "survey": definition.id,
        "interview": definition.is_interview,
        "languages": definition.languages,
        "mark": _MARK,
        "pages": pages,
        "texts": texts,
    }


def _render(definition: SurveyDefinition, index: int, language: str, marked: bool) -> str:
    views = _views(definition, index, language, marked)
    return render_template("respond/_questions.html", questions=views)


# --- records ----------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Record:
    """One interview taken offline, as the browser keeps and sends it."""

    submission_uuid: uuid.UUID
    version_id: int
    started: str
    language: str
    fields: list[tuple[str, str]]


def read_record(raw: t.Any) -> Record:
    """A record from its JSON form; RecordRefused when it is not one."""
    if not isinstance(raw, dict):
        raise RecordRefused("malformed", gettext("This is not an interview record."), 400)
    try:
        submission_uuid = uuid.UUID(str(raw.get("uuid", "")))
    except ValueError:
        raise RecordRefused(
            "no_id", gettext("The interview has no submission id, so it cannot be stored."), 400
        ) from None
    version = raw.get("version")
    fields = raw.get("fields")
    if not isinstance(version, int) or isinstance(version, bool) or not isinstance(fields, list):
        raise RecordRefused("malformed", gettext("This is not an interview record."), 400)
    if len(fields) > MAX_RECORD_FIELDS or not all(
        isinstance(pair, list)
        and len(pair) == 2
        and all(isinstance(part, str) and len(part) <= 20000 for part in pair)
        for pair in fields
    ):
        raise RecordRefused("malformed", gettext("This is not an interview record."), 400)
    return Record(
        submission_uuid=submission_uuid,
        version_id=version,
        started=str(raw.get("started") or ""),
        language=str(raw.get("language") or ""),
        fields=[(name, value) for name, value in fields],
    )


def check_record(
    connection: sa.Connection,
    link: LinkFacts,
    record: Record,
    now: dt.datetime,
    speak: bool = True,
) -> Submission:
    """The submission ``record`` makes on ``link``, checked as strictly as the online
    form's last post, against the version it was taken on; RecordRefused otherwise.
    ``speak``: give reasons in the record's language (the interviewer reads them)."""
    version = stored_version(connection, record.version_id)
    if version is None or version.survey_id != link.survey_id:
        raise RecordRefused(
            "unknown_version",
            gettext("This interview was taken on a survey this link does not ask."),
            409,
        )
    definition = version.definition
    language = record.language if record.language in definition.languages else None
    language = language or definition.languages[0]
    if speak:
        use_language(language)
    answers = Answers(definition, MultiDict(record.fields))
    if answers.unknown:
        raise RecordRefused(
            "unknown_fields",
            gettext("The interview has answers the survey does not ask, so nothing was stored."),
            400,
        )
    bad = answers.first_page_with_errors()
    if bad is not None:
        errors = answers.errors_on(bad)
        names = {e.field: answers.field_owner[e.field] for e in errors}
        sentences = [
            f"{lead(definition.text(names[e.field].definition.text, language))} "
            f"{error_message(e, names[e.field])}"
            for e in errors
        ]
        raise RecordRefused("invalid", " ".join(sentences), 422)
    return Submission(
        link=link,
        version=version,
        submission_uuid=record.submission_uuid,
        language=language,
        started_at=parse_started(record.started, now),
        rows=answers.answer_rows(),
    )


def backup_records(data: bytes) -> tuple[str | None, list[t.Any]]:
    """(link token, raw records) of a backup file; RecordRefused when it is not one."""
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise RecordRefused(
            "not_backup", gettext("This file is not an interview backup."), 400
        ) from None
    if not isinstance(parsed, dict) or parsed.get("kind") != BACKUP_KIND:
        raise RecordRefused("not_backup", gettext("This file is not an interview backup."), 400)
    records = parsed.get("records")
    token = parsed.get("token")
    if not isinstance(records, list) or not (token is None or isinstance(token, str)):
        raise RecordRefused("not_backup", gettext("This file is not an interview backup."), 400)
    return token, records
