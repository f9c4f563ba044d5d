"""The question-type registry and the interface every type implements.

A type knows everything that differs between types, so no other module switches on a
type's name: how to check its own definition, which form fields it reads and which of
them are answered by choosing, how to turn submitted strings into a value (with error
codes the respondent pages translate, and the words for "required"), how that value
becomes long answer rows, what its stored codes are called, how reports summarise it,
what the offline interview page checks of an answer and what a made-up demo answer
looks like. Adding a type is adding one module here
(imported in ``types/__init__.py``) and its template ``respond/questions/<name>.html``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re
import typing as t
from collections.abc import Callable, Mapping, Sequence

from app.definitions.schema import QuestionBase, Text

if t.TYPE_CHECKING:
    from app.definitions.survey import SurveyDefinition
    from app.definitions.types._scale import Scoring
    from app.definitions.types._xlsform import XlsOut, XlsRow

REGISTRY: dict[str, type[QuestionType]] = {}

# Submitted form data as lists of strings per field name (werkzeug's MultiDict.getlist).
FormData = Mapping[str, Sequence[str]]


@dataclasses.dataclass(frozen=True)
class FieldError:
    """A problem with one answer. ``code`` is translated by the respondent pages."""

    field: str
    code: str
    params: Mapping[str, t.Any] = dataclasses.field(default_factory=dict)


class AnswerRow(t.NamedTuple):
    """One long answer row (see ``app.models.Answer``). A named tuple: a submission
    makes one per answer, and its values go to the database in this order."""

    item_id: str
    choice: str | None = None
    value_num: float | None = None
    value_text: str | None = None


class Summary(t.NamedTuple):
    """How reports treat an item: ``scored`` (scale, percent favourable), ``choice``
    (counts per option), ``numeric``, ``text`` (comments) or ``none``."""

    kind: str


class OptionLabel(t.NamedTuple):
    """One answer a question offers: its stored ``code``, the survey's ``label`` for it,
    and, where the survey gives none, the interface's ``word`` (an English message id
    the respondent pages translate, e.g. "Yes")."""

    code: str
    label: Text | None = None
    word: str = ""


class DemoAnswers(t.Protocol):
    """One made-up respondent, as a type sees them when it makes up their answer
    (``app.demo.answers.Profile``): how their group tends to answer, in their language."""

    rng: random.Random
    today: dt.date

    def scale(self, question: QuestionType, item_id: str) -> str:
        """A code of ``item_id``'s scale (``question.scoring``), drawn as this
        respondent's group tends to answer it."""
        ...

    def yes(self, item_id: str) -> bool:
        """Whether this respondent says yes to ``item_id``."""
        ...

    def choice_weights(self, item_id: str, codes: list[str]) -> list[float]:
        """How often this respondent's group picks each of ``codes`` (relative)."""
        ...

    def short_text(self, kind: str) -> str:
        """A word or phrase in the respondent's language: a ``short`` answer, or an
        ``other`` option described."""
        ...

    def comment(self, item_id: str) -> str | None:
        """What the respondent writes in ``item_id``'s comment box (None: nothing)."""
        ...


def _word(option: OptionLabel, word: Callable[[str], str]) -> str:
    # An empty message id would translate to the catalogue's header: show the code.
    return word(option.word) if option.word else option.code


def N_(message: str) -> str:
    """Marks an interface string for the translation catalogue; the pages translate it
    where it is shown (types know no language)."""
    return message


def register(cls: type[QuestionType]) -> type[QuestionType]:
    """Make ``cls`` the type of questions whose ``type`` is ``cls.name``."""
    REGISTRY[cls.name] = cls
    return cls


# C0 control characters but tab and newline (CR is turned into newline first), and
# DEL. No database keeps a NUL inside text (PostgreSQL refuses it); the others only
# garble exports and screens (an ESC starts a terminal sequence).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What counts as blank at either end of an answer: every character str.isspace()
# accepts, and the zero-width ones, which show nothing (a test holds the list true).
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
BLANK = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000" + ZERO_WIDTH
)


