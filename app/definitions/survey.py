"""A validated survey definition with its question objects, ready to serve or report."""

from __future__ import annotations

import functools
import hashlib
import json
import typing as t

from app.definitions.schema import Condition, Page, Scale, SurveyHeader, Text
from app.definitions.types import REGISTRY, QuestionType


def canonical_json(data: t.Any) -> str:
    """Stable JSON text: the same content always gives the same bytes and hash. The data
    is plain JSON (the loader checks it), so what is hashed is what is stored."""
    return json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def content_hash(data: t.Any) -> str:
    """SHA-256 of a definition's canonical JSON; formatting and key order don't count."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


class SurveyDefinition:
    """The header model plus one ``QuestionType`` object per question, in order.

    Built only by :mod:`app.definitions.loader`: ``load_file`` (files, with line-numbered
    errors) or ``build`` (a definition already stored in a SurveyVersion).
    """

    def __init__(self, header: SurveyHeader, data: dict[str, t.Any]):
        self.header = header
        self.data = data
        self.pages: list[tuple[Page, list[QuestionType]]] = []
        self.sha256 = content_hash(data)

    # Assembled by the loader once every question has passed its type's model.
    def add_page(self, page: Page, questions: list[QuestionType]) -> None:
        self.pages.append((page, questions))

    # --- convenience --------------------------------------------------------------
    @property
    def id(self) -> str:
        return self.header.id

    @property
    def languages(self) -> list[str]:
        return self.header.languages

    @property
    def scales(self) -> dict[str, Scale]:
        return self.header.scales

    @property
    def is_interview(self) -> bool:
        return self.header.mode == "interview"

    def questions(self) -> t.Iterator[QuestionType]:
        for _page, questions in self.pages:
            yield from questions

    @functools.cached_property
    def question_by_item(self) -> dict[str, QuestionType]:
        """Every stored item id (group rows included) -> the question that asks it."""
        by_item: dict[str, QuestionType] = {}
        for question in self.questions():
            by_item[question.item] = question
            for item_id in question.item_ids():
                by_item[item_id] = question
        return by_item

    @functools.cached_property
    def field_owner(self) -> dict[str, QuestionType]:
        """Every form field name -> the question that reads it (kept: read per post)."""
        return {name: q for q in self.questions() for name in q.field_names()}

    def item_ids(self) -> list[str]:
        return [item for q in self.questions() for item in q.item_ids()]

    def text(self, value: Text | None, language: str) -> str:
        """The text in ``language``, falling back to the survey's first language."""
        return translate(value, language, self.languages[0])


def translate(value: Text | None, language: str, default: str) -> str:
    """Resolve a translatable string: plain strings are in the default language."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value.get(language) or value.get(default) or next(iter(value.values()), "")


def evaluate(condition: Condition | None, answers: dict[str, t.Any]) -> bool:
    """Whether a display condition holds for ``answers`` (item id -> condition value).

    Multiple-choice values are lists: ``equals`` means "includes", ``one_of`` means
    "includes any of". An unanswered question equals nothing.
    """
    if condition is None:
        return True
    if condition.all_ is not None:
        return all(evaluate(c, answers) for c in condition.all_)
    if condition.any_ is not None:
        return any(evaluate(c, answers) for c in condition.any_)
    if condition.not_ is not None:
        return not evaluate(condition.not_, answers)
    # Without all/any/not a condition names its question (Condition checks it).
    value = answers.get(condition.question) if condition.question is not None else None
    if condition.answered is not None:
        return (value not in (None, "", [])) == condition.answered
    chosen = [str(v) for v in value] if isinstance(value, list) else [_as_text(value)]
    if condition.equals is not None:
        return _as_text(condition.equals) in chosen
    return any(option in chosen for option in condition.one_of or [])


def _as_text(value: t.Any) -> str:
    if value is None:
        return "\x00unanswered"
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


__all__ = [
    "REGISTRY",
    "SurveyDefinition",
    "canonical_json",
    "content_hash",
    "evaluate",
    "translate",
]
