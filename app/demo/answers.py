"""How a demo respondent answers: one function per answer, one profile per respondent.

:func:`demo_answer` is the only place that turns a question into a demo answer: it
asks the question's type (``QuestionType.demo_value``), which draws on the
respondent's :class:`Profile`. What differs between respondents
(audience, wave, language) lives in :class:`Profile`, and how favourably a group sees
an item lives in :class:`Tendencies`: every audience starts from the item's own level
and lean, the current wave moves some items up and some down, and mirrored items
carry gaps between audiences that a review should discuss (families know less than
partners think about where to get help and how referrals work).
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import hashlib
import math
import random
import typing as t

from app.definitions.survey import SurveyDefinition, evaluate
from app.definitions.types import QuestionType
from app.demo.texts import Writer
from app.models import Audience

# How favourably each audience tends to answer, in logits added to an item's level.
AUDIENCE_LEAN = {
    Audience.FAMILY: -0.35,
    Audience.STUDENT: -0.15,
    Audience.STAFF: 0.15,
    Audience.PARTNER: 0.45,
}
# Mirrored items where audiences see things differently (logits, by audience).
GAPS: dict[str, dict[Audience, float]] = {
    "comm.referral_process_clear": {Audience.FAMILY: -0.6, Audience.PARTNER: 0.4},
    "help.know_where_to_get_help": {Audience.FAMILY: -0.5, Audience.STAFF: 0.4},
    "comm.school_partner_communication": {Audience.STAFF: -0.4, Audience.PARTNER: 0.4},
    "trust.comfortable_asking_for_help": {Audience.STUDENT: -0.5, Audience.STAFF: 0.3},
    "culture.respects_culture_language": {Audience.FAMILY: 0.3, Audience.STAFF: 0.2},
}
# Since the last review: what moved (logits in the current wave).
CHANGES = {
    "comm.school_partner_communication": 0.55,
    "help.know_where_to_get_help": 0.45,
    "partnership.meet_regularly": 0.5,
    "element3.coordinator_known": 0.45,
    "access.wait_too_long": -0.5,  # more agree that the wait is too long: worse
    "access.services_easy_to_access": -0.45,
    "element7.diverse_funding": -0.4,
    "pd.training_helps": -0.35,
}
# Share answering "don't know" where a scale offers it.
DONT_KNOW = {
    Audience.FAMILY: 0.07,
    Audience.STUDENT: 0.06,
    Audience.STAFF: 0.04,
    Audience.PARTNER: 0.05,
}
# Share of respondents who write something in an optional comment box.
COMMENT_RATE = {
    Audience.FAMILY: 0.24,
    Audience.STUDENT: 0.18,
    Audience.STAFF: 0.38,
    Audience.PARTNER: 0.45,
}
SKIP_OPTIONAL = 0.05  # optional closed questions left blank
GOLDEN = (5**0.5 - 1) / 2


def _cumulative(weights: list[float]) -> list[float]:
    total, acc, out = sum(weights), 0.0, []
    for weight in weights:
        acc += weight / total
        out.append(acc)
    return out


def unit(*parts: t.Any) -> float:
    """A stable pseudo-random number in [0, 1) from the given parts."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class Tendencies:
    """How favourably each group sees each item, fixed by the seed."""

    def __init__(self, seed: int):
        self.seed = seed
        self._cache: dict[tuple[t.Any, ...], tuple[list[str], list[float]]] = {}
        self._choices: dict[tuple[t.Any, ...], list[float]] = {}
        self._draws: dict[tuple[t.Any, ...], float] = {}

    def draw(self, key: tuple[t.Any, ...], rng: random.Random) -> float:
        """The next number in [0, 1) for one group's answers to one item: a golden-ratio
        sequence from a random start, so a group of 50 (or a partner's 18) shows the
        shape its level gives rather than the noise of independent draws: the changes
        and gaps the demo means to show stand out from chance ones, and no group of 18
        reads 100% by luck."""
        start = self._draws.get(key)
        if start is None:
            start = rng.random()
        self._draws[key] = (start + GOLDEN) % 1.0
        return start

    def level(
        self, item: str, audience: Audience, current: bool, partner: int | None = None
    ) -> float:
        """A logit: 0 is an even split around the middle of a scale. Respondents who came
        through a partner's links lean that partner's way on each item."""
        value = -0.4 + 1.5 * unit(self.seed, item)  # the item itself
        value += AUDIENCE_LEAN[audience] + 0.5 * (unit(self.seed, item, audience) - 0.5)
        if partner is not None:
            value += 0.8 * (unit(self.seed, item, "partner", partner) - 0.5)
        value += GAPS.get(item, {}).get(audience, 0.0)
        if current:
            value += CHANGES.get(item, 0.3 * (unit(self.seed, item, "wave") - 0.5))
        return max(-1.2, min(2.0, value))

    def options(
        self, question: t.Any, item: str, audience: Audience, current: bool, partner: int | None
    ) -> tuple[list[str], list[float]]:
        """A scale's option codes and their cumulative probabilities (an ordered logit),
        "don't know" apart."""
        key = (id(question), item, audience, current, partner)
        if key not in self._cache:
            scoring = question.scoring(item)
            level = self.level(item, audience, current, partner)
            if scoring.reverse:  # agreeing with a reverse-worded item is unfavourable
                level = -level
            scored = [o for o in scoring.options if not o.excluded]
            steps = len(scored)
            # Cut points 1.2 apart around the middle of the scale: an ordered logit gives
            # every option some people, most near the group's level, and keeps the top
            # two boxes between about 15% and 80%.
            cuts = [1.2 * (k - (steps - 2) / 2) for k in range(steps - 1)]
            below = [1 / (1 + math.exp(-(c - level))) for c in cuts]
            bands = [b - a for a, b in zip([0.0, *below], [*below, 1.0], strict=True)]
            dont_know = DONT_KNOW[audience] * (0.5 + unit(self.seed, item, "dk"))
            weights, k = [], 0
            for option in scoring.options:
                if option.excluded:
                    weights.append(dont_know)
                else:
                    weights.append(bands[k] * (1 - dont_know))
                    k += 1
            self._cache[key] = ([o.value for o in scoring.options], _cumulative(weights))
        return self._cache[key]

    def share(self, item: str, audience: Audience, current: bool, partner: int | None) -> float:
        """For yes/no items: how many say yes."""
        return 1 / (1 + math.exp(-self.level(item, audience, current, partner)))

    def choice_weights(self, item: str, codes: list[str], audience: Audience) -> list[float]:
        """Unequal, audience-dependent shares of a choice question's options."""
        key = (item, tuple(codes), audience)
        if key not in self._choices:
            self._choices[key] = [0.2 + unit(self.seed, item, c, audience) ** 1.5 for c in codes]
        return self._choices[key]


