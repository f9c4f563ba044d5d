"""XLSForms made with other tools, uploaded as a coordinator gets them: each imports with
every default it assumed listed, or is refused with every problem named by its sheet and
row in words a coordinator can act on."""

from __future__ import annotations

import html
import re

import pytest

from app.definitions import DefinitionError, xlsform
from tests.admin.test_survey_xlsform import upload, versions
from tests.xlsform_other_tools import kobo_family, odk_staff, surveycto_student


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    """The page's text, without its tags (a problem's place is set in code)."""
    return html.unescape(re.sub(r"<[^>]+>", "", response.text))


def test_a_kobotoolbox_family_survey_imports_and_lists_what_it_assumed(app, coordinator):  # type: ignore[no-untyped-def]
    imported = xlsform.load_bytes(kobo_family(), "family.xlsx")
    data = imported.definition.data
    found = {q["item"]: q for page in data["pages"] for q in page["questions"]}
    # Number cells of the choices sheet are the codes 1 and 0, as YAML's `value: 1`.
    assert [o["value"] for o in found["used"]["options"]] == [1, 0]
    assert found["which"]["show_if"] == {"question": "used", "equals": 1}
    # TRUE (a boolean cell), yes and true() all mean required.
    assert [found[i]["required"] for i in ("used", "which", "age", "welcome", "comments")] == [
        True,
        True,
        True,
        True,
        False,
    ]
    assert (found["age"]["min"], found["age"]["max"]) == (0, 120)
    assert found["comments"]["type"] == "long_text" and found["thanks_note"]["type"] == "statement"
    assert found["used"]["help"] == {
        "en": "At school or in the community",
        "es": "En la escuela o en la comunidad",
    }
    assert [p["id"] for p in data["pages"]] == ["about", "views"]
    # What other tools keep for themselves is listed apart from the defaults assumed.
    assert "column '$kuid' is the other tool's own bookkeeping: not read" in imported.ignored
    assert not any("$kuid" in a for a in imported.assumed)
    assert data["title"] == {"en": "Family survey 2026", "es": "Encuesta para familias 2026"}

    review = upload(coordinator, kobo_family(), "family.xlsx")
    assert review.status_code == 200, review.text
    text = page_text(review)
    assert "Nothing is stored yet." in text and "adds a new survey" in text
    for said in (
        "the settings' version is not used: every upload is versioned",
        "column '$kuid' is the other tool's own bookkeeping: not read",
        "column 'required_message::English (en)' is not read: the service words its own "
        "messages, in the respondent's language",
        "column 'constraint_message::English (en)' is not read",
        "the survey sheet's column 'media::image' is empty: not read",
        "the choices sheet's column 'media::image' is empty: not read",
        "list 'agree' is asked by welcome, listen as single choices, each reported by count; "
        "to report them as a scale with a mean, give the rows the appearance likert",
        "audience: family, so reports count its answers as families'; if others answer it, "
        "add an audiences column to the settings sheet (student, family, staff or partner)",
        "languages: en, es, that is English (en), Español (es), from the columns",
    ):
        assert said in text, said


def test_an_odk_staff_survey_imports_its_likert_list_as_a_scale(app, coordinator):  # type: ignore[no-untyped-def]
    imported = xlsform.load_bytes(odk_staff(), "staff.xlsx")
    data = imported.definition.data
    found = {q["item"]: q for page in data["pages"] for q in page["questions"]}
    assert [found[i]["type"] for i in ("staff_role", "safe", "supported", "referrals")] == [
        "single_choice",
        "likert",
        "likert",
        "likert",
    ]
    assert [o["score"] for o in data["scales"]["agree5"]["options"]] == [1, 2, 3, 4, 5]
    # The bare label is the default language beside the Spanish column.
    assert found["safe"]["text"] == {
        "en": "Students are safe here.",
        "es": "Aquí los estudiantes están seguros.",
    }
    review = upload(coordinator, odk_staff(), "staff.xlsx")
    assert review.status_code == 200, review.text
    text = page_text(review)
    for said in (
        "the setting 'instance_name' is for phone apps: not read",
        "survey row 2: 'start' is device data, not collected",
        "survey row 7: group 'climate' is shown as a page",
        "scale 'agree5' is scored 1 to 5 in the order of its choices",
        "scale 'agree5' has no favourable options, so no percent favourable",
    ):
        assert said in text, said


SURVEYCTO_PROBLEMS = [
    "student.xlsx:choices:4: column 'grade' is not one this service reads "
    "(also filled in on row 5)",
    "student.xlsx:choices:4: column 'media::image' is not one this service reads: pictures, "
    "sound and video are not shown in these surveys; empty the column",
    "student.xlsx:survey:1: column 'label:English': write a language's column with two "
    "colons and its code in brackets, label::English (en)",
    "student.xlsx:survey:4: column 'choice_filter' is not one this service reads: a list "
    "filtered by an earlier answer is not supported; give each question a list of its own",
    "student.xlsx:survey:5: calculations are not supported",
    "student.xlsx:survey:6: constraint 'regex(., '^[0-9]+$')' is not one of the limits this "
    "service reads (. <= n, . >= n, count-selected(.) <= n, string-length(.) <= n)",
    "student.xlsx:survey:7: relevant 'string-length(${school}) > 0': cannot read '> 0'. "
    "A condition here is ${q} = 'v', ${q} != 'v', selected(${q}, 'v'), ${q} != '' "
    "(answered), joined by and, or, not(...) and brackets",
    "student.xlsx:survey:8: repeats are not supported: ask each question once",
]


def test_a_surveycto_form_using_what_the_service_does_not_ask_names_every_row(app, coordinator):  # type: ignore[no-untyped-def]
    with pytest.raises(DefinitionError) as caught:
        xlsform.load_bytes(surveycto_student(), "student.xlsx")
    assert sorted(str(p) for p in caught.value.problems) == sorted(SURVEYCTO_PROBLEMS)
    before = len(versions(app, "student_checkin"))
    response = upload(coordinator, surveycto_student(), "student.xlsx")
    assert response.status_code == 400
    text = page_text(response)
    assert f"{len(SURVEYCTO_PROBLEMS)} problems in the definition: nothing was stored" in text
    for problem in SURVEYCTO_PROBLEMS:
        assert problem in text, problem
    assert "Once these are fixed, the questions themselves are checked" in text
    assert len(versions(app, "student_checkin")) == before


def test_a_title_without_its_translation_says_which_column_to_fill_in(app, coordinator):  # type: ignore[no-untyped-def]
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(kobo_family()))
    settings = book["settings"]
    settings.cell(row=2, column=2).value = None
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(coordinator, buffer.getvalue(), "family.xlsx")
    assert response.status_code == 400
    assert (
        "family.xlsx:settings:2: title: missing 'es' translation: fill in its column "
        "form_title::Español (es)" in page_text(response)
    )
    # That was the definition's own check: nothing is left waiting.
    assert "Once these are fixed" not in page_text(response)
