"""Reading survey pages the way a browser does: the form's fields and its action."""

from __future__ import annotations

import datetime as dt
import html.parser
from pathlib import Path

import sqlalchemy as sa
from babel.messages import mofile, pofile

from app.admin.services.links import create_link
from app.models import Link, Survey, Wave
from tests.factories import database, store_survey

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"


def compile_translations() -> None:
    """Build the .mo catalogues from the committed .po files when missing or stale
    (``make translations`` does the same), so a fresh clone's tests speak Spanish."""
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = pofile.read_po(handle)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as handle:
            mofile.write_mo(handle, catalog)
        tmp.replace(mo_path)


class FormReader(html.parser.HTMLParser):
    """Collects the survey form: its action and what a browser would send by default."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: list[tuple[str, str]] = []
        self.inputs: dict[str, list[dict[str, str]]] = {}
        self.textareas: dict[str, str] = {}
        self._textarea: str | None = None
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "form" and a.get("id") == "survey-form":
            self.action = a.get("action")
        if tag == "input" and "name" in a:
            self.inputs.setdefault(a["name"], []).append(a)
            kind = a.get("type", "text")
            if kind == "hidden" or (kind in {"radio", "checkbox"} and "checked" in a):
                self.fields.append((a["name"], a.get("value", "")))
            elif kind not in {"radio", "checkbox", "submit"} and a.get("value"):
                self.fields.append((a["name"], a["value"]))
        if tag == "textarea":
            self._textarea = a.get("name")
            self.textareas[a.get("name", "")] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.textareas[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None:
            if self.textareas[self._textarea]:
                self.fields.append((self._textarea, self.textareas[self._textarea]))
            self._textarea = None


def read_form(body: str) -> FormReader:
    reader = FormReader()
    reader.feed(body)
    return reader


class Respondent:
    """A person answering through the test client: keeps the page's hidden fields,
    replaces the answers they give, and presses a button."""

    def __init__(self, client, token: str) -> None:  # type: ignore[no-untyped-def]
        self.client = client
        self.token = token
        self.response = None
        self.form: FormReader | None = None

    def open(self, lang: str | None = None, **kwargs):  # type: ignore[no-untyped-def]
        url = f"/s/{self.token}" + (f"?lang={lang}" if lang else "")
        return self._read(self.client.get(url, **kwargs))

    def _read(self, response):  # type: ignore[no-untyped-def]
        self.response = response
        self.form = read_form(response.get_data(as_text=True))
        return response

    @property
    def text(self) -> str:
        return self.response.get_data(as_text=True)

    def field(self, name: str) -> list[str]:
        return [v for k, v in self.form.fields if k == name]

    def press(self, button: str = "next", answers: dict | None = None, **overrides):  # type: ignore[no-untyped-def]
        """Post the current form with ``answers`` replacing the fields they name."""
        answers = answers or {}
        data = [(k, v) for k, v in self.form.fields if k not in answers]
        for name, value in answers.items():
            for v in value if isinstance(value, list) else [value]:
                data.append((name, v))
        name, _, value = button.partition("=")
        data.append((name, value) if value else ("nav", name))
        data = [(k, v) for k, v in data if k not in overrides] + list(overrides.items())
        self.last_post = _multi(data)
        self.previous_form = self.form
        return self._read(self.client.post(self.form.action, data=self.last_post))

    def history_back(self) -> None:
        """The browser's Back button: the page before the last post, as it was."""
        self.form = self.previous_form


def _multi(pairs):  # type: ignore[no-untyped-def]
    from werkzeug.datastructures import MultiDict

    return MultiDict(pairs)


def open_link(
    session, survey: Survey, audience: str = "family", wave_name: str = "Current review", **wave
) -> Link:  # type: ignore[no-untyped-def]
    today = dt.date.today()
    chosen_wave = session.scalar(sa.select(Wave).where(Wave.name == wave_name))
    if chosen_wave is None:
        chosen_wave = Wave(
            name=wave_name,
            opens_on=wave.get("opens_on", today - dt.timedelta(days=7)),
            closes_on=wave.get("closes_on", today + dt.timedelta(days=21)),
            is_open=wave.get("is_open", True),
        )
        session.add(chosen_wave)
        session.flush()
    return create_link(session, survey, chosen_wave, audience)


def stored_link(app, path: Path, audience: str = "family", **wave) -> Link:  # type: ignore[no-untyped-def]
    """An open link to the survey in ``path``, stored in a short application context of
    its own; the link's columns can still be read after it ends."""
    with database(app) as session:
        link = open_link(session, store_survey(session, path), audience, **wave)
        session.commit()
        session.refresh(link)
        session.expunge(link)
        return link


def update(app, model: type, ident: int, **values) -> None:  # type: ignore[no-untyped-def]
    """Set columns of one row and commit, in a short application context of its own."""
    with database(app) as session:
        row = session.get(model, ident)
        for name, value in values.items():
            setattr(row, name, value)
        session.commit()
