"""XLSForm spreadsheets: each form of the format mapped to a definition, what it cannot
say refused with its sheet and row, what it leaves out assumed and listed, workbooks held
to caps before anything parses them, and every shipped instrument exported and imported
back to the same content hash."""

from __future__ import annotations

import copy
import io
import random
import typing as t
import zipfile

import openpyxl
import pytest
import sqlalchemy as sa

from app.definitions import DefinitionError, load_file, xlsform
from app.definitions.schema import Condition
from app.definitions.survey import evaluate
from app.models import SurveyVersion
from tests.conftest import EXAMPLE, FIXTURES, ROOT

PLAIN = FIXTURES / "xlsform-plain.md"
SHIPPED = sorted((ROOT / "surveys").glob("*.yaml"))


def load_md(text: str, name: str = "form.md") -> xlsform.Imported:
    return xlsform.load_bytes(text.encode(), name)


def problems_of(text: str, name: str = "form.md") -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load_md(text, name)
    return [str(p) for p in caught.value.problems]


def questions(imported: xlsform.Imported) -> dict[str, dict[str, t.Any]]:
    return {q["item"]: q for page in imported.definition.data["pages"] for q in page["questions"]}


def form(*rows: str, choices: str = "", settings: str = "") -> str:
    """A small Markdown XLSForm: survey rows after a fixed header, in two languages."""
    head = (
        "| survey |\n| | type | name | label::English (en) | label::Español (es) "
        "| relevant | constraint | appearance | parameters |\n"
    )
    body = "".join(f"| | {row} |\n" for row in rows)
    choices_sheet = (
        "| choices |\n| | list_name | name | label::English (en) | label::Español (es) |\n"
        + choices
        if choices
        else ""
    )
    settings_sheet = settings or (
        "| settings |\n| | form_id | form_title::English (en) | form_title::Español (es) |\n"
        "| | tiny | Tiny | Pequeña |\n"
    )
    return head + body + choices_sheet + settings_sheet


# --- the round trip ---------------------------------------------------------------------


@pytest.mark.parametrize("path", [*SHIPPED, EXAMPLE], ids=lambda p: p.stem)
def test_every_shipped_instrument_round_trips_to_the_same_content_hash(path):  # type: ignore[no-untyped-def]
    definition = load_file(path)
    workbook = xlsform.to_xlsx(definition)
    back = xlsform.load_bytes(workbook, f"{path.stem}.xlsx")
    assert back.definition.sha256 == definition.sha256
    assert back.definition.data == definition.data
    # An exported form states everything: nothing had to be assumed.
    assert back.assumed == [] and back.ignored == []
    sheets = openpyxl.load_workbook(io.BytesIO(workbook), read_only=True).sheetnames
    assert sheets == ["survey", "choices", "settings"]


def test_markdown_export_reads_back_the_same_for_a_survey_without_line_breaks() -> None:
    definition = load_file(ROOT / "surveys" / "family-feedback.yaml")
    text = xlsform.to_markdown(definition)
    assert load_md(text, "family.md").definition.sha256 == definition.sha256


def test_cells_are_written_as_text_never_as_formulas() -> None:
    definition = load_file(EXAMPLE)
    data = dict(definition.data)
    data["title"] = {"en": '=HYPERLINK("http://example.org")', "es": "=1+1"}
    from app.definitions import build

    changed = build(data)
    book = openpyxl.load_workbook(io.BytesIO(xlsform.to_xlsx(changed)))
    settings = book["settings"]
    header = [c.value for c in settings[1]]
    title = settings.cell(2, header.index("form_title::English (en)") + 1)
    assert title.data_type == "s" and title.value.startswith("=HYPERLINK")
    back = xlsform.load_bytes(xlsform.to_xlsx(changed), "t.xlsx")
    assert back.definition.sha256 == changed.sha256


# --- the mapping of each form -------------------------------------------------------------


