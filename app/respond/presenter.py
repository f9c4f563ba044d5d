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
from babel.lists import format_list
from flask_babel import gettext
from markupsafe import Markup, escape

from app.definitions.schema import Condition
from app.definitions.survey import SurveyDefinition
from app.definitions.types import QuestionType
from app.respond.flow import Answers, QuestionState, condition_json, depends_on
from app.respond.messages import error_message, note_text, quoted

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
# A number to call in a support message: 911, 988 and the other N11 services, or a
# North American number (555-0100, (555) 123-4567, 1-800-273-8255).
_PHONE = re.compile(
    r"(?<![\w-])(?:\+?1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])?\d{3}[ .-]\d{4}(?![\w-])"
    r"|(?<![\w.,-])(?:[2-8]11|911|988)(?![\w-]|[.,]\d)"
)


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
    def question(self) -> t.Any:
        return self.state.question

    @property
    def type(self) -> str:
        return self.question.name

    @property
    def item(self) -> str:
        return self.question.item

    @property
    def definition(self) -> t.Any:
        return self.question.definition

    @property
    def condition(self) -> dict[str, t.Any] | None:
        return condition_json(self.definition.show_if) if self.live else None

    @property
    def initially_hidden(self) -> bool:
        return not self.state.shown

    def translate(self, text: t.Any) -> str:
        return self.survey.text(text, self.language)

    @property
    def text(self) -> str:
        return self.translate(self.definition.text)

    @property
    def help(self) -> str:
        return self.translate(self.definition.help)

    @property
    def required(self) -> bool:
        return self.question.is_required()

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
        if self.condition_note:
            ids.append(self.note_id)
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

    # --- options -------------------------------------------------------------------
    def choices(self) -> list[tuple[str, str]]:
        """(code, label) of each answer one chooses ("other" last), in the person's
        language."""
        return answer_labels(self.survey, self.question, self.language)

    def unless_said(self, hint: str | None) -> str | None:
        """``hint`` (an instruction such as "Choose all that apply."), unless the
        question's own text already gives it: said twice, it is only longer to read."""
        if hint and _words(hint) in _words(self.text):
            return None
        return hint

    @property
    def condition_note(self) -> str | None:
        """For a question shown only for some answers on its own page: which ones. The
        page script hides it (it shows and hides the question itself); without the
        script it tells the person when to skip it, since its answer would be dropped."""
        if not self.live or not self.question.answerable:
            return None
        return condition_note(self.survey, self.definition.show_if, self.language)

    @property
    def note_id(self) -> str:
        return self.id(self.item, "note")

    def field_id(self, name: str | None = None) -> str:
        """The id of form field ``name``'s first input, where the error summary links
        to: its first option when the field is answered by choosing."""
        name = name or self.item
        return self.id(name, 0) if self.question.chooses(name) else self.id(name)


def answer_labels(
    survey: SurveyDefinition, question: QuestionType, language: str
) -> list[tuple[str, str]]:
    """(code, label) of each answer ``question`` offers, in ``language``; the words the
    interface gives (Yes, No, Other) in the interface's language."""
    return question.labels(lambda text: survey.text(text, language), gettext)


def lead(text: str) -> str:
    """A question's text up to its question mark, without the instructions after it
    ("Which supports did you use? Choose all that apply." -> "Which supports did you
    use?"): what names the question in a summary or a note."""
    end = text.find("?")
    return text[: end + 1] if 0 <= end < len(text.rstrip()) - 1 else text


def item_text(survey: SurveyDefinition, item: str, language: str) -> str:
    """The text that asks ``item``: a question's, or its row's in a Likert group."""
    question = survey.question_by_item[item]
    row = question.row_text(item)
    return survey.text(row if row is not None else question.definition.text, language)


def condition_note(
    survey: SurveyDefinition, condition: Condition | None, language: str
) -> str | None:
    """When to answer a question shown only for some answers, as a sentence."""
    if condition is None:
        return None
    interview = survey.is_interview
    negated = condition.not_ is not None and condition.not_.question is not None
    test = condition.not_ if negated else condition
    if test is None or test.question is None:
        return note_text("general", interview)
    if test.answered is not None:
        kind = "answered" if test.answered != negated else "unanswered"
        return note_text(kind, interview, question=lead(item_text(survey, test.question, language)))
    labels = dict(answer_labels(survey, survey.question_by_item[test.question], language))
    codes = [test.equals] if test.equals is not None else (test.one_of or [])
    answers = format_list(
        [quoted(labels.get(str(code), str(code))) for code in codes], style="or", locale=language
    )
    return note_text("not_chosen" if negated else "chosen", interview, answers=answers)


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
            {e.field: error_message(e, state.question) for e in state.errors}
            if show_errors and state.shown
            else {}
        )
        live = depends_on(state.question.definition.show_if, on_page)
        views.append(QuestionView(state, answers.definition, language, answers.raw, messages, live))
    return views


def error_summary(views: list[QuestionView]) -> list[tuple[str, str]]:
    """(id of the field to jump to, message) for every error on the page, in order."""
    errors = []
    for view in views:
        for name in view.question.field_names():
            message = view.error(name)
            if message:
                errors.append((view.field_id(name), f"{_short(view, name)} {message}"))
    return errors


def _short(view: QuestionView, name: str) -> str:
    # The instructions after the question would say again what the message says
    # ("Choose up to 2. Choose at most 2 answers.").
    row = view.question.row_text(name)
    return view.translate(row) if row is not None else lead(view.text)


def with_phone_links(text: str) -> Markup:
    """``text`` (escaped) with its phone numbers as tap-to-call links."""
    parts: list[Markup] = []
    last = 0
    for match in _PHONE.finditer(text):
        number = match.group(0)
        dial = ("+" if number.startswith("+") else "") + re.sub(r"\D", "", number)
        parts += [
            escape(text[last : match.start()]),
            Markup('<a href="tel:%s">%s</a>') % (dial, number),
        ]
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def page_fields(
    definition: SurveyDefinition,
    answers: Answers,
    index: int,
    language: str,
    show_errors: bool = False,
) -> dict[str, t.Any]:
    """What ``respond/page.html`` and the workspace's preview both show of one page of
    ``definition``: its questions with their values and messages, where it stands among
    the shown pages, the other pages' answers carried as hidden fields, and languages."""
    views = question_views(answers, index, language, show_errors)
    page, _questions = definition.pages[index]
    number, total = answers.position(index)
    return {
        "survey": definition,
        "t": lambda text: definition.text(text, language),
        "page": page,
        "page_index": index,
        "page_number": number,
        "page_total": total,
        "is_first": answers.previous_page(index) is None,
        "is_last": answers.next_page(index) is None,
        "questions": views,
        "errors": error_summary(views) if show_errors else [],
        "carried": answers.carried_fields(v.state for v in views),
        "language": language,
        "languages": language_choices(definition.languages),
    }


def language_choices(languages: list[str]) -> list[tuple[str, str]]:
    """(code, the language's own name) for the language switch."""
    choices = []
    for code in languages:
        try:
            name = Locale.parse(code).get_display_name(code) or code
        except (ValueError, LookupError):
            name = code
        choices.append((code, name[:1].upper() + name[1:]))
    return choices
