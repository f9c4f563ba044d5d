"""Shared parts of the free-text types."""

from __future__ import annotations

import typing as t

from pydantic import Field

from app.definitions.schema import QuestionBase, Text
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

    def fitted(self, text: str | None) -> str | None:
        """``text`` cut to what the box takes (demo answers must be valid answers)."""
        return None if text is None else text[: self.max_length]
