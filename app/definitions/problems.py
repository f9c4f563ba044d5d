"""Problems found in a definition, and where they are: ``file:line: message``.

Every source of definitions (YAML files today, spreadsheets later) hands the same checks
plain data and a ``Locator`` that turns a place in that data (a path of keys and list
indexes, as pydantic reports it) into the line, or row, to name.
"""

from __future__ import annotations

import dataclasses
import typing as t

Loc = tuple[t.Any, ...]

# Beyond this many, a listing helps nobody: the first ones say what kind of mistake it is.
MAX_PROBLEMS = 100


@dataclasses.dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class DefinitionError(Exception):
    """A definition did not pass its checks; ``problems`` lists every one found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class Locator(t.Protocol):
    """Where a place in the data was written."""

    def line(self, loc: Loc) -> int:
        """1-based line (or row) of the deepest value ``loc`` reaches; 1 when unknown."""
        ...


class NoLocator:
    """For data with no file behind it (a stored version): every problem is on line 1."""

    def line(self, loc: Loc) -> int:
        return 1


class Reporter:
    """Collects the problems of one source."""

    def __init__(self, path: str, locator: Locator | None = None):
        self.path = path
        self.locator: Locator = locator or NoLocator()
        self.problems: list[Problem] = []

    def add(self, loc: Loc, message: str) -> None:
        """A problem with the value at ``loc``."""
        self.at(self.locator.line(loc), message, self._path(loc))

    def add_key(self, loc: Loc, message: str) -> None:
        """A problem with a key (missing or unknown): named on its mapping's line."""
        self.at(self.locator.line(loc[:-1]) if loc else 1, message, self._path(loc[:-1]))

    def _path(self, loc: Loc) -> str:
        # A spreadsheet's locator also names the sheet: "form.xlsx:survey".
        path = getattr(self.locator, "path", None)
        return str(path(loc)) if path is not None else self.path

    def at(self, line: int, message: str, path: str | None = None) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(path or self.path, line, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise DefinitionError(sorted(self.problems, key=lambda p: (p.path, p.line)))
