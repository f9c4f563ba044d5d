"""Check survey definitions; report every problem as ``file:line: message``.

The checks run on plain data (JSON types) with a ``Locator`` that names the line of
each place in it, whatever the data came from: ``load_text``/``load_file`` read YAML
(``yaml_source``, which refuses what makes YAML dangerous), ``build`` rebuilds a stored
version, and another format (a spreadsheet importer) calls ``check_definition`` with
its own data and a locator that names rows.
"""

from __future__ import annotations

import math
import typing as t
from pathlib import Path

from pydantic import ValidationError

from app.definitions import yaml_source
from app.definitions.limits import MAX_NESTING, MAX_NUMBER_LENGTH
from app.definitions.problems import (
    DefinitionError,
    Loc,
    Locator,
    Problem,
    Reporter,
)
from app.definitions.schema import FORM_CONTROL_NAMES, Condition, SurveyHeader, Text
from app.definitions.survey import SurveyDefinition
from app.definitions.types import REGISTRY, QuestionType

__all__ = [
    "DefinitionError",
    "Locator",
    "Problem",
    "build",
    "check_definition",
    "definition_files",
    "load_file",
    "load_text",
]


def _pydantic_problems(reporter: Reporter, error: ValidationError, prefix: Loc) -> None:
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
            reporter.add_key(loc, f"missing field '{field}'")
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


def load_text(text: str, path: str = "<definition>") -> SurveyDefinition:
    """Check a definition given as YAML text; raise DefinitionError listing every problem."""
    data, locator, problems = yaml_source.parse(text, path)
    return check_definition(data, path, locator, problems)


