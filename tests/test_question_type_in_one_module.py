"""A question type is one module (plus its template): a new type, written here and
registered only for these tests, is asked, validated, stored, exported, summarised,
given demo answers and asked offline in interviews without any other file of the
application knowing its name.

Its respondent markup is ``tests/fixtures/templates/respond/questions/traffic_light.html``,
which the app finds through one extra template folder, as a deployment adding a type
would put its template beside the others.
"""

from __future__ import annotations

import csv
import io
import json
import typing as t
import uuid
from collections.abc import Iterator

import jinja2
import pytest
import sqlalchemy as sa

from app.definitions import DefinitionError, load_text, xlsform
from app.definitions.schema import QuestionBase, ScaleOption
from app.definitions.types import (
    N_,
    REGISTRY,
    AnswerRow,
    DemoAnswers,
    FieldError,
    OptionLabel,
    QuestionType,
    Scoring,
)
from app.definitions.types._xlsform import XlsOut, XlsRow
from app.demo import generate
from app.models import Answer, Link, Role, User
from reports import build_report
from tests import factories
from tests.conftest import FIXTURES
from tests.factories import database
from tests.respond.helpers import Respondent, compile_translations

# --- the new type: everything it needs, in one place ----------------------------------


class TrafficLightModel(QuestionBase):
    pass


# Code, the interface's word for it, score.
COLOURS = (
    ("green", N_("On track"), 3.0),
    ("amber", N_("Some concerns"), 2.0),
    ("red", N_("Off track"), 1.0),
)


class TrafficLight(QuestionType):
    """How something is going, as a traffic light. Value: the colour's code."""

    name = "traffic_light"
    model = TrafficLightModel
    summary_kind = "scored"

    def chooses(self, field: str) -> bool:
        return field == self.item

    def required_message(self, field: str) -> str:
        return N_("Pick a colour.")

    def error_text(self, code: str) -> str | None:
        return N_("Pick %(colours)s.") if code == "not_a_colour" else None

    def option_labels(self) -> list[OptionLabel]:
        return [OptionLabel(code, None, word) for code, word, _score in COLOURS]

    def parse_text(self, raw: str) -> tuple[t.Any, list[FieldError]]:
        if raw not in {code for code, _word, _score in COLOURS}:
            colours = ", ".join(code for code, _word, _score in COLOURS)
            return None, [FieldError(self.item, "not_a_colour", {"colours": colours})]
        return raw, []

    def answer_rows(self, value: t.Any) -> list[AnswerRow]:
        if value is None:
            return []
        score = next(s for code, _word, s in COLOURS if code == value)
        return [AnswerRow(self.item, choice=value, value_num=score)]

    def scoring(self, item_id: str | None = None) -> Scoring:
        options = tuple(ScaleOption(value=c, label=w, score=s) for c, w, s in COLOURS)
        return Scoring(
            options=options,
            favourable=frozenset({"green"}),
            excluded=frozenset(),
            neutral="amber",
            reverse=False,
        )

    def demo_value(self, demo: DemoAnswers) -> t.Any:
        return demo.scale(self, self.item)

    # In an XLSForm: a select_one of its own list of the three colours (``kind`` says
    # it is a traffic light rather than a single choice).
    xlsform_types = frozenset({"select_one"})

    @classmethod
    def from_xlsform(cls, row: XlsRow) -> dict[str, t.Any]:
        if [c.name for c in row.choices()] != [code for code, _word, _score in COLOURS]:
            row.problem("a traffic light's choices are green, amber and red")
        return {}

    def xlsform_type(self) -> str:
        return f"select_one {self.item}"

    def xlsform_columns(self, out: XlsOut) -> dict[str, t.Any]:
        # The words are the interface's, translated where shown: the list has codes only.
        out.choices(self.item, [{"name": code} for code, _word, _score in COLOURS])
        return {}


# --- the tests --------------------------------------------------------------------------

SURVEY = """\
id: term-check
title: {en: How is the term going?, es: ¿Cómo va el trimestre?}
audiences: [family]
languages: [en, es]
pages:
  - id: p1
    questions:
      - item: term.progress
        type: traffic_light
        required: true
        text: {en: How is your child's support going?, es: ¿Cómo va el apoyo a su hijo?}
      - item: term.note
        type: short_text
        text: {en: Anything to add?, es: ¿Algo más?}
"""
# The same questions as an interview, which may be taken offline: consent first.
INTERVIEW = SURVEY.replace("id: term-check", "id: term-interview").replace(
    "pages:\n  - id: p1\n    questions:\n",
    """mode: interview
pages:
  - id: p1
    questions:
      - item: term.consent
        type: consent
        text: {en: Do you agree to talk with us?, es: ¿Acepta hablar con nosotros?}
        agree_label: {en: They agree, es: Acepta}
""",
)
TEMPLATES = FIXTURES / "templates"


