"""Turn stored answer rows back into what was asked and what was answered."""

from __future__ import annotations

import collections
import typing as t

from app.definitions.survey import SurveyDefinition
from app.definitions.types._choice import OTHER, _ChoiceBase
from app.definitions.types._scale import _ScaleType
from app.definitions.types.consent import CONSENT_GIVEN
from app.definitions.types.yes_no import NO, YES


class StoredAnswer(t.NamedTuple):
    item_id: str
    choice: str | None
    value_num: float | None
    value_text: str | None


def item_texts(definition: SurveyDefinition, language: str | None = None) -> dict[str, str]:
    """Item id -> the question text (for a group row: group text – row text)."""
    language = language or definition.languages[0]
    texts: dict[str, str] = {}
    for question in definition.questions():
        text = definition.text(question.definition.text, language)
        rows = getattr(question.definition, "rows", None)
        if question.name == "likert_group" and rows:
            for row in rows:
                texts[row.item] = f"{text} – {definition.text(row.text, language)}"
        else:
            for item_id in question.item_ids():
                texts[item_id] = text
    return texts


def choice_labels(
    definition: SurveyDefinition, language: str | None = None
) -> dict[str, dict[str, str]]:
    """Item id -> {stored code: label} for every item that stores codes."""
    language = language or definition.languages[0]
    labels: dict[str, dict[str, str]] = {}
    for question in definition.questions():
        d = question.definition
        found: dict[str, str] = {}
        if isinstance(question, _ChoiceBase):
            found = {o.value: definition.text(o.label, language) for o in d.options}
            if d.other:
                found[OTHER] = definition.text(d.other_label, language) or "Other"
        elif isinstance(question, _ScaleType):
            scale = definition.scales.get(d.scale)
            if scale is not None:
                found = {o.value: definition.text(o.label, language) for o in scale.options}
        elif question.name == "yes_no":
            found = {
                YES: definition.text(d.yes_label, language) or "Yes",
                NO: definition.text(d.no_label, language) or "No",
            }
        elif question.name == "consent":
            found = {CONSENT_GIVEN: "Consent given"}
        for item_id in question.item_ids():
            labels[item_id] = found
    return labels


def format_number(value: float) -> int | float:
    return int(value) if value == int(value) else value


def display_values(
    answers: t.Iterable[StoredAnswer], labels: dict[str, dict[str, str]] | None
) -> dict[str, str | int | float]:
    """Item id -> one displayable value. Several rows of one item (multiple choice) are
    joined with "; "; "other" carries its text; ``labels`` None shows stored codes."""
    parts: dict[str, list[t.Any]] = collections.defaultdict(list)
    for answer in answers:
        if answer.choice is not None:
            text = answer.choice
            if labels is not None:
                text = labels.get(answer.item_id, {}).get(answer.choice, answer.choice)
            if answer.value_text:
                text = f"{text}: {answer.value_text}"
            parts[answer.item_id].append(text)
        elif answer.value_num is not None:
            parts[answer.item_id].append(format_number(answer.value_num))
        elif answer.value_text is not None:
            parts[answer.item_id].append(answer.value_text)
    return {
        item: values[0] if len(values) == 1 else "; ".join(str(v) for v in values)
        for item, values in parts.items()
    }
