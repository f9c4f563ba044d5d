"""Yes/no."""

from __future__ import annotations

import typing as t

from app.definitions.schema import QuestionBase, Text
from app.definitions.types.base import AnswerRow, FieldError, QuestionType, register

YES, NO = "yes", "no"


class YesNoModel(QuestionBase):
    yes_label: Text | None = None
    no_label: Text | None = None


@register
class YesNo(QuestionType):
    """Value: "yes" or "no"."""

    name = "yes_no"
    model = YesNoModel
    definition: YesNoModel
    summary_kind = "choice"

    def codes(self) -> list[str]:
        return [YES, NO]

    def option_labels(self) -> list[tuple[str, Text | None]]:
        return [(YES, self.definition.yes_label), (NO, self.definition.no_label)]

    def texts(self) -> list[tuple[str, t.Any]]:
        found = super().texts()
        for key in ("yes_label", "no_label"):
            if getattr(self.definition, key) is not None:
                found.append((key, getattr(self.definition, key)))
        return found

    def parse_text(self, raw: str) -> tuple[t.Any, list[FieldError]]:
        if raw not in (YES, NO):
            return None, [FieldError(self.item, "invalid_choice")]
        return raw, []

    def answer_rows(self, value: t.Any) -> list[AnswerRow]:
        return [] if value is None else [AnswerRow(self.item, choice=value)]
