"""YAML definition files, read defensively into plain data and the line of every value.

A definition file may be broken or hostile. Before anything is built, one scan of the
parser's events (no document is composed yet) refuses what a survey never needs and
what makes YAML dangerous, and stops at the first such thing, so a hostile file costs
no more than reading up to it:

- nesting deeper than ``MAX_NESTING``: composing recurses, in C with libyaml (50,000
  levels crash the process) or in Python (20,000 exhaust the stack);
- anchors and aliases (``&a``, ``*a``): a few lines of them expand to gigabytes;
- explicit tags (``!!binary``, ``!!python/...``, ``!custom``): values no survey has;
- a key that is a list or a mapping; and (reported, scan goes on) a key written twice.

Files over ``MAX_FILE_BYTES`` are not read at all. Then the text is composed once, the
nodes kept for line numbers, and constructed with numbers checked: an integer longer
than ``MAX_NUMBER_LENGTH`` characters, ``.nan`` and ``.inf`` are refused, and dates stay
the text they were written as, so the data is plain JSON: what is checked is exactly
what a survey version stores.
"""

from __future__ import annotations

import math
import typing as t
from pathlib import Path

import yaml
from yaml.constructor import SafeConstructor

from app.definitions.limits import MAX_FILE_BYTES, MAX_NESTING, MAX_NUMBER_LENGTH
from app.definitions.problems import DefinitionError, Loc, Problem

# libyaml's parser when PyYAML was built with it (several times faster), else Python's.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NODE_EVENTS = (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)


class YamlLocator:
    """Lines of values in a composed YAML document."""

    def __init__(self, root: yaml.Node | None):
        self.root = root

    def line(self, loc: Loc) -> int:
        node = self.root
        if node is None:
            return 1
        for part in loc:
            child = None
            if isinstance(node, yaml.MappingNode):
                child = next((v for k, v in node.value if k.value == str(part)), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if 0 <= part < len(node.value):
                    child = node.value[part]
            if child is None:
                break
            node = child
        return node.start_mark.line + 1


def read_file(path: Path) -> str:
    """The text of a definition file; DefinitionError when too large or unreadable."""
    name = str(path)
    try:
        with path.open("rb") as handle:
            # Read one byte past the limit rather than trust the size (a pipe has none).
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise DefinitionError([Problem(name, 1, f"cannot read: {exc.strerror}")]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise DefinitionError([_too_large(name)])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DefinitionError([Problem(name, 1, "not UTF-8 text")]) from None


def parse(text: str, path: str) -> tuple[t.Any, YamlLocator, list[Problem]]:
    """Plain data (JSON types only), its locator, and problems that do not stop the
    checks (a key written twice); DefinitionError for those that do."""
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise DefinitionError([_too_large(path)])
    fatal, problems = _scan(text, path)
    if fatal:
        raise DefinitionError(problems)
    loader = _DefinitionLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        raise DefinitionError([*problems, _syntax_problem(exc, path)]) from None
    except yaml.YAMLError as exc:
        raise DefinitionError([*problems, Problem(path, 1, f"YAML error: {exc}")]) from None
    finally:
        loader.dispose()
    if loader.refused:
        refused = [Problem(path, line, message) for line, message in loader.refused]
        raise DefinitionError(problems + refused)
    return data, YamlLocator(root), problems


def _too_large(path: str) -> Problem:
    return Problem(path, 1, f"larger than {MAX_FILE_BYTES:,} bytes: no survey needs that much")


def _syntax_problem(exc: yaml.MarkedYAMLError, path: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    detail = " ".join(str(x) for x in (exc.context, exc.problem) if x)
    return Problem(path, mark.line + 1 if mark else 1, f"YAML syntax error: {detail}")


def _scan(text: str, path: str) -> tuple[bool, list[Problem]]:
    """(whether to stop here, problems found), reading events up to the first that stops."""
    problems: list[Problem] = []
    # One entry per open list (None) or mapping ([keys seen, whether a key comes next]).
    open_nodes: list[list[t.Any] | None] = []
    try:
        for event in yaml.parse(text, Loader=_BaseLoader):
            # The parser marks every event; the stubs allow events without a mark.
            line = event.start_mark.line + 1 if event.start_mark is not None else 1
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                problems.append(
                    Problem(
                        path,
                        line,
                        "YAML anchors and aliases (&name, *name) are not allowed: "
                        "write each value out",
                    )
                )
                return True, problems
            tag = getattr(event, "tag", None)
            if tag is not None:
                problems.append(
                    Problem(
                        path,
                        line,
                        f"YAML tag '{tag}' is not allowed: a definition holds only "
                        "text, numbers, true/false, lists and mappings",
                    )
                )
                return True, problems
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                open_nodes.pop()
                continue
            if not isinstance(event, _NODE_EVENTS):
                continue
            parent = open_nodes[-1] if open_nodes else None
            is_key = parent is not None and parent[1]
            if parent is not None:
                parent[1] = not parent[1]
            if isinstance(event, yaml.ScalarEvent):
                if parent is not None and is_key:
                    if event.value in parent[0]:
                        problems.append(Problem(path, line, f"key '{event.value}' appears twice"))
                    parent[0].add(event.value)
                continue
            if is_key:
                problems.append(Problem(path, line, "a key must be plain text"))
                return True, problems
            if len(open_nodes) >= MAX_NESTING:
                problems.append(
                    Problem(
                        path,
                        line,
                        f"nested more than {MAX_NESTING} levels deep "
                        "(lists and mappings inside each other)",
                    )
                )
                return True, problems
            is_mapping = isinstance(event, yaml.MappingStartEvent)
            open_nodes.append([set(), True] if is_mapping else None)
    except yaml.MarkedYAMLError as exc:
        return True, [*problems, _syntax_problem(exc, path)]
    except yaml.YAMLError as exc:
        return True, [*problems, Problem(path, 1, f"YAML error: {exc}")]
    return False, problems


class _DefinitionLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, with numbers checked and dates kept as text. Refused values are
    collected (line, message) so that one pass names them all."""

    def __init__(self, text: str):
        super().__init__(text)
        self.refused: list[tuple[int, str]] = []

    def refuse(self, node: yaml.Node, message: str) -> None:
        self.refused.append((node.start_mark.line + 1, message))

    def construct_integer(self, node: yaml.ScalarNode) -> int | None:
        text = self.construct_scalar(node)
        if len(text) > MAX_NUMBER_LENGTH:
            # int() refuses more than 4,300 digits anyway, and no survey needs 20.
            self.refuse(
                node,
                f"a number longer than {MAX_NUMBER_LENGTH} characters (put it in quotes "
                "if it is text)",
            )
            return None
        return SafeConstructor.construct_yaml_int(self, node)

    def construct_real(self, node: yaml.ScalarNode) -> float | None:
        value = SafeConstructor.construct_yaml_float(self, node)
        if not math.isfinite(value):
            self.refuse(
                node,
                f"'{node.value}' is not a number a survey can use (no .nan or .inf; "
                "put it in quotes if it is text)",
            )
            return None
        return value

    def construct_date_text(self, node: yaml.ScalarNode) -> str:
        return self.construct_scalar(node)


_DefinitionLoader.add_constructor("tag:yaml.org,2002:int", _DefinitionLoader.construct_integer)
_DefinitionLoader.add_constructor("tag:yaml.org,2002:float", _DefinitionLoader.construct_real)
_DefinitionLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _DefinitionLoader.construct_date_text
)
