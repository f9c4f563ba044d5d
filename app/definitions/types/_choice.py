"""Shared parts of the choice types: options, "other, please specify"."""

from __future__ import annotations

import typing as t

from pydantic import Field, model_validator

from app.definitions.schema import Option, QuestionBase, Text
from app.definitions.types._xlsform import XlsOut, XlsRow, code_cell
from app.definitions.types.base import (
    N_,
    AnswerRow,
    DemoAnswers,
    FieldError,
    FormData,
    OptionLabel,
    QuestionType,
    first,
)

OTHER = "other"


OTHER_TEXT_MAX = 200


class ChoiceModel(QuestionBase):
    options: list[Option] = Field(min_length=1)
    other: bool = False
    other_label: Text | None = None

    @model_validator(mode="after")
    def _unique_values(self) -> ChoiceModel:
        values = [o.value for o in self.options]
        if len(set(values)) != len(values):
            raise ValueError("two options have the same value")
        if self.other and OTHER in values:
            raise ValueError(f"'other: true' adds the option '{OTHER}'; remove the listed one")
        return self


class _ChoiceBase(QuestionType):
    summary_kind = "choice"
    definition: ChoiceModel

    def codes(self) -> list[str]:
        codes = [o.value for o in self.definition.options]
        return codes + [OTHER] if self.definition.other else codes

    def texts(self) -> list[tuple[str, t.Any]]:
        texts = super().texts()
        texts += [(f"options[{i}].label", o.label) for i, o in enumerate(self.definition.options)]
        if self.definition.other_label is not None:
            texts.append(("other_label", self.definition.other_label))
        return texts

    def option_labels(self) -> list[OptionLabel]:
        labels = [OptionLabel(o.value, o.label) for o in self.definition.options]
        if self.definition.other:
            labels.append(OptionLabel(OTHER, self.definition.other_label, N_("Other")))
        return labels

    def chooses(self, field: str) -> bool:
        return field == self.item  # not the "other, please specify" box

    def field_names(self) -> list[str]:
        names = [self.item]
        return names + [self.other_field] if self.definition.other else names

    @property
    def other_field(self) -> str:
        return f"{self.item}.other"

    def _other_text(self, form: FormData, chosen: list[str]) -> tuple[str | None, list[FieldError]]:
        if OTHER not in chosen:
            return None, []
        text = first(form, self.other_field)
        if not text:
            return None, [FieldError(self.other_field, "other_required")]
        if len(text) > OTHER_TEXT_MAX:
            return None, [FieldError(self.other_field, "too_long", {"max": OTHER_TEXT_MAX})]
        return text, []

    def _demo_other(self, demo: DemoAnswers, chosen: list[str]) -> str | None:
        return demo.short_text("other") if OTHER in chosen else None

    def offline_checks(self) -> dict[str, t.Any]:
        checks = super().offline_checks()
        if self.definition.other:
            checks.update(other_field=self.other_field, other_max=OTHER_TEXT_MAX, other_code=OTHER)
        return checks

    def offline_errors(self) -> list[FieldError]:
        errors = super().offline_errors()
        if self.definition.other:
            errors += [
                FieldError(self.other_field, "other_required"),
                FieldError(self.other_field, "too_long", {"max": OTHER_TEXT_MAX}),
            ]
        return errors

    # XLSForm: ``select_one list`` / ``select_multiple list``, ``or_other`` for "other"
    # (an ``other`` column ``no`` for a definition's explicit ``other: false``); the
    # options are the question's own list, named after its item id.
    xlsform_select: t.ClassVar[str]

    @classmethod
    def xlsform_claims(cls, row: XlsRow) -> bool:
        return row.type == cls.xlsform_select and row.scale_name is None

    @classmethod
    def from_xlsform(cls, row: XlsRow) -> dict[str, t.Any]:
        keys: dict[str, t.Any] = {"options": row.options()}
        other = row.flag("other")
        if other is False and row.or_other:
            row.problem("'or_other' adds an answer the other column says no to: keep one")
        if row.or_other or other is not None:
            keys["other"] = row.or_other or bool(other)
        label = row.text("other_label")
        if label is not None:
            keys["other_label"] = label
        return keys

    def xlsform_type(self) -> str:
        other = " or_other" if self.raw.get("other") else ""
        return f"{self.xlsform_select} {self.item}{other}"

    def xlsform_columns(self, out: XlsOut) -> dict[str, t.Any]:
        out.choices(
            self.item,
            [
                {"name": code_cell(o.get("value")), "label": o.get("label")}
                for o in self.raw["options"]
            ],
        )
        other = False if self.raw.get("other") is False else None
        return {"other_label": self.raw.get("other_label"), "other": other}

    def _rows(self, chosen: list[str], other: str | None) -> list[AnswerRow]:
        return [
            AnswerRow(self.item, choice=c, value_text=other if c == OTHER else None) for c in chosen
        ]