def load_file(path: str | Path) -> SurveyDefinition:
    """Check one definition file (YAML, or an XLSForm: ``.xlsx``, ``.csv``, ``.md``);
    raise DefinitionError listing every problem."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".csv", ".md"):
        from app.definitions import xlsform  # pyxform loads only for spreadsheets

        return xlsform.load_path(path).definition
    return load_text(yaml_source.read_file(path), str(path))


def build(data: dict[str, t.Any]) -> SurveyDefinition:
    """Check already-parsed definition data (e.g. stored JSON)."""
    return check_definition(
        data, f"<stored {data.get('id', '?') if isinstance(data, dict) else '?'}>"
    )


def definition_files(directory: str | Path) -> list[Path]:
    """Definition files in a folder (YAML and XLSForm workbooks), in name order."""
    directory = Path(directory)
    files = [*directory.glob("*.yaml"), *directory.glob("*.yml"), *directory.glob("*.xlsx")]
    # A spreadsheet program's lock file ("~$family.xlsx") is not a workbook.
    return sorted(p for p in files if not p.name.startswith("~$"))


def check_definition(
    data: t.Any,
    path: str,
    locator: Locator | None = None,
    source_problems: list[Problem] | None = None,
) -> SurveyDefinition:
    """Every check, on plain data from any source; raise DefinitionError listing the
    problems (with those the source ``source_problems`` itself), each on the line ``locator``
    names (line 1 without one)."""
    reporter = Reporter(path, locator)
    reporter.problems.extend(source_problems or [])
    _plain_data(reporter, data)
    reporter.raise_if_any()
    return _check(data, reporter)


_SCALARS = (str, bool, int, float, type(None))


def _plain_data(reporter: Reporter, data: t.Any) -> None:
    """JSON types only, finite numbers of sensible length, nesting within MAX_NESTING:
    what YAML files are held to, for data that comes another way. Iterative, so depth
    is no danger here."""
    stack: list[tuple[t.Any, Loc]] = [(data, ())]
    while stack:
        value, loc = stack.pop()
        if len(loc) > MAX_NESTING:
            reporter.add(loc[:MAX_NESTING], f"nested more than {MAX_NESTING} levels deep")
            return
        if isinstance(value, dict):
            for key, child in value.items():
                if not isinstance(key, str):
                    reporter.add(loc, f"{_dotted(loc) or 'the survey'}: key {key!r} is not text")
                else:
                    stack.append((child, (*loc, key)))
        elif isinstance(value, list):
            stack.extend((child, (*loc, i)) for i, child in enumerate(value))
        elif not isinstance(value, _SCALARS):
            reporter.add(loc, f"{_dotted(loc)}: {type(value).__name__} is not a value a survey has")
        elif isinstance(value, float) and not math.isfinite(value):
            reporter.add(loc, f"{_dotted(loc)}: {value} is not a number a survey can use")
        elif (
            isinstance(value, int) and not -(10**MAX_NUMBER_LENGTH) < value < 10**MAX_NUMBER_LENGTH
        ):
            reporter.add(loc, f"{_dotted(loc)}: a number longer than {MAX_NUMBER_LENGTH} digits")


def _check(data: t.Any, reporter: Reporter) -> SurveyDefinition:
    if not isinstance(data, dict):
        reporter.add((), "a survey definition must be a mapping with id, title, pages, ...")
        reporter.raise_if_any()
    try:
        header = SurveyHeader.model_validate(data)
    except ValidationError as exc:
        _pydantic_problems(reporter, exc, ())
        reporter.raise_if_any()
        raise

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
    reporter.raise_if_any()
    return survey


def _question(
    reporter: Reporter, survey: SurveyDefinition, raw: t.Any, loc: Loc
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
    question.raw = raw
    question.loc = loc  # type: ignore[attr-defined]
    question.check(lambda field, message: reporter.add(loc + (field,), message))
    return question


def _check_survey(reporter: Reporter, survey: SurveyDefinition) -> None:
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
    first_seen: dict[str, tuple[int, str | None]] = {}
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
            _check_names(reporter, question, ids, first_seen)
            for field, value in question.texts():
                check_text(qloc + tuple(_split_field(field)), value)
            for item_id in ids:
                seen_items.setdefault(item_id, question)

    _check_codebook(reporter, survey, check_text)

    if header.mode == "interview":
        first_page = survey.pages[0][1] if survey.pages else []
        if not first_page or not first_page[0].records_consent:
            reporter.add(("pages", 0), "an interview survey must begin with a consent question")


def _check_codebook(
    reporter: Reporter, survey: SurveyDefinition, check_text: t.Callable[[Loc, t.Any], None]
) -> None:
    """Themes coders tag interview notes with: unique codes, labels in every language."""
    codebook = survey.header.codebook
    if codebook and survey.header.mode != "interview":
        reporter.add(("codebook",), "a codebook is for interview surveys (mode: interview)")
        return
    seen: set[str] = set()
    for i, theme in enumerate(codebook):
        if theme.code.casefold() in seen:
            reporter.add(("codebook", i, "code"), f"codebook: theme '{theme.code}' is listed twice")
        seen.add(theme.code.casefold())
        check_text(("codebook", i, "label"), theme.label)
        check_text(("codebook", i, "description"), theme.description)


def _check_names(
    reporter: Reporter,
    question: QuestionType,
    ids: list[str],
    first_seen: dict[str, tuple[int, str | None]],
) -> None:
    """Item ids and the form fields questions read share one namespace: a text item
    ``c.other`` beside a choice ``c`` with ``other: true`` would take the text typed
    for "other" as its own answer and lose its real one."""
    qloc: Loc = question.loc  # type: ignore[attr-defined]
    line = reporter.locator.line(qloc)
    # (name, the item whose extra field it is, or None for an item id)
    names: list[tuple[str, str | None]] = [(i, None) for i in ids]
    names += [(f, question.item) for f in question.field_names() if f not in ids]
    for name, field_of in names:
        if name in FORM_CONTROL_NAMES:
            reporter.add(qloc, f"'{name}' is a name the survey form uses itself: choose another id")
            continue
        if name not in first_seen:
            first_seen[name] = (line, field_of)
            continue
        first_line, first_field_of = first_seen[name]
        if first_field_of is not None:
            message = (
                f"item id '{name}' is already the field of the other answer of "
                f"'{first_field_of}' (line {first_line}): choose another id"
            )
        elif field_of is not None:
            message = (
                f"the other answer of '{field_of}' needs the field '{name}', which the item "
                f"on line {first_line} already uses: choose another id"
            )
        else:
            message = f"duplicate item id '{name}' (first used on line {first_line})"
        reporter.add(qloc, message)


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
    reporter: Reporter,
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
