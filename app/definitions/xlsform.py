"""XLSForm spreadsheets: survey definitions to and from ``.xlsx`` (and ``.csv``/``.md``).

Reading: the file is held to size and row caps and scanned for XML entities before
anything parses it (an ``.xlsx`` is a zip of XML: a small file can unpack to gigabytes);
pyxform's backends then read the sheets into rows of text (openpyxl read-only with
``data_only``: a formula is never evaluated, its stored value is read as text). The rows
become the same plain data the YAML loader builds, checked by ``check_definition``, with
every problem named ``file:sheet:row: message``. Each question type maps its own row
(``QuestionType.from_xlsform``); this module reads the structure around them: settings,
pages (``begin group`` with ``field-list``), scales (choice lists with scores), display
conditions (``relevant``) and the codebook. What the format has and this service does
not (repeats, calculations, other XPath, media, locations) is refused with its row;
what a form made elsewhere leaves out is assumed, and every assumption is listed.

Writing: ``to_xlsx`` writes a stored definition as survey, choices and settings sheets
with the extension columns of ``surveys/README.md``; importing it back gives the same
data, so the same content hash.
"""

from __future__ import annotations

import dataclasses
import io
import re
import typing as t
import zipfile
import zlib
from pathlib import Path

from app.definitions.limits import MAX_FILE_BYTES
from app.definitions.problems import DefinitionError, Loc, Problem
from app.definitions.schema import LANGUAGE_PATTERN
from app.definitions.types import REGISTRY, QuestionType
from app.definitions.types._xlsform import DIGITS, XlsRow, cell, code_cell, code_value

if t.TYPE_CHECKING:
    from app.definitions.survey import SurveyDefinition

SUFFIXES = (".xlsx", ".csv", ".md")
# An .xlsx unpacks to at most this much, in at most this many parts; a sheet has at most
# this many rows. A shipped instrument is about 100 rows and 50 KB unpacked.
MAX_UNPACKED_BYTES = 20_000_000
MAX_PARTS = 200
MAX_ROWS = 5_000
MAX_RELEVANT_LENGTH = 2_000
MAX_CONDITION_DEPTH = 20
CODEBOOK_LIST = "_codebook"

LANGUAGE_NAMES = {
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "pt": "Português",
    "zh": "中文",
    "vi": "Tiếng Việt",
    "ar": "العربية",
    "ht": "Kreyòl ayisyen",
}

# Language names another tool may write without their code (``label::English``).
LANGUAGE_CODES = {name.lower(): code for code, name in LANGUAGE_NAMES.items()} | {
    "english": "en",
    "spanish": "es",
    "french": "fr",
    "portuguese": "pt",
    "chinese": "zh",
    "vietnamese": "vi",
    "arabic": "ar",
    "haitian creole": "ht",
}
# Pictures, sound and video beside a label (``media::image``, ``image::English (en)``).
MEDIA_COLUMNS = frozenset({"media", "image", "big-image", "audio", "video"})
# Why a column of other tools is not read, for those a coordinator meets most.
COLUMN_WHY = {
    "media": "pictures, sound and video are not shown in these surveys; empty the column",
    "choice_filter": "a list filtered by an earlier answer is not supported; give each "
    "question a list of its own",
    "default": "answers are never filled in ahead of the respondent; empty the column",
    "calculation": "calculations are not supported",
    "read_only": "every question here can be answered; use a note for text to read",
    "repeat_count": "repeats are not supported",
    "trigger": "calculations are not supported",
}

# Survey-sheet columns read for every question (the types read their own).
COMMON_COLUMNS = ("type", "name", "label", "hint", "required", "relevant", "kind", "appearance")
# Words the service says itself, in the respondent's language: ignored, and listed.
OWN_WORDS = ("required_message", "constraint_message", "guidance_hint")
# Settings of the phone apps that change nothing here (how a submission is named, sent
# or encrypted): ignored, and listed. Columns of another tool's own bookkeeping start
# with "$" (KoboToolbox's $kuid, $autoname): ignored, and listed.
APP_SETTINGS = (
    "instance_name",
    "style",
    "public_key",
    "submission_url",
    "allow_choice_duplicates",
    "namespaces",
    "auto_send",
    "auto_delete",
)
# What a missing translation is added as, by the field the check names.
TEXT_COLUMNS = {
    "text": "label",
    "help": "hint",
    "intro": "hint",
    "title": "label",
    "label": "label",
}
SETTINGS = (
    "form_id",
    "form_title",
    "default_language",
    "version",
    "audiences",
    "languages",
    "mode",
    "anonymous",
    "estimated_minutes",
    "description",
    "support_message",
    "consent_script",
    "scales",
    "codebook",
)
# A definition that says it has no scales or no codebook (``scales: {}``) says so here.
NONE_SETTINGS = {"scales": dict, "codebook": list}
SETTINGS_TEXTS = {
    "form_title": "title",
    "description": "description",
    "support_message": "support_message",
    "consent_script": "consent_script",
}
SCALE_COLUMNS = ("score", "excluded", "favourable", "neutral")

REFUSED_TYPES = {
    "begin_repeat": "repeats are not supported: ask each question once",
    "end_repeat": "repeats are not supported: ask each question once",
    "calculate": "calculations are not supported",
    "geopoint": "locations are not asked: answers here are anonymous",
    "geotrace": "locations are not asked: answers here are anonymous",
    "geoshape": "locations are not asked: answers here are anonymous",
    "start-geopoint": "locations are not asked: answers here are anonymous",
    "image": "photos, sound, video and files are not collected",
    "audio": "photos, sound, video and files are not collected",
    "video": "photos, sound, video and files are not collected",
    "file": "photos, sound, video and files are not collected",
    "background-audio": "photos, sound, video and files are not collected",
    "barcode": "barcodes are not scanned",
}
# Metadata a phone app records about the device: nothing of it is collected here.
METADATA_TYPES = frozenset(
    {
        "start",
        "end",
        "today",
        "deviceid",
        "phonenumber",
        "username",
        "email",
        "audit",
        "simserial",
        "subscriberid",
    }
)


