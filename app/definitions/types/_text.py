"""Shared parts of the free-text types."""

from __future__ import annotations

import typing as t

from pydantic import Field

from app.definitions.schema import QuestionBase, Text
from app.definitions.types._xlsform import XlsOut, XlsRow, constraint
from app.definitions.types.base import FieldError, FormData, QuestionType, first


class TextModel(QuestionBase):
    max_length: int | None = Field(default=None, ge=1, le=10000)
    placeholder: Text | None = None


class _TextType(QuestionType):
    summary_kind = "text"
    default_max_length: t.ClassVar[int]
    definition: TextModel

    @property
    def max_length(self) -> int:
        return self.definition.max_length or self.default_max_length

    def texts(self) -> list[tuple[str, t.Any]]:
        texts = super().texts()
        if self.definition.placeholder is not None:
            texts.append(("placeholder", self.definition.placeholder))
        return texts

    def parse(self, form: FormData) -> tuple[t.Any, list[FieldError]]:
        raw = first(form, self.item)
        if not raw:
            return None, self._required_error()
        if len(raw) > self.max_length:
            return None, [FieldError(self.item, "too_long", {"max": self.max_length})]
        return raw, []

    def offline_checks(self) -> dict[str, t.Any]:
        return {**super().offline_checks(), "max_length": self.max_length}

    def offline_errors(self) -> list[FieldError]:
        too_long = FieldError(self.item, "too_long", {"max": self.max_length})
        return [*super().offline_errors(), too_long]

    # XLSForm: a ``text`` row; long text has the ``multiline`` appearance.
    multiline: t.ClassVar[bool] = False
    xlsform_types = frozenset({"text"})

    @classmethod
    def xlsform_claims(cls, row: XlsRow) -> bool:
        return row.type == "text" and ("multiline" in row.appearance) == cls.multiline

    @classmethod
    def from_xlsform(cls, row: XlsRow) -> dict[str, t.Any]:
        keys = {
            "max_length": row.limit("string-length(.)", "<="),
            "placeholder": row.text("placeholder"),
        }
        return {k: v for k, v in keys.items() if v is not None}

    def xlsform_type(self) -> str:
        return "text"

    def xlsform_columns(self, out: XlsOut) -> dict[str, t.Any]:
        longest = self.raw.get("max_length")
        return {
            "appearance": "multiline" if self.multiline else None,
            "constraint": constraint(
                f"string-length(.) <= {longest}" if longest is not None else None
            ),
            "placeholder": self.raw.get("placeholder"),
        }

    def fitted(self, text: str | None) -> str | None:
        """``text`` cut to what the box takes (demo answers must be valid answers)."""
        return None if text is None else text[: self.max_length]
