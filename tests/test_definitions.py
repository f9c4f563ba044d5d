"""The definition loader: every class of mistake is reported as file:line: message."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa

from app.definitions import (
    REGISTRY,
    DefinitionError,
    build,
    content_hash,
    evaluate,
    load_file,
    load_text,
)
from app.models import Survey, SurveyVersion
from tests.conftest import EXAMPLE, ROOT
from tests.fixtures.hostile import HOSTILE, MINIMAL, Hostile

HEADER = """\
id: t
title: {en: Title, es: Título}
audiences: [family]
languages: [en, es]
scales:
  agree:
    options:
      - {value: 1, score: 1, label: {en: "No", es: "No"}}
      - {value: 2, score: 2, label: {en: "Yes", es: Sí}}
      - {value: dk, excluded: true, label: {en: "Don't know", es: No sé}}
    favourable: [2]
pages:
  - id: p1
    questions:
"""


def problems(body: str, header: str = HEADER) -> list[str]:
    text = header + textwrap.indent(textwrap.dedent(body), "      ")
    with pytest.raises(DefinitionError) as info:
        load_text(text, "s.yaml")
    return [str(p) for p in info.value.problems]


def test_example_definition_loads_with_every_question_type():
    survey = load_file(EXAMPLE)
    used = {q.name for q in survey.questions()}
    assert used == set(REGISTRY)
    assert survey.languages == ["en", "es"]
    assert "comm.referral_process_clear" in survey.item_ids()
    assert "intro" not in survey.item_ids()  # statements store nothing


def test_yaml_syntax_error_names_the_line():
    reported = problems("- item: a\n  type: yes_no\n  text: {en: A, es: [B\n")
    assert len(reported) == 1
    assert reported[0].startswith("s.yaml:")
    assert "YAML syntax error" in reported[0]


def test_unknown_question_type():
    (problem,) = problems("- item: a\n  type: slider\n  text: {en: A, es: B}\n")
    assert problem.startswith("s.yaml:16:")
    assert "unknown question type 'slider'" in problem


def test_unknown_scale():
    (problem,) = problems("- item: a\n  type: likert\n  scale: agree7\n  text: {en: A, es: B}\n")
    assert problem == "s.yaml:17: unknown scale 'agree7' (scales: agree)"


def test_duplicate_item_id_points_at_second_use():
    reported = problems(
        """\
        - item: a
          type: yes_no
          text: {en: A, es: B}
        - item: a
          type: yes_no
          text: {en: A, es: B}
        """
    )
    assert reported == ["s.yaml:18: duplicate item id 'a' (first used on line 15)"]


def test_duplicate_item_id_inside_likert_group_rows():
    reported = problems(
        """\
        - item: g
          type: likert_group
          scale: agree
          text: {en: A, es: B}
          rows:
            - {item: x, text: {en: A, es: B}}
            - {item: x, text: {en: A, es: B}}
        """
    )
    assert any("duplicate item id 'x'" in f for f in reported)


def test_condition_pointing_at_missing_question():
    (problem,) = problems(
        "- item: a\n  type: yes_no\n  text: {en: A, es: B}\n"
        "  show_if: {question: nope, equals: yes}\n"
    )
    assert problem == "s.yaml:18: condition refers to 'nope', which does not exist"


def test_condition_pointing_at_later_question():
    reported = problems(
        """\
        - item: a
          type: yes_no
          text: {en: A, es: B}
          show_if: {question: b, equals: yes}
        - item: b
          type: yes_no
          text: {en: A, es: B}
        """
    )
    assert reported == ["s.yaml:18: condition refers to 'b', which comes later"]


def test_condition_value_must_be_an_option():
    reported = problems(
        """\
        - item: a
          type: yes_no
          text: {en: A, es: B}
        - item: b
          type: yes_no
          text: {en: A, es: B}
          show_if: {question: a, equals: maybe}
        """
    )
    assert reported == ["s.yaml:21: condition value 'maybe' is not an option of 'a'"]


def test_condition_needs_exactly_one_test():
    (problem,) = problems(
        "- item: a\n  type: yes_no\n  text: {en: A, es: B}\n"
        "- item: b\n  type: yes_no\n  text: {en: A, es: B}\n"
        "  show_if: {question: a, equals: yes, answered: true}\n"
    )
    assert "exactly one of equals / one_of / answered" in problem
    assert problem.startswith("s.yaml:21:")


def test_missing_translation():
    (problem,) = problems("- item: a\n  type: yes_no\n  text: {en: Only English}\n")
    assert problem == "s.yaml:17: pages[0].questions[0].text: missing 'es' translation"


def test_translation_in_undeclared_language():
    (problem,) = problems("- item: a\n  type: yes_no\n  text: {en: A, es: B, fr: C}\n")
    assert "translation in 'fr', which is not in languages" in problem


def test_plain_string_counts_as_first_language_only():
    (problem,) = problems("- item: a\n  type: yes_no\n  text: Only English\n")
    assert "missing 'es' translation" in problem


def test_choice_list_without_options():
    (problem,) = problems(
        "- item: a\n  type: single_choice\n  text: {en: A, es: B}\n  options: []\n"
    )
    assert problem.startswith("s.yaml:18:")
    assert "options" in problem and "at least 1" in problem


def test_missing_field_and_unknown_field():
    reported = problems("- item: a\n  type: single_choice\n  text: {en: A, es: B}\n  colour: red\n")
    assert "s.yaml:15: missing field 'options'" in reported
    assert "s.yaml:18: unknown field 'colour'" in reported


def test_text_that_yaml_reads_as_boolean_is_explained():
    (problem,) = problems(
        "- item: a\n  type: consent\n  text: {en: A, es: B}\n  agree_label: {en: Yes, es: Sí}\n"
    )
    assert problem.startswith("s.yaml:18:")
    assert "quote text that YAML would read as yes/no" in problem


def test_key_written_twice():
    reported = problems("- item: a\n  type: yes_no\n  text: {en: A, es: B}\n  item: b\n")
    assert "s.yaml:18: key 'item' appears twice" in reported


def test_number_min_above_max():
    (problem,) = problems("- item: a\n  type: number\n  min: 5\n  max: 1\n  text: {en: A, es: B}\n")
    assert "min is larger than max" in problem


def test_scale_favourable_must_be_an_option():
    header = HEADER.replace("favourable: [2]", "favourable: [7]")
    (problem,) = problems(
        "- item: a\n  type: likert\n  scale: agree\n  text: {en: A, es: B}\n", header
    )
    assert problem == "s.yaml:11: scale 'agree': favourable option '7' is not one of its options"


def test_interview_must_start_with_consent():
    header = HEADER.replace("audiences: [family]", "audiences: [student]\nmode: interview")
    (problem,) = problems("- item: a\n  type: long_text\n  text: {en: A, es: B}\n", header)
    assert "must begin with a consent question" in problem


def test_problems_are_all_reported_not_just_the_first():
    reported = problems(
        "- item: a\n  type: slider\n  text: {en: A, es: B}\n"
        "- item: b\n  type: likert\n  scale: nope\n  text: {en: A, es: B}\n"
    )
    assert len(reported) == 2


def test_top_level_must_be_a_mapping():
    with pytest.raises(DefinitionError) as info:
        load_text("- just\n- a list\n", "s.yaml")
    assert "must be a mapping" in str(info.value)


def test_unreadable_file_is_reported(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("id: caf\xe9".encode("latin-1"))
    with pytest.raises(DefinitionError) as info:
        load_file(path)
    assert str(info.value) == f"{path}:1: not UTF-8 text"


def test_content_hash_ignores_formatting_and_key_order():
    a = load_text(EXAMPLE.read_text(), "a.yaml")
    reformatted = "# a comment\n" + EXAMPLE.read_text().replace("mode: self\n", "") + "mode: self\n"
    b = load_text(reformatted, "b.yaml")
    assert a.sha256 == b.sha256
    assert content_hash({"a": 1, "b": 2}) == content_hash({"b": 2, "a": 1})
    changed = load_text(EXAMPLE.read_text().replace("Example feedback", "Example survey"), "c.yaml")
    assert changed.sha256 != a.sha256


def test_reverse_scored_item_mirrors_favourable_options():
    survey = load_file(EXAMPLE)
    group = survey.question_by_item["comm.hard_to_reach"]
    assert group.scoring("comm.hard_to_reach").favourable == {"1", "2"}
    assert group.scoring("comm.referral_process_clear").favourable == {"4", "5"}
    assert "dk" in group.scoring("comm.hard_to_reach").excluded


def test_conditions_evaluate_structurally():
    survey = load_file(EXAMPLE)
    services = survey.question_by_item["services_used"].definition.show_if
    assert evaluate(services, {"uses_services": "yes"})
    assert not evaluate(services, {"uses_services": "no"})
    assert not evaluate(services, {})
    comments = survey.question_by_item["comments"].definition.show_if
    assert evaluate(comments, {"help.know_where": "2", "overall": 5})
    assert evaluate(comments, {"help.know_where": "5"})  # overall unanswered
    assert not evaluate(comments, {"help.know_where": "5", "overall": 4})


# --- hostile files -------------------------------------------------------------------
# Far more than any of them takes (well under a second each); only a hang or a crash
# comes near it.
GENEROUS_TIMEOUT = 120
PROBLEM_LINE = re.compile(r"^(?P<path>.+\.yaml):(?P<line>\d+): (?P<message>.+)$")


@pytest.mark.parametrize("case", HOSTILE, ids=lambda case: case.name)
def test_hostile_definition_is_refused_with_file_line_and_message(case: Hostile):
    with pytest.raises(DefinitionError) as info:
        load_text(case.text(), "hostile.yaml")
    first = str(info.value.problems[0])
    assert first.startswith(f"hostile.yaml:{case.line}: "), first
    assert case.says in first


ENDLESS_WRITER = """\
import sys
with open(sys.argv[1], "w") as pipe:
    while True:
        pipe.write("#" * 4095 + "\\n")
