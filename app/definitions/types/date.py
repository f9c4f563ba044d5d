"""Date (YYYY-MM-DD)."""

from __future__ import annotations

import datetime as dt
import typing as t

from app.definitions.schema import QuestionBase
from app.definitions.types._xlsform import XlsOut, XlsRow, constraint
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
            return None, [self._out_of_range()]
        return value, []

    def offline_checks(self) -> dict[str, t.Any]:
        # As the date input gives it: YYYY-MM-DD, which compares as text.
        d = self.definition
        low, high = (day.isoformat() if day else None for day in (d.min, d.max))
        return {**super().offline_checks(), "format": "date", "min": low, "max": high}

    def offline_errors(self) -> list[FieldError]:
        not_a_date = FieldError(self.item, "not_a_date")
        return [*super().offline_errors(), not_a_date, self._out_of_range()]

    def _out_of_range(self) -> FieldError:
        d = self.definition
        return FieldError(self.item, "date_out_of_range", {"min": d.min, "max": d.max})

    def to_form(self, value: t.Any) -> dict[str, list[str]]:
        return {} if value is None else {self.item: [value.isoformat()]}

    def answer_rows(self, value: t.Any) -> list[AnswerRow]:
        return [] if value is None else [AnswerRow(self.item, value_text=value.isoformat())]

    def condition_values(self, value: t.Any) -> dict[str, t.Any]:
        return {} if value is None else {self.item: value.isoformat()}

    xlsform_types = frozenset({"date"})

    @classmethod
    def xlsform_claims(cls, row: XlsRow) -> bool:
        return row.type == "date"

    @classmethod
    def from_xlsform(cls, row: XlsRow) -> dict[str, t.Any]:
        keys = {"min": row.limit(".", ">="), "max": row.limit(".", "<=")}
        return {k: v for k, v in keys.items() if v is not None}

    def xlsform_type(self) -> str:
        return "date"

    def xlsform_columns(self, out: XlsOut) -> dict[str, t.Any]:
        low, high = self.raw.get("min"), self.raw.get("max")
        return {
            "constraint": constraint(
                f". >= date('{low}')" if low is not None else None,
                f". <= date('{high}')" if high is not None else None,
            )
        }

    def demo_value(self, demo: DemoAnswers) -> t.Any:
        # A day in the last year or so, kept within the question's bounds.
        d = self.definition
        value = demo.today - dt.timedelta(days=demo.rng.randint(10, 400))
        if d.max is not None and value > d.max:
            value = d.max
        if d.min is not None and value < d.min:
            value = d.min
        return value
