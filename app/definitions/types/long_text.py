"""Long text (comments, interview notes)."""

from __future__ import annotations

from app.definitions.types._text import TextModel, _TextType
from app.definitions.types.base import DemoAnswers, register


@register
class LongText(_TextType):
    name = "long_text"
    model = TextModel
    default_max_length = 4000
    demo_share = 0.3

    def demo_text(self, demo: DemoAnswers) -> str:
        return demo.comment()
