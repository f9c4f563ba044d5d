"""Number within optional bounds."""

from __future__ import annotations

import re
import typing as t

from pydantic import model_validator

from app.definitions.schema import QuestionBase, Text
from app.definitions.types._xlsform import XlsOut, XlsRow, cell, constraint
from app.definitions.types.base import AnswerRow, DemoAnswers, FieldError, QuestionType, register


class NumberModel(QuestionBase):
    min: float | None = None
    max: float | None = None
    integer: bool = True
    unit: Text | None = None

    @model_validator(mode="after")
    def _range(self) -> NumberModel:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is larger than max")
        return self


NUMBER = re.compile(r"^-?[0-9]{1,12}([.,][0-9]{1,6})?$")


@register
class Number(QuestionType):
    """Value: int (or float when ``integer: false``) within min/max."""

    name = "number"
    model = NumberModel
    definition: NumberModel
    summary_kind = "numeric"

    def texts(self) -> list[tuple[str, t.Any]]:
        texts = super().texts()
        return texts + [("unit", self.definition.unit)] if self.definition.unit else texts

    def parse_text(self, raw: str) -> tuple[t.Any, list[FieldError]]:
        d = self.definition
        if not NUMBER.match(raw):
            return None, [FieldError(self.item, "not_a_number")]
        number = float(raw.replace(",", "."))
        if d.integer:
            if number != int(number):
                return None, [FieldError(self.item, "not_whole_number")]
            number = int(number)
        if (d.min is not None and number < d.min) or (d.max is not None and number > d.max):
            return None, [self._out_of_range()]
        return number, []

    def answer_rows(self, value: t.Any) -> list[AnswerRow]:
        return [] if value is None else [AnswerRow(self.item, value_num=float(value))]

    def offline_checks(self) -> dict[str, t.Any]:
        d = self.definition
        return {
            **super().offline_checks(),
            "format": "number",
            "min": d.min,
            "max": d.max,
            "integer": d.integer,
        }

    def offline_errors(self) -> list[FieldError]:
        return [
            *super().offline_errors(),
            FieldError(self.item, "not_a_number"),
            FieldError(self.item, "not_whole_number"),
            self._out_of_range(),
        ]

    def _out_of_range(self) -> FieldError:
        d = self.definition
        return FieldError(self.item, "out_of_range", {"min": d.min, "max": d.max})

    xlsform_types = frozenset({"integer", "decimal"})

    @classmethod
    def xlsform_claims(cls, row: XlsRow) -> bool:
        return row.type in cls.xlsform_types

    @classmethod
    def from_xlsform(cls, row: XlsRow) -> dict[str, t.Any]:
        keys: dict[str, t.Any] = {"integer": False} if row.type == "decimal" else {}
        # An integer column: a definition's explicit ``integer: true``.
        whole = row.flag("integer")
        if whole is not None and whole != (row.type == "integer"):
            row.problem(f"integer is {cell(whole)} on a {row.type} row: keep one")
        elif whole is not None:
            keys["integer"] = whole
        keys["min"] = row.limit(".", ">=")
        keys["max"] = row.limit(".", "<=")
        keys["unit"] = row.text("unit")
        return {k: v for k, v in keys.items() if v is not None}

    def xlsform_type(self) -> str:
        return "integer" if self.definition.integer else "decimal"

    def xlsform_columns(self, out: XlsOut) -> dict[str, t.Any]:
        low, high = self.raw.get("min"), self.raw.get("max")
        return {
            "constraint": constraint(
                f". >= {low}" if low is not None else None,
                f". <= {high}" if high is not None else None,
            ),
            "unit": self.raw.get("unit"),
            "integer": True if self.raw.get("integer") is True else None,
        }

    def demo_value(self, demo: DemoAnswers) -> t.Any:
        # Small numbers more often (children in a family, visits in a term).
        d = self.definition
        low = d.min if d.min is not None else 0
        high = d.max if d.max is not None else low + 10
        return int(low + (high - low) * demo.rng.random() ** 2)
