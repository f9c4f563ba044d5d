"""Short text (one line)."""

from __future__ import annotations

import typing as t

from app.definitions.types._text import TextModel, _TextType
from app.definitions.types.base import DemoAnswers, register


@register
class ShortText(_TextType):
    name = "short_text"
    model = TextModel
    default_max_length = 200

    def demo_value(self, demo: DemoAnswers) -> t.Any:
        if demo.rng.random() >= 0.4:  # most leave it empty
            return None
        return self.fitted(demo.short_text("short"))