@pytest.fixture
def traffic_light() -> Iterator[type[QuestionType]]:
    """The type registered for one test only (the example survey must keep using every
    built-in type and nothing else)."""
    assert TrafficLight.name not in REGISTRY
    REGISTRY[TrafficLight.name] = TrafficLight
    yield TrafficLight
    del REGISTRY[TrafficLight.name]


@pytest.fixture
def app(app, traffic_light):  # type: ignore[no-untyped-def]
    app.jinja_loader = jinja2.ChoiceLoader(
        [app.jinja_loader, jinja2.FileSystemLoader(str(TEMPLATES))]
    )
    compile_translations()
    return app


@pytest.fixture
def term_link(app) -> str:  # type: ignore[no-untyped-def]
    with database(app) as session:
        survey = factories.store_survey(session, SURVEY, "term-check.yaml")
        link = factories.link(session, survey, factories.wave(session))
        token = link.token
        session.commit()
    return token


def stored_answers(app) -> list[tuple[str, str | None, float | None]]:  # type: ignore[no-untyped-def]
    with database(app) as session:
        return [
            tuple(row)
            for row in session.execute(
                sa.select(Answer.item_id, Answer.choice, Answer.value_num).order_by(Answer.id)
            )
        ]


def test_new_type_is_asked_with_its_own_words(client, term_link):  # type: ignore[no-untyped-def]
    person = Respondent(client, term_link)
    page = person.open("es")
    assert page.status_code == 200
    options = person.form.inputs["term.progress"]
    assert [(o["type"], o["value"], o["id"]) for o in options] == [
        ("radio", "green", "f-term_progress-0"),
        ("radio", "amber", "f-term_progress-1"),
        ("radio", "red", "f-term_progress-2"),
    ]
    assert "¿Cómo va el apoyo a su hijo?" in person.text
    for _code, word, _score in COLOURS:
        assert f'<span class="option-label">{word}</span>' in person.text


def test_new_type_is_validated_with_its_own_message(app, client, term_link):  # type: ignore[no-untyped-def]
    person = Respondent(client, term_link)
    person.open("en")
    refused = person.press("submit", {})
    assert refused.status_code == 422
    # The error summary links to the first colour, and says what the type says.
    assert 'href="#f-term_progress-0"' in person.text
    assert "Pick a colour." in person.text
    assert "f-term_progress-0" in person.form.ids
    person.press("submit", {"term.progress": "purple"})
    assert person.response.status_code == 422
    assert "Pick green, amber, red." in person.text
    assert stored_answers(app) == []


def test_new_type_is_stored_as_long_rows(app, client, term_link):  # type: ignore[no-untyped-def]
    person = Respondent(client, term_link)
    person.open("en")
    sent = person.press("submit", {"term.progress": "amber", "term.note": "Fine"})
    assert sent.status_code == 303
    assert stored_answers(app) == [("term.progress", "amber", 2.0), ("term.note", None, None)]


def _coordinator_client(app, client):  # type: ignore[no-untyped-def]
    with database(app) as session:
        user = User(
            email="coord@example.org",
            password_hash="unused",
            role=Role.COORDINATOR,
            session_token="test-coordinator",
        )
        session.add(user)
        session.commit()
    with client.session_transaction() as cookie_session:
        cookie_session["_user_id"] = "test-coordinator"
        cookie_session["_fresh"] = True
    return client


def test_new_type_is_shown_and_exported_by_label_and_by_code(app, client, term_link):  # type: ignore[no-untyped-def]
    with database(app) as session:
        link = session.scalars(sa.select(Link)).one()
        factories.submit(session, link, {"term.progress": "green"})
        second = factories.submit(session, link, {"term.progress": "red", "term.note": "Slow"})
        second_id = second.id
        session.commit()
    coordinator = _coordinator_client(app, client)
    page = coordinator.get(f"/admin/responses/{second_id}")
    assert page.status_code == 200
    assert "Off track" in page.get_data(as_text=True)

    def column(values: str) -> list[str]:
        response = coordinator.get(f"/admin/exports?survey=term-check&values={values}&format=csv")
        assert response.status_code == 200, response.status_code
        text = response.get_data(as_text=True)
        response.close()
        return [row["term.progress"] for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))]

    assert column("labels") == ["On track", "Off track"]
    assert column("codes") == ["green", "red"]


