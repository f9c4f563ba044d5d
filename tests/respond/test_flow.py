"""Reading a post against a definition: which pages and questions count (no web)."""

from __future__ import annotations

from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from app.definitions import load_file
from app.respond.flow import Answers
from tests.conftest import EXAMPLE

BRANCHING = Path(__file__).parent / "fixtures" / "branching.yaml"


@pytest.fixture(scope="module")
def branching():
    return load_file(BRANCHING)


@pytest.fixture(scope="module")
def example():
    return load_file(EXAMPLE)


def test_page_condition_skips_a_page_both_ways(branching):
    answers = Answers(branching, MultiDict({"in_program": "no"}))
    assert answers.shown_pages() == [0, 2]
    assert answers.next_page(0) == 2
    assert answers.previous_page(2) == 0
    assert answers.position(2) == (2, 2)
    assert Answers(branching, MultiDict({"in_program": "yes"})).shown_pages() == [0, 1, 2]


def test_answers_to_hidden_pages_and_questions_are_not_stored(branching):
    form = MultiDict({"in_program": "no", "programme.rating": "5", "why_not": "Too far"})
    rows = Answers(branching, form).answer_rows()
    assert [(r.item_id, r.choice or r.value_text) for r in rows] == [
        ("in_program", "no"),
        ("why_not", "Too far"),
    ]
    form = MultiDict({"in_program": "yes", "programme.rating": "5", "why_not": "Too far"})
    assert [r.item_id for r in Answers(branching, form).answer_rows()] == [
        "in_program",
        "programme.rating",
    ]


def test_hidden_questions_are_not_validated(branching):
    # An out-of-range rating on a page that is not shown is no error: it is dropped.
    answers = Answers(branching, MultiDict({"in_program": "no", "programme.rating": "99"}))
    assert answers.first_page_with_errors() is None


def test_required_answer_on_a_shown_page_is_an_error(branching):
    answers = Answers(branching, MultiDict({"in_program": "yes"}))
    assert answers.first_page_with_errors() == 1
    assert [(e.field, e.code) for e in answers.errors_on(1)] == [("programme.rating", "required")]


def test_question_depending_on_same_page_is_rendered_for_the_script(branching):
    answers = Answers(branching, MultiDict())
    rendered = [s.question.item for s in answers.rendered_on(0)]
    assert rendered == ["in_program", "why_not"]
    assert not answers.states["why_not"].shown


def test_question_depending_on_an_earlier_page_is_left_out_when_hidden(example):
    answers = Answers(example, MultiDict({"uses_services": "no", "overall": "3"}))
    # comments depends on help.know_where and overall, both on its own page: rendered.
    assert "comments" in [s.question.item for s in answers.rendered_on(1)]


def test_unknown_fields_are_reported_and_controls_are_not(example):
    form = MultiDict({"uses_services": "yes", "csrf_token": "x", "nav": "next", "nope": "1"})
    assert Answers(example, form).unknown == ["nope"]


def test_carried_fields_mark_answers_to_hidden_questions_inactive(branching):
    answers = Answers(branching, MultiDict({"in_program": "no", "programme.rating": "4"}))
    carried = answers.carried_fields(answers.rendered_on(2))
    assert ("in_program", "no", True) in carried
    assert ("programme.rating", "4", False) in carried


def test_interview_consent_is_required_even_when_not_marked(tmp_path):
    text = BRANCHING.read_text()
    text = text.replace("id: branching-feedback", "id: consent-check\nmode: interview")
    text = text.replace(
        "    questions:\n      - item: in_program",
        "    questions:\n      - item: agreed\n        type: consent\n"
        "        text: {en: Agreed, es: De acuerdo}\n"
        "        agree_label: {en: I agree, es: Acepto}\n      - item: in_program",
        1,
    )
    path = tmp_path / "interview.yaml"
    path.write_text(text)
    survey = load_file(path)
    answers = Answers(survey, MultiDict({"in_program": "no"}))
    assert [(e.field, e.code) for e in answers.errors_on(0)] == [("agreed", "consent_required")]
