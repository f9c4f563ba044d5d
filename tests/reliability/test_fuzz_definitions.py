"""Hostile or broken definition files never crash the loader: every outcome is either a
checked survey or a DefinitionError with file:line: message lines."""

from __future__ import annotations

import copy
import os
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.definitions import DefinitionError, load_text
from app.definitions.limits import MAX_FILE_BYTES
from tests.conftest import EXAMPLE

EXAMPLE_DATA = yaml.safe_load(EXAMPLE.read_text())
# make soak (SOAK=1) tries many more cases than the quick run in make test.
EXAMPLES = 3000 if os.environ.get("SOAK") else 120
PROBLEM_LINE = re.compile(r"^fuzz\.yaml:\d+: .+")

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["", "yes", "likert", "agree5", "en", "es", "\x00", "{{x}}"]),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=12), children, max_size=4),
    ),
    max_leaves=12,
)


def _check(text: str) -> None:
    try:
        load_text(text, "fuzz.yaml")
    except DefinitionError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert PROBLEM_LINE.match(str(problem)), str(problem)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_arbitrary_text_is_rejected_cleanly(text):
    _check(text)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _paths(child, prefix + (key,))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _paths(child, prefix + (i,))


ALL_PATHS = [p for p in _paths(EXAMPLE_DATA) if p]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(ALL_PATHS), values), min_size=1, max_size=3))
def test_mutated_example_is_loaded_or_rejected_cleanly(mutations):
    data = copy.deepcopy(EXAMPLE_DATA)
    for path, value in mutations:
        node = data
        try:
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    _check(yaml.safe_dump(data, allow_unicode=True))


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.sampled_from(ALL_PATHS))
def test_removing_any_key_is_loaded_or_rejected_cleanly(path):
    data = copy.deepcopy(EXAMPLE_DATA)
    node = data
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    _check(yaml.safe_dump(data, allow_unicode=True))


def _refused(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as info:
        load_text(text, "fuzz.yaml")
    lines = [str(problem) for problem in info.value.problems]
    assert lines and all(PROBLEM_LINE.match(line) for line in lines), lines
    return lines


# The constructs of tests/fixtures/hostile.py, at any size, to plant anywhere.
PLACEHOLDER = "__hostile__"
hostile_yaml = st.one_of(
    st.integers(65, 50_000).map(lambda depth: "[" * depth + "]" * depth),
    st.integers(65, 20_000).map(lambda depth: "{a: " * depth + "b" + "}" * depth),
    st.integers(65, 3000).map(
        lambda depth: "{not: " * depth + "{question: uses_services, answered: true}" + "}" * depth
    ),
    st.integers(21, 5000).map(lambda digits: "9" * digits),
    st.sampled_from([".nan", ".NaN", ".inf", "-.inf", "+.INF", "1.0e+999", "-9.9e+400"]),
    st.sampled_from(
        [
            "!!binary aGVsbG8=",
            "!!python/object/apply:os.system ['true']",
            "!!python/name:os.system",
            "!!set {a, b}",
            "!!omap [a: 1]",
            "!!str text",
            "!local text",
            "!<tag:yaml.org,2002:int> 4",
        ]
    ),
    st.sampled_from(["&a x", "&a [lol, lol]", "[&a lol, *a, *a]", "{<<: &a {x: 1}}"]),
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ALL_PATHS), hostile_yaml)
def test_hostile_yaml_anywhere_in_the_example_is_refused_cleanly(path, snippet):
    data = copy.deepcopy(EXAMPLE_DATA)
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = PLACEHOLDER
    text = yaml.safe_dump(data, allow_unicode=True, width=10_000)
    _refused(text.replace(PLACEHOLDER, snippet, 1))


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 300_000))
def test_files_over_the_size_limit_are_refused_unread(extra):
    text = EXAMPLE.read_text()
    padding = "#" * 99 + "\n"
    text += padding * ((MAX_FILE_BYTES - len(text.encode())) // len(padding) + 1) + "#" * extra
    assert _refused(text) == ["fuzz.yaml:1: larger than 1,000,000 bytes: no survey needs that much"]


# Questions that may take "other, please specify", and where a new question could go.
CHOICES = ["services_used", "contact_channel"]
SLOTS = [
    (p, q)
    for p, page in enumerate(EXAMPLE_DATA["pages"])
    for q in range(len(page["questions"]) + 1)
]


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    st.sampled_from(CHOICES),
    st.sampled_from(SLOTS),
    st.sampled_from(["short_text", "long_text", "number", "yes_no", "date"]),
)
def test_an_item_id_colliding_with_an_other_field_is_refused(choice, slot, kind):
    data = copy.deepcopy(EXAMPLE_DATA)
    for page in data["pages"]:
        for question in page["questions"]:
            if question["item"] == choice:
                question["other"] = True
    page, position = slot
    intruder = {"item": f"{choice}.other", "type": kind, "text": {"en": "Other", "es": "Otro"}}
    data["pages"][page]["questions"].insert(position, intruder)
    lines = _refused(yaml.safe_dump(data, allow_unicode=True))
    assert any(f"'{choice}.other'" in line for line in lines), lines