@dataclasses.dataclass(frozen=True)
class Imported:
    """A checked definition from a spreadsheet, and every default it assumed."""

    definition: SurveyDefinition
    assumed: list[str]
    # What the form holds and the service leaves out, harmlessly (columns of other
    # tools, device rows, phone-app settings).
    ignored: list[str] = dataclasses.field(default_factory=list)


class SheetProblems(DefinitionError):
    """The sheets themselves have problems (types, columns, conditions this service does
    not read): the checks of the definition they make wait until those are fixed."""


def is_xlsform(name: str) -> bool:
    return name.lower().endswith(SUFFIXES)


# --- reading the file safely ------------------------------------------------------------


def read_sheets(raw: bytes, name: str) -> dict[str, t.Any]:
    """The workbook as pyxform reads it (sheet name -> rows of text); DefinitionError
    when the file is too large, unpacks too far, has too many rows or is unreadable."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2json_backends import csv_to_dict, md_to_dict, xlsx_to_dict

    if len(raw) > MAX_FILE_BYTES:
        raise _refused(name, f"larger than {MAX_FILE_BYTES:,} bytes: no survey needs that much")
    suffix = name.lower().rsplit(".", 1)[-1]
    try:
        if suffix == "xlsx":
            _check_zip(raw, name)
            sheets = xlsx_to_dict(io.BytesIO(raw))
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise _refused(name, "not UTF-8 text; save it as UTF-8") from None
            if text.count("\n") > 3 * MAX_ROWS:
                raise _refused(name, f"more than {MAX_ROWS:,} rows in a sheet")
            data = io.BytesIO(text.encode("utf-8"))
            sheets = csv_to_dict(data) if suffix == "csv" else md_to_dict(data)
    except PyXFormError as exc:
        raise _refused(name, f"cannot read the spreadsheet: {exc}") from None
    except DefinitionError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged file fails inside any parser
        # (XML, zip, cell values): whatever it is, the upload gets a clear refusal.
        raise _refused(name, f"cannot read the spreadsheet ({type(exc).__name__})") from None
    for sheet in ("survey", "choices", "settings"):
        if len(sheets.get(sheet) or []) > MAX_ROWS:
            raise _refused(name, f"the {sheet} sheet has more than {MAX_ROWS:,} rows")
    if not sheets.get("survey"):
        raise _refused(name, "no survey sheet (an XLSForm has survey, choices and settings)")
    return sheets


def _refused(name: str, message: str) -> DefinitionError:
    return DefinitionError([Problem(name, 1, message)])


def _check_zip(raw: bytes, name: str) -> None:
    """Refuse a zip bomb, XML entities and oversized sheets before openpyxl sees the file:
    sizes from the zip's directory (a part is never read past its stated size), then one
    streamed pass over each XML part."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise _refused(
            name, "not an .xlsx workbook (save it from your spreadsheet as .xlsx)"
        ) from None
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise _refused(name, f"more than {MAX_PARTS} parts inside the workbook")
        if sum(p.file_size for p in parts) > MAX_UNPACKED_BYTES:
            raise _refused(name, f"unpacks to more than {MAX_UNPACKED_BYTES:,} bytes")
        for part in parts:
            if not part.filename.endswith((".xml", ".rels")):
                continue
            sheet = part.filename.startswith("xl/worksheets/")
            rows, tail = 0, b""
            try:
                with archive.open(part) as stream:
                    while chunk := stream.read(1 << 16):
                        window = tail + chunk
                        if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                            raise _refused(name, "the workbook's XML declares entities")
                        if sheet:
                            rows += window.count(b"<row ") + window.count(b"<row>")
                            rows -= tail.count(b"<row ") + tail.count(b"<row>")
                            if rows > MAX_ROWS + 1:
                                raise _refused(name, f"more than {MAX_ROWS:,} rows in a sheet")
                        tail = window[-16:]
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
                raise _refused(name, f"a damaged workbook ({exc})") from None


# --- from sheets to definition data --------------------------------------------------------

_LANGUAGE_COLUMN = re.compile(r"^(?P<name>.*?)\s*\((?P<code>[a-z]{2}(?:-[A-Z]{2})?)\)\s*$")


class _Locator:
    """(sheet, row) of each place in the data; the rows of a place's nearest parent when
    the place itself came from no row."""

    def __init__(self, name: str):
        self.name = name
        self.places: dict[Loc, tuple[str, int]] = {}

    def place(self, loc: Loc) -> tuple[str, int]:
        for end in range(len(loc), -1, -1):
            place = self.places.get(tuple(loc[:end]))
            if place is not None:
                return place
        return ("survey", 1)

    def line(self, loc: Loc) -> int:
        return self.place(loc)[1]

    def path(self, loc: Loc) -> str:
        return f"{self.name}:{self.place(loc)[0]}"


