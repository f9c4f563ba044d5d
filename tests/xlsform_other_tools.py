"""Three XLSForms as coordinators get them from other tools, written cell by cell with
openpyxl as those tools write them: numbers as number cells, TRUE as a boolean cell,
language columns named ``label::English (en)``, columns of the tool's own, empty
columns and rows at the end. Used by the import, upload and browser tests."""

from __future__ import annotations

import io
import typing as t

import openpyxl

Rows = list[list[t.Any]]


def workbook(sheets: dict[str, Rows]) -> bytes:
    """The sheets as an .xlsx, each followed by empty rows and an empty column's cells
    (what a spreadsheet keeps after rows are deleted)."""
    book = openpyxl.Workbook()
    for n, (title, rows) in enumerate(sheets.items()):
        sheet = book.active if n == 0 else book.create_sheet(title)
        assert sheet is not None
        sheet.title = title
        for row in rows:
            sheet.append(row)
        for _ in range(3):
            sheet.append([""] * (len(rows[0]) + 2))
        sheet.cell(row=len(rows) + 2, column=len(rows[0]) + 3, value="")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def kobo_family() -> bytes:
    """A family survey as KoboToolbox exports it: two languages, numeric choice names,
    one agreement list shared by several questions, Kobo's ``$kuid`` bookkeeping, an
    empty ``media::image`` column, a settings ``version``. It imports."""
    header = [
        "type",
        "name",
        "label::English (en)",
        "label::Español (es)",
        "hint::English (en)",
        "hint::Español (es)",
        "required",
        "required_message::English (en)",
        "constraint",
        "constraint_message::English (en)",
        "appearance",
        "relevant",
        "media::image",
        "$kuid",
    ]
    survey: Rows = [
        header,
        ["begin group", "about", "About your family", "Sobre su familia"]
        + [None] * 6
        + ["field-list", None, None, "a1"],
        [
            "select_one yesno",
            "used",
            "Has your child used a support service this year?",
            "¿Su hijo ha usado un servicio de apoyo este año?",
            "At school or in the community",
            "En la escuela o en la comunidad",
            True,
            "Please answer this question",
            None,
            None,
            None,
            None,
            None,
            "a2",
        ],
        [
            "select_multiple services",
            "which",
            "Which services?",
            "¿Cuáles servicios?",
            "Choose all that apply",
            "Elija todos los que correspondan",
            "yes",
            None,
            None,
            None,
            None,
            "${used} = 1",
            None,
            "a3",
        ],
        [
            "integer",
            "age",
            "How old is your child?",
            "¿Qué edad tiene su hijo?",
            None,
            None,
            "true()",
            None,
            ". >= 0 and . <= 120",
            "Between 0 and 120",
            None,
            None,
            None,
            "a4",
        ],
        ["note", "thanks_note", "Thank you. A few more questions.", "Gracias. Unas preguntas más."]
        + [None] * 9
        + ["a5"],
        ["end group"] + [None] * 12 + ["a6"],
        ["begin group", "views", "Your views", "Sus opiniones"]
        + [None] * 6
        + ["field-list", None, None, "a7"],
        ["select_one agree", "welcome", "I feel welcome at school.", "Me siento bienvenido."]
        + [None] * 2
        + ["TRUE"]
        + [None] * 6
        + ["a8"],
        ["select_one agree", "listen", "Staff listen to me.", "El personal me escucha."]
        + [None] * 2
        + ["yes"]
        + [None] * 6
        + ["a9"],
        [
            "text",
            "comments",
            "Anything else you want to tell us?",
            "¿Algo más que quiera decirnos?",
            "Please don't write anyone's name",
            "Por favor, no escriba nombres",
            "no",
            None,
            None,
            None,
            "multiline",
            None,
            None,
            "a10",
        ],
        ["end group"] + [None] * 12 + ["a11"],
    ]
    choices: Rows = [
        [
            "list_name",
            "name",
            "label::English (en)",
            "label::Español (es)",
            "media::image",
            "$kuid",
        ],
        ["yesno", 1, "Yes", "Sí", None, "c1"],
        ["yesno", 0, "No", "No", None, "c2"],
        ["services", "counseling", "Counseling", "Consejería", None, "c3"],
        ["services", "clinic", "Health clinic", "Clínica de salud", None, "c4"],
        ["services", "mentoring", "Mentoring", "Mentoría", None, "c5"],
        ["agree", 1, "Disagree", "En desacuerdo", None, "c6"],
        ["agree", 2, "Neither", "Ni uno ni otro", None, "c7"],
        ["agree", 3, "Agree", "De acuerdo", None, "c8"],
    ]
    settings: Rows = [
        ["form_title::English (en)", "form_title::Español (es)", "form_id", "version"],
        ["Family survey 2026", "Encuesta para familias 2026", "family_2026", "2026011501"],
    ]
    return workbook({"survey": survey, "choices": choices, "settings": settings})


