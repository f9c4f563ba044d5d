"""Shared parts of the scale-based types: scoring and option lookup."""

from __future__ import annotations

import dataclasses
import functools
import typing as t

from app.definitions.schema import QuestionBase, Scale, ScaleOption
from app.definitions.types.base import AnswerRow, FieldError, OptionLabel, QuestionType


@dataclasses.dataclass(frozen=True)
class Scoring:
    """What reports need to score one item: its options in order, their scores, which
    are favourable, which are excluded from every denominator, and the neutral one."""

    options: tuple[ScaleOption, ...]
    favourable: frozenset[str]
    excluded: frozenset[str]
    neutral: str | None
    reverse: bool

    def score(self, code: str) -> float | None:
        for option in self.options:
            if option.value == code:
                return None if option.excluded else option.score
        return None


def scoring_from_scale(scale: Scale, reverse: bool) -> Scoring:
    """Scoring for an item on ``scale``. For a reverse-worded item the favourable
    options are the mirror image: the ones whose score mirrors a favourable score."""
    scored = [o for o in scale.options if not o.excluded]
    favourable = set(scale.favourable)
    if reverse:
        # Options not excluded always have a score (ScaleOption checks it).
        score_of = {o.value: o.score for o in scored if o.score is not None}
        low, high = min(score_of.values()), max(score_of.values())
        by_score = {score: value for value, score in score_of.items()}
        fav_scores = {score for value, score in score_of.items() if value in favourable}
        favourable = {by_score[low + high - s] for s in fav_scores if (low + high - s) in by_score}
    return Scoring(
        options=tuple(scale.options),
        favourable=frozenset(favourable),
        excluded=frozenset(o.value for o in scale.options if o.excluded),
        neutral=scale.neutral,
        reverse=reverse,
    )


class ScaleQuestionModel(QuestionBase):
    """What every scale-based type's definition names: the survey's scale it uses."""

    scale: str


class _ScaleType(QuestionType):
    summary_kind = "scored"
    xlsform_scale = True
    definition: ScaleQuestionModel

    def _scale(self) -> Scale | None:
        if self.survey is None:
            return None
        return self.survey.scales.get(self.definition.scale)

    def _known_scale(self) -> Scale:
        """The scale of a checked definition (``check`` refuses an unknown one)."""
        scale = self._scale()
        if scale is None:
            raise LookupError(f"{self.item}: scale '{self.definition.scale}' is not in the survey")
        return scale

    def check(self, report: t.Callable[[str, str], None]) -> None:
        scale_name = self.definition.scale
        if self.survey is not None and scale_name not in self.survey.scales:
            known = ", ".join(sorted(self.survey.scales)) or "none defined"
            report("scale", f"unknown scale '{scale_name}' (scales: {known})")

    def option_labels(self) -> list[OptionLabel]:
        scale = self._scale()
        return [OptionLabel(o.value, o.label) for o in scale.options] if scale else []

    def chooses(self, field: str) -> bool:
        return field in self.item_ids()

    @property
    def scale_name(self) -> str | None:
        return str(self.definition.scale)

    def codes(self) -> list[str]:
        scale = self._scale()
        return [o.value for o in scale.options] if scale else []

    @functools.cached_property
    def _code_set(self) -> frozenset[str]:
        return frozenset(self.codes())

    def parse_code(self, field: str, raw: str) -> tuple[str | None, list[FieldError]]:
        if raw not in self._code_set:
            return None, [FieldError(field, "invalid_choice")]
        return raw, []

    @functools.cached_property
    def _scores(self) -> dict[str, float | None]:
        return {o.value: None if o.excluded else o.score for o in self._known_scale().options}

    def row(self, item_id: str, code: str) -> AnswerRow:
        return AnswerRow(item_id, choice=code, value_num=self._scores[code])
