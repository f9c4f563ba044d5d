"""Short text (one line)."""

from __future__ import annotations

from app.definitions.types._text import TextModel, _TextType
from app.definitions.types.base import DemoAnswers, register


@register
class ShortText(_TextType):
    name = "short_text"
    model = TextModel
    default_max_length = 200
    demo_share = 0.4

    def demo_text(self, demo: DemoAnswers) -> str:
        return demo.short_text()
