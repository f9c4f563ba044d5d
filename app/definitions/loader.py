"""Read definition files, check them, and report problems as ``file:line: message``.

YAML is read twice: as plain data (validated with pydantic) and as a node tree, which
is only used to find the line of each problem from the location pydantic reports.
"""

from __future__ import annotations

import dataclasses
import typing as t
from pathlib import Path

import yaml
from pydantic import ValidationError

from app.definitions.schema import Condition, SurveyHeader, Text
from app.definitions.survey import SurveyDefinition
from app.definitions.types import REGISTRY, QuestionType

Loc = tuple[t.Any, ...]
# libyaml's safe loader when PyYAML was built with it (several times faster), else Python's.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclasses.dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class DefinitionError(Exception):
    """A definition did not pass its checks; ``problems`` lists every one found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Reporter:
    def __init__(self, path: str, root: yaml.Node | None):
        self.path = path
        self.root = root
        self.problems: list[Problem] = []

    def add(self, loc: Loc, message: str) -> None:
        self.problems.append(Problem(self.path, line_of(self.root, loc), message))


def line_of(root: yaml.Node | None, loc: Loc) -> int:
    """1-based line of the deepest node that ``loc`` reaches (1 when unknown)."""
    node = root
    if node is None:
        return 1
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    child = value
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(node.value):
                child = node.value[part]
        if child is None:
            break
        node = child
    return node.start_mark.line + 1


def key_line(root: yaml.Node | None, loc: Loc) -> int:
    """Line of the key a missing or unknown field belongs to: its parent mapping's."""
    return line_of(root, loc[:-1]) if loc else 1


def _pydantic_problems(reporter: _Reporter, error: ValidationError, prefix: Loc) -> None:
    seen_text: set[Loc] = set()
    for err in error.errors():
        raw_loc = tuple(err["loc"])
        tag_at = next((i for i, p in enumerate(raw_loc) if _is_union_tag(p)), None)
        if tag_at is not None:
            # A translatable string failed both forms of the union: say so once.
            loc = prefix + raw_loc[:tag_at]
            if loc not in seen_text:
                seen_text.add(loc)
                reporter.add(
                    loc,
                    f"{_dotted(loc)}: must be text, or a mapping of language code to text "
                    "(quote text that YAML would read as yes/no, a number or a list)",
                )
            continue
        loc = prefix + raw_loc
        kind = err["type"]
        field = loc[-1] if loc else ""
        if kind == "missing":
            reporter.problems.append(
                Problem(reporter.path, key_line(reporter.root, loc), f"missing field '{field}'")
            )
            continue
        if kind == "extra_forbidden":
            message = f"unknown field '{field}'"
        else:
            message = err["msg"].removeprefix("Value error, ")
            where = _dotted(loc)
            message = f"{where}: {message}" if where else message
        reporter.add(loc, message)


def _is_union_tag(part: t.Any) -> bool:
    # pydantic names the member of a union it tried ("str", "dict[str,str]", ...).
    return isinstance(part, str) and (
        "[" in part or part in {"str", "constrained-str", "int", "float", "bool"}
    )


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _duplicate_keys(reporter: _Reporter, node: yaml.Node | None) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                reporter.problems.append(
                    Problem(
                        reporter.path, key.start_mark.line + 1, f"key '{key.value}' appears twice"
                    )
                )
            seen.add(key.value)
            _duplicate_keys(reporter, value)
    elif isinstance(node, yaml.SequenceNode):
        for child in node.value:
            _duplicate_keys(reporter, child)


def parse_yaml(text: str, path: str) -> tuple[t.Any, yaml.Node | None, list[Problem]]:
    """Data, node tree and syntax problems of a YAML text."""
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        detail = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        return None, None, [Problem(path, line, f"YAML syntax error: {detail}")]
    except yaml.YAMLError as exc:
        return None, None, [Problem(path, 1, f"YAML error: {exc}")]
    return data, root, []


def load_text(text: str, path: str = "<definition>") -> SurveyDefinition:
    """Check a definition given as YAML text; raise DefinitionError listing every problem."""
    data, root, problems = parse_yaml(text, path)
    if problems:
        raise DefinitionError(problems)
    return _check(data, root, path)


