"""Short text (one line)."""

from __future__ import annotations

from app.definitions.types._text import TextModel, _TextType
from app.definitions.types.base import register


@register
class ShortText(_TextType):
    name = "short_text"
    model = TextModel
    default_max_length = 200
