"""Survey definitions: schema, question-type registry, loading and checking.

Flask-free, so ``reports`` and tools can use it without the web stack.
"""

from app.definitions.loader import (
    DefinitionError,
    Locator,
    Problem,
    build,
    check_definition,
    definition_files,
    load_file,
    load_text,
)
from app.definitions.survey import SurveyDefinition, content_hash, evaluate, translate
from app.definitions.types import REGISTRY, AnswerRow, FieldError, QuestionType, Scoring

__all__ = [
    "REGISTRY",
    "AnswerRow",
    "DefinitionError",
    "FieldError",
    "Problem",
    "QuestionType",
    "Scoring",
    "SurveyDefinition",
    "Locator",
    "build",
    "check_definition",
    "content_hash",
    "definition_files",
    "evaluate",
    "load_file",
    "load_text",
    "translate",
]