def load_file(path: str | Path) -> SurveyDefinition:
    """Check one definition file; raise DefinitionError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DefinitionError([Problem(str(path), 1, "not UTF-8 text")]) from None
    except OSError as exc:
        raise DefinitionError([Problem(str(path), 1, f"cannot read: {exc.strerror}")]) from None
    return load_text(text, str(path))


def build(data: dict[str, t.Any]) -> SurveyDefinition:
    """Check already-parsed definition data (e.g. stored JSON)."""
    return _check(data, None, f"<stored {data.get('id', '?') if isinstance(data, dict) else '?'}>")


def definition_files(directory: str | Path) -> list[Path]:
    """Definition files in a folder, in name order."""
    directory = Path(directory)
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def _check(data: t.Any, root: yaml.Node | None, path: str) -> SurveyDefinition:
    reporter = _Reporter(path, root)
    _duplicate_keys(reporter, root)
    if not isinstance(data, dict):
        reporter.add((), "a survey definition must be a mapping with id, title, pages, ...")
        raise DefinitionError(reporter.problems)
    try:
        header = SurveyHeader.model_validate(data)
    except ValidationError as exc:
        _pydantic_problems(reporter, exc, ())
        raise DefinitionError(reporter.problems) from None

    survey = SurveyDefinition(header, data)
    for p, page in enumerate(header.pages):
        questions: list[QuestionType] = []
        for q, raw in enumerate(page.questions):
            question = _question(reporter, survey, raw, ("pages", p, "questions", q))
            if question is not None:
                questions.append(question)
        survey.add_page(page, questions)

    if not reporter.problems:
        _check_survey(reporter, survey)
    if reporter.problems:
        raise DefinitionError(sorted(reporter.problems, key=lambda pr: pr.line))
    return survey


def _question(
    reporter: _Reporter, survey: SurveyDefinition, raw: t.Any, loc: Loc
) -> QuestionType | None:
    if not isinstance(raw, dict):
        reporter.add(loc, "a question must be a mapping with item, type and text")
        return None
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in REGISTRY:
        known = ", ".join(sorted(REGISTRY))
        reporter.add(
            loc + ("type",) if kind else loc, f"unknown question type '{kind}' (known: {known})"
        )
        return None
    cls = REGISTRY[kind]
    try:
        model = cls.model.model_validate(raw)
    except ValidationError as exc:
        _pydantic_problems(reporter, exc, loc)
        return None
    question = cls(model, survey)
    question.loc = loc  # type: ignore[attr-defined]
    question.check(lambda field, message: reporter.add(loc + (field,), message))
    return question


def _check_survey(reporter: _Reporter, survey: SurveyDefinition) -> None:
    header = survey.header
    languages = header.languages

    def check_text(loc: Loc, value: Text | None) -> None:
        if value is None:
            return
        if isinstance(value, str):
            given = {languages[0]: value}
        else:
            given = value
            for extra in sorted(set(value) - set(languages)):
                reporter.add(loc + (extra,), f"translation in '{extra}', which is not in languages")
        for language in languages:
            if not (given.get(language) or "").strip():
                reporter.add(loc, f"{_dotted(loc)}: missing '{language}' translation")

    for key in ("title", "description", "support_message", "consent_script"):
        check_text((key,), getattr(header, key))

    for name, scale in header.scales.items():
        values = [o.value for o in scale.options]
        if len(set(values)) != len(values):
            reporter.add(("scales", name), f"scale '{name}' has two options with the same value")
        for i, option in enumerate(scale.options):
            check_text(("scales", name, "options", i, "label"), option.label)
        for code in scale.favourable:
            if code not in values:
                reporter.add(
                    ("scales", name, "favourable"),
                    f"scale '{name}': favourable option '{code}' is not one of its options",
                )
        if any(code in {o.value for o in scale.options if o.excluded} for code in scale.favourable):
            reporter.add(
                ("scales", name, "favourable"),
                f"scale '{name}': an excluded option cannot be favourable",
            )
        if scale.neutral is not None and scale.neutral not in values:
            reporter.add(
                ("scales", name, "neutral"),
                f"scale '{name}': neutral option '{scale.neutral}' is not one of its options",
            )

    all_items = set(survey.question_by_item)
    first_seen: dict[str, int] = {}
    page_ids: set[str] = set()
    seen_items: dict[str, QuestionType] = {}
    for p, (page, questions) in enumerate(survey.pages):
        ploc: Loc = ("pages", p)
        if page.id in page_ids:
            reporter.add(ploc + ("id",), f"duplicate page id '{page.id}'")
        page_ids.add(page.id)
        check_text(ploc + ("title",), page.title)
        check_text(ploc + ("intro",), page.intro)
        # A page condition may only read answers from earlier pages.
        _check_condition(reporter, page.show_if, ploc + ("show_if",), dict(seen_items), all_items)
        for question in questions:
            qloc: Loc = question.loc  # type: ignore[attr-defined]
            _check_condition(
                reporter, question.definition.show_if, qloc + ("show_if",), seen_items, all_items
            )
            ids = [question.item] + [i for i in question.item_ids() if i != question.item]
            for item_id in ids:
                line = line_of(reporter.root, qloc)
                if item_id in first_seen:
                    reporter.add(
                        qloc,
                        f"duplicate item id '{item_id}' (first used on line {first_seen[item_id]})",
                    )
                else:
                    first_seen[item_id] = line
            for field, value in question.texts():
                check_text(qloc + tuple(_split_field(field)), value)
            for item_id in ids:
                seen_items.setdefault(item_id, question)

    if header.mode == "interview":
        first_page = survey.pages[0][1] if survey.pages else []
        if not first_page or first_page[0].name != "consent":
            reporter.add(("pages", 0), "an interview survey must begin with a consent question")


def _split_field(field: str) -> list[t.Any]:
    parts: list[t.Any] = []
    for chunk in field.split("."):
        if "[" in chunk:
            name, index = chunk[:-1].split("[")
            parts += [name, int(index)]
        else:
            parts.append(chunk)
    return parts


def _check_condition(
    reporter: _Reporter,
    condition: Condition | None,
    loc: Loc,
    earlier: dict[str, QuestionType],
    all_items: set[str],
) -> None:
    if condition is None:
        return
    if condition.question is not None:
        target = earlier.get(condition.question)
        if target is None:
            where = "comes later" if condition.question in all_items else "does not exist"
            reporter.add(
                loc + ("question",), f"condition refers to '{condition.question}', which {where}"
            )
            return
        if not target.answerable:
            reporter.add(
                loc + ("question",),
                f"condition refers to '{condition.question}', which takes no answer",
            )
            return
        codes = getattr(target, "codes", None)
        wanted = [condition.equals] if condition.equals is not None else (condition.one_of or [])
        if codes is not None:
            valid = set(codes())
            for value in wanted:
                if str(value) not in valid:
                    reporter.add(
                        loc, f"condition value '{value}' is not an option of '{condition.question}'"
                    )
        return
    children = (condition.all_ or []) + (condition.any_ or [])
    name = "all" if condition.all_ is not None else "any"
    for i, child in enumerate(children):
        _check_condition(reporter, child, loc + (name, i), earlier, all_items)
    if condition.not_ is not None:
        _check_condition(reporter, condition.not_, loc + ("not",), earlier, all_items)