@dataclasses.dataclass
class Profile:
    """One respondent: who they are and when, and the shared generators."""

    audience: Audience
    current: bool
    partner: int | None  # the partner whose link they answered through
    language: str
    rng: random.Random
    tendencies: Tendencies
    writer: Writer
    today: dt.date

    def scale(self, question: t.Any, item: str) -> str:
        group = (self.audience, self.current, self.partner)
        codes, cumulative = self.tendencies.options(question, item, *group)
        u = self.tendencies.draw((id(question), item, *group), self.rng)
        return codes[min(bisect.bisect(cumulative, u), len(codes) - 1)]

    def yes(self, item: str) -> bool:
        group = (self.audience, self.current, self.partner)
        return self.tendencies.draw((item, *group), self.rng) < self.tendencies.share(item, *group)

    def choice_weights(self, item: str, codes: list[str]) -> list[float]:
        return self.tendencies.choice_weights(item, codes, self.audience)

    def short_text(self, kind: str) -> str:
        return self.writer.short(self.language, kind)

    def comment(self, item: str) -> str | None:
        interview = item.startswith(("interview.", "interviewer."))
        rate = 0.85 if interview else COMMENT_RATE[self.audience]
        if "change" in item:
            rate *= 1.15  # people say more about what to change than about what works
        if self.rng.random() >= rate:
            return None
        return self.writer.comment(item, self.audience.value, self.language)


def demo_answer(question: QuestionType, profile: Profile) -> t.Any:
    """The value one demo respondent gives to ``question`` (None: left blank), in the
    form the question type's ``answer_rows`` takes. Each type makes up its own
    (``QuestionType.demo_value``) from what the profile says of the respondent."""
    return question.demo_value(profile)


def answer_rows(definition: SurveyDefinition, profile: Profile) -> list[t.Any]:
    """Every answer row of one response: pages and questions in order, following the
    survey's display logic, with optional questions sometimes left blank."""
    rows: list[t.Any] = []
    seen: dict[str, t.Any] = {}
    for page, questions in definition.pages:
        if not evaluate(page.show_if, seen):
            continue
        for question in questions:
            if not question.answerable or not evaluate(question.definition.show_if, seen):
                continue
            optional = not question.definition.required and question.demo_skippable
            if optional and profile.rng.random() < SKIP_OPTIONAL:
                continue
            value = demo_answer(question, profile)
            if value is None:
                continue
            seen.update(question.condition_values(value))
            rows.extend(question.answer_rows(value))
    return rows


__all__ = ["Profile", "Tendencies", "answer_rows", "demo_answer"]
