"""Date (YYYY-MM-DD)."""

from __future__ import annotations

import datetime as dt
import typing as t

from app.definitions.schema import QuestionBase
from app.definitions.types.base import AnswerRow, FieldError, QuestionType, register


class DateModel(QuestionBase):
    min: dt.date | None = None
    max: dt.date | None = None


@register
class Date(QuestionType):
    """Value: a date, given as YYYY-MM-DD (the format of the browser's date input)."""

    name = "date"
    model = DateModel
    definition: DateModel

    def parse_text(self, raw: str) -> tuple[t.Any, list[FieldError]]:
        try:
            value = dt.date.fromisoformat(raw)
        except ValueError:
            return None, [FieldError(self.item, "not_a_date")]
        d = self.definition
        if (d.min and value < d.min) or (d.max and value > d.max):
            return None, [FieldError(self.item, "date_out_of_range", {"min": d.min, "max": d.max})]
        return value, []

    def to_form(self, value: t.Any) -> dict[str, list[str]]:
        return {} if value is None else {self.item: [value.isoformat()]}

    def answer_rows(self, value: t.Any) -> list[AnswerRow]:
        return [] if value is None else [AnswerRow(self.item, value_text=value.isoformat())]

    def condition_values(self, value: t.Any) -> dict[str, t.Any]:
        return {} if value is None else {self.item: value.isoformat()}