class _Form:
    """One workbook being read: the context every row sees."""

    def __init__(self, sheets: dict[str, t.Any], name: str):
        self.name = name
        self.sheets = sheets
        self.problems: list[Problem] = []
        self.assumed: list[str] = []
        self.ignored: list[str] = []
        self.locator = _Locator(name)
        # Columns not read, by sheet: the rows they are filled in on.
        self.unread: dict[tuple[str, str], list[int]] = {}
        self.reported: set[str] = set()
        self.languages: list[str] = []
        self.default_language = "en"
        self.choice_lists: dict[str, list[XlsRow]] = {}
        self.scale_lists: set[str] = set()
        self.survey_rows = self._rows("survey")
        self.choice_rows = self._rows("choices")
        settings = self._rows("settings")
        self.settings = next((r for r in settings if r.cells), None)

    def _rows(self, sheet: str) -> list[XlsRow]:
        return [
            XlsRow(self, sheet, number, {str(k): str(v) for k, v in cells.items()})
            for number, cells in enumerate(self.sheets.get(sheet) or [], start=2)
        ]

    # --- XlsContext ----------------------------------------------------------------------
    def language_of(self, column: str, key: str) -> str | None:
        if not key.startswith(f"{column}::"):
            return None
        return _language_code(key[len(column) + 2 :])

    def problem(self, sheet: str, row: int, message: str) -> None:
        self.problems.append(Problem(f"{self.name}:{sheet}", row, message))

    def assume(self, message: str) -> None:
        if message not in self.assumed:
            self.assumed.append(message)

    def ignore(self, message: str) -> None:
        if message not in self.ignored:
            self.ignored.append(message)

    # --- the whole form ------------------------------------------------------------------
    def read(self) -> dict[str, t.Any]:
        self._languages()
        for row in self.choice_rows:
            list_name = row.get("list_name") or row.get("list name")
            if row.cells and list_name:
                self.choice_lists.setdefault(list_name, []).append(row)
        self._find_scales()
        data: dict[str, t.Any] = self._header()
        scales = {name: self._scale(name) for name in self.choice_lists if name in self.scale_lists}
        if scales:
            data["scales"] = scales
        codebook = self._codebook()
        if codebook:
            data["codebook"] = codebook
        for key, empty in NONE_SETTINGS.items():
            said = self.settings.get(key) if self.settings else None
            if said is None:
                continue
            if said.lower() != "none" or data.get(key):
                assert self.settings is not None
                self.settings.problem(
                    f"{key} is 'none' or empty: the {key} are lists of the choices sheet"
                )
            else:
                data[key] = empty()
        data["pages"] = self._pages()
        self._unread_choice_columns()
        self._unread_problems()
        self._empty_columns()
        self._shared_lists()
        return data

    def _shared_lists(self) -> None:
        """A list several single-choice questions share may be a rating scale the other
        tool had no way to mark: say how to make it one."""
        askers: dict[str, list[str]] = {}
        for row in self.survey_rows:
            if row.type == "select_one" and row.list_name and row.cells.get("kind") is None:
                askers.setdefault(row.list_name, []).append(row.name)
        for name, items in askers.items():
            # Three choices at least: a shared yes/no list is no rating scale.
            many = len(self.choice_lists.get(name, [])) >= 3
            if len(items) > 1 and many and name not in self.scale_lists:
                self.assume(
                    f"list '{name}' is asked by {', '.join(items)} as single choices, each "
                    "reported by count; to report them as a scale with a mean, give the rows "
                    "the appearance likert"
                )

    def _languages(self) -> None:
        codes: list[str] = []
        bare = False
        for rows in (self.survey_rows, self.choice_rows, [self.settings] if self.settings else []):
            for row in rows:
                for key in row.cells:
                    column, sep, rest = key.partition("::")
                    if key in self.reported or column in MEDIA_COLUMNS:
                        continue
                    if not sep:
                        bare = bare or key in ("label", "hint")
                        self._one_colon(row, key)
                        continue
                    code = self.language_of(column, key)
                    if code is None:
                        self.reported.add(key)
                        self.problem(
                            row.sheet,
                            1,
                            f"column '{key}' names no language: write it as "
                            f"{column}::Español (es), with the language code in brackets",
                        )
                        continue
                    if not _LANGUAGE_COLUMN.match(rest) and rest.strip() != code:
                        self.assume(f"column '{key}' is {LANGUAGE_NAMES.get(code, code)} ({code})")
                    if code not in codes:
                        codes.append(code)
        given = self.settings.get("default_language") if self.settings else None
        if given:
            self.default_language = _language_code(given) or given.strip()
        elif codes:
            self.default_language = codes[0]
        listed = (self.settings.get("languages") if self.settings else None) or ""
        if listed:
            self.languages = listed.replace(",", " ").split()
            return
        languages = [self.default_language] if bare or not codes else []
        languages += [code for code in codes if code not in languages]
        self.languages = languages
        named = ", ".join(f"{LANGUAGE_NAMES.get(c, c)} ({c})" for c in languages)
        self.assume(
            f"languages: {', '.join(languages)}, that is {named}, from the columns of the "
            "sheets (the first is the default; a languages setting lists them otherwise)"
        )

    def _one_colon(self, row: XlsRow, key: str) -> None:
        """``label:English`` (one colon) is another tool's way of naming a language."""
        column, sep, rest = key.partition(":")
        if sep and column in {*TEXT_COLUMNS.values(), *SETTINGS_TEXTS, "hint"}:
            self.reported.add(key)
            code = _language_code(rest) or "es"
            self.problem(
                row.sheet,
                1,
                f"column '{key}': write a language's column with two colons and its code "
                f"in brackets, {column}::{LANGUAGE_NAMES.get(code, rest.strip())} ({code})",
            )

    def _find_scales(self) -> None:
        for name, rows in self.choice_lists.items():
            if any(row.cells.get(c) for row in rows for c in SCALE_COLUMNS):
                self.scale_lists.add(name)
        depth = 0
        for row in self.survey_rows:
            if row.type == "begin_group":
                depth += 1
            elif row.type == "end_group":
                depth -= 1
            elif row.list_name and row.type == "select_one":
                kind = row.cells.get("kind")
                likert = "likert" in (row.cells.get("appearance") or "").split()
                on_scale = kind in REGISTRY and REGISTRY[kind].xlsform_scale
                if on_scale or likert or (depth >= 2 and not kind):
                    self.scale_lists.add(row.list_name)

    def _header(self) -> dict[str, t.Any]:
        row = self.settings
        data: dict[str, t.Any] = {}
        if row is not None:
            self.locator.places[()] = (row.sheet, row.number)
            for column, key in SETTINGS_TEXTS.items():
                value = row.text(column)
                if value is not None:
                    data[key] = value
            data["id"] = row.get("form_id")
            for key in ("mode",):
                data[key] = row.get(key)
            data["anonymous"] = row.flag("anonymous")
            data["estimated_minutes"] = row.numeric("estimated_minutes")
            audiences = row.get("audiences")
            if audiences:
                data["audiences"] = audiences.replace(",", " ").split()
            if row.get("version"):
                self.ignore("the settings' version is not used: every upload is versioned")
            row.get("default_language")
            row.get("languages")
            for key in NONE_SETTINGS:
                row.get(key)  # read by read()
            self._unread_columns(row)
        data = {k: v for k, v in data.items() if v is not None}
        data["languages"] = self.languages
        if "id" not in data:
            data["id"] = _slug(Path(self.name).stem)
            self.assume(f"survey id '{data['id']}' (from the file name; set form_id)")
        if "title" not in data:
            data["title"] = data["id"]
            self.assume(f"title '{data['id']}' (set form_title)")
        if "audiences" not in data:
            data["audiences"] = ["family"]
            self.assume(
                "audience: family, so reports count its answers as families'; if others "
                "answer it, add an audiences column to the settings sheet (student, family, "
                "staff or partner)"
            )
        if "mode" not in data:
            self.assume(
                "mode: self, answered by respondents on their own (an interview read out by "
                "an interviewer has mode interview in the settings sheet)"
            )
        if "anonymous" not in data:
            self.assume(
                "anonymous: yes, no name, IP address or device identifier is stored "
                "(anonymous no in the settings sheet says otherwise)"
            )
        return data

    def _scale(self, name: str) -> dict[str, t.Any]:
        rows = self.choice_lists[name]
        options: list[dict[str, t.Any]] = []
        favourable: list[tuple[int, int, t.Any]] = []
        neutral: list[t.Any] = []
        for i, row in enumerate(rows):
            self.locator.places[("scales", name, "options", i)] = (row.sheet, row.number)
            code = code_value(row.name)
            option: dict[str, t.Any] = {"value": code}
            label = row.text("label")
            if label is not None:
                option["label"] = label
            score = row.numeric("score")
            if score is not None:
                option["score"] = score
            excluded = row.flag("excluded")
            if excluded is not None:
                option["excluded"] = excluded
            place = _favourable_place(row)
            if place is not None:
                favourable.append((place, i, code))
            if row.flag("neutral"):
                neutral.append(code)
            options.append(option)
        self.locator.places[("scales", name)] = (rows[0].sheet, rows[0].number)
        if not any("score" in o for o in options):
            scored = [o for o in options if not o.get("excluded")]
            for n, option in enumerate(scored, start=1):
                option["score"] = n
            self.assume(f"scale '{name}' is scored 1 to {len(scored)} in the order of its choices")
        scale: dict[str, t.Any] = {"options": options}
        if favourable or any(row.cells.get("favourable") for row in rows):
            scale["favourable"] = [code for _place, _i, code in sorted(favourable)]
        else:
            self.assume(
                f"scale '{name}' has no favourable options, so no percent favourable "
                "until they are set (favourable column of the choices sheet)"
            )
        if len(neutral) > 1:
            self.problem(rows[0].sheet, rows[0].number, f"scale '{name}' has two neutral options")
        if neutral:
            scale["neutral"] = neutral[0]
        return scale

    def _codebook(self) -> list[dict[str, t.Any]]:
        themes = []
        for i, row in enumerate(self.choice_lists.get(CODEBOOK_LIST, [])):
            self.locator.places[("codebook", i)] = (row.sheet, row.number)
            theme: dict[str, t.Any] = {"code": row.name, "label": row.text("label")}
            theme["description"] = row.text("description")
            themes.append({k: v for k, v in theme.items() if v is not None})
        return themes

    # --- the survey sheet ----------------------------------------------------------------
    def _pages(self) -> list[dict[str, t.Any]]:
        pages: list[tuple[XlsRow | None, list[XlsRow]]] = []
        depth = 0
        group: XlsRow | None = None
        skipping = 0
        for row in self.survey_rows:
            if not row.cells:
                continue
            kind = row.type
            if skipping:
                skipping += {"begin_repeat": 1, "end_repeat": -1}.get(kind, 0)
                continue
            if kind in REFUSED_TYPES:
                row.problem(REFUSED_TYPES[kind])
                skipping = 1 if kind == "begin_repeat" else 0
                continue
            if kind in METADATA_TYPES:
                self.ignore(f"survey row {row.number}: '{kind}' is device data, not collected")
                continue
            if kind == "begin_group":
                if depth == 0:
                    pages.append((row, []))
                elif depth == 1:
                    group = row
                    pages[-1][1].append(row)
                else:
                    row.problem("groups nest two deep at most: a page, and a Likert group in it")
                depth += 1
            elif kind == "end_group":
                if depth == 0:
                    row.problem("'end group' without a 'begin group'")
                    continue
                depth -= 1
                if depth == 1:
                    group = None
            elif depth >= 2 and group is not None:
                group.children.append(row)
            elif depth == 0:
                if not pages or pages[-1][0] is not None:
                    pages.append((None, []))
                pages[-1][1].append(row)
            else:
                pages[-1][1].append(row)
        if depth > 0:
            self.problem("survey", len(self.survey_rows) + 1, "a 'begin group' is never ended")
        return [self._page(p, head, rows) for p, (head, rows) in enumerate(pages)]

    def _page(self, p: int, head: XlsRow | None, rows: list[XlsRow]) -> dict[str, t.Any]:
        page: dict[str, t.Any] = {}
        if head is None:
            page["id"] = f"page{p + 1}"
            self.assume(
                f"survey row {rows[0].number}: questions outside a group are one page, "
                f"'{page['id']}'"
            )
            self.locator.places[("pages", p)] = (rows[0].sheet, rows[0].number)
        else:
            self.locator.places[("pages", p)] = (head.sheet, head.number)
            page["id"] = head.get("name")
            page["title"] = head.text("label")
            page["intro"] = head.text("hint")
            page["show_if"] = self._condition(head)
            if "field-list" not in head.appearance:
                self.assume(f"survey row {head.number}: group '{head.name}' is shown as a page")
            head.get("kind")
            self._unread_columns(head)
            page = {k: v for k, v in page.items() if v is not None}
        questions = []
        for q, row in enumerate(rows):
            self.locator.places[("pages", p, "questions", q)] = (row.sheet, row.number)
            for r, child in enumerate(row.children):
                where = ("pages", p, "questions", q, "rows", r)
                self.locator.places[where] = (child.sheet, child.number)
            # An option's problems are on its row of the choices sheet.
            for i, choice in enumerate(self.choice_lists.get(row.list_name or "", [])):
                where = ("pages", p, "questions", q, "options", i)
                self.locator.places[where] = (choice.sheet, choice.number)
            questions.append(self._question(row))
        page["questions"] = questions
        return page

    def _question_type(self, row: XlsRow) -> type[QuestionType] | None:
        kind = row.get("kind")
        if kind:
            cls = REGISTRY.get(kind)
            if cls is None:
                row.problem(f"kind '{kind}' is not a question type (known: {', '.join(REGISTRY)})")
            elif row.type not in cls.xlsform_types:
                row.problem(f"a {kind} question cannot be a '{row.type}' row")
                return None
            return cls
        if row.type in ("select_one", "select_multiple") and not row.list_name:
            row.problem(f"{row.type} needs a list name: '{row.type} colours'")
            return None
        for cls in REGISTRY.values():
            if cls.xlsform_claims(row):
                return cls
        if not row.cells.get("type"):
            row.problem("a row needs a type (text, select_one list, note, begin group, ...)")
        else:
            row.problem(f"type '{row.cells['type']}' is not a question this service asks")
        return None

    def _question(self, row: XlsRow) -> dict[str, t.Any]:
        cls = self._question_type(row)
        question: dict[str, t.Any] = {"item": row.get("name")}
        if cls is not None:
            question["type"] = cls.name
        question["text"] = row.text("label")
        question["help"] = row.text("hint")
        question["required"] = row.flag("required")
        question["show_if"] = self._condition(row)
        row.get("appearance")
        if row.extra_words:
            row.problem(f"'{row.cells.get('type')}': only 'or_other' may follow the list name")
        if cls is not None:
            question.update(cls.from_xlsform(row))
        for limit in row.unread_limits():
            row.problem(f"constraint '{limit}' is not a limit a {row.type} question has")
        self._unread_columns(row)
        for child in row.children:
            for column in ("required", "relevant"):
                if child.get(column):
                    child.problem(f"a row of a Likert group has no {column} of its own")
            child.get("kind")
            child.get("appearance")
            self._unread_columns(child)
        return {k: v for k, v in question.items() if v is not None}

    def _condition(self, row: XlsRow) -> dict[str, t.Any] | None:
        raw = row.get("relevant")
        if raw is None:
            return None
        try:
            return parse_relevant(raw)
        except ValueError as exc:
            row.problem(f"relevant '{raw}': {exc}. {RELEVANT_FORMS}")
            return None

    def _unread_columns(self, row: XlsRow) -> None:
        for key, value in row.cells.items():
            base = key.split("::", 1)[0]
            if not value or key in row.used or base in row.used:
                continue
            if base in OWN_WORDS:
                self.ignore(
                    f"column '{key}' is not read: the service words its own messages, "
                    "in the respondent's language"
                )
                continue
            if key.startswith("$"):
                self.ignore(f"column '{key}' is the other tool's own bookkeeping: not read")
                continue
            if row.sheet == "settings" and base in APP_SETTINGS:
                self.ignore(f"the setting '{key}' is for phone apps: not read")
                continue
            if key not in self.reported:
                self.unread.setdefault((row.sheet, key), []).append(row.number)

    def _unread_problems(self) -> None:
        """One problem per column not read, on the first row it is filled in on."""
        for (sheet, key), rows in self.unread.items():
            base = key.split("::", 1)[0]
            why = COLUMN_WHY.get("media" if base in MEDIA_COLUMNS else base)
            message = f"column '{key}' is not one this service reads"
            if why:
                message += f": {why}"
            if len(rows) > 1:
                more = ", ".join(str(n) for n in rows[1:])
                message += f" (also filled in on row{'s' if len(rows) > 2 else ''} {more})"
            self.problem(sheet, rows[0], message)

    def _empty_columns(self) -> None:
        """Columns with a header and nothing in them are harmless: said, not refused."""
        for sheet, rows in (
            ("survey", self.survey_rows),
            ("choices", self.choice_rows),
            ("settings", [self.settings] if self.settings else []),
        ):
            header = self.sheets.get(f"{sheet}_header") or [{}]
            filled = {key for row in rows for key, value in row.cells.items() if value}
            used = {column for row in rows for column in row.used}
            for key in header[0]:
                base = str(key).split("::", 1)[0]
                if key in filled or key in used or base in used or base in OWN_WORDS:
                    continue
                self.ignore(f"the {sheet} sheet's column '{key}' is empty: not read")

    def _unread_choice_columns(self) -> None:
        for rows in self.choice_lists.values():
            for row in rows:
                row.get("list_name")
                row.get("list name")
                if row.used != {"type", "list_name", "list name"}:
                    self._unread_columns(row)


