"""What a question type sees of an XLSForm: its row of the survey sheet when importing,
and the sheets it writes its row (and choice lists) into when exporting.

``app.definitions.xlsform`` reads and writes the workbook; each type maps its own
fields (``QuestionType.from_xlsform`` / ``to_xlsform``), so the mapping of a type lives
in the type's module. Cells are text: numbers are written as YAML writes them unquoted
(``4``, ``2.5``), yes/no as ``yes``/``no``, and a choice name made only of digits is
read as the number, as YAML reads ``value: 4``; so a definition exported and imported
back is the same data, and has the same content hash.
"""

from __future__ import annotations

import re
import typing as t

from app.definitions.schema import Text

NUMBER = re.compile(r"^-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,6})?$")
DIGITS = re.compile(r"^(0|[1-9][0-9]{0,17})$")
TRUE_WORDS = frozenset({"yes", "true", "true()", "1"})
FALSE_WORDS = frozenset({"no", "false", "false()", "0"})

# A limit of the ``constraint`` column: what it measures, the comparison and the value.
_LIMIT = re.compile(
    r"^\s*(\.|count-selected\(\s*\.\s*\)|string-length\(\s*\.\s*\))\s*(<=|>=)\s*"
    r"(?:(-?[0-9]+(?:\.[0-9]+)?)|date\(\s*'([0-9]{4}-[0-9]{2}-[0-9]{2})'\s*\))\s*$"
)


def code_value(raw: str) -> str | int:
    """A choice name as a definition holds it: digits are the number (YAML's ``4``);
    digits in double quotes are text (YAML's ``"4"``)."""
    if len(raw) > 2 and raw[0] == raw[-1] == '"' and DIGITS.match(raw[1:-1]):
        return raw[1:-1]
    return int(raw) if DIGITS.match(raw) else raw


def code_cell(value: t.Any) -> t.Any:
    """An option code as its choices-sheet name (the inverse of ``code_value``)."""
    return f'"{value}"' if isinstance(value, str) and DIGITS.match(value) else value


