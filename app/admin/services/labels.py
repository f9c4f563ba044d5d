"""Turn stored answer rows back into what was asked and what was answered."""

from __future__ import annotations

import collections
import typing as t

from app.definitions.survey import SurveyDefinition


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
        for item_id in question.item_ids():
            row = question.row_text(item_id)
            texts[item_id] = text if row is None else f"{text} – {definition.text(row, language)}"
    return texts


def choice_labels(
    definition: SurveyDefinition, language: str | None = None
) -> dict[str, dict[str, str]]:
    """Item id -> {stored code: label} for every item that stores codes, from the
    question types' own labels (the words the interface adds, such as "Other", in
    English: exports are read beside the survey's first language)."""
    chosen = language or definition.languages[0]

    def text(value: t.Any) -> str:
        return definition.text(value, chosen)

    labels: dict[str, dict[str, str]] = {}
    for question in definition.questions():
        question_labels = dict(question.labels(text))
        for item_id in question.item_ids():
            labels[item_id] = question_labels
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