def test_new_type_is_summarised_as_a_scored_item(app, term_link):  # type: ignore[no-untyped-def]
    with database(app) as session:
        link = session.scalars(sa.select(Link)).one()
        for colour, n in (("green", 6), ("amber", 4), ("red", 2)):
            for _ in range(n):
                factories.submit(session, link, {"term.progress": colour})
        session.flush()
        wave_name = link.wave.name
        report = build_report(session, "term-check", wave_name)
    section = next(s for s in report.sections if s.survey_slug == "term-check")
    item = section.item("term.progress")
    assert item.n.value == 12
    assert [(o.code, o.label, o.count.value) for o in item.options] == [
        ("green", "On track", 6),
        ("amber", "Some concerns", 4),
        ("red", "Off track", 2),
    ]
    assert item.percent_favourable.value == pytest.approx(50.0)  # 6 of 12
    assert item.mean.value == pytest.approx((6 * 3 + 4 * 2 + 2 * 1) / 12)
    question = next(q for q in section.questions if q.item == "term.progress")
    assert question.kind == "scored" and question.scale == "traffic_light"


def test_new_type_is_given_demo_answers(app, term_link):  # type: ignore[no-untyped-def]
    with database(app) as session:
        generate(session, 80, seed=2)
        session.flush()
        given = session.execute(
            sa.select(Answer.choice, Answer.value_num).where(Answer.item_id == "term.progress")
        ).all()
    scores = {code: score for code, _word, score in COLOURS}
    # Required, so every demo respondent of the survey answers it, with a real colour
    # stored as the type stores it; the group's leaning spreads them over the colours.
    assert len(given) > 10
    assert all(choice in scores and value == scores[choice] for choice, value in given)
    assert len({choice for choice, _value in given}) >= 2


def test_new_type_is_checked_offline_and_its_record_stored_later(app, client):  # type: ignore[no-untyped-def]
    with database(app) as session:
        survey = factories.store_survey(session, INTERVIEW, "term-interview.yaml")
        token = factories.link(session, survey, factories.wave(session)).token
        session.commit()
    data = client.get(f"/s/{token}/offline.json").get_json()
    questions = {q["item"]: q for q in data["pages"][0]["questions"]}
    # The offline page checks what the type says: here, only that it is answered.
    assert questions["term.progress"]["checks"] == {
        "fields": ["term.progress"],
        "required": True,
        "consent": False,
    }
    for language in ("en", "es"):
        page = data["texts"][language]["pages"][0]
        assert page["messages"]["term.progress"] == {
            "term.progress": {"required": "Pick a colour."}
        }
        places = page["fields"]["term.progress"]["fields"]["term.progress"]
        assert places["target"] == "f-term_progress-0"
        assert 'value="amber"' in page["html"]
        assert data["mark"].format("term.progress") in page["marked"]

    # The record is checked on the server as the online post is, by the type's parse.
    def send(colour: str):  # type: ignore[no-untyped-def]
        csrf = client.get(f"/s/{token}/offline/token").get_json()["csrf_token"]
        fields = [["term.consent", "given"], ["term.progress", colour]]
        taken = {"uuid": str(uuid.uuid4()), "version": data["version"], "fields": fields}
        return client.post(
            f"/s/{token}/records", data={"csrf_token": csrf, "record": json.dumps(taken)}
        )

    refused = send("purple")
    assert refused.status_code == 422
    assert "Pick green, amber, red." in refused.get_json()["reason"]
    assert stored_answers(app) == []
    assert send("green").status_code == 201
    assert stored_answers(app) == [("term.consent", "given", None), ("term.progress", "green", 3.0)]


def test_new_type_goes_through_an_xlsform_and_back(traffic_light):  # type: ignore[no-untyped-def]
    survey = load_text(SURVEY, "term-check.yaml")
    workbook = xlsform.to_xlsx(survey)
    sheets = xlsform.sheets_of(survey)
    header, *rows = sheets["survey"]
    row = dict(zip(header, next(r for r in rows if "term.progress" in r), strict=True))
    assert row["type"] == "select_one term.progress" and row["kind"] == "traffic_light"
    assert xlsform.load_bytes(workbook, "term-check.xlsx").definition.sha256 == survey.sha256
    # Its own check of its row, named by sheet and row.
    wrong = xlsform.to_markdown(survey).replace(
        "| term.progress | red |", "| term.progress | blue |"
    )
    with pytest.raises(DefinitionError) as caught:
        xlsform.load_bytes(wrong.encode(), "term-check.md")
    assert "term-check.md:survey:3: a traffic light's choices are green, amber and red" in [
        str(p) for p in caught.value.problems
    ]