def _language_code(text: str) -> str | None:
    """The code of ``Español (es)``, ``es`` or a known name such as ``English``."""
    text = text.strip()
    match = _LANGUAGE_COLUMN.match(text)
    if match:
        return match.group("code")
    if re.match(LANGUAGE_PATTERN, text):
        return text
    return LANGUAGE_CODES.get(text.lower())


def _favourable_place(row: XlsRow) -> int | None:
    """Where a favourable option goes in the scale's favourable list (0: in choice
    order, for yes), or None when it is not favourable: the cell is yes or no, or the
    option's place 1, 2, ... in a list a definition writes in another order."""
    raw = row.get("favourable")
    if raw is not None and DIGITS.match(raw) and raw != "0":
        return int(raw)
    return 0 if row.flag("favourable") else None


def _slug(stem: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.\-]+", "-", stem).strip("-.") or "survey"
    return slug[:80]


# --- relevant: display conditions -------------------------------------------------------

RELEVANT_FORMS = (
    "A condition here is ${q} = 'v', ${q} != 'v', selected(${q}, 'v'), ${q} != '' "
    "(answered), joined by and, or, not(...) and brackets"
)

_TOKEN = re.compile(
    r"\s*(?:(?P<ref>\$\{[^}]*\})|(?P<str>'[^']*'|\"[^\"]*\")|(?P<num>-?[0-9]+(?:\.[0-9]+)?)"
    r"|(?P<op>!=|=|\(|\)|,)|(?P<word>[A-Za-z][A-Za-z0-9_-]*))"
)


