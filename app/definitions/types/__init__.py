"""Question types, one module per type, collected in ``REGISTRY`` by name.

To add a type: write a module with a ``@register``-ed ``QuestionType`` subclass and
import it here.
"""

from app.definitions.types import (  # noqa: F401  (importing registers the types)
    consent,
    date,
    likert,
    likert_group,
    long_text,
    multiple_choice,
    number,
    rating,
    short_text,
    single_choice,
    statement,
    yes_no,
)
from app.definitions.types._scale import Scoring
from app.definitions.types.base import (
    REGISTRY,
    AnswerRow,
    FieldError,
    FormData,
    QuestionType,
    register,
)

__all__ = [
    "REGISTRY",
    "AnswerRow",
    "FieldError",
    "FormData",
    "QuestionType",
    "Scoring",
    "register",
]
