"""Error codes from the question types, as words the person reads in their language."""

from __future__ import annotations

import datetime as dt
import typing as t

from flask_babel import format_date, format_decimal, gettext

from app.definitions.types import FieldError, QuestionType


def _number(value: t.Any) -> str:
    if isinstance(value, float) and value == int(value):
        value = int(value)
    return format_decimal(value)


def _date(value: dt.date | None) -> str:
    return format_date(value, "long") if value else ""


def quoted(text: str) -> str:
    """An answer as quoted in a sentence, with the language's own quotation marks."""
    return gettext("“%(answer)s”", answer=text)


def note_text(kind: str, interview: bool, **params: str) -> str:
    """When to answer a follow-up question: ``kind`` is "chosen" / "not_chosen"
    (``answers``), "answered" / "unanswered" (``question``) or "general". Interviewers
    are told what to ask (and addressed as tú in Spanish), families what to answer."""
    if interview:
        if kind == "chosen":
            return gettext("Ask this if %(answers)s was chosen above.", **params)
        if kind == "not_chosen":
            return gettext("Ask this unless %(answers)s was chosen above.", **params)
        if kind == "answered":
            return gettext("Ask this if “%(question)s” was answered above.", **params)
        if kind == "unanswered":
            return gettext("Ask this if “%(question)s” was left unanswered above.", **params)
        return gettext("Ask this only if it applies, given the answers above.")
    if kind == "chosen":
        return gettext("Answer this if you chose %(answers)s above.", **params)
    if kind == "not_chosen":
        return gettext("Answer this unless you chose %(answers)s above.", **params)
    if kind == "answered":
        return gettext("Answer this if you answered “%(question)s” above.", **params)
    if kind == "unanswered":
        return gettext("Answer this if you left “%(question)s” unanswered above.", **params)
    return gettext("Answer this only if it applies, given your answers above.")


def error_message(error: FieldError, question: QuestionType) -> str:
    """The message for one field error of ``question``, in the current interface
    language. The question's type words "required" (choose, type, tick)."""
    code, p = error.code, error.params
    if code == "required":
        return gettext(question.required_message(error.field))
    own = question.error_text(code)
    if own is not None:
        return gettext(own, **p)
    if code == "invalid_choice":
        return gettext("Choose one of the answers shown.")
    if code == "other_required":
        return gettext("Write your other answer, or unselect “Other”.")
    if code == "too_long":
        return gettext("Use %(max)s characters or fewer.", max=_number(p.get("max")))
    if code == "too_many_choices":
        return gettext("Choose at most %(max)s answers.", max=_number(p.get("max")))
    if code == "out_of_range":
        low, high = p.get("min"), p.get("max")
        if low is not None and high is not None:
            return gettext(
                "Enter a number from %(min)s to %(max)s.", min=_number(low), max=_number(high)
            )
        if low is not None:
            return gettext("Enter a number of at least %(min)s.", min=_number(low))
        return gettext("Enter a number no larger than %(max)s.", max=_number(high))
    if code == "not_a_number":
        return gettext("Enter a number, using digits (for example 3).")
    if code == "not_whole_number":
        return gettext("Enter a whole number (for example 3).")
    if code == "not_a_date":
        return gettext("Enter a date as year-month-day (for example 2026-03-25).")
    if code == "date_out_of_range":
        low, high = p.get("min"), p.get("max")
        if low and high:
            return gettext("Enter a date from %(min)s to %(max)s.", min=_date(low), max=_date(high))
        if low:
            return gettext("Enter a date on or after %(min)s.", min=_date(low))
        return gettext("Enter a date on or before %(max)s.", max=_date(high))
    return gettext("Check this answer.")
