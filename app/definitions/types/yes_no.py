"""Yes/no."""

from __future__ import annotations

import typing as t

from app.definitions.schema import QuestionBase, Text
from app.definitions.types._xlsform import XlsOut, XlsRow
from app.definitions.types.base import (
    N_,
    AnswerRow,
    DemoAnswers,
    FieldError,
    OptionLabel,
    QuestionType,
    register,
)

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

    def option_labels(self) -> list[OptionLabel]:
        return [
            OptionLabel(YES, self.definition.yes_label, N_("Yes")),
            OptionLabel(NO, self.definition.no_label, N_("No")),
        ]

    def chooses(self, field: str) -> bool:
        return field == self.item

    def texts(self) -> list[tuple[str, t.Any]]:
        texts = super().texts()
        for key in ("yes_label", "no_label"):
            if getattr(self.definition, key) is not None:
                texts.append((key, getattr(self.definition, key)))
        return texts

    def parse_text(self, raw: str) -> tuple[t.Any, list[FieldError]]:
        if raw not in (YES, NO):
            return None, [FieldError(self.item, "invalid_choice")]
        return raw, []

    def answer_rows(self, value: t.Any) -> list[AnswerRow]:
        return [] if value is None else [AnswerRow(self.item, choice=value)]

    def demo_value(self, demo: DemoAnswers) -> t.Any:
        return YES if demo.yes(self.item) else NO

    # XLSForm: a ``select_one`` of its own list with the choices yes and no (a form made
    # elsewhere has no way to say yes/no rather than a single choice: ``kind`` does).
    xlsform_types = frozenset({"select_one"})

    @classmethod
    def from_xlsform(cls, row: XlsRow) -> dict[str, t.Any]:
        choices = row.choices()
        if [c.name for c in choices] != [YES, NO]:
            row.problem(f"a yes/no question's list '{row.list_name}' must be the choices yes, no")
            return {}
        labels = {"yes_label": choices[0].text("label"), "no_label": choices[1].text("label")}
        return {k: v for k, v in labels.items() if v is not None}

    def xlsform_type(self) -> str:
        return f"select_one {self.item}"

    def xlsform_columns(self, out: XlsOut) -> dict[str, t.Any]:
        out.choices(
            self.item,
            [
                {"name": YES, "label": self.raw.get("yes_label")},
                {"name": NO, "label": self.raw.get("no_label")},
            ],
        )
        return {}
