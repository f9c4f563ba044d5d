"""The public "You said, we did" page of a closed wave (``ResultsPage``).

A coordinator drafts it from the wave's figures as released to partners (so it shows
nothing a partner's report would hide, and no comments): how many people answered,
the three strongest and three weakest results per audience in plain words ("8 in 10
families agreed: ..."), and the actions the wave's review decided. The English draft
is complete; the Spanish draft uses the catalogue's sentences for the fixed wording,
the surveys' own Spanish for the statements and the actions' Spanish text, and marks
whatever free text still needs a translator with :data:`TO_TRANSLATE`, which must be
gone before the page can be published. Each write (draft, edit, publish, unpublish) is
audited and is one transaction (the view's).

``content`` is ``{"en": Text, "es": Text}`` where a Text is ``{"title", "intro",
"audiences": [{"heading", "strong": [...], "weak": [...]}], "actions": [...],
"closing"}``.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from collections.abc import Mapping

import sqlalchemy as sa
from flask_babel import force_locale, format_number, gettext
from sqlalchemy import orm

from app import audit
from app.admin.services import FormProblem
from app.models import ResultsPage, User, Wave
from app.models.review import ActionItem, ActionStatus
from app.results.addresses import wave_slug

if t.TYPE_CHECKING:
    from reports.model import Group, ItemSummary, Report

LANGUAGES = ("en", "es")
TO_TRANSLATE = "[TRANSLATE]"
PER_SIDE = 3  # strongest and weakest results per audience
LIMITS = {"title": 120, "intro": 1000, "heading": 120, "line": 400, "closing": 1000}
MAX_LINES = 12
# What is done first, then what is under way, then what is still to come.
PUBLIC_ORDER = (ActionStatus.DONE, ActionStatus.IN_PROGRESS, ActionStatus.PLANNED)
Text = dict[str, t.Any]


def slug_of(wave: Wave) -> str:
    """The page's address part for ``wave`` (``/results/<slug>``)."""
    return wave_slug(wave.name, wave.id)


def page_of(session: orm.Session, wave: Wave) -> ResultsPage | None:
    return session.scalar(sa.select(ResultsPage).where(ResultsPage.wave_id == wave.id))


def published(session: orm.Session, key: str | None = None) -> ResultsPage | None:
    """The published page of the wave ``key`` names (its id or slug), or the latest
    published one when ``key`` is None; None when there is none."""
    query = (
        sa.select(ResultsPage)
        .join(Wave, Wave.id == ResultsPage.wave_id)
        .where(ResultsPage.published_at.is_not(None))
        .order_by(Wave.opens_on.desc())
        .options(orm.joinedload(ResultsPage.wave))
    )
    pages = list(session.scalars(query))
    if key is None:
        return pages[0] if pages else None
    return next((p for p in pages if str(p.wave_id) == key or slug_of(p.wave) == key), None)


def check_closed(wave: Wave, today: dt.date) -> None:
    if wave.state(today) not in ("closed", "switched off"):
        raise FormProblem(
            None,
            f"“{wave.name}” is still {wave.state(today)}: a results page is made only for "
            "a wave that has closed.",
        )


# --- the draft ------------------------------------------------------------------------


def _released_report(session: orm.Session, wave: Wave, settings: Mapping[str, t.Any]) -> Report:
    from reports import ReportError, build_report

    try:
        return build_report(
            session,
            None,
            wave.name,
            min_cell=settings["min_cell"],
            comment_min=settings["comment_min"],
            mode=settings["mode"],
            figures="released",
        )
    except ReportError:
        raise FormProblem(
            None,
            f"Release “{wave.name}” to partners first: the results page shows only the "
            "figures partners were given.",
        ) from None


def _words(audience: str) -> tuple[str, str]:
    """The audience as a plural group ("families") and its block's heading, in the
    current language."""
    words = {
        "family": (gettext("families"), gettext("What families told us")),
        "student": (gettext("students"), gettext("What students told us")),
        "staff": (gettext("school staff"), gettext("What school staff told us")),
        "partner": (
            gettext("community partner staff"),
            gettext("What community partner staff told us"),
        ),
    }
    return words.get(audience, (audience, audience))


def _audience(audience: str) -> str:
    return _words(audience)[0]