def cell(value: t.Any) -> str:
    """A value as a cell's text (the inverse of ``XlsRow.number`` / ``flag``)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class XlsRow:
    """One row of the survey sheet (or of the choices sheet), as a type reads it.

    Every column a type reads is marked used; the importer refuses a row with a filled
    column nobody read, so nothing in a form is silently dropped."""

    def __init__(
        self,
        form: XlsContext,
        sheet: str,
        number: int,
        cells: dict[str, str],
    ):
        self.form = form
        self.sheet = sheet
        self.number = number
        self.cells = cells
        self.used: set[str] = set()
        words = (cells.get("type") or "").split()
        self.used.add("type")
        self.type = "_".join(words[:2]) if words[:1] in (["begin"], ["end"]) else "".join(words[:1])
        self.type = self.type.lower()
        rest = words[2:] if words[:1] in (["begin"], ["end"]) else words[1:]
        self.list_name: str | None = rest[0] if rest else None
        self.or_other = len(rest) > 1 and rest[1] == "or_other"
        self.extra_words = rest[2:] if self.or_other else rest[1:]
        self.children: list[XlsRow] = []
        self._limits: list[tuple[str, str, t.Any]] | None = None

    # --- cells ----------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.get("name") or ""

    def get(self, column: str) -> str | None:
        """The cell's text (None when empty)."""
        self.used.add(column)
        value = self.cells.get(column)
        return value if value not in (None, "") else None

    def text(self, column: str) -> Text | None:
        """A translatable text: the bare column is one string in the form's default
        language; ``column::Español (es)`` columns give a mapping by language code."""
        self.used.add(column)
        bare = self.cells.get(column) or None
        translated: dict[str, str] = {}
        for key, value in self.cells.items():
            language = self.form.language_of(column, key)
            if language is not None:
                self.used.add(key)
                if value:
                    translated[language] = value
        if not translated:
            return bare
        if bare is not None:
            translated.setdefault(self.form.default_language, bare)
        return translated

    def flag(self, column: str) -> bool | None:
        """yes/true or no/false (None when empty)."""
        raw = self.get(column)
        if raw is None:
            return None
        if raw.lower() in TRUE_WORDS:
            return True
        if raw.lower() in FALSE_WORDS:
            return False
        self.problem(f"{column} must be yes or no, not '{raw}'")
        return None

    def numeric(self, column: str, raw: str | None = None) -> int | float | None:
        """A whole number or a decimal (None when empty)."""
        raw = self.get(column) if raw is None else raw
        if raw is None:
            return None
        if not NUMBER.match(raw):
            self.problem(f"{column} must be a number, not '{raw}'")
            return None
        return float(raw) if "." in raw else int(raw)

    @property
    def appearance(self) -> set[str]:
        return set((self.get("appearance") or "").split())

    def parameters(self) -> dict[str, str]:
        """``start=1 end=5`` as a mapping."""
        pairs: dict[str, str] = {}
        for part in (self.get("parameters") or "").replace(";", " ").split():
            key, _sep, value = part.partition("=")
            pairs[key.strip()] = value.strip()
        return pairs

    # --- constraints ------------------------------------------------------------------
    def limit(self, subject: str, comparison: str) -> t.Any:
        """The value of ``subject comparison value`` in the ``constraint`` column (parts
        joined by ``and``), or None; a limit taken is a limit understood."""
        if self._limits is None:
            self._limits = []
            raw = self.get("constraint")
            for part in re.split(r"\band\b", raw) if raw else []:
                match = _LIMIT.match(part)
                if match is None:
                    self.problem(
                        f"constraint '{part.strip()}' is not one of the limits this service "
                        "reads (. <= n, . >= n, count-selected(.) <= n, string-length(.) <= n)"
                    )
                    continue
                what, how, number, date = match.groups()
                subject_key = re.sub(r"\s+", "", what)
                value = date if date is not None else self.numeric("constraint", number)
                self._limits.append((subject_key, how, value))
        for i, (what, how, value) in enumerate(self._limits):
            if what == subject and how == comparison:
                del self._limits[i]
                return value
        return None

    def unread_limits(self) -> list[str]:
        return [f"{what} {how} {value}" for what, how, value in self._limits or []]

    # --- choices ----------------------------------------------------------------------
    def choices(self) -> list[XlsRow]:
        """The rows of the choices sheet for this question's list."""
        if self.list_name is None:
            return []
        choices = self.form.choice_lists.get(self.list_name)
        if choices is None:
            self.problem(f"no choice list '{self.list_name}' in the choices sheet")
            return []
        return choices

    def options(self) -> list[dict[str, t.Any]]:
        """The list's choices as options (value and label)."""
        options = []
        for choice in self.choices():
            option: dict[str, t.Any] = {"value": code_value(choice.name)}
            label = choice.text("label")
            if label is not None:
                option["label"] = label
            options.append(option)
        return options

    @property
    def scale_name(self) -> str | None:
        """The list's name when the list is a scale (scores, favourable options or a
        Likert appearance somewhere in the form)."""
        if self.list_name is not None and self.list_name in self.form.scale_lists:
            return self.list_name
        return None

    # --- reporting --------------------------------------------------------------------
    def problem(self, message: str) -> None:
        self.form.problem(self.sheet, self.number, message)

    def assume(self, message: str) -> None:
        self.form.assume(f"{self.sheet} row {self.number}: {message}")


class XlsContext(t.Protocol):
    """The form being read, as a row sees it."""

    default_language: str
    languages: list[str]
    choice_lists: dict[str, list[XlsRow]]
    scale_lists: set[str]

    def language_of(self, column: str, key: str) -> str | None:
        """The language code when ``key`` is ``column::Name (code)``."""
        ...

    def problem(self, sheet: str, row: int, message: str) -> None: ...

    def assume(self, message: str) -> None: ...


class XlsOut(t.Protocol):
    """The sheets a type writes its question into."""

    def question(self, question: t.Any, xls_type: str, **columns: t.Any) -> None:
        """One survey-sheet row for ``question`` (name, label, hint, required and
        relevant come from its definition) with the type's own ``columns``."""
        ...

    def row(self, **columns: t.Any) -> None:
        """A survey-sheet row as given (a group's begin and end, its rows)."""
        ...

    def choices(self, list_name: str, rows: list[dict[str, t.Any]]) -> str:
        """Add a choice list (each row: name, label, ...); returns the list's name."""
        ...

    def common(self, question: t.Any) -> dict[str, t.Any]:
        """The columns every question has: name, label, hint, required, relevant, kind."""
        ...


def constraint(*parts: str | None) -> str | None:
    """A ``constraint`` cell from its limits (None when there are none)."""
    given = [p for p in parts if p]
    return " and ".join(given) or None
