"""Question types, one module per type, collected in ``REGISTRY`` by name.

To add a type: write a module with a ``@register``-ed ``QuestionType`` subclass (see
``base.QuestionType`` for what it may override), import it here, and add its respondent
markup as ``templates/respond/questions/<name>.html``. Nothing else switches on a
type's name: pages, offline interviews, exports, reports and demo data ask the type.
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
    N_,
    REGISTRY,
    AnswerRow,
    DemoAnswers,
    FieldError,
    FormData,
    OptionLabel,
    QuestionType,
    register,
)

__all__ = [
    "N_",
    "REGISTRY",
    "AnswerRow",
    "DemoAnswers",
    "FieldError",
    "FormData",
    "OptionLabel",
    "QuestionType",
    "Scoring",
    "register",
]
