"""Likert group: several statements on one scale."""

from __future__ import annotations

import typing as t

from pydantic import Field

from app.definitions.schema import CODE_PATTERN, Strict, Text
from app.definitions.types._scale import ScaleQuestionModel, Scoring, _ScaleType, scoring_from_scale
from app.definitions.types._xlsform import XlsOut, XlsRow
from app.definitions.types.base import (
    N_,
    AnswerRow,
    DemoAnswers,
    FieldError,
    FormData,
    first,
    register,
)


class GroupRow(Strict):
    item: str = Field(pattern=CODE_PATTERN, max_length=120)
    text: Text
    reverse: bool = False


class LikertGroupModel(ScaleQuestionModel):
    rows: list[GroupRow] = Field(min_length=1)


@register
class LikertGroup(_ScaleType):
    """Several statements on one scale (a matrix on wide screens, stacked on phones).
    The group's own ``item`` names the group; each row stores under its own item id.
    Value: ``{row item id: option code}``."""

    name = "likert_group"
    model = LikertGroupModel
    definition: LikertGroupModel

    def item_ids(self) -> list[str]:
        return [r.item for r in self.definition.rows]

    def field_names(self) -> list[str]:
        return self.item_ids()

    def row_text(self, item_id: str) -> Text | None:
        return next((r.text for r in self.definition.rows if r.item == item_id), None)

    def required_message(self, field: str) -> str:
        return N_("Choose an answer for this statement.")

    def texts(self) -> list[tuple[str, t.Any]]:
        return super().texts() + [
            (f"rows[{i}].text", r.text) for i, r in enumerate(self.definition.rows)
        ]

    def parse(self, form: FormData) -> tuple[t.Any, list[FieldError]]:
        value: dict[str, str] = {}
        errors: list[FieldError] = []
        for row in self.definition.rows:
            raw = first(form, row.item)
            if not raw:
                if self.definition.required:
                    errors.append(FieldError(row.item, "required"))
                continue
            code, row_errors = self.parse_code(row.item, raw)
            errors += row_errors
            if code is not None:
                value[row.item] = code
        if errors:
            return None, errors
        return value or None, []

    def to_form(self, value: t.Any) -> dict[str, list[str]]:
        return {k: [v] for k, v in (value or {}).items()}

    def answer_rows(self, value: t.Any) -> list[AnswerRow]:
        return [self.row(item_id, code) for item_id, code in (value or {}).items()]

    def condition_values(self, value: t.Any) -> dict[str, t.Any]:
        return dict(value or {})

    def scoring(self, item_id: str | None = None) -> Scoring:
        row = next((r for r in self.definition.rows if r.item == item_id), None)
        return scoring_from_scale(self._known_scale(), bool(row and row.reverse))

    def demo_value(self, demo: DemoAnswers) -> t.Any:
        return {r.item: demo.scale(self, r.item) for r in self.definition.rows}

    def offline_checks(self) -> dict[str, t.Any]:
        # Each row is required on its own (``offline_errors`` words each one).
        return {"rows": self.item_ids(), **super().offline_checks()}

    # XLSForm: a group inside a page's group, one ``select_one <scale>`` row per
    # statement (the usual way to ask a matrix in ODK).
    xlsform_types = frozenset({"begin_group"})

    @classmethod
    def xlsform_claims(cls, row: XlsRow) -> bool:
        return row.type == "begin_group"

    @classmethod
    def from_xlsform(cls, row: XlsRow) -> dict[str, t.Any]:
        scales = {child.list_name for child in row.children}
        if not row.children or any(c.type != "select_one" for c in row.children):
            row.problem(
                "a group inside a page is a Likert group: every row in it is a select_one "
                "on the same scale"
            )
            return {}
        if len(scales) > 1:
            row.problem(f"the rows of a Likert group use one scale, not {len(scales)}")
        rows = []
        for child in row.children:
            keys: dict[str, t.Any] = {"item": child.name, "text": child.text("label")}
            keys["reverse"] = child.flag("reverse")
            rows.append({k: v for k, v in keys.items() if v is not None})
        return {"scale": row.children[0].list_name, "rows": rows}

    def to_xlsform(self, out: XlsOut) -> None:
        out.row(type="begin group", appearance="field-list", **out.common(self))
        for row in self.raw["rows"]:
            out.row(
                type=f"select_one {self.definition.scale}",
                name=row.get("item"),
                label=row.get("text"),
                appearance="likert",
                reverse=row.get("reverse"),
            )
        out.row(type="end group")