class _Parser:
    """``${q} = 'v'``, ``${q} != ''``, ``selected(${q}, 'v')``, ``and``, ``or``,
    ``not(...)`` and brackets; anything else is refused."""

    def __init__(self, text: str):
        if len(text) > MAX_RELEVANT_LENGTH:
            raise ValueError(f"longer than {MAX_RELEVANT_LENGTH} characters")
        self.tokens: list[tuple[str, str]] = []
        at = 0
        while at < len(text):
            match = _TOKEN.match(text, at)
            if match is None or match.end() == at:
                if text[at:].strip() == "":
                    break
                raise ValueError(f"cannot read '{text[at:].strip()[:30]}'")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            at = match.end()
        self.at = 0
        self.depth = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def take(self, value: str | None = None, kind: str | None = None) -> str:
        next_kind, next_token = self.peek()
        if (value is not None and next_token != value) or (kind is not None and next_kind != kind):
            wanted = value or {"ref": "a question such as ${q}", "str": "a 'value'"}.get(
                kind or "", kind
            )
            raise ValueError(f"expected {wanted}, found '{next_token or 'the end'}'")
        self.at += 1
        return next_token

    def parse(self) -> dict[str, t.Any]:
        condition = self.chain()
        if self.peek()[0] != "end":
            raise ValueError(f"unexpected '{self.peek()[1]}'")
        return condition

    def chain(self) -> dict[str, t.Any]:
        self.depth += 1
        if self.depth > MAX_CONDITION_DEPTH:
            raise ValueError(f"brackets nested more than {MAX_CONDITION_DEPTH} deep")
        ors = [self.conjunction()]
        single = False
        while self.peek() == ("word", "or"):
            self.take("or")
            if self.constant("false"):
                single = True
            else:
                ors.append(self.conjunction())
        self.depth -= 1
        # "x or false()" is an "any" of one condition, as a definition may write it.
        return {"any": _merged(ors)} if single else _joined("any", _merged(ors))

    def constant(self, word: str) -> bool:
        """Take ``true()`` or ``false()`` if it comes next."""
        if self.peek() != ("word", word) or self.tokens[self.at + 1 : self.at + 3] != [
            ("op", "("),
            ("op", ")"),
        ]:
            return False
        self.at += 3
        return True

    def conjunction(self) -> tuple[str, dict[str, t.Any]] | dict[str, t.Any]:
        ands = [self.unary()]
        single = False
        while self.peek() == ("word", "and"):
            self.take("and")
            if self.constant("true"):
                single = True
            else:
                ands.append(self.unary())
        if len(ands) == 1 and not single:
            return ands[0]
        return {"all": [_plain(a) for a in ands]}

    def unary(self) -> tuple[str, dict[str, t.Any]] | dict[str, t.Any]:
        kind, value = self.peek()
        if (kind, value) == ("word", "not"):
            self.take("not")
            self.take("(")
            inner = self.chain()
            self.take(")")
            return {"not": inner}
        if (kind, value) == ("op", "("):
            self.take("(")
            inner = self.chain()
            self.take(")")
            return inner
        if (kind, value) == ("word", "selected"):
            self.take("selected")
            self.take("(")
            question = _ref(self.take(kind="ref"))
            self.take(",")
            chosen = self.literal()
            self.take(")")
            # Bare: a run of them on one question joined by "or" is one "one_of". A
            # number stays a number (as YAML's `one_of: [4]`), '4' text.
            code = str(chosen) if isinstance(chosen, bool) else chosen
            return ("selected", {"question": question, "one_of": [code]})
        if kind == "ref":
            question = _ref(self.take(kind="ref"))
            how = self.take(kind="op")
            if how not in ("=", "!="):
                raise ValueError(f"expected = or !=, found '{how}'")
            literal = self.literal()
            if literal == "":
                return {"question": question, "answered": how == "!="}
            equals = {"question": question, "equals": literal}
            return equals if how == "=" else {"not": equals}
        raise ValueError(f"'{value or 'the end'}' is not a condition this service reads")

    def literal(self) -> t.Any:
        kind, value = self.peek()
        if kind == "word" and value in ("true", "false"):
            self.take()
            self.take("(")
            self.take(")")
            return value == "true"
        if kind == "str":
            self.take()
            return value[1:-1]
        if kind == "num":
            self.take()
            return float(value) if "." in value else int(value)
        raise ValueError(f"expected a 'value', found '{value or 'the end'}'")


