"""Multiple choice: any number of options, optionally "other, please specify"."""

from __future__ import annotations

import typing as t

from pydantic import Field

from app.definitions.types._choice import ChoiceModel, _ChoiceBase
from app.definitions.types._xlsform import XlsOut, XlsRow, constraint
from app.definitions.types.base import AnswerRow, DemoAnswers, FieldError, FormData, register


class MultipleChoiceModel(ChoiceModel):
    max_choices: int | None = Field(default=None, ge=1)


@register
class MultipleChoice(_ChoiceBase):
    """Any number of options. Value: ``{"choices": [codes], "other": text or None}``."""

    name = "multiple_choice"
    model = MultipleChoiceModel
    definition: MultipleChoiceModel
    summary_kind = "multiple"
    xlsform_select = "select_multiple"
    xlsform_types = frozenset({"select_multiple"})

    @classmethod
    def xlsform_claims(cls, row: XlsRow) -> bool:
        return row.type == cls.xlsform_select

    @classmethod
    def from_xlsform(cls, row: XlsRow) -> dict[str, t.Any]:
        keys = super().from_xlsform(row)
        most = row.limit("count-selected(.)", "<=")
        return keys if most is None else {**keys, "max_choices": most}

    def xlsform_columns(self, out: XlsOut) -> dict[str, t.Any]:
        most = self.raw.get("max_choices")
        limit = constraint(f"count-selected(.) <= {most}" if most is not None else None)
        return {**super().xlsform_columns(out), "constraint": limit}

    def parse(self, form: FormData) -> tuple[t.Any, list[FieldError]]:
        chosen: list[str] = []
        for v in form.get(self.item) or []:
            if v.strip() and v not in chosen:
                chosen.append(v)
        if not chosen:
            return None, self._required_error()
        if any(c not in self.codes() for c in chosen):
            return None, [FieldError(self.item, "invalid_choice")]
        limit = self.definition.max_choices
        if limit is not None and len(chosen) > limit:
            return None, [self._too_many(limit)]
        other, errors = self._other_text(form, chosen)
        if errors:
            return None, errors
        order = self.codes()
        return {"choices": sorted(chosen, key=order.index), "other": other}, []

    def offline_checks(self) -> dict[str, t.Any]:
        checks = super().offline_checks()
        most = self.definition.max_choices
        return checks if most is None else {**checks, "max_choices": most}

    def offline_errors(self) -> list[FieldError]:
        errors = super().offline_errors()
        most = self.definition.max_choices
        return errors if most is None else [*errors, self._too_many(most)]

    def _too_many(self, most: int) -> FieldError:
        return FieldError(self.item, "too_many_choices", {"max": most})

    def to_form(self, value: t.Any) -> dict[str, list[str]]:
        if value is None:
            return {}
        form = {self.item: list(value["choices"])}
        if value.get("other"):
            form[self.other_field] = [value["other"]]
        return form

    def answer_rows(self, value: t.Any) -> list[AnswerRow]:
        return [] if value is None else self._rows(value["choices"], value.get("other"))

    def condition_values(self, value: t.Any) -> dict[str, t.Any]:
        return {} if value is None else {self.item: list(value["choices"])}

    def demo_value(self, demo: DemoAnswers) -> t.Any:
        # Each option at most half the time, the group's favourite most often.
        codes = self.codes()
        weights = demo.choice_weights(self.item, codes)
        top = max(weights)
        chosen = [
            code
            for code, weight in zip(codes, weights, strict=True)
            if demo.rng.random() < 0.5 * weight / top
        ]
        chosen = (chosen or [codes[0]])[: self.definition.max_choices or None]
        return {"choices": chosen, "other": self._demo_other(demo, chosen)}
