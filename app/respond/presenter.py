"""What a survey page template needs: questions with their ids, values and messages.

The per-type markup lives in ``templates/respond/questions/<type>.html``; this module
only gathers, per question, the translated texts, the submitted values, the error
messages and the ids that tie labels, help and errors together.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

from babel import Locale
from markupsafe import Markup

from app.definitions.schema import Option
from app.definitions.survey import SurveyDefinition
from app.respond.flow import Answers, QuestionState, condition_json, depends_on
from app.respond.messages import error_message

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def dom_id(name: str, *suffix: t.Any) -> str:
    """An HTML id for a field name (item ids may hold dots)."""
    return "-".join(["f", _ID_UNSAFE.sub("_", name), *(str(s) for s in suffix)])


@dataclasses.dataclass
class QuestionView:
    state: QuestionState
    survey: SurveyDefinition
    language: str
    raw: dict[str, list[str]]
    messages: dict[str, str]
    live: bool  # rendered although currently hidden, or may hide: the script decides

    @property
    def q(self) -> t.Any:
        return self.state.question

    @property
    def type(self) -> str:
        return self.q.name

    @property
    def item(self) -> str:
        return self.q.item

    @property
    def d(self) -> t.Any:
        return self.q.definition

    @property
    def condition(self) -> dict[str, t.Any] | None:
        return condition_json(self.d.show_if) if self.live else None

    @property
    def initially_hidden(self) -> bool:
        return not self.state.shown

    def t(self, text: t.Any) -> str:
        return self.survey.text(text, self.language)

    @property
    def text(self) -> str:
        return self.t(self.d.text)

    @property
    def help(self) -> str:
        return self.t(self.d.help)

    @property
    def required(self) -> bool:
        return bool(self.d.required) or (self.survey.is_interview and self.type == "consent")

    def id(self, name: str | None = None, *suffix: t.Any) -> str:
        return dom_id(name or self.item, *suffix)

    @property
    def help_id(self) -> str:
        return self.id(self.item, "help")

    def error_id(self, name: str | None = None) -> str:
        return self.id(name or self.item, "error")

    def error(self, name: str | None = None) -> str | None:
        return self.messages.get(name or self.item)

    @property
    def has_errors(self) -> bool:
        return bool(self.messages)

    def described_by(self, name: str | None = None, *extra: str) -> str:
        ids = [self.help_id] if self.help else []
        ids += [e for e in extra if e]
        if self.error(name):
            ids.append(self.error_id(name))
        return " ".join(ids)

    def describedby_attr(self, name: str | None = None, *extra: str) -> Markup:
        ids = self.described_by(name, *extra)
        return Markup(' aria-describedby="%s"') % ids if ids else Markup("")

    def values(self, name: str | None = None) -> list[str]:
        return self.raw.get(name or self.item, [])

    def value(self, name: str | None = None) -> str:
        values = self.values(name)
        return values[0] if values else ""

    def checked(self, code: str, name: str | None = None) -> bool:
        return code in self.values(name)

    # --- options, per family of types --------------------------------------------
    def choices(self) -> list[tuple[str, str]]:
        """(code, label) of a choice question, "other" last."""
        options: list[Option] = list(self.d.options)
        found = [(o.value, self.t(o.label)) for o in options]
        if self.d.other:
            label = self.t(self.d.other_label) if self.d.other_label else None
            found.append(("other", label or _other_label()))
        return found

    def scale_choices(self) -> list[tuple[str, str]]:
        scale = self.survey.scales[self.d.scale]
        return [(o.value, self.t(o.label)) for o in scale.options]

    def first_field_id(self) -> str:
        """Where the error summary links to: the first input of the question."""
        if self.type in {"single_choice", "multiple_choice", "likert", "yes_no", "rating"}:
            return self.id(self.item, 0)
        if self.type == "likert_group":
            first_bad = next((r.item for r in self.d.rows if self.error(r.item)), None)
            return self.id(first_bad or self.d.rows[0].item, 0)
        return self.id(self.item)


def _other_label() -> str:
    from flask_babel import gettext

    return gettext("Other")


def question_views(
    answers: Answers, index: int, language: str, show_errors: bool
) -> list[QuestionView]:
    rendered = answers.rendered_on(index)
    on_page = {
        i for s in answers.questions_on(index) for i in (s.question.item, *s.question.item_ids())
    }
    views = []
    for state in rendered:
        messages = (
            {e.field: error_message(e, state.question.name) for e in state.errors}
            if show_errors and state.shown
            else {}
        )
        live = depends_on(state.question.definition.show_if, on_page)
        views.append(QuestionView(state, answers.definition, language, answers.raw, messages, live))
    return views


def error_summary(views: list[QuestionView]) -> list[tuple[str, str]]:
    """(id of the field to jump to, message) for every error on the page, in order."""
    found = []
    for view in views:
        for name in view.q.field_names():
            message = view.error(name)
            if not message:
                continue
            if view.type == "likert_group":
                target = view.id(name, 0)
            elif name != view.item:
                target = view.id(name)  # the "other, please specify" text box
            else:
                target = view.first_field_id()
            found.append((target, f"{_short(view, name)} {message}"))
    return found


def _short(view: QuestionView, name: str) -> str:
    if view.type == "likert_group":
        row = next(r for r in view.d.rows if r.item == name)
        return view.t(row.text)
    return view.text


def language_choices(languages: list[str]) -> list[tuple[str, str]]:
    """(code, the language's own name) for the language switch."""
    found = []
    for code in languages:
        try:
            name = Locale.parse(code).get_display_name(code) or code
        except (ValueError, LookupError):
            name = code
        found.append((code, name[:1].upper() + name[1:]))
    return found
