"""Long text (comments, interview notes)."""

from __future__ import annotations

import typing as t

from app.definitions.types._text import TextModel, _TextType
from app.definitions.types.base import DemoAnswers, register


@register
class LongText(_TextType):
    name = "long_text"
    model = TextModel
    default_max_length = 4000
    multiline = True
    demo_skippable = False  # how often people write is the comment's own business

    def demo_value(self, demo: DemoAnswers) -> t.Any:
        return self.fitted(demo.comment(self.item))
