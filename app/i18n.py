"""Interface language: which language a page speaks.

A view that knows better (a survey page: the survey's languages, the person's choice)
sets ``g.language`` before rendering; otherwise the browser's Accept-Language decides
among the configured ``LANGUAGES``.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app, g, request
from flask_babel import refresh


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    chosen = g.get("language")
    if chosen:
        return chosen
    return preferred_language(current_app.config["LANGUAGES"])


def preferred_language(available: Sequence[str], asked: str | None = None) -> str:
    """``asked`` if offered, else the best Accept-Language match, else the first offered."""
    if asked and asked in available:
        return asked
    best = request.accept_languages.best_match(list(available)) if request else None
    return best or available[0]


def use_language(language: str) -> None:
    """Speak ``language`` for the rest of this request (interface text and formats)."""
    g.language = language
    refresh()
