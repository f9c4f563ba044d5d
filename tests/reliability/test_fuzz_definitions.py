"""Hostile or broken definition files never crash the loader: every outcome is either a
checked survey or a DefinitionError with file:line: message lines."""

from __future__ import annotations

import copy
import os
import re

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.definitions import DefinitionError, load_text
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


def test_yaml_bombs_and_tags_are_refused():
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n"
    _check(bomb)
    _check("id: !!python/object/apply:os.system ['true']\n")
