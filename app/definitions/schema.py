"""The survey definition schema (pydantic). A file that passes becomes a SurveyDefinition.

Question-specific fields live on each question type's own model in ``types/``.
"""

from __future__ import annotations

import enum
import typing as t

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
# Names the survey form uses for itself; its other controls start with "_", which an
# item id cannot.
FORM_CONTROL_NAMES = frozenset({"nav", "csrf_token"})
LANGUAGE_PATTERN = r"^[a-z]{2}(-[A-Z]{2})?$"

# A human-readable string: either one string (the survey's first language) or a
# mapping of language code to text. Every declared language must be present.
Text = str | dict[str, str]


def _code_as_text(v: t.Any) -> t.Any:
    # YAML reads `value: 4` as a number; option codes are text.
    return str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v


# An option code as written in a definition: `4` and `"4"` are the same code.
Code = t.Annotated[str, BeforeValidator(_code_as_text)]


class Strict(BaseModel):
    # No NaN or infinity from text such as "nan": stored JSON could not hold them.
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False
    )


class Mode(enum.StrEnum):
    SELF = "self"
    INTERVIEW = "interview"


class AudienceName(enum.StrEnum):
    STUDENT = "student"
    FAMILY = "family"
    STAFF = "staff"
    PARTNER = "partner"


class Option(Strict):
    """One option of a choice list."""

    value: Code = Field(pattern=CODE_PATTERN, max_length=120)
    label: Text


class ScaleOption(Option):
    """One point of a response scale. ``excluded`` options ("Don't know", "N/A")
    are stored but left out of every score and denominator."""

    score: float | None = None
    excluded: bool = False

    @model_validator(mode="after")
    def _scored_unless_excluded(self) -> ScaleOption:
        if self.score is None and not self.excluded:
            raise ValueError("a scale option needs a score unless it is excluded")
        return self


class Scale(Strict):
    """A shared response scale; ``favourable`` names the options counted as favourable
    (none: reports give no percent favourable, e.g. for a scale imported from a plain
    XLSForm until someone says which options are favourable)."""

    options: list[ScaleOption] = Field(min_length=2)
    favourable: list[Code] = Field(default_factory=list)
    neutral: Code | None = None


class Condition(Strict):
    """A structured display condition. Exactly one form per object:

    ``{question, equals}``, ``{question, one_of}``, ``{question, answered}``,
    ``{all: [...]}``, ``{any: [...]}`` or ``{not: {...}}``.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )

    question: str | None = None
    equals: str | float | bool | None = None
    one_of: list[Code] | None = Field(default=None, min_length=1)
    answered: bool | None = None
    all_: list[Condition] | None = Field(default=None, alias="all", min_length=1)
    any_: list[Condition] | None = Field(default=None, alias="any", min_length=1)
    not_: Condition | None = Field(default=None, alias="not")

    @field_validator("equals", mode="before")
    @classmethod
    def _equals_as_text(cls, v: t.Any) -> t.Any:
        if isinstance(v, bool):
            return "yes" if v else "no"
        return str(v) if isinstance(v, int | float) else v

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        combinators = [x for x in (self.all_, self.any_, self.not_) if x is not None]
        tests = [x for x in (self.equals, self.one_of, self.answered) if x is not None]
        if combinators:
            if len(combinators) > 1 or tests or self.question is not None:
                raise ValueError("use one of all / any / not per condition object")
        elif self.question is None:
            raise ValueError("a condition needs 'question' (or all / any / not)")
        elif len(tests) != 1:
            raise ValueError(
                "a condition on a question needs exactly one of equals / one_of / answered"
            )
        return self

    def referenced_items(self) -> list[str]:
        """Every item id this condition reads, in order."""
        if self.question is not None:
            return [self.question]
        referenced: list[str] = []
        for child in (self.all_ or []) + (self.any_ or []) + ([self.not_] if self.not_ else []):
            referenced.extend(child.referenced_items())
        return referenced


class QuestionBase(Strict):
    """Fields every question type shares."""

    item: str = Field(pattern=CODE_PATTERN, max_length=120)
    type: str
    text: Text
    help: Text | None = None
    required: bool = False
    show_if: Condition | None = None


class Page(Strict):
    id: str = Field(pattern=CODE_PATTERN, max_length=80)
    title: Text | None = None
    intro: Text | None = None
    show_if: Condition | None = None
    # Each entry is checked against its question type's own model by the loader.
    questions: list[dict[str, t.Any]] = Field(min_length=1)


class Theme(Strict):
    """One theme of an interview survey's codebook. Its code is what answers are tagged
    with, so it keeps its meaning across versions; a code dropped later stays valid for
    answers already tagged with it."""

    code: str = Field(pattern=CODE_PATTERN, max_length=80)
    label: Text
    description: Text | None = None


class SurveyHeader(Strict):
    """Everything in a definition file except the questions' type-specific checks."""

    id: str = Field(pattern=CODE_PATTERN, max_length=80)
    title: Text
    description: Text | None = None
    audiences: list[AudienceName] = Field(min_length=1)
    languages: list[str] = Field(min_length=1)
    mode: Mode = Mode.SELF
    anonymous: bool = True
    estimated_minutes: int | None = Field(default=None, ge=1, le=120)
    support_message: Text | None = None
    consent_script: Text | None = None
    scales: dict[str, Scale] = Field(default_factory=dict)
    codebook: list[Theme] = Field(default_factory=list, max_length=200)
    pages: list[Page] = Field(min_length=1)

    @field_validator("languages")
    @classmethod
    def _languages(cls, v: list[str]) -> list[str]:
        import re

        for code in v:
            if not re.match(LANGUAGE_PATTERN, code):
                raise ValueError(f"{code!r} is not a language code such as 'en' or 'es'")
        if len(set(v)) != len(v):
            raise ValueError("a language is listed twice")
        return v