def test_a_plain_form_maps_every_question_type() -> None:
    imported = xlsform.load_bytes(PLAIN.read_bytes(), "plain.md")
    by_item = questions(imported)
    kinds = {item: q["type"] for item, q in by_item.items()}
    assert kinds == {
        "grade": "single_choice",
        "heard": "multiple_choice",
        "heard_main": "single_choice",
        "name_short": "short_text",
        "notes": "long_text",
        "kids": "number",
        "hours": "number",
        "helpful": "rating",
        "visit": "date",
        "intro": "statement",
        "ok": "consent",
        "trust": "likert",
        "grid": "likert_group",
    }
    assert by_item["grade"]["required"] is True
    assert by_item["grade"]["options"][0] == {
        "value": "g5",
        "label": {"en": "Grade 5", "es": "Grado 5"},
    }
    assert by_item["hours"]["integer"] is False and "integer" not in by_item["kids"]
    assert (by_item["kids"]["min"], by_item["kids"]["max"]) == (0, 12)
    assert (by_item["helpful"]["min"], by_item["helpful"]["max"]) == (1, 5)
    assert by_item["heard"]["max_choices"] == 2
    assert by_item["name_short"]["max_length"] == 40
    assert by_item["trust"]["scale"] == "agree"
    assert by_item["grid"]["scale"] == "agree"
    assert [r["item"] for r in by_item["grid"]["rows"]] == ["g1", "g2"]
    data = imported.definition.data
    # Two field-list groups: two pages, titled in both languages.
    assert [p["id"] for p in data["pages"]] == ["about", "views"]
    assert data["pages"][1]["title"] == {"en": "Views", "es": "Opiniones"}
    assert data["languages"] == ["en", "es"]
    assert data["title"] == {"en": "Family check", "es": "Revisión familiar"}


