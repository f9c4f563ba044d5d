"""Statement: text to read, nothing to answer."""

from __future__ import annotations

import typing as t

from app.definitions.schema import QuestionBase
from app.definitions.types._xlsform import XlsRow
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

    xlsform_types = frozenset({"note"})

    @classmethod
    def xlsform_claims(cls, row: XlsRow) -> bool:
        return row.type == "note"

    def xlsform_type(self) -> str:
        return "note"
