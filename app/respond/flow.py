"""The answers a form carries, read against a survey definition (no Flask here).

There is no server-side session: every page posts the answers to every page (the
current page's as inputs, the others' as hidden fields), so back, next and a change of
language never lose anything, however long the free text. Each post is read afresh:
display conditions are evaluated in order over the answers given so far, and only
questions that are shown count. Answers to hidden questions travel along (so they
come back if the person changes their mind) but are never validated or stored.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t
from collections.abc import Iterable, Mapping, Sequence

from app.definitions.schema import FORM_CONTROL_NAMES, Condition
from app.definitions.survey import SurveyDefinition, evaluate
from app.definitions.types import AnswerRow, FieldError, QuestionType

# Form fields that are not answers.
CONTROL_FIELDS = FORM_CONTROL_NAMES | {
    "_uuid",
    "_started",
    "_version",
    "_page",
    "_lang",
    "_switch_lang",
}
# Hidden numbers (page index, version id) are short runs of ASCII digits.
_FORM_NUMBER = re.compile(r"[0-9]{1,11}")


@dataclasses.dataclass
class QuestionState:
    question: QuestionType
    page_index: int
    shown: bool
    value: t.Any
    errors: list[FieldError]


class Answers:
    """The answers in one post, parsed and checked against ``definition``."""

    def __init__(
        self, definition: SurveyDefinition, form: Mapping[str, Sequence[str]] | t.Any
    ) -> None:
        self.definition = definition
        self.field_owner: dict[str, QuestionType] = definition.field_owner
        names = list(form.keys())
        # A request's MultiDict, or a plain mapping of lists (tests, the offline sync).
        getlist: t.Callable[[str], Sequence[str]] = (
            form.getlist if hasattr(form, "getlist") else form.__getitem__
        )
        self.raw: dict[str, list[str]] = {
            name: [v for v in getlist(name) if v != ""]
            for name in names
            if name in self.field_owner
        }
        self.raw = {name: values for name, values in self.raw.items() if values}
        # Names that are neither answers to this survey nor form controls: a tampered
        # or mismatched form. The view refuses these rather than guess.
        self.unknown = sorted(
            n for n in names if n not in self.field_owner and n not in CONTROL_FIELDS
        )
        self.page_shown: list[bool] = []
        self.states: dict[str, QuestionState] = {}
        self._read()

    def _read(self) -> None:
        seen: dict[str, t.Any] = {}
        for index, (page, questions) in enumerate(self.definition.pages):
            page_shown = evaluate(page.show_if, seen)
            self.page_shown.append(page_shown)
            for question in questions:
                shown = page_shown and evaluate(question.definition.show_if, seen)
                value, errors = question.parse(self.raw) if question.answerable else (None, [])
                self.states[question.item] = QuestionState(question, index, shown, value, errors)
                if shown and not errors:
                    seen.update(question.condition_values(value))

    # --- pages --------------------------------------------------------------------
    @property
    def page_count(self) -> int:
        return len(self.definition.pages)

    def shown_pages(self) -> list[int]:
        return [i for i, shown in enumerate(self.page_shown) if shown]

    def first_page(self) -> int:
        return self.shown_pages()[0]

    def next_page(self, index: int) -> int | None:
        return next((i for i in self.shown_pages() if i > index), None)

    def previous_page(self, index: int) -> int | None:
        return next((i for i in reversed(self.shown_pages()) if i < index), None)

    def nearest_page(self, index: int) -> int:
        """``index`` if it is shown, else the shown page before it (or the first)."""
        if 0 <= index < self.page_count and self.page_shown[index]:
            return index
        previous = self.previous_page(index)
        return previous if previous is not None else 0

    def position(self, index: int) -> tuple[int, int]:
        """(number of this page among shown pages, number of shown pages), from 1."""
        shown = self.shown_pages()
        return (shown.index(index) + 1 if index in shown else 1), len(shown)

    # --- questions ----------------------------------------------------------------
    def questions_on(self, index: int) -> list[QuestionState]:
        _page, questions = self.definition.pages[index]
        return [self.states[q.item] for q in questions]

    def rendered_on(self, index: int) -> list[QuestionState]:
        """Questions to put on page ``index``: the shown ones, and those whose display
        depends on an answer on this same page (the script shows and hides them as the
        person answers; without the script they stay visible and the server decides)."""
        on_page = {name for s in self.questions_on(index) for name in self._items_of(s.question)}
        return [
            s
            for s in self.questions_on(index)
            if s.shown or depends_on(s.question.definition.show_if, on_page)
        ]

    @staticmethod
    def _items_of(question: QuestionType) -> list[str]:
        return [question.item, *question.item_ids()]

    def errors_on(self, index: int) -> list[FieldError]:
        if not self.page_shown[index]:
            return []
        return [e for s in self.questions_on(index) if s.shown for e in s.errors]

    def first_page_with_errors(self) -> int | None:
        return next((i for i in self.shown_pages() if self.errors_on(i)), None)

    def answer_rows(self) -> list[AnswerRow]:
        """Rows for every shown, valid, answered question; call once nothing has errors."""
        rows: list[AnswerRow] = []
        for state in self.states.values():
            if state.shown and not state.errors and state.value is not None:
                rows.extend(state.question.answer_rows(state.value))
        return rows

    def carried_fields(self, rendered: Iterable[QuestionState]) -> list[tuple[str, str, bool]]:
        """(name, value, active) for every answer not shown as an input on this page.
        ``active`` is False for answers to hidden questions, which conditions ignore."""
        on_page = {name for s in rendered for name in s.question.field_names()}
        carried: list[tuple[str, str, bool]] = []
        for name, values in self.raw.items():
            if name in on_page:
                continue
            active = self.states[self.field_owner[name].item].shown
            carried.extend((name, value, active) for value in values)
        return carried


def form_number(raw: str | None) -> int | None:
    """A number the form carries in a hidden field, or None. ASCII digits only:
    ``str.isdigit()`` also accepts "²" and "①", which ``int()`` then refuses."""
    if raw is None or not _FORM_NUMBER.fullmatch(raw):
        return None
    return int(raw)


def depends_on(condition: Condition | None, items: set[str]) -> bool:
    return condition is not None and any(i in items for i in condition.referenced_items())


def condition_json(condition: Condition | None) -> dict[str, t.Any] | None:
    """A condition as the page script reads it (``all``/``any``/``not`` by their names)."""
    if condition is None:
        return None
    return condition.model_dump(by_alias=True, exclude_none=True)