def md_to_csv(text: str) -> bytes:
    """The Markdown workbook as the one-file CSV a spreadsheet saves: each sheet's name
    in the first column of its first row, its rows below with that column empty."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        writer.writerow(cells)
    return out.getvalue().encode("utf-8-sig")  # with the mark spreadsheets put first


def test_a_form_saved_as_csv_imports_as_its_workbook_does() -> None:
    text = PLAIN.read_text()
    raw = md_to_csv(text)
    assert b"\"selected(${heard}, 'flyer')" in raw  # a cell with a comma is quoted
    from_csv = xlsform.load_bytes(raw, "plain.csv")
    from_md = xlsform.load_bytes(PLAIN.read_bytes(), "plain.md")
    assert from_csv.definition.sha256 == from_md.definition.sha256
    assert from_csv.definition.id == "family-check"
    assert [q.item for q in from_csv.definition.questions()] == [
        q.item for q in from_md.definition.questions()
    ]
    assert from_csv.assumed == from_md.assumed
    # Its problems name the .csv file, by sheet and row.
    broken = text.replace("${kids} != ''", "${nope} != ''")
    with pytest.raises(DefinitionError) as caught:
        xlsform.load_bytes(md_to_csv(broken), "plain.csv")
    assert any(
        str(p).startswith("plain.csv:survey:") and "'nope'" in str(p) for p in caught.value.problems
    ), caught.value.problems


def test_a_plain_form_lists_every_default_it_assumed() -> None:
    assumed = xlsform.load_bytes(PLAIN.read_bytes(), "plain.md").assumed
    text = "\n".join(assumed)
    assert "audience: family" in text
    assert "mode: self" in text and "anonymous: yes" in text
    assert "scale 'agree' is scored 1 to 3 in the order of its choices" in text
    assert "scale 'agree' has no favourable options, so no percent favourable" in text
    assert "'ok' has no agree_label" in text
    assert "languages: en, es" in text


def test_a_likert_list_without_favourable_options_gives_no_percent_favourable() -> None:
    imported = xlsform.load_bytes(PLAIN.read_bytes(), "plain.md")
    scale = imported.definition.scales["agree"]
    assert scale.favourable == [] and [o.score for o in scale.options] == [1, 2, 3]
    likert = imported.definition.question_by_item["trust"]
    assert likert.scoring().favourable == frozenset()


def test_a_form_without_settings_takes_its_id_from_the_file_name() -> None:
    text = "| survey |\n| | type | name | label |\n| | text | say | Say something |\n"
    imported = load_md(text, "My Form (2).md")
    data = imported.definition.data
    assert data["id"] == "My-Form-2" and data["languages"] == ["en"]
    assert data["title"] == "My-Form-2"
    assert data["pages"][0]["id"] == "page1"
    assert "survey id 'My-Form-2' (from the file name; set form_id)" in imported.assumed
    assert any("questions outside a group are one page" in a for a in imported.assumed)


def test_bare_labels_are_the_default_language_beside_translations() -> None:
    text = (
        "| survey |\n| | type | name | label | label::Español (es) |\n"
        "| | text | say | Say something | Diga algo |\n"
        "| settings |\n| | form_id | form_title | form_title::Español (es) | default_language |\n"
        "| | t | T | T es | English (en) |\n"
    )
    imported = load_md(text)
    assert questions(imported)["say"]["text"] == {"en": "Say something", "es": "Diga algo"}
    assert imported.definition.languages == ["en", "es"]


def test_extension_columns_set_scores_favourable_neutral_excluded_and_reverse() -> None:
    text = form(
        "begin group | p | P | P | | | field-list | ",
        "select_one agree | a | A | A | | | likert | ",
        "end group | | | | | | | ",
        choices="",
    ).replace(
        "| settings |",
        "| choices |\n| | list_name | name | label::English (en) | label::Español (es) "
        "| score | favourable | neutral | excluded |\n"
        "| | agree | 1 | No | No | 1 | | | |\n"
        "| | agree | 2 | Meh | Meh | 2 | | yes | |\n"
        "| | agree | 3 | Yes | Sí | 3 | yes | | |\n"
        "| | agree | dk | Don't know | No sé | | | | yes |\n"
        "| settings |",
    )
    scale = load_md(text).definition.data["scales"]["agree"]
    assert scale["favourable"] == [3] and scale["neutral"] == 2
    assert scale["options"][3] == {
        "value": "dk",
        "label": {"en": "Don't know", "es": "No sé"},
        "excluded": True,
    }


# --- what a definition may write out that a plain form would not ----------------------------


def round_tripped(change: t.Callable[[dict[str, t.Any]], None]) -> tuple[t.Any, t.Any]:
    """The example changed by ``change``, and what its workbook imports back as."""
    from app.definitions import build

    data = copy.deepcopy(load_file(EXAMPLE).data)
    change(data)
    definition = build(data)
    return definition, xlsform.load_bytes(xlsform.to_xlsx(definition), "x.xlsx").definition


def question_of(data: dict[str, t.Any], item: str) -> dict[str, t.Any]:
    return next(q for page in data["pages"] for q in page["questions"] if q["item"] == item)


def test_an_explicit_integer_true_round_trips() -> None:
    definition, back = round_tripped(lambda d: question_of(d, "children").update(integer=True))
    assert question_of(back.data, "children")["integer"] is True
    assert back.sha256 == definition.sha256


def test_an_explicit_other_false_round_trips() -> None:
    definition, back = round_tripped(
        lambda d: question_of(d, "contact_channel").update(other=False)
    )
    assert question_of(back.data, "contact_channel")["other"] is False
    assert back.sha256 == definition.sha256


def test_explicit_empty_scales_and_codebook_round_trip() -> None:
    from app.definitions import build

    definition = build(
        {
            "id": "tiny",
            "title": "Tiny",
            "audiences": ["family"],
            "languages": ["en"],
            "scales": {},
            "codebook": [],
            "pages": [{"id": "p", "questions": [{"item": "a", "type": "short_text", "text": "A"}]}],
        }
    )
    back = xlsform.load_bytes(xlsform.to_xlsx(definition), "x.xlsx").definition
    assert back.data["scales"] == {} and back.data["codebook"] == []
    assert back.sha256 == definition.sha256


def test_a_quoted_code_of_digits_stays_text_and_a_number_stays_a_number() -> None:
    def quoted(data: dict[str, t.Any]) -> None:
        options = question_of(data, "contact_channel")["options"]
        options += [{"value": "4", "label": {"en": "Four", "es": "Cuatro"}}]
        options += [{"value": 5, "label": {"en": "Five", "es": "Cinco"}}]

    definition, back = round_tripped(quoted)
    values = [o["value"] for o in question_of(back.data, "contact_channel")["options"]]
    assert values[-2:] == ["4", 5]
    assert back.sha256 == definition.sha256


def test_a_favourable_list_out_of_choice_order_keeps_its_order() -> None:
    definition, back = round_tripped(lambda d: d["scales"]["agree5"].update(favourable=[5, 4]))
    assert back.data["scales"]["agree5"]["favourable"] == [5, 4]
    assert back.sha256 == definition.sha256
    # In choice order the column says yes, as a coordinator writes it.
    sheets = xlsform.sheets_of(load_file(EXAMPLE))
    header, *rows = sheets["choices"]
    marks = {row[header.index("name")]: row[header.index("favourable")] for row in rows}
    assert (marks["4"], marks["5"], marks["3"]) == ("yes", "yes", "")


def test_favourable_said_empty_or_left_unsaid_round_trips() -> None:
    for change in (
        lambda d: d["scales"]["agree5"].update(favourable=[]),
        lambda d: d["scales"]["agree5"].pop("favourable"),
    ):
        definition, back = round_tripped(change)
        assert back.sha256 == definition.sha256


def test_an_any_with_a_single_entry_round_trips() -> None:
    condition = {"any": [{"question": "uses_services", "equals": "yes"}]}
    definition, back = round_tripped(
        lambda d: question_of(d, "contact_channel").update(show_if=condition)
    )
    assert question_of(back.data, "contact_channel")["show_if"] == condition
    assert back.sha256 == definition.sha256
    assert xlsform.format_relevant(condition) == "${uses_services} = 'yes' or false()"


def test_separate_one_of_conditions_on_one_question_inside_any_round_trip() -> None:
    condition = {
        "any": [
            {"question": "services_used", "one_of": ["counseling"]},
            {"question": "services_used", "one_of": ["clinic", "counseling"]},
        ]
    }
    definition, back = round_tripped(
        lambda d: question_of(d, "contact_channel").update(show_if=condition)
    )
    assert question_of(back.data, "contact_channel")["show_if"] == condition
    assert back.sha256 == definition.sha256


@pytest.mark.parametrize(
    "condition",
    [
        {"question": "q", "one_of": [1, "dk"]},
        {"any": [{"question": "q", "one_of": [1]}, {"question": "q", "one_of": ["2"]}]},
        {"all": [{"question": "q", "answered": True}]},
        {"not": {"any": [{"question": "q", "equals": "a"}]}},
    ],
)
def test_codes_and_one_entry_groups_keep_their_shape_through_a_cell(condition):  # type: ignore[no-untyped-def]
    assert xlsform.parse_relevant(xlsform.format_relevant(condition)) == condition


def test_contradicting_columns_are_refused_with_their_row() -> None:
    head = "| survey |\n| | type | name | label | integer | other |\n"
    problems = problems_of(
        head
        + "| | decimal | n | N | yes | |\n"
        + "| | select_one c or_other | c | C | | no |\n"
        + "| choices |\n| | list_name | name | label |\n| | c | a | A |\n"
    )
    assert "form.md:survey:2: integer is yes on a decimal row: keep one" in problems, problems
    assert (
        "form.md:survey:3: 'or_other' adds an answer the other column says no to: keep one"
        in problems
    ), problems


# --- display conditions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relevant", "condition"),
    [
        ("${q} = 'v'", {"question": "q", "equals": "v"}),
        ("${q} = 3", {"question": "q", "equals": 3}),
        ("selected(${q}, 'v')", {"question": "q", "one_of": ["v"]}),
        ("selected(${q}, 'a') or selected(${q}, 'b')", {"question": "q", "one_of": ["a", "b"]}),
        ("${q} != ''", {"question": "q", "answered": True}),
        ("${q} = ''", {"question": "q", "answered": False}),
        ("${q} != 'v'", {"not": {"question": "q", "equals": "v"}}),
        (
            "${a} = 'x' and not(${b} = 'y')",
            {"all": [{"question": "a", "equals": "x"}, {"not": {"question": "b", "equals": "y"}}]},
        ),
        (
            "${a} = 'x' or ${b} = 'y' and ${c} = 'z'",
            {
                "any": [
                    {"question": "a", "equals": "x"},
                    {"all": [{"question": "b", "equals": "y"}, {"question": "c", "equals": "z"}]},
                ]
            },
        ),
        (
            "(${a} = 'x' or ${b} = 'y') and ${c} = 'z'",
            {
                "all": [
                    {"any": [{"question": "a", "equals": "x"}, {"question": "b", "equals": "y"}]},
                    {"question": "c", "equals": "z"},
                ]
            },
        ),
    ],
)
def test_relevant_forms_become_display_conditions_and_back(relevant, condition):  # type: ignore[no-untyped-def]
    assert xlsform.parse_relevant(relevant) == condition
    Condition.model_validate(condition)
    assert xlsform.parse_relevant(xlsform.format_relevant(condition)) == condition


def test_nested_conditions_keep_their_shape_through_a_cell() -> None:
    condition = {
        "any": [
            {"question": "q", "one_of": ["a"]},
            {"question": "q", "one_of": ["b", "c"]},
            {"all": [{"question": "r", "answered": True}, {"question": "s", "equals": "x"}]},
        ]
    }
    assert xlsform.parse_relevant(xlsform.format_relevant(condition)) == condition
    assert evaluate(Condition.model_validate(condition), {"q": ["c"]})


@pytest.mark.parametrize(
    "relevant",
    [
        "${q} > 3",
        "count-selected(${q}) > 1",
        "today() > date('2020-01-01')",
        "${q} = ${r}",
        "selected(${q})",
        "${q} = 'v' and",
        "((((((((((((((((((((((${q} = 'v'))))))))))))))))))))))",
        "${}= 'v'",
    ],
)
def test_other_xpath_in_relevant_is_refused(relevant):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        xlsform.parse_relevant(relevant)


def test_a_refused_relevant_names_its_sheet_and_row() -> None:
    problems = problems_of(
        form(
            "text | a | A | A | | | | ",
            "text | b | B | B | ${a} > 3 | | | ",
        )
    )
    assert any(p.startswith("form.md:survey:3: relevant '${a} > 3'") for p in problems), problems


def test_a_condition_on_an_unknown_question_names_the_row() -> None:
    problems = problems_of(form("text | a | A | A | ${nope} = 'x' | | | "))
    assert "form.md:survey:2: condition refers to 'nope', which does not exist" in problems


# --- constraints ------------------------------------------------------------------------------


def test_date_limits_are_read_from_the_constraint() -> None:
    imported = load_md(
        form("date | d | D | D | | . >= date('2020-01-01') and . <= date('2030-12-31') | | ")
    )
    assert questions(imported)["d"] | {} == {
        "item": "d",
        "type": "date",
        "text": {"en": "D", "es": "D"},
        "min": "2020-01-01",
        "max": "2030-12-31",
    }


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("integer | n | N | N | | . < 5 | | ", "constraint '. < 5' is not one of the limits"),
        ("integer | n | N | N | | regex(., '[0-9]') | | ", "is not one of the limits"),
        ("text | n | N | N | | . <= 5 | | ", "constraint '. <= 5' is not a limit a text question"),
        ("range | n | N | N | | | | start=1 end=5 step=2", "a range's step must be 1"),
    ],
)
def test_constraints_this_service_cannot_hold_are_refused_with_their_row(row, message):  # type: ignore[no-untyped-def]
    problems = problems_of(form(row))
    assert any(p.startswith("form.md:survey:2: ") and message in p for p in problems), problems


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("begin repeat | kids | Kids | Niños | | | | ", "repeats are not supported"),
        ("calculate | total | | | | | | ", "calculations are not supported"),
        ("geopoint | where | Where | Dónde | | | | ", "locations are not asked"),
        ("image | photo | Photo | Foto | | | | ", "photos, sound, video and files"),
        ("time | when | When | Cuándo | | | | ", "type 'time' is not a question this service asks"),
        ("select_one | pick | Pick | Elija | | | | ", "select_one needs a list name"),
        ("select_one nope | pick | Pick | Elija | | | | ", "no choice list 'nope'"),
        (" | nameless | Nameless | Sin tipo | | | | ", "a row needs a type"),
    ],
)
def test_what_the_service_does_not_ask_is_refused_with_sheet_and_row(row, message):  # type: ignore[no-untyped-def]
    problems = problems_of(form("text | a | A | A | | | | ", row))
    assert any(p.startswith("form.md:survey:3: ") and message in p for p in problems), problems


def test_an_unknown_column_is_refused_not_dropped() -> None:
    text = "| survey |\n| | type | name | label | media::image |\n| | text | a | A | cat.png |\n"
    problems = problems_of(text)
    assert (
        "form.md:survey:2: column 'media::image' is not one this service reads: pictures, "
        "sound and video are not shown in these surveys; empty the column" in problems
    )


def test_a_language_column_naming_no_language_is_refused() -> None:
    text = form("text | a | A | A | | | | ").replace("label::Español (es)", "label::Elvish")
    problems = problems_of(text)
    assert (
        "form.md:survey:1: column 'label::Elvish' names no language: write it as "
        "label::Español (es), with the language code in brackets" in problems
    )


def test_a_language_named_without_its_code_is_read_and_said() -> None:
    imported = load_md(
        form("text | a | A | Uno | | | | ").replace("label::Español (es)", "label::Spanish")
    )
    assert questions(imported)["a"]["text"] == {"en": "A", "es": "Uno"}
    assert "column 'label::Spanish' is Español (es)" in imported.assumed


def test_problems_of_the_checks_name_the_choices_sheet_row() -> None:
    text = form(
        "select_one colours | c | C | C | | | | ",
        choices="| | colours | red | Red | Rojo |\n| | colours | red | Again | Otra vez |\n",
    )
    problems = problems_of(text)
    assert any(
        p.startswith("form.md:survey:2:") and "two options have the same value" in p
        for p in problems
    ), problems


def test_a_missing_translation_of_an_option_names_its_choices_row() -> None:
    text = form(
        "select_one colours | c | C | C | | | | ",
        choices="| | colours | red | Red | Rojo |\n| | colours | blue | Blue | |\n",
    )
    problems = problems_of(text)
    assert (
        "form.md:choices:3: pages[0].questions[0].options[1].label: missing 'es' translation: "
        "fill in its column label::Español (es)" in problems
    ), problems


def test_a_list_several_questions_share_is_pointed_out_unless_it_is_yes_no() -> None:
    imported = load_md(
        form(
            "select_one agree | a | A | A | | | | ",
            "select_one agree | b | B | B | | | | ",
            "select_one yn | c | C | C | | | | ",
            "select_one yn | d | D | D | | | | ",
            choices="| | agree | 1 | No | No |\n| | agree | 2 | Meh | Meh |\n"
            "| | agree | 3 | Yes | Sí |\n| | yn | 1 | Yes | Sí |\n| | yn | 0 | No | No |\n",
        )
    )
    shared = [a for a in imported.assumed if "as single choices" in a]
    assert shared == [
        "list 'agree' is asked by a, b as single choices, each reported by count; to report "
        "them as a scale with a mean, give the rows the appearance likert"
    ]


def test_device_metadata_rows_are_skipped_and_said() -> None:
    imported = load_md(form("start | started | | | | | | ", "text | a | A | A | | | | "))
    assert list(questions(imported)) == ["a"]
    assert any("'start' is device data, not collected" in a for a in imported.ignored)


def test_kind_names_our_type_and_must_fit_the_row() -> None:
    head = "| survey |\n| | type | name | label | kind |\n"
    good = load_md(head + "| | text | a | A | long_text |\n")
    assert questions(good)["a"]["type"] == "long_text"
    bad = problems_of(head + "| | text | a | A | likert |\n")
    assert "form.md:survey:2: a likert question cannot be a 'text' row" in bad
    unknown = problems_of(head + "| | text | a | A | dial |\n")
    assert any("kind 'dial' is not a question type" in p for p in unknown)


# --- caps against hostile files ----------------------------------------------------------------


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    bomb = _zip({"xl/worksheets/sheet1.xml": b"\0" * (xlsform.MAX_UNPACKED_BYTES + 1)})
    assert len(bomb) < 100_000
    with pytest.raises(DefinitionError) as caught:
        xlsform.load_bytes(bomb, "bomb.xlsx")
    assert "unpacks to more than" in str(caught.value)


def test_xml_entities_are_refused() -> None:
    hostile = _zip(
        {
            "xl/worksheets/sheet1.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
            b"<worksheet>&a;</worksheet>"
        }
    )
    with pytest.raises(DefinitionError) as caught:
        xlsform.load_bytes(hostile, "hostile.xlsx")
    assert "declares entities" in str(caught.value)


def survey_workbook(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_too_many_rows_are_refused_before_parsing() -> None:
    rows = [["note", f"n{n}", "x"] for n in range(xlsform.MAX_ROWS + 1)]
    with pytest.raises(DefinitionError) as caught:
        xlsform.load_bytes(survey_workbook(rows), "long.xlsx")
    assert f"more than {xlsform.MAX_ROWS:,} rows" in str(caught.value)


def test_an_oversized_or_broken_file_is_a_clear_problem() -> None:
    with pytest.raises(DefinitionError) as caught:
        xlsform.load_bytes(b"x" * 1_000_001, "big.xlsx")
    assert "larger than 1,000,000 bytes" in str(caught.value)
    with pytest.raises(DefinitionError) as caught:
        xlsform.load_bytes(b"not a zip", "broken.xlsx")
    assert "not an .xlsx workbook" in str(caught.value)
    with pytest.raises(DefinitionError) as caught:
        xlsform.load_bytes(b"\xff\xfe|", "broken.md")
    assert "broken.md:1:" in str(caught.value)


def test_damaged_workbooks_are_refused_with_a_problem_never_an_error() -> None:
    good = xlsform.to_xlsx(load_file(ROOT / "surveys" / "family-feedback.yaml"))
    rnd = random.Random(14)
    damaged = [good[: len(good) // 2], good[:-10]]
    for _ in range(20):
        copy = bytearray(good)
        for _ in range(20):
            copy[rnd.randrange(len(copy))] = rnd.randrange(256)
        damaged.append(bytes(copy))
    for raw in damaged:
        try:
            xlsform.load_bytes(raw, "damaged.xlsx")
        except DefinitionError as exc:
            assert all(str(p).startswith("damaged.xlsx") for p in exc.problems)


def test_a_formula_cell_is_read_as_its_stored_value_never_evaluated() -> None:
    # A formula with no stored value: nothing computes it, so the question has no words.
    raw = survey_workbook([["text", "a", "=1+1"]])
    with pytest.raises(DefinitionError) as caught:
        xlsform.load_bytes(raw, "f.xlsx")
    problems = [str(p) for p in caught.value.problems]
    assert any("f.xlsx:survey:2:" in p and "text" in p for p in problems), problems


# --- the command line ---------------------------------------------------------------------------


def test_surveys_check_reads_an_xlsform_and_names_sheet_and_row(runner, tmp_path):  # type: ignore[no-untyped-def]
    good = tmp_path / "family.xlsx"
    good.write_bytes(xlsform.to_xlsx(load_file(ROOT / "surveys" / "family-feedback.yaml")))
    result = runner.invoke(args=["surveys", "check", str(good)])
    assert result.exit_code == 0, result.output
    assert f"{good}: ok (family-feedback," in result.output
    bad = tmp_path / "bad.md"
    bad.write_text(form("text | a | A | A | | | | ", "calculate | x | | | | | | "))
    result = runner.invoke(args=["surveys", "check", str(bad)])
    assert result.exit_code != 0
    assert f"{bad}:survey:3: calculations are not supported" in result.output


def test_surveys_sync_stores_an_xlsform_with_the_hash_of_its_yaml(runner, session, tmp_path):  # type: ignore[no-untyped-def]
    family = load_file(ROOT / "surveys" / "family-feedback.yaml")
    workbook = tmp_path / "family-feedback.xlsx"
    workbook.write_bytes(xlsform.to_xlsx(family))
    result = runner.invoke(args=["surveys", "sync", str(workbook)])
    assert result.exit_code == 0, result.output
    assert "family-feedback: unchanged" in result.output or "created" in result.output
    stored = session.scalars(
        sa.select(SurveyVersion).order_by(SurveyVersion.id.desc()).limit(1)
    ).one()
    assert stored.sha256 == family.sha256
    # A folder's workbooks are definitions too (a spreadsheet's lock file is not).
    (tmp_path / "~$family-feedback.xlsx").write_bytes(b"lock")
    result = runner.invoke(args=["surveys", "check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok (") == 1


def test_a_scale_with_no_favourable_options_reports_a_mean_but_no_percent_favourable(session):  # type: ignore[no-untyped-def]
    from reports import build_report
    from tests import factories

    survey = factories.store_survey(session, PLAIN)
    wave = factories.wave(session)
    link = factories.link(session, survey, wave)
    for value in ["1", "2", "3"] * 4:
        factories.submit(session, link, {"grade": "g5", "ok": "given", "trust": value})
    session.flush()
    report = build_report(session, "family-check", wave.name)
    section = next(s for s in report.sections if s.survey_slug == "family-check")
    item = section.item("trust")
    assert item.n.value == 12
    assert item.mean.value == pytest.approx(2.0)
    assert not item.percent_favourable.shown
