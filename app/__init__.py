"""Stakeholder feedback service for school-community mental-health partnerships.

The factory lives in :mod:`app.factory`; it is imported on first call so that the
Flask-free parts of the package (definitions, models) can be used by ``reports``
and by tools without pulling in the web stack.
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, t.Any] | None = None) -> Flask:
    """Build the Flask application; ``config`` overrides every other source."""
    from app.factory import create_app as _create_app

    return _create_app(config)
