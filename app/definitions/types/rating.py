"""Rating: a whole number on a short numeric scale (e.g. 1-5)."""

from __future__ import annotations

import typing as t

from pydantic import Field, model_validator

from app.definitions.schema import QuestionBase, ScaleOption, Text
from app.definitions.types._scale import Scoring
from app.definitions.types._xlsform import XlsOut, XlsRow
from app.definitions.types.base import (
    AnswerRow,
    DemoAnswers,
    FieldError,
    OptionLabel,
    QuestionType,
    register,
)


class RatingModel(QuestionBase):
    min: int = Field(default=1, ge=0, le=1)
    max: int = Field(default=5, ge=2, le=10)
    low_label: Text | None = None
    high_label: Text | None = None
    favourable_from: int | None = None

    @model_validator(mode="after")
    def _favourable_in_range(self) -> RatingModel:
        if self.favourable_from is not None and not self.min < self.favourable_from <= self.max:
            raise ValueError("favourable_from must lie above min and at most max")
        return self


@register
class Rating(QuestionType):
    """A whole number from ``min`` to ``max`` (e.g. 1-5). Value: int."""

    name = "rating"
    model = RatingModel
    definition: RatingModel
    summary_kind = "scored"

    def texts(self) -> list[tuple[str, t.Any]]:
        texts = super().texts()
        for key in ("low_label", "high_label"):
            if getattr(self.definition, key) is not None:
                texts.append((key, getattr(self.definition, key)))
        return texts

    def option_labels(self) -> list[OptionLabel]:
        d = self.definition
        return [OptionLabel(str(n), str(n)) for n in range(d.min, d.max + 1)]

    def chooses(self, field: str) -> bool:
        return field == self.item  # one radio button per number

    def parse_text(self, raw: str) -> tuple[t.Any, list[FieldError]]:
        d = self.definition
        if not (raw.isascii() and raw.isdigit()) or not d.min <= int(raw) <= d.max:
            return None, [FieldError(self.item, "out_of_range", {"min": d.min, "max": d.max})]
        return int(raw), []

    def answer_rows(self, value: t.Any) -> list[AnswerRow]:
        if value is None:
            return []
        return [AnswerRow(self.item, choice=str(value), value_num=float(value))]

    def scoring(self, item_id: str | None = None) -> Scoring:
        d = self.definition
        top = d.favourable_from if d.favourable_from is not None else d.max - 1
        options = tuple(
            ScaleOption(value=str(n), label=str(n), score=float(n)) for n in range(d.min, d.max + 1)
        )
        middle = (d.min + d.max) / 2
        return Scoring(
            options=options,
            favourable=frozenset(str(n) for n in range(top, d.max + 1)),
            excluded=frozenset(),
            neutral=str(int(middle)) if middle == int(middle) else None,
            reverse=False,
        )

    xlsform_types = frozenset({"range"})

    @classmethod
    def xlsform_claims(cls, row: XlsRow) -> bool:
        return row.type == "range"

    @classmethod
    def from_xlsform(cls, row: XlsRow) -> dict[str, t.Any]:
        params = row.parameters()
        keys: dict[str, t.Any] = {}
        for key, field in (("start", "min"), ("end", "max")):
            if key in params:
                keys[field] = row.numeric("parameters", params.pop(key))
        if params.pop("step", "1") != "1":
            row.problem("a range's step must be 1: a rating is a whole number")
        if params:
            row.problem(f"unknown range parameter '{next(iter(params))}' (start, end, step)")
        if ("min" not in keys or "max" not in keys) and not row.cells.get("kind"):
            row.assume(f"'{row.name}' rates from {keys.get('min', 1)} to {keys.get('max', 5)}")
        for key in ("low_label", "high_label"):
            keys[key] = row.text(key)
        keys["favourable_from"] = row.numeric("favourable_from")
        return {k: v for k, v in keys.items() if v is not None}

    def xlsform_type(self) -> str:
        return "range"

    def xlsform_columns(self, out: XlsOut) -> dict[str, t.Any]:
        raw = self.raw
        params = [f"{k}={raw[f]}" for k, f in (("start", "min"), ("end", "max")) if f in raw]
        return {
            "parameters": " ".join(params) or None,
            "low_label": raw.get("low_label"),
            "high_label": raw.get("high_label"),
            "favourable_from": raw.get("favourable_from"),
        }

    def demo_value(self, demo: DemoAnswers) -> t.Any:
        return int(demo.scale(self, self.item))