def odk_staff() -> bytes:
    """A staff survey as ODK's tools make it: a bare ``label`` in the default language
    beside ``label::Español (es)``, one Likert list with ``appearance=likert`` shared by
    several questions, a group without ``field-list``, the device rows ``start`` and
    ``end``, ``instance_name`` in the settings. It imports."""
    survey: Rows = [
        ["type", "name", "label", "label::Español (es)", "hint", "required", "appearance"],
        ["start", "start"],
        ["end", "end"],
        ["begin group", "role", "Your role", "Su función", None, None, "field-list"],
        [
            "select_one roles",
            "staff_role",
            "What is your role?",
            "¿Cuál es su función?",
            None,
            "yes",
            None,
        ],
        ["end group"],
        ["begin group", "climate", "School climate", "Clima escolar"],
        [
            "select_one agree5",
            "safe",
            "Students are safe here.",
            "Aquí los estudiantes están seguros.",
        ]
        + [None, "yes", "likert"],
        ["select_one agree5", "supported", "I feel supported.", "Me siento apoyado."]
        + [None, "yes", "likert"],
        ["select_one agree5", "referrals", "Referrals are easy.", "Las derivaciones son fáciles."]
        + [None, None, "likert"],
        ["end group"],
    ]
    choices: Rows = [
        ["list_name", "name", "label", "label::Español (es)"],
        ["roles", "teacher", "Teacher", "Docente"],
        ["roles", "counselor", "Counselor", "Consejero"],
        ["roles", "other_staff", "Other staff", "Otro personal"],
        ["agree5", 1, "Strongly disagree", "Muy en desacuerdo"],
        ["agree5", 2, "Disagree", "En desacuerdo"],
        ["agree5", 3, "Neither", "Ni uno ni otro"],
        ["agree5", 4, "Agree", "De acuerdo"],
        ["agree5", 5, "Strongly agree", "Muy de acuerdo"],
    ]
    settings: Rows = [
        ["form_title", "form_title::Español (es)", "form_id", "default_language", "instance_name"],
        [
            "Staff climate check",
            "Revisión del clima",
            "staff_climate",
            "English (en)",
            "concat('s', ${start})",
        ],
    ]
    return workbook({"survey": survey, "choices": choices, "settings": settings})


def surveycto_student() -> bytes:
    """A student survey as SurveyCTO builds one, using what this service does not ask:
    a calculation, a filtered list, a photo in a choice, an XPath function in
    ``relevant``, a regular expression, a repeat and a label with no Spanish. Every
    problem is refused with its sheet and row."""
    survey: Rows = [
        [
            "type",
            "name",
            "label:English",
            "label::Español (es)",
            "required",
            "relevant",
            "constraint",
            "choice_filter",
            "calculation",
            "appearance",
        ],
        [
            "begin group",
            "about",
            "About you",
            "Sobre ti",
            None,
            None,
            None,
            None,
            None,
            "field-list",
        ],
        ["select_one grade", "grade", "Your grade", "Tu grado", "yes"],
        [
            "select_one school",
            "school",
            "Your school",
            "Tu escuela",
            "yes",
            None,
            None,
            "grade=${grade}",
        ],
        ["calculate", "older", None, None, None, None, None, None, "${grade} > 8"],
        ["integer", "friends", "How many close friends?", None, None, None, "regex(., '^[0-9]+$')"],
        ["text", "why", "Why?", "¿Por qué?", None, "string-length(${school}) > 0"],
        ["begin repeat", "siblings", "Siblings", "Hermanos"],
        ["text", "sibling_name", "Name", "Nombre"],
        ["end repeat"],
        ["end group"],
    ]
    choices: Rows = [
        [
            "list_name",
            "name",
            "label::English (en)",
            "label::Español (es)",
            "grade",
            "media::image",
        ],
        ["grade", 6, "Grade 6", "Grado 6"],
        ["grade", 7, "Grade 7", "Grado 7"],
        ["school", "north", "North Middle", "Norte", 6, "north.png"],
        ["school", "south", "South Middle", "Sur", 7],
    ]
    settings: Rows = [
        ["form_title", "form_id", "default_language"],
        ["Student check-in", "student_checkin", "English (en)"],
    ]
    return workbook({"survey": survey, "choices": choices, "settings": settings})