def _ref(token: str) -> str:
    name = token[2:-1].strip()
    if not name:
        raise ValueError("${} names no question")
    return name


def _plain(part: tuple[str, dict[str, t.Any]] | dict[str, t.Any]) -> dict[str, t.Any]:
    return part[1] if isinstance(part, tuple) else part


def _merged(parts: list[t.Any]) -> list[dict[str, t.Any]]:
    out: list[t.Any] = []
    for part in parts:
        if (
            isinstance(part, tuple)
            and out
            and isinstance(out[-1], tuple)
            and out[-1][1]["question"] == part[1]["question"]
        ):
            out[-1][1]["one_of"] += part[1]["one_of"]
        else:
            out.append(part)
    return [_plain(p) for p in out]


def _joined(how: str, parts: list[dict[str, t.Any]]) -> dict[str, t.Any]:
    return parts[0] if len(parts) == 1 else {how: parts}


def parse_relevant(text: str) -> dict[str, t.Any]:
    """A ``relevant`` cell as a display condition; ValueError saying what is wrong."""
    return _Parser(text).parse()


def format_relevant(condition: dict[str, t.Any] | None, nested: bool = False) -> str | None:
    """A display condition as a ``relevant`` cell (``parse_relevant`` reads it back)."""
    if condition is None:
        return None
    if "question" in condition:
        ref = "${" + condition["question"] + "}"
        if "answered" in condition:
            return f"{ref} != ''" if condition["answered"] else f"{ref} = ''"
        if "equals" in condition:
            return f"{ref} = {_literal(condition['equals'])}"
        text = " or ".join(f"selected({ref}, {_literal(v)})" for v in condition["one_of"])
        return f"({text})" if nested else text
    if "not" in condition:
        return f"not({format_relevant(condition['not'])})"
    how = "all" if "all" in condition else "any"
    word = "and" if how == "all" else "or"
    parts = [format_relevant(c, True) or "" for c in condition[how]]
    if len(parts) == 1:
        # One condition in an "all" or "any": "x and true()", "x or false()".
        parts.append("true()" if how == "all" else "false()")
    joined = f" {word} ".join(parts)
    return f"({joined})" if nested else joined


