"""Date (YYYY-MM-DD)."""

from __future__ import annotations

import datetime as dt
import typing as t

from app.definitions.schema import QuestionBase
from app.definitions.types.base import AnswerRow, DemoAnswers, FieldError, QuestionType, register


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

    def demo_value(self, demo: DemoAnswers) -> t.Any:
        # A day in the last year or so, kept within the question's bounds.
        d = self.definition
        value = demo.today - dt.timedelta(days=demo.rng.randint(10, 400))
        if d.max is not None and value > d.max:
            value = d.max
        if d.min is not None and value < d.min:
            value = d.min
        return value
