"""Consent or assent confirmation."""

from __future__ import annotations

import typing as t

from app.definitions.schema import QuestionBase, Text
from app.definitions.types._xlsform import XlsOut, XlsRow
from app.definitions.types.base import (
    N_,
    AnswerRow,
    DemoAnswers,
    FieldError,
    FormData,
    OptionLabel,
    QuestionType,
    first,
    register,
)

# The box's words when an XLSForm ``acknowledge`` row gives none.
DEFAULT_AGREE = {"en": "I agree", "es": "Estoy de acuerdo"}
CONSENT_GIVEN = "given"
# Interviews: a shown consent question must be given, whatever the definition says.
CONSENT_REQUIRED = "consent_required"


class ConsentModel(QuestionBase):
    agree_label: Text


@register
class Consent(QuestionType):
    """A consent (or assent) confirmation. Value: True when given."""

    name = "consent"
    model = ConsentModel
    records_consent = True
    definition: ConsentModel

    def texts(self) -> list[tuple[str, t.Any]]:
        return super().texts() + [("agree_label", self.definition.agree_label)]

    def option_labels(self) -> list[OptionLabel]:
        return [OptionLabel(CONSENT_GIVEN, self.definition.agree_label)]

    def chooses(self, field: str) -> bool:
        return field == self.item  # one checkbox

    @property
    def _interview(self) -> bool:
        return self.survey is not None and self.survey.is_interview

    def is_required(self) -> bool:
        # An interview cannot go ahead without the person's consent.
        return super().is_required() or self._interview

    def required_message(self, field: str) -> str:
        return N_("Tick the box to continue.")

    def error_text(self, code: str) -> str | None:
        if code == CONSENT_REQUIRED:
            return N_(
                "Without consent the interview cannot go ahead. Thank the person and end here."
            )
        return None

    def parse(self, form: FormData) -> tuple[t.Any, list[FieldError]]:
        raw = first(form, self.item)
        if not raw:
            errors = self._required_error()
            if not errors and self._interview:
                errors = [FieldError(self.item, CONSENT_REQUIRED)]
            return None, errors
        if raw != CONSENT_GIVEN:
            return None, [FieldError(self.item, "invalid_choice")]
        return True, []

    def to_form(self, value: t.Any) -> dict[str, list[str]]:
        return {self.item: [CONSENT_GIVEN]} if value else {}

    def answer_rows(self, value: t.Any) -> list[AnswerRow]:
        return [AnswerRow(self.item, choice=CONSENT_GIVEN)] if value else []

    def condition_values(self, value: t.Any) -> dict[str, t.Any]:
        return {self.item: CONSENT_GIVEN} if value else {}

    def demo_value(self, demo: DemoAnswers) -> t.Any:
        return True

    def offline_checks(self) -> dict[str, t.Any]:
        return {**super().offline_checks(), "consent": self._interview}

    def offline_errors(self) -> list[FieldError]:
        errors = super().offline_errors()
        return errors + [FieldError(self.item, CONSENT_REQUIRED)] if self._interview else errors

    xlsform_types = frozenset({"acknowledge"})

    @classmethod
    def xlsform_claims(cls, row: XlsRow) -> bool:
        return row.type == "acknowledge"

    @classmethod
    def from_xlsform(cls, row: XlsRow) -> dict[str, t.Any]:
        label = row.text("agree_label")
        if label is None:
            label = {lang: DEFAULT_AGREE.get(lang, "OK") for lang in row.form.languages}
            words = ", ".join(f"'{v}'" for v in label.values())
            row.assume(f"'{row.name}' has no agree_label: its box reads {words}")
        return {"agree_label": label}

    def xlsform_type(self) -> str:
        return "acknowledge"

    def xlsform_columns(self, out: XlsOut) -> dict[str, t.Any]:
        return {"agree_label": self.raw.get("agree_label")}