def _literal(value: t.Any) -> str:
    if isinstance(value, bool):
        return "true()" if value else "false()"
    if isinstance(value, int | float):
        return str(value)
    return f"'{value}'"


# --- loading ------------------------------------------------------------------------------


def load_bytes(raw: bytes, name: str) -> Imported:
    """Check an XLSForm given as bytes; DefinitionError listing every problem, each
    as ``file:sheet:row: message``."""
    from app.definitions.loader import check_definition

    form = _Form(read_sheets(raw, name), name)
    data = form.read()
    try:
        definition = check_definition(data, name, form.locator, form.problems)
    except DefinitionError as exc:
        refused = SheetProblems if form.problems else DefinitionError
        raise refused([_worded(p) for p in exc.problems]) from None
    return Imported(definition, form.assumed, form.ignored)


_MISSING = re.compile(r"^(?P<field>\S+): missing '(?P<code>[^']+)' translation$")


def _worded(problem: Problem) -> Problem:
    """A missing translation says which column of the spreadsheet to add."""
    missing = _MISSING.match(problem.message)
    if missing is None:
        return problem
    field = missing.group("field")
    last = re.sub(r"\[[0-9]+\]$", "", field.rsplit(".", 1)[-1])
    column = "form_title" if field == "title" else TEXT_COLUMNS.get(last, last)
    where = language_column(column, missing.group("code"))
    return dataclasses.replace(problem, message=f"{problem.message}: fill in its column {where}")


def load_path(path: str | Path) -> Imported:
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _refused(str(path), f"cannot read: {exc.strerror}") from None
    return load_bytes(raw, str(path))


# --- writing --------------------------------------------------------------------------------

SURVEY_ORDER = (
    "type",
    "name",
    "label",
    "hint",
    "required",
    "relevant",
    "appearance",
    "constraint",
    "parameters",
    "kind",
)
CHOICES_ORDER = ("list_name", "name", "label", *SCALE_COLUMNS, "description")


