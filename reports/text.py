"""How figures read in every renderer. A label always tells the truth: "fewer than N"
only where fewer than N people answered, "withheld" where a figure is hidden to protect
a small group elsewhere, "not shown" where a derived figure has a hidden input."""

from __future__ import annotations

from reports.model import Cell, Status

NO_DATA = "no data"


def short(status: Status, min_n: int, mode: str = "respondents") -> str:
    """A table cell's label for a figure that is not shown."""
    if status is Status.SMALL:
        return f"fewer than {min_n}" if mode == "cells" else f"fewer than {min_n} answered"
    if status is Status.WITHHELD:
        return "withheld"
    if status is Status.DERIVED:
        return "not shown"
    return NO_DATA


def sentence(status: Status, min_n: int, mode: str = "respondents") -> str:
    """The same, as a sentence (a group or a whole item that is not shown)."""
    if status is Status.SMALL:
        if mode == "cells":
            return f"Counts from 1 to {min_n - 1} are not shown."
        return f"Fewer than {min_n} people answered: not shown."
    if status is Status.WITHHELD:
        return "Withheld so that a small group elsewhere cannot be worked out."
    if status is Status.DERIVED:
        return "Not shown: it would be worked out from a figure that is not shown."
    return "No data: nobody answered."


def _label(cell: Cell, min_n: int, mode: str) -> str | None:
    return None if cell.shown else short(cell.status, min_n, mode)


def count(cell: Cell, min_n: int, mode: str = "respondents") -> str:
    hidden = _label(cell, min_n, mode)
    return hidden if hidden is not None else f"{cell.number():,.0f}"


def percent(cell: Cell, min_n: int, mode: str = "respondents") -> str:
    hidden = _label(cell, min_n, mode)
    return hidden if hidden is not None else f"{cell.number():.0f}%"


def points(cell: Cell, min_n: int, mode: str = "respondents") -> str:
    """Change in percentage points, signed."""
    hidden = _label(cell, min_n, mode)
    if hidden is not None:
        return hidden
    value = round(cell.number())
    return "0" if value == 0 else f"{value:+d}".replace("-", "\u2212")


def score(cell: Cell, min_n: int, mode: str = "respondents") -> str:
    hidden = _label(cell, min_n, mode)
    return hidden if hidden is not None else f"{cell.number():.1f}"


def rate(cell: Cell, expected: int | None, min_n: int, mode: str = "respondents") -> str:
    """A response rate, flagged when there are more responses than expected."""
    if not expected:
        return "expected number not set"
    if cell.shown and cell.number() > 100:
        return "over 100%: check the expected number"
    return percent(cell, min_n, mode)


def rule_summary(min_n: int, comment_min: int, mode: str) -> str:
    """One line on the privacy rule, for footers and the about block."""
    if mode == "cells":
        return (
            f"Counts from 1 to {min_n - 1} are hidden, with others so they cannot be worked "
            f"out; comments from {comment_min} writers."
        )
    return (
        f"Groups of fewer than {min_n} people are not shown; comments from {comment_min} writers."
    )


def number(cell: Cell, digits: int = 1) -> int | float | None:
    """For spreadsheets: the number itself (a whole number as an int), or None."""
    if not cell.shown:
        return None
    value = round(cell.number(), digits)
    return int(value) if digits == 0 or value == int(value) else value