"""


def test_a_hostile_file_is_not_even_read_past_the_size_limit(tmp_path):
    path = tmp_path / "endless.yaml"
    os.mkfifo(path)  # a pipe that never ends: the loader must stop reading by itself
    writer = subprocess.Popen(
        [sys.executable, "-c", ENDLESS_WRITER, str(path)], stderr=subprocess.DEVNULL
    )
    try:
        with pytest.raises(DefinitionError) as info:
            load_file(path)
    finally:
        writer.kill()
        writer.wait(10)
    assert str(info.value) == f"{path}:1: larger than 1,000,000 bytes: no survey needs that much"


def test_data_from_elsewhere_is_held_to_the_same_limits():
    """Stored versions (and a later importer) do not come through YAML: the checks on
    the data itself refuse depth, non-JSON values and numbers a survey cannot use."""
    data = json.loads(json.dumps(load_text(MINIMAL).data))
    condition: dict = {"question": "a", "answered": True}
    for _ in range(3000):
        condition = {"not": condition}
    question = {"item": "b", "type": "yes_no", "text": "And?", "show_if": condition}
    page = data["pages"][0]
    deep = {**data, "pages": [{**page, "questions": [*page["questions"], question]}]}
    with pytest.raises(DefinitionError, match="nested more than 64 levels deep"):
        build(deep)
    for bad, says in [
        (float("nan"), "nan is not a number"),
        (float("inf"), "inf is not a number"),
        (10**30, "longer than 20 digits"),
        (b"bytes", "bytes is not a value a survey has"),
    ]:
        with pytest.raises(DefinitionError, match=says):
            build({**data, "estimated_minutes": bad})
    with pytest.raises(DefinitionError, match="key 1 is not text"):
        build({**data, 1: "x"})


def test_scores_given_as_nan_text_are_refused_too():
    with pytest.raises(DefinitionError, match="finite number"):
        load_text(
            MINIMAL + "      - item: n\n        type: number\n        text: N\n"
            "        min: 'nan'\n",
            "s.yaml",
        )


def test_dates_stay_text_so_the_checked_definition_is_what_is_stored(session):
    survey = load_text(
        MINIMAL + "      - item: d\n        type: date\n        text: When?\n"
        "        min: 2026-01-01\n        max: 2026-12-31\n",
        "s.yaml",
    )
    assert survey.data["pages"][0]["questions"][1]["min"] == "2026-01-01"
    assert str(survey.question_by_item["d"].definition.min) == "2026-01-01"
    assert build(json.loads(json.dumps(survey.data))).sha256 == survey.sha256


def _flask(args: list[str], database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "hostile-test"}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=GENEROUS_TIMEOUT,
    )


@pytest.fixture
def hostile_files(tmp_path):  # type: ignore[no-untyped-def]
    files = {}
    for case in HOSTILE:
        path = tmp_path / f"{case.name}.yaml"
        path.write_text(case.text())
        files[case.name] = path
    yield files


def _reported(stderr: str) -> dict[str, list[tuple[int, str]]]:
    by_file: dict[str, list[tuple[int, str]]] = {}
    for line in stderr.splitlines():
        match = PROBLEM_LINE.match(line)
        if match:
            name = match["path"].rsplit("/", 1)[-1].removesuffix(".yaml")
            by_file.setdefault(name, []).append((int(match["line"]), match["message"]))
    return by_file


def test_surveys_check_answers_every_hostile_file_and_fails(hostile_files, database_url):
    """In a process of its own, so that a crash inside the YAML library is a failure
    here rather than the end of the test run."""
    result = _flask(["surveys", "check", *map(str, hostile_files.values())], database_url)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    reported = _reported(result.stderr)
    for case in HOSTILE:
        line, message = reported[case.name][0]
        assert line == case.line and case.says in message, (case.name, reported[case.name])
    assert f"{len(HOSTILE)} of {len(HOSTILE)} definition(s) have problems" in result.stderr


def test_surveys_sync_stores_nothing_from_hostile_files(hostile_files, database_url, session):
    good = hostile_files["nan"].with_name("good.yaml")
    good.write_text(EXAMPLE.read_text())
    result = _flask(["surveys", "sync", str(good), *map(str, hostile_files.values())], database_url)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "nothing was stored" in result.stderr
    assert set(_reported(result.stderr)) == {case.name for case in HOSTILE}
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Survey)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(SurveyVersion)) == 0
