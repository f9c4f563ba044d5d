"""How figures read in every renderer: suppressed is "fewer than N", missing is "no data"."""

from __future__ import annotations

from reports.model import Cell

NO_DATA = "no data"


def suppressed_text(min_n: int) -> str:
    return f"fewer than {min_n}"


def count(cell: Cell, min_n: int) -> str:
    if cell.suppressed:
        return suppressed_text(min_n)
    if cell.value is None:
        return NO_DATA
    return f"{int(round(cell.value)):,}"


def percent(cell: Cell, min_n: int) -> str:
    if cell.suppressed:
        return suppressed_text(min_n)
    if cell.value is None:
        return NO_DATA
    return f"{cell.value:.0f}%"


def points(cell: Cell, min_n: int) -> str:
    """Change in percentage points, signed."""
    if cell.suppressed:
        return suppressed_text(min_n)
    if cell.value is None:
        return NO_DATA
    value = round(cell.value)
    return "0" if value == 0 else f"{value:+d}".replace("-", "\u2212")


def score(cell: Cell, min_n: int) -> str:
    if cell.suppressed:
        return suppressed_text(min_n)
    if cell.value is None:
        return NO_DATA
    return f"{cell.value:.1f}"


def cell_number(cell: Cell, digits: int = 1) -> float | str | None:
    """For spreadsheets: the number itself, "suppressed", or None (empty) for no data."""
    if cell.suppressed:
        return "suppressed"
    if cell.value is None:
        return None
    return round(cell.value, digits)
