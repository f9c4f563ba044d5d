"""The question-type registry and the interface every type implements.

A type knows how to check its own definition, which form fields it reads, how to
turn submitted strings into a value (with error codes the respondent pages translate),
and how that value becomes long answer rows. Adding a type is adding one module here
and importing it in ``types/__init__.py``.
"""

from __future__ import annotations

import dataclasses
import typing as t
from collections.abc import Callable, Mapping, Sequence

from app.definitions.schema import QuestionBase

if t.TYPE_CHECKING:
    from app.definitions.survey import SurveyDefinition

REGISTRY: dict[str, type[QuestionType]] = {}

# Submitted form data as lists of strings per field name (werkzeug's MultiDict.getlist).
FormData = Mapping[str, Sequence[str]]


@dataclasses.dataclass(frozen=True)
class FieldError:
    """A problem with one answer. ``code`` is translated by the respondent pages."""

    field: str
    code: str
    params: Mapping[str, t.Any] = dataclasses.field(default_factory=dict)


class AnswerRow(t.NamedTuple):
    """One long answer row (see ``app.models.Answer``). A named tuple: a submission
    makes one per answer, and its values go to the database in this order."""

    item_id: str
    choice: str | None = None
    value_num: float | None = None
    value_text: str | None = None


class Summary(t.NamedTuple):
    """How reports treat an item: ``scored`` (scale, percent favourable), ``choice``
    (counts per option), ``numeric``, ``text`` (comments) or ``none``."""

    kind: str


def register(cls: type[QuestionType]) -> type[QuestionType]:
    REGISTRY[cls.name] = cls
    return cls


def first(form: FormData, name: str) -> str:
    """The field's first value, trimmed, without NUL characters (no database keeps
    them inside text; PostgreSQL refuses them)."""
    values = form.get(name) or []
    if not values:
        return ""
    value = values[0]
    return (value.replace("\x00", "") if "\x00" in value else value).strip()


class QuestionType:
    """Base class. Subclasses set ``name`` and ``model`` and override what differs."""

    name: t.ClassVar[str]
    model: t.ClassVar[type[QuestionBase]]
    summary_kind: t.ClassVar[str] = "none"
    answerable: t.ClassVar[bool] = True

    def __init__(self, definition: QuestionBase, survey: SurveyDefinition | None = None):
        self.definition = definition
        self.survey = survey
        # Read for every answer of every post; definitions don't change once loaded.
        self.item: str = definition.item

    # --- definition ---------------------------------------------------------------
    def item_ids(self) -> list[str]:
        """Item ids this question stores answers under."""
        return [self.item] if self.answerable else []

    def texts(self) -> list[tuple[str, t.Any]]:
        """(field path, Text) of every human-readable string, for translation checks."""
        found = [("text", self.definition.text)]
        if self.definition.help is not None:
            found.append(("help", self.definition.help))
        return found

    def check(self, report: Callable[[str, str], None]) -> None:
        """Semantic checks needing the whole survey; ``report(field, message)``."""

    # --- answering ----------------------------------------------------------------
    def field_names(self) -> list[str]:
        """Form field names this question reads."""
        return [self.item] if self.answerable else []

    def parse(self, form: FormData) -> tuple[t.Any, list[FieldError]]:
        """Turn submitted strings into a value (None when unanswered) and errors."""
        raw = first(form, self.item)
        if not raw:
            return None, self._required_error()
        return self.parse_text(raw)

    def parse_text(self, raw: str) -> tuple[t.Any, list[FieldError]]:
        return raw, []

    def _required_error(self) -> list[FieldError]:
        if self.definition.required:
            return [FieldError(self.item, "required")]
        return []

    def to_form(self, value: t.Any) -> dict[str, list[str]]:
        """The inverse of ``parse``: form fields that reproduce ``value``."""
        if value is None:
            return {}
        return {self.item: [str(value)]}

    def answer_rows(self, value: t.Any) -> list[AnswerRow]:
        """Long answer rows for a parsed value."""
        if value is None:
            return []
        return [AnswerRow(self.item, value_text=str(value))]

    def condition_values(self, value: t.Any) -> dict[str, t.Any]:
        """Item id -> value as display conditions see it (codes, numbers or text)."""
        return {} if value is None else {self.item: value}
