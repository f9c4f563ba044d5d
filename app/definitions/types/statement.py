"""Statement: text to read, nothing to answer."""

from __future__ import annotations

import typing as t

from app.definitions.schema import QuestionBase
from app.definitions.types.base import FieldError, FormData, QuestionType, register


class StatementModel(QuestionBase):
    pass


@register
class Statement(QuestionType):
    """Text to read; nothing to answer."""

    name = "statement"
    model = StatementModel
    answerable = False

    def parse(self, form: FormData) -> tuple[t.Any, list[FieldError]]:
        return None, []