class _Sheets:
    """The sheets being written (``XlsOut`` for the question types)."""

    def __init__(self, languages: list[str]):
        self.languages = languages
        self.survey: list[dict[str, t.Any]] = []
        self.choice_rows: list[dict[str, t.Any]] = []

    def common(self, question: t.Any) -> dict[str, t.Any]:
        raw = question.raw
        return {
            "name": question.item,
            "label": raw.get("text"),
            "hint": raw.get("help"),
            "required": raw.get("required"),
            "relevant": format_relevant(raw.get("show_if")),
            "kind": question.name,
        }

    def question(self, question: t.Any, xls_type: str, **columns: t.Any) -> None:
        self.survey.append({"type": xls_type, **self.common(question), **columns})

    def row(self, **columns: t.Any) -> None:
        self.survey.append(columns)

    def choices(self, list_name: str, rows: list[dict[str, t.Any]]) -> str:
        self.choice_rows += [{"list_name": list_name, **row} for row in rows]
        return list_name


def language_column(column: str, code: str) -> str:
    return f"{column}::{LANGUAGE_NAMES.get(code, code)} ({code})"


def _cells(rows: list[dict[str, t.Any]], order: tuple[str, ...]) -> list[list[str]]:
    """Rows of values as a header and rows of text: translated texts spread over one
    column per language."""
    flat: list[dict[str, str]] = []
    for row in rows:
        out: dict[str, str] = {}
        for column, value in row.items():
            if value is None:
                continue
            if isinstance(value, dict):
                for code, text in value.items():
                    out[language_column(column, code)] = text
            else:
                out[column] = cell(value)
        flat.append(out)
    seen: list[str] = []
    for row in flat:
        seen += [c for c in row if c not in seen]
    rank = {c: i for i, c in enumerate(order)}
    header = sorted(seen, key=lambda c: (rank.get(c.split("::")[0], len(order)), seen.index(c)))
    return [header] + [[row.get(c, "") for c in header] for row in flat]


def sheets_of(definition: SurveyDefinition) -> dict[str, list[list[str]]]:
    """A definition as the three sheets of an XLSForm (header row first)."""
    data = definition.data
    out = _Sheets(definition.languages)
    for (page, questions), raw_page in zip(definition.pages, data["pages"], strict=True):
        out.row(
            type="begin group",
            name=page.id,
            label=raw_page.get("title"),
            hint=raw_page.get("intro"),
            relevant=format_relevant(raw_page.get("show_if")),
            appearance="field-list",
        )
        for question in questions:
            question.to_xlsform(out)
        out.row(type="end group")
    for name, scale in (data.get("scales") or {}).items():
        neutral = scale.get("neutral")
        out.choices(
            name,
            [
                {
                    "name": code_cell(option.get("value")),
                    "label": option.get("label"),
                    "score": option.get("score"),
                    "excluded": option.get("excluded"),
                    "favourable": mark,
                    "neutral": True
                    if neutral is not None and str(neutral) == str(option.get("value"))
                    else None,
                }
                for option, mark in zip(scale["options"], _favourable_cells(scale), strict=True)
            ],
        )
    out.choices(
        CODEBOOK_LIST,
        [
            {
                "name": theme.get("code"),
                "label": theme.get("label"),
                "description": theme.get("description"),
            }
            for theme in data.get("codebook") or []
        ],
    )
    first = definition.languages[0]
    settings: dict[str, t.Any] = {
        "form_id": data.get("id"),
        "form_title": data.get("title"),
        "default_language": f"{LANGUAGE_NAMES.get(first, first)} ({first})",
        "languages": " ".join(data.get("languages") or []),
        "audiences": " ".join(data.get("audiences") or []),
    }
    for key in ("mode", "anonymous", "estimated_minutes"):
        settings[key] = data.get(key)
    for key in NONE_SETTINGS:
        if key in data and not data[key]:
            settings[key] = "none"
    for column, key in SETTINGS_TEXTS.items():
        if column != "form_title":
            settings[column] = data.get(key)
    return {
        "survey": _cells(out.survey, SURVEY_ORDER),
        "choices": _cells(out.choice_rows, CHOICES_ORDER)
        if out.choice_rows
        else [["list_name", "name", "label"]],
        "settings": _cells([settings], SETTINGS),
    }


def _favourable_cells(scale: dict[str, t.Any]) -> list[t.Any]:
    """Each option's favourable cell: yes on the favourable ones; their places 1, 2, ...
    when the definition lists them in another order than the choices'; no on every
    option when it says none are (``favourable: []``); nothing when it does not say."""
    if "favourable" not in scale:
        return [None for _ in scale["options"]]
    listed = [str(v) for v in scale["favourable"]]
    codes = [str(option.get("value")) for option in scale["options"]]
    if not listed:
        return [False for _ in codes]
    in_order = [c for c in codes if c in listed] == listed
    return [
        (True if in_order else listed.index(code) + 1) if code in listed else None for code in codes
    ]


def to_xlsx(definition: SurveyDefinition) -> bytes:
    """A definition as an .xlsx workbook; every cell is text (none a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    for title, rows in sheets_of(definition).items():
        sheet = book.create_sheet(title)
        for values in rows:
            cells = []
            for value in values:
                written = WriteOnlyCell(sheet, value=value or None)
                if value:
                    written.data_type = "s"  # "=..." stays text, never a formula
                cells.append(written)
            sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_markdown(definition: SurveyDefinition) -> str:
    """A definition as the Markdown tables pyxform reads (for tests and reading)."""
    lines = []
    for title, rows in sheets_of(definition).items():
        lines.append(f"| {title} |")
        for values in rows:
            escaped = [v.replace("|", "\\|").replace("\n", " ") for v in values]
            lines.append("| | " + " | ".join(escaped) + " |")
    return "\n".join(lines) + "\n"