def in_ten(percent: float) -> int:
    """ "8 in 10": a percentage rounded to tenths of the group."""
    return int((percent + 5) // 10)


def result_sentence(
    audience: str, percent: float, statement: str, verb: str, weak: bool = False
) -> str:
    """One result in plain words, in the current language: "8 in 10 families agreed:
    “...”". ``verb`` is ``agree``, ``disagree`` (a reverse-worded statement) or
    ``good`` (any other scale). A ``weak`` result says "Only 3 in 10", so a reader
    sees why it is something to work on (even "disagreed" with a statement about a
    problem)."""
    group = _audience(audience)
    tenths = in_ten(percent)
    if tenths >= 10:
        quantity = gettext("More than 9 in 10")
    elif tenths == 0:
        quantity = gettext("Fewer than 1 in 10")
    elif weak:
        quantity = gettext("Only %(n)s in 10", n=tenths)
    else:
        quantity = gettext("%(n)s in 10", n=tenths)
    if verb == "agree":
        return gettext(
            "%(quantity)s %(group)s agreed: “%(statement)s”",
            quantity=quantity,
            group=group,
            statement=statement,
        )
    if verb == "disagree":
        return gettext(
            "%(quantity)s %(group)s disagreed: “%(statement)s”",
            quantity=quantity,
            group=group,
            statement=statement,
        )
    return gettext(
        "%(quantity)s %(group)s gave a positive answer to: “%(statement)s”",
        quantity=quantity,
        group=group,
        statement=statement,
    )


def _picked(report: Report) -> dict[str, tuple[list[tuple[Group, ItemSummary]], ...]]:
    """Per audience, the strongest and weakest shown results (never the same one),
    picked as the packet's summary picks its strengths and concerns."""
    from reports.highlights import scored_statements, strengths_and_concerns

    scored = scored_statements([g for g in report.sections if not g.interview])
    return {a: strengths_and_concerns(pairs, PER_SIDE) for a, pairs in scored.items()}


def _spanish_statement(session: orm.Session, group: Group, item: ItemSummary) -> str | None:
    from app.definitions.sync import definition_of, latest_version

    version = latest_version(session, group.survey_id)
    if version is None:
        return None
    definition = definition_of(version)
    if "es" not in definition.languages:
        return None
    question = definition.question_by_item.get(item.item_id)
    if question is None:
        return None
    row = question.row_text(item.item_id)
    return definition.text(row if row is not None else question.definition.text, "es")


def _verb(item: ItemSummary) -> str:
    """How the favourable answers read: agreeing, disagreeing (reverse-worded), or
    another scale's good end."""
    labels = [label.lower() for label in item.favourable_labels]
    if labels and all("disagree" in label for label in labels):
        return "disagree"
    if labels and all("agree" in label and "disagree" not in label for label in labels):
        return "agree"
    return "good"


def _status_word(status: ActionStatus) -> str:
    words = {
        ActionStatus.PLANNED: gettext("Planned"),
        ActionStatus.IN_PROGRESS: gettext("Under way"),
        ActionStatus.DONE: gettext("Done"),
        ActionStatus.DROPPED: gettext("Stopped"),
    }
    return words[status]


def status_words() -> set[str]:
    """The words an action's line starts with, in the current language (the public page
    shows them in bold so a reader sees at a glance what is done)."""
    return {_status_word(status) for status in ActionStatus}


def _action_line(action: ActionItem, language: str) -> str:
    status = _status_word(ActionStatus(action.status))
    if language == "en":
        body = action.title + (f". {action.description}" if action.description else "")
    else:
        title = action.title_es or f"{TO_TRANSLATE} {action.title}"
        description = action.description_es or (
            f"{TO_TRANSLATE} {action.description}" if action.description else ""
        )
        body = title + (f". {description}" if description else "")
    return f"{status}: {body}"


def when(wave: Wave) -> str:
    """The months the wave's survey was open, in the current language ("May – June
    2026", "mayo–junio de 2026"): families know when they answered, not what the
    partnership calls the wave."""
    from babel.dates import format_interval
    from flask_babel import get_locale

    months = format_interval(wave.opens_on, wave.closes_on, "yMMMM", locale=get_locale())
    # CLDR puts thin spaces around the dash: plain ones are what a coordinator types, and
    # keep the flyer in the PDF's standard font.
    return months.replace("\u2009", " ").replace("\u202f", " ")


def _intro(wave: Wave, counted: Mapping[str, int], hidden: bool) -> str:
    """How many people answered, by group, in the current language (only groups whose
    count the release shows; "at least" when one is hidden)."""
    from babel.lists import format_list
    from flask_babel import get_locale

    if not counted:
        return gettext("Too few people answered in %(wave)s to show results.", wave=when(wave))
    total = format_number(sum(counted.values()))
    parts = format_list(
        [f"{format_number(n)} {_audience(a)}" for a, n in counted.items()], locale=get_locale()
    )
    if hidden:
        return gettext(
            "At least %(total)s people answered our survey in %(wave)s: %(parts)s.",
            total=total,
            wave=when(wave),
            parts=parts,
        )
    return gettext(
        "%(total)s people answered our survey in %(wave)s: %(parts)s.",
        total=total,
        wave=when(wave),
        parts=parts,
    )


def draft(session: orm.Session, wave: Wave, settings: Mapping[str, t.Any]) -> dict[str, Text]:
    """The draft of ``wave``'s page in both languages, from its released figures."""
    from reports.model import audience_rank

    report = _released_report(session, wave, settings)
    picked = _picked(report)
    counted: dict[str, int] = {}
    hidden = False
    for group in report.sections:
        if group.interview or group.responses.no_data:
            continue
        if group.responses.shown:
            counted[group.audience] = counted.get(group.audience, 0) + int(group.responses.number())
        else:
            hidden = True
    decided = list(
        session.scalars(
            sa.select(ActionItem)
            .where(ActionItem.wave_id == wave.id, ActionItem.status != ActionStatus.DROPPED)
            .order_by(ActionItem.id)
        )
    )
    decided.sort(key=lambda a: PUBLIC_ORDER.index(ActionStatus(a.status)))
    content: dict[str, Text] = {}
    for language in LANGUAGES:
        with force_locale(language):
            intro = _intro(wave, counted, hidden)
            audiences = []
            for audience in sorted(picked, key=audience_rank):
                strong, weak = picked[audience]
                lines = []
                for is_weak, side in ((False, strong), (True, weak)):
                    sentences = []
                    for group, item in side:
                        statement = item.label
                        if language != "en":
                            statement = _spanish_statement(session, group, item) or (
                                f"{TO_TRANSLATE} {item.label}"
                            )
                        sentences.append(
                            result_sentence(
                                audience,
                                item.percent_favourable.number(),
                                statement,
                                _verb(item),
                                weak=is_weak,
                            )
                        )
                    lines.append(sentences)
                audiences.append(
                    {
                        "audience": audience,
                        "heading": _words(audience)[1],
                        "strong": lines[0],
                        "weak": lines[1],
                    }
                )
            content[language] = {
                "title": gettext("You said, we did: %(wave)s", wave=when(wave)),
                "intro": intro,
                "audiences": audiences,
                "actions": [_action_line(a, language) for a in decided],
                "closing": gettext(
                    "Thank you for answering. Your answers help the school and its "
                    "community partners decide what to keep and what to change."
                ),
            }
    return content


# --- writes ---------------------------------------------------------------------------


def make_draft(
    session: orm.Session,
    wave: Wave,
    user: User,
    settings: Mapping[str, t.Any],
    today: dt.date,
) -> ResultsPage:
    """Draft (or draft again) ``wave``'s page from the data; a published page stays
    published only after the coordinator publishes the new text."""
    check_closed(wave, today)
    content = draft(session, wave, settings)
    page = page_of(session, wave)
    if page is None:
        page = ResultsPage(wave_id=wave.id)
        session.add(page)
    page.content = content
    page.published_at = None
    page.updated_by_id = user.id
    session.flush()
    audit.record(session, user, "results_draft", f"wave:{wave.id}", {"wave": wave.name})
    return page


def _field(form: Mapping[str, str], name: str, limit: int, label: str) -> str:
    value = (form.get(name) or "").replace("\r\n", "\n").strip()
    if len(value) > limit:
        raise FormProblem(name, f"{label} is longer than {limit} characters.")
    return value


def _lines(form: Mapping[str, str], name: str, label: str) -> list[str]:
    lines = [line.strip() for line in (form.get(name) or "").splitlines() if line.strip()]
    if len(lines) > MAX_LINES:
        raise FormProblem(name, f"{label}: at most {MAX_LINES} lines.")
    for line in lines:
        if len(line) > LIMITS["line"]:
            raise FormProblem(name, f"{label}: a line is longer than {LIMITS['line']} characters.")
    return lines


LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


def read_text(form: Mapping[str, str], stored: Mapping[str, Text]) -> dict[str, Text]:
    """The edited text of both languages from ``form`` (fields ``<lang>-title``,
    ``<lang>-intro``, ``<lang>-a<k>-heading|strong|weak``, ``<lang>-actions``,
    ``<lang>-closing``); the audience blocks are those of the stored draft."""
    content: dict[str, Text] = {}
    for language in LANGUAGES:
        name = LANGUAGE_NAMES[language]
        before = stored.get(language, {})
        title = _field(form, f"{language}-title", LIMITS["title"], f"{name} title")
        if not title:
            article = "an" if name[0] in "AEIOU" else "a"
            raise FormProblem(f"{language}-title", f"Give the page {article} {name} title.")
        audiences = []
        for k, block in enumerate(before.get("audiences", [])):
            prefix = f"{language}-a{k}"
            audiences.append(
                {
                    "audience": block.get("audience", ""),
                    "heading": _field(
                        form, f"{prefix}-heading", LIMITS["heading"], f"{name} heading"
                    ),
                    "strong": _lines(form, f"{prefix}-strong", f"{name} strengths"),
                    "weak": _lines(form, f"{prefix}-weak", f"{name} results to work on"),
                }
            )
        content[language] = {
            "title": title,
            "intro": _field(form, f"{language}-intro", LIMITS["intro"], f"{name} introduction"),
            "audiences": audiences,
            "actions": _lines(form, f"{language}-actions", f"{name} actions"),
            "closing": _field(form, f"{language}-closing", LIMITS["closing"], f"{name} closing"),
        }
    return content


def save_text(
    session: orm.Session, wave: Wave, user: User, form: Mapping[str, str], today: dt.date
) -> ResultsPage:
    """Store the coordinator's edit of both languages (the page stays as published or
    unpublished as it was)."""
    check_closed(wave, today)
    page = page_of(session, wave)
    if page is None:
        raise FormProblem(None, "Make the draft first.")
    page.content = read_text(form, page.content)
    page.updated_by_id = user.id
    session.flush()
    audit.record(session, user, "results_edit", f"wave:{wave.id}", {"wave": wave.name})
    return page


def untranslated(content: Mapping[str, Text]) -> int:
    """How many passages of the Spanish text still carry :data:`TO_TRANSLATE`."""
    return len(_passages(content.get("es", {}), lambda s: TO_TRANSLATE in s))


def _passages(text: Mapping[str, t.Any], keep: t.Callable[[str], bool]) -> list[str]:
    passages = [text.get(k, "") for k in ("title", "intro", "closing")]
    passages += list(text.get("actions", []))
    for block in text.get("audiences", []):
        passages += [block.get("heading", ""), *block.get("strong", []), *block.get("weak", [])]
    return [s for s in passages if keep(s)]


def publish(session: orm.Session, wave: Wave, user: User, today: dt.date) -> ResultsPage:
    check_closed(wave, today)
    page = page_of(session, wave)
    if page is None:
        raise FormProblem(None, "Make the draft first.")
    left = untranslated(page.content)
    if left:
        raise FormProblem(
            None,
            f"{left} Spanish passage{'s' if left != 1 else ''} still marked {TO_TRANSLATE}: "
            "translate them before publishing.",
        )
    page.published_at = dt.datetime.now(dt.UTC)
    page.updated_by_id = user.id
    session.flush()
    audit.record(session, user, "results_publish", f"wave:{wave.id}", {"wave": wave.name})
    return page


def unpublish(session: orm.Session, wave: Wave, user: User) -> ResultsPage:
    page = page_of(session, wave)
    if page is None or page.published_at is None:
        raise FormProblem(None, "This results page is not published.")
    page.published_at = None
    page.updated_by_id = user.id
    session.flush()
    audit.record(session, user, "results_unpublish", f"wave:{wave.id}", {"wave": wave.name})
    return page


__all__ = [
    "LANGUAGES",
    "TO_TRANSLATE",
    "check_closed",
    "draft",
    "make_draft",
    "page_of",
    "publish",
    "published",
    "read_text",
    "result_sentence",
    "save_text",
    "slug_of",
    "status_words",
    "unpublish",
    "untranslated",
]
