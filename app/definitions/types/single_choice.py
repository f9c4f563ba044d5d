"""Single choice: one option, optionally "other, please specify"."""

from __future__ import annotations

import typing as t

from app.definitions.types._choice import ChoiceModel, _ChoiceBase
from app.definitions.types.base import AnswerRow, DemoAnswers, FieldError, FormData, register


@register
class SingleChoice(_ChoiceBase):
    """One option. Value: ``{"choice": code, "other": text or None}``."""

    name = "single_choice"
    model = ChoiceModel
    xlsform_select = "select_one"
    xlsform_types = frozenset({"select_one"})

    def parse(self, form: FormData) -> tuple[t.Any, list[FieldError]]:
        values = [v for v in (form.get(self.item) or []) if v.strip()]
        if not values:
            return None, self._required_error()
        if len(values) > 1 or values[0] not in self.codes():
            return None, [FieldError(self.item, "invalid_choice")]
        other, errors = self._other_text(form, values)
        if errors:
            return None, errors
        return {"choice": values[0], "other": other}, []

    def to_form(self, value: t.Any) -> dict[str, list[str]]:
        if value is None:
            return {}
        form = {self.item: [value["choice"]]}
        if value.get("other"):
            form[self.other_field] = [value["other"]]
        return form

    def answer_rows(self, value: t.Any) -> list[AnswerRow]:
        return [] if value is None else self._rows([value["choice"]], value.get("other"))

    def condition_values(self, value: t.Any) -> dict[str, t.Any]:
        return {} if value is None else {self.item: value["choice"]}

    def demo_value(self, demo: DemoAnswers) -> t.Any:
        codes = self.codes()
        chosen = demo.rng.choices(codes, weights=demo.choice_weights(self.item, codes))
        return {"choice": chosen[0], "other": self._demo_other(demo, chosen)}
