"""Reading level of plain English text: the Flesch–Kincaid grade, with a simple
syllable count (groups of vowels, a silent final "e" left out), good enough to tell
a sixth-grade sentence from a college one."""

from __future__ import annotations

import re
from collections.abc import Iterable

WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*|\d+(?:[.,]\d+)*")
VOWELS = re.compile(r"[aeiouy]+")
# A sentence ends at . ! ? (or a line ends): each drafted line is a sentence of its own.
SENTENCE_END = re.compile(r"[.!?]+(?=\s|[”\"»)]|$)")


def syllables(word: str) -> int:
    """Syllables of one English word (a number counts as one)."""
    word = word.lower().replace("’", "'")
    if not word.isalpha():
        word = re.sub(r"[^a-z]", "", word)
        if not word:
            return 1
    if len(word) <= 3:
        return 1
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")):
        word = word[:-1]
    elif word.endswith(("es", "ed")) and not word.endswith(("ted", "ded", "ses", "zes", "ces")):
        word = word[:-2]
    return max(1, len(VOWELS.findall(word)))


def sentences_of(passages: Iterable[str]) -> list[str]:
    found = []
    for passage in passages:
        for line in passage.splitlines():
            found += [s for s in SENTENCE_END.split(line) if WORD.search(s)]
    return found


def grade(passages: Iterable[str]) -> float:
    """The Flesch–Kincaid grade of ``passages``: 0.39 × words per sentence + 11.8 ×
    syllables per word − 15.59."""
    sentences = sentences_of(passages)
    words = [w for s in sentences for w in WORD.findall(s)]
    if not words:
        return 0.0
    per_sentence = len(words) / len(sentences)
    per_word = sum(syllables(w) for w in words) / len(words)
    return 0.39 * per_sentence + 11.8 * per_word - 15.59
