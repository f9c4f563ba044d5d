"""Each question type parses submitted strings, rejects bad input, and stores long rows."""

from __future__ import annotations

import datetime as dt

import pytest

from app.definitions import AnswerRow, load_file
from app.definitions.types.base import BLANK, ZERO_WIDTH
from tests.conftest import EXAMPLE


@pytest.fixture(scope="module")
def survey():
    return load_file(EXAMPLE)


def parse(survey, item, form):
    return survey.question_by_item[item].parse(form)


def codes(errors):
    return [(e.field, e.code) for e in errors]


def test_required_question_left_empty(survey):
    assert codes(parse(survey, "uses_services", {})[1]) == [("uses_services", "required")]


def test_single_choice_rejects_unknown_value(survey):
    assert codes(parse(survey, "contact_channel", {"contact_channel": ["fax"]})[1]) == [
        ("contact_channel", "invalid_choice")
    ]


def test_single_choice_rejects_repeated_values(survey):
    _, errors = parse(survey, "contact_channel", {"contact_channel": ["text", "email"]})
    assert codes(errors) == [("contact_channel", "invalid_choice")]


def test_multiple_choice_other_needs_its_text(survey):
    q = survey.question_by_item["services_used"]
    _, errors = q.parse({"services_used": ["clinic", "other"]})
    assert codes(errors) == [("services_used.other", "other_required")]
    value, errors = q.parse(
        {"services_used": ["other", "clinic"], "services_used.other": ["Tutoring"]}
    )
    assert not errors
    assert value == {"choices": ["clinic", "other"], "other": "Tutoring"}
    assert q.answer_rows(value) == [
        AnswerRow("services_used", choice="clinic"),
        AnswerRow("services_used", choice="other", value_text="Tutoring"),
    ]


def test_likert_stores_code_and_score_and_excludes_dont_know(survey):
    q = survey.question_by_item["help.know_where"]
    assert q.answer_rows(q.parse({"help.know_where": ["4"]})[0]) == [
        AnswerRow("help.know_where", choice="4", value_num=4.0)
    ]
    assert q.answer_rows(q.parse({"help.know_where": ["dk"]})[0]) == [
        AnswerRow("help.know_where", choice="dk", value_num=None)
    ]


def test_likert_group_stores_one_row_per_statement(survey):
    q = survey.question_by_item["comm.grid"]
    value, errors = q.parse({"comm.referral_process_clear": ["5"], "comm.hard_to_reach": ["2"]})
    assert not errors
    assert [r.item_id for r in q.answer_rows(value)] == [
        "comm.referral_process_clear",
        "comm.hard_to_reach",
    ]
    _, errors = q.parse({"comm.hard_to_reach": ["9"]})
    assert codes(errors) == [("comm.hard_to_reach", "invalid_choice")]


@pytest.mark.parametrize("raw", ["0", "6", "4.5", "-1", "five", "１"])
def test_rating_out_of_range(survey, raw):
    assert codes(parse(survey, "overall", {"overall": [raw]})[1]) == [("overall", "out_of_range")]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("16", "out_of_range"),
        ("2.5", "not_whole_number"),
        ("1e9", "not_a_number"),
        ("NaN", "not_a_number"),
    ],
)
def test_number_bounds_and_format(survey, raw, code):
    assert codes(parse(survey, "children", {"children": [raw]})[1]) == [("children", code)]


def test_number_accepts_comma_decimal_mark(survey):
    assert parse(survey, "children", {"children": ["3,0"]}) == (3, [])


def test_text_is_bounded_by_the_definition(survey):
    q = survey.question_by_item["one_word"]
    assert codes(q.parse({"one_word": ["x" * 41]})[1]) == [("one_word", "too_long")]
    assert q.parse({"one_word": ["  ok\x00 "]}) == ("ok", [])


# Every free-text answer: short text, long text and the text beside "other".
TEXT_FIELDS = [
    ("one_word", "one_word", {}),
    ("comments", "comments", {}),
    ("services_used", "services_used.other", {"services_used": ["other"]}),
]


def _text_of(survey, item, field, form, typed):  # type: ignore[no-untyped-def]
    value, errors = survey.question_by_item[item].parse({**form, field: [typed]})
    return (value.get("other") if isinstance(value, dict) else value), codes(errors)


@pytest.mark.parametrize(("item", "field", "form"), TEXT_FIELDS)
def test_control_characters_are_dropped_from_every_text_answer(survey, item, field, form):
    typed = "Bell\x07 Esc\x1b[2J back\x08 del\x7f nul\x00 tab\tkept"
    assert _text_of(survey, item, field, form, typed) == (
        "Bell Esc[2J back del nul tab\tkept",
        [],
    )


def test_line_breaks_of_every_kind_become_one_newline(survey):
    assert _text_of(survey, "comments", "comments", {}, "one\r\ntwo\rthree\nfour") == (
        "one\ntwo\nthree\nfour",
        [],
    )


@pytest.mark.parametrize(("item", "field", "form"), TEXT_FIELDS)
def test_text_of_only_zero_width_characters_is_empty(survey, item, field, form):
    value, errors = _text_of(survey, item, field, form, " \u200b\u200c\u200d\u2060\ufeff\u3000 ")
    assert value is None
    expected = [("services_used.other", "other_required")] if item == "services_used" else []
    assert errors == expected
    # Inside real text they stay: they join emoji and shape some scripts.
    assert _text_of(survey, item, field, form, "\u200bmom 👩\u200d👧\u200b") == (
        "mom 👩\u200d👧",
        [],
    )


def test_date_parses_iso_and_rejects_garbage(survey):
    assert parse(survey, "first_contact", {"first_contact": ["2026-03-04"]}) == (
        dt.date(2026, 3, 4),
        [],
    )
    assert codes(parse(survey, "first_contact", {"first_contact": ["4/3/26"]})[1]) == [
        ("first_contact", "not_a_date")
    ]


def test_consent_only_accepts_given(survey):
    q = survey.question_by_item["ok_to_follow_up"]
    assert q.parse({"ok_to_follow_up": ["given"]}) == (True, [])
    assert codes(q.parse({"ok_to_follow_up": ["nope"]})[1]) == [
        ("ok_to_follow_up", "invalid_choice")
    ]


def test_to_form_round_trips_every_type(survey):
    form = {
        "uses_services": ["yes"],
        "services_used": ["clinic", "other"],
        "services_used.other": ["Tutoring"],
        "contact_channel": ["email"],
        "help.know_where": ["dk"],
        "comm.referral_process_clear": ["3"],
        "overall": ["5"],
        "children": ["2"],
        "first_contact": ["2025-01-31"],
        "one_word": ["Kind"],
        "comments": ["More evening meetings"],
        "ok_to_follow_up": ["given"],
    }
    for question in survey.questions():
        value, errors = question.parse(form)
        assert not errors, question.item
        again, errors = question.parse(question.to_form(value))
        assert not errors and again == value, question.item


def test_the_blank_characters_are_every_space_python_knows_and_the_zero_width_ones():
    spaces = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
    assert set(BLANK) == set(spaces) | set(ZERO_WIDTH)