def clean_text(value: str) -> str:
    """An answer as typed, less control characters (CRLF and CR become LF) and blank
    characters at either end: text made only of spaces and zero-width characters is
    empty. Zero-width characters inside text stay (they join emoji, shape scripts)."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(value):
        value = _CONTROL.sub("", value)
    # One pass in C, linear however long the run of blanks (a regex could backtrack).
    return value.strip(BLANK)


def first(form: FormData, name: str) -> str:
    """The field's first value, cleaned by ``clean_text``."""
    values = form.get(name) or []
    return clean_text(values[0]) if values else ""


class QuestionType:
    """Base class. Subclasses set ``name`` and ``model`` and override what differs."""

    name: t.ClassVar[str]
    model: t.ClassVar[type[QuestionBase]]
    # How reports summarise the type's items: "scored" (a scale: percent favourable),
    # "choice" (counts per option), "multiple" (counts per option, several per
    # respondent), "numeric" (a mean), "text" (comments) or "none".
    summary_kind: t.ClassVar[str] = "none"
    answerable: t.ClassVar[bool] = True
    # The answer is the person's consent to go ahead: an interview begins with one.
    records_consent: t.ClassVar[bool] = False
    # Demo respondents skip some optional questions; False where ``demo_value`` itself
    # leaves the answer blank as often as people do (comment boxes).
    demo_skippable: t.ClassVar[bool] = True

    def __init__(self, definition: QuestionBase, survey: SurveyDefinition | None = None):
        self.definition = definition
        self.survey = survey
        # Read for every answer of every post; definitions don't change once loaded.
        self.item: str = definition.item
        # The question as written (the loader sets it): exports write what was given.
        self.raw: dict[str, t.Any] = {}

    # --- definition ---------------------------------------------------------------
    def item_ids(self) -> list[str]:
        """Item ids this question stores answers under."""
        return [self.item] if self.answerable else []

    def texts(self) -> list[tuple[str, t.Any]]:
        """(field path, Text) of every human-readable string, for translation checks."""
        texts = [("text", self.definition.text)]
        if self.definition.help is not None:
            texts.append(("help", self.definition.help))
        return texts

    def row_text(self, item_id: str) -> Text | None:
        """The words that ask ``item_id`` when they are not the question's own (a row
        of a group); None when the question's text asks it."""
        return None

    def check(self, report: Callable[[str, str], None]) -> None:
        """Semantic checks needing the whole survey; ``report(field, message)``."""

    # --- answering ----------------------------------------------------------------
    def field_names(self) -> list[str]:
        """Form field names this question reads."""
        return [self.item] if self.answerable else []

    def chooses(self, field: str) -> bool:
        """Whether form field ``field`` is answered by choosing among options (radio
        buttons or checkboxes, their inputs numbered from 0) rather than in one input."""
        return False

    def is_required(self) -> bool:
        """Whether the person must answer before going on."""
        return bool(self.definition.required)

    def required_message(self, field: str) -> str:
        """What to tell someone who left required ``field`` empty (a message id)."""
        if self.chooses(field):
            return N_("Choose an answer.")
        return N_("Answer this question.")

    def error_text(self, code: str) -> str | None:
        """The words (a message id, with ``%(name)s`` for the error's params) for an
        error code only this type gives; None for the shared codes the respondent
        pages word themselves (invalid_choice, too_long, out_of_range...)."""
        return None

    def parse(self, form: FormData) -> tuple[t.Any, list[FieldError]]:
        """Turn submitted strings into a value (None when unanswered) and errors."""
        raw = first(form, self.item)
        if not raw:
            return None, self._required_error()
        return self.parse_text(raw)

    def parse_text(self, raw: str) -> tuple[t.Any, list[FieldError]]:
        return raw, []

    def _required_error(self) -> list[FieldError]:
        if self.definition.required:
            return [FieldError(self.item, "required")]
        return []

    def to_form(self, value: t.Any) -> dict[str, list[str]]:
        """The inverse of ``parse``: form fields that reproduce ``value``."""
        if value is None:
            return {}
        return {self.item: [str(value)]}

    def answer_rows(self, value: t.Any) -> list[AnswerRow]:
        """Long answer rows for a parsed value."""
        if value is None:
            return []
        return [AnswerRow(self.item, value_text=str(value))]

    def option_labels(self) -> list[OptionLabel]:
        """Each answer one chooses, in order, as stored. Empty for types answered by
        typing (and for numbers, which are their own labels)."""
        return []

    def labels(
        self, text: Callable[[Text], str], word: Callable[[str], str] = str
    ) -> list[tuple[str, str]]:
        """(code, label) of each answer: the survey's label through ``text`` (which
        picks a language), else the interface's word through ``word`` (which may
        translate it). The one map of codes to words, for pages, exports and reports."""
        return [
            (o.code, (text(o.label) if o.label is not None else "") or _word(o, word))
            for o in self.option_labels()
        ]

    # --- reports ------------------------------------------------------------------
    @property
    def report_kind(self) -> str:
        """How reports summarise this question (``summary_kind``; "none" for a question
        with nothing to answer)."""
        return self.summary_kind if self.answerable else "none"

    @property
    def scale_name(self) -> str | None:
        """The name of the scale its items are scored on (items on the same scale sit
        together in reports); None when not scored."""
        return self.name if self.summary_kind == "scored" else None

    def scoring(self, item_id: str | None = None) -> Scoring | None:
        """How ``item_id`` is scored (its options, the favourable ones, the excluded
        ones); None when the type is not scored."""
        return None

    # --- demonstration data -----------------------------------------------------------
    def demo_value(self, demo: DemoAnswers) -> t.Any:
        """The answer made-up respondent ``demo`` gives, as ``parse`` would return it
        (None: left unanswered). Types that take no answer give none."""
        return None

    def condition_values(self, value: t.Any) -> dict[str, t.Any]:
        """Item id -> value as display conditions see it (codes, numbers or text)."""
        return {} if value is None else {self.item: value}

    # --- offline interviews (app.respond.offline, static/interview.js) -----------------
    def offline_checks(self) -> dict[str, t.Any]:
        """What the offline page checks of an answer before it is kept, as ``parse``
        would (the server checks the record again): whether it is ``required``, whether
        the interview needs ``consent`` to it, and the type's own limits: a ``format``
        the page knows ("number": ``min``, ``max``, ``integer``; "date": ``min``,
        ``max`` as YYYY-MM-DD), a ``max_length``, ``max_choices``, an "other" field.
        Only asked of a question one answers."""
        return {"required": bool(self.definition.required), "consent": False}

    def offline_errors(self) -> list[FieldError]:
        """Every error the offline page can find in an answer (``offline_checks``), with
        the params its message needs: the bundle carries each one's words in every
        language."""
        return [FieldError(item_id, "required") for item_id in self.item_ids()]

    # --- XLSForm (app.definitions.xlsform) ----------------------------------------------
    # The survey-sheet types (first word) a row of this type may have.
    xlsform_types: t.ClassVar[frozenset[str]] = frozenset()
    # Its select_one rows choose from one of the survey's scales (a choice list with
    # scores), not from a list of the question's own.
    xlsform_scale: t.ClassVar[bool] = False

    @classmethod
    def xlsform_claims(cls, row: XlsRow) -> bool:
        """Whether a row of a form that does not name our types (no ``kind`` column, a
        form made with another tool) is a question of this type."""
        return False

    @classmethod
    def from_xlsform(cls, row: XlsRow) -> dict[str, t.Any]:
        """This type's own fields from its survey-sheet row (item, text, help, required
        and show_if are read for every type)."""
        return {}

    def xlsform_type(self) -> str:
        """The survey sheet's ``type`` cell for this question."""
        raise NotImplementedError(f"question type {self.name} has no XLSForm mapping")

    def xlsform_columns(self, out: XlsOut) -> dict[str, t.Any]:
        """This type's own cells (appearance, parameters, constraint, extension
        columns); may add choice lists to ``out``."""
        return {}

    def to_xlsform(self, out: XlsOut) -> None:
        """Write the question into the sheets: by default one row."""
        out.question(self, self.xlsform_type(), **self.xlsform_columns(out))
