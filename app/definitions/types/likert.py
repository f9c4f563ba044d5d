"""Likert item: one statement on a shared scale."""

from __future__ import annotations

import typing as t

from app.definitions.types._scale import ScaleQuestionModel, Scoring, _ScaleType, scoring_from_scale
from app.definitions.types._xlsform import XlsOut, XlsRow
from app.definitions.types.base import AnswerRow, DemoAnswers, FieldError, register


class LikertModel(ScaleQuestionModel):
    reverse: bool = False


@register
class Likert(_ScaleType):
    """One statement on a shared scale. Value: the option code."""

    name = "likert"
    model = LikertModel
    definition: LikertModel

    def parse_text(self, raw: str) -> tuple[t.Any, list[FieldError]]:
        return self.parse_code(self.item, raw)

    def answer_rows(self, value: t.Any) -> list[AnswerRow]:
        return [] if value is None else [self.row(self.item, value)]

    def scoring(self, item_id: str | None = None) -> Scoring:
        return scoring_from_scale(self._known_scale(), self.definition.reverse)

    def demo_value(self, demo: DemoAnswers) -> t.Any:
        return demo.scale(self, self.item)

    # XLSForm: ``select_one <scale>`` with the ``likert`` appearance; the scale is a list
    # of the choices sheet with scores (see ``xlsform.py``).
    xlsform_types = frozenset({"select_one"})

    @classmethod
    def xlsform_claims(cls, row: XlsRow) -> bool:
        return row.type == "select_one" and row.scale_name is not None

    @classmethod
    def from_xlsform(cls, row: XlsRow) -> dict[str, t.Any]:
        keys: dict[str, t.Any] = {"scale": row.scale_name or row.list_name}
        reverse = row.flag("reverse")
        return keys if reverse is None else {**keys, "reverse": reverse}

    def xlsform_type(self) -> str:
        return f"select_one {self.definition.scale}"

    def xlsform_columns(self, out: XlsOut) -> dict[str, t.Any]:
        return {"appearance": "likert", "reverse": self.raw.get("reverse")}
