"""Survey pages: links, every question type's markup, pages, errors, language."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from app.models import Link, Wave
from app.respond.presenter import with_phone_links
from tests.conftest import ROOT
from tests.respond.helpers import Respondent, read_form, stored_link, update

BRANCHING = Path(__file__).parent / "fixtures" / "branching.yaml"
FAMILY = ROOT / "surveys" / "family-feedback.yaml"
INTERVIEW = ROOT / "surveys" / "community-interview.yaml"


@pytest.fixture
def branching_link(app):  # type: ignore[no-untyped-def]
    return stored_link(app, BRANCHING)


def test_unknown_link_is_a_friendly_404_in_the_person_language(client):
    response = client.get("/s/no-such-token", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert '<html lang="es">' in body
    assert "No encontramos esta encuesta" in body


def test_closed_link_is_a_friendly_410(client, app, example_link):
    update(app, Link, example_link.id, is_open=False)
    response = client.get(f"/s/{example_link.token}?lang=es")
    assert response.status_code == 410
    assert "Esta encuesta está cerrada" in response.get_data(as_text=True)
    response = client.get(f"/s/{example_link.token}", headers={"Accept-Language": "en"})
    assert "This survey is closed" in response.get_data(as_text=True)


def test_link_of_a_closed_wave_or_past_its_dates_is_closed(client, app, example_link):
    today = dt.date.today()
    past = {"opens_on": today - dt.timedelta(days=30), "closes_on": today - dt.timedelta(days=3)}
    update(app, Wave, example_link.wave_id, **past)
    assert client.get(f"/s/{example_link.token}").status_code == 410
    update(app, Wave, example_link.wave_id, closes_on=today + dt.timedelta(days=3), is_open=False)
    assert client.get(f"/s/{example_link.token}").status_code == 410


def test_link_before_its_wave_opens_says_when(client, app, example_link):
    today = dt.date.today()
    later = {"opens_on": today + dt.timedelta(days=10), "closes_on": today + dt.timedelta(days=40)}
    update(app, Wave, example_link.wave_id, **later)
    response = client.get(f"/s/{example_link.token}?lang=en")
    assert response.status_code == 403
    assert "not open yet" in response.get_data(as_text=True)


def test_language_comes_from_accept_language_then_the_lang_parameter(client, example_link):
    url = f"/s/{example_link.token}"
    body = client.get(url, headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="es">' in body and "Opiniones de ejemplo" in body and "Siguiente" in body
    body = client.get(url, headers={"Accept-Language": "fr, en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="en">' in body and "Example feedback" in body and "Next" in body
    body = client.get(url + "?lang=es", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="es">' in body
    # A language the survey doesn't offer falls back to the browser's choice.
    body = client.get(url + "?lang=xx", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in body


def test_every_input_has_a_label_and_help_is_tied_to_its_question(respondent):
    pages = [respondent.open("en").get_data(as_text=True)]
    respondent.press("next", {"uses_services": "yes"})
    pages.append(respondent.text)
    for body in pages:
        labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', body))
        inputs = re.findall(r"<(?:input|textarea)([^>]*)>", body)
        for attrs in inputs:
            if 'type="hidden"' in attrs or 'type="submit"' in attrs:
                continue
            input_id = re.search(r'id="([^"]+)"', attrs).group(1)
            assert input_id in labelled, attrs
    views = pages[1]
    # Help text: the likert item's fieldset points at it.
    assert 'aria-describedby="f-help_know_where-help"' in views
    assert 'id="f-help_know_where-help"' in views
    # Choice questions are fieldsets whose legend is the question.
    assert re.search(r"<fieldset[^>]*>\s*<legend[^>]*>I know where to get help", views)
    # The likert group: one fieldset per statement, legend = statement.
    assert re.search(r"<fieldset class=\"likert-row\"[^>]*>\s*<legend>The referral process", views)
    # Every type is on these two pages.
    for kind in [
        "statement", "yes_no", "multiple_choice", "single_choice", "likert", "likert_group",
        "rating", "number", "date", "short_text", "long_text", "consent",
    ]:  # fmt: skip
        assert f"question-{kind}" in pages[0] + views, kind


def test_next_and_back_keep_answers_without_a_session(respondent):
    respondent.open("en")
    respondent.press("next", {"uses_services": "yes", "services_used": ["clinic"]})
    assert "Your views" in respondent.text
    long_text = "Evening meetings, please. " * 60
    respondent.press("back", {"help.know_where": "4", "comments": long_text})
    # Page 1 again, its answers checked, page 2's carried as hidden fields.
    assert respondent.field("uses_services") == ["yes"]
    assert respondent.field("services_used") == ["clinic"]
    assert respondent.field("comments") == [long_text]
    respondent.press("next")
    assert respondent.field("help.know_where") == ["4"]
    assert respondent.form.textareas["comments"].strip() == long_text.strip()


def test_errors_come_back_with_answers_and_a_linked_summary(respondent):
    respondent.open("en")
    respondent.press("next", {"uses_services": "yes"})
    response = respondent.press(
        "next", {"children": "99", "one_word": "x" * 41, "overall": "4", "first_contact": "soon"}
    )
    assert response.status_code == 422
    body = respondent.text
    assert "<title>Error:" in body
    summary = body[body.index('class="error-summary"') : body.index("</ul>")]
    targets = re.findall(r'href="#([^"]+)"', summary)
    assert len(targets) == 4  # required likert, number, date, short text
    for target in targets:
        assert f'id="{target}"' in body
    assert "Enter a number from 0 to 15." in body
    assert "Use 40 characters or fewer." in body
    assert "Enter a date as year-month-day" in body
    assert "I know where to get help for my child. Choose an answer." in summary
    # The answers typed are still there, and the fields say they are wrong.
    assert respondent.field("children") == ["99"]
    assert respondent.field("overall") == ["4"]
    assert re.search(r'id="f-children"[^>]*aria-describedby="[^"]*f-children-error', body)
    assert re.search(r'id="f-children"[^>]*aria-invalid="true"', body)


def test_errors_are_in_spanish_on_a_spanish_page(respondent):
    respondent.open("es")
    respondent.press("next", {"uses_services": "yes"})
    respondent.press("next", {"children": "2,5", "help.know_where": "9"})
    assert "Escriba un número entero" in respondent.text
    assert "Elija una de las respuestas que se muestran." in respondent.text
    assert "Hay problemas con 2 respuestas" in respondent.text


def test_unknown_choice_and_other_without_text_are_refused(respondent):
    respondent.open("en")
    respondent.press(
        "next", {"uses_services": "yes", "contact_channel": "fax", "services_used": "other"}
    )
    assert respondent.response.status_code == 422
    assert "Choose one of the answers shown." in respondent.text
    assert "Write your other answer" in respondent.text


def test_language_switch_keeps_the_page_and_its_answers(respondent):
    respondent.open("en")
    respondent.press("next", {"uses_services": "yes"})
    respondent.press("_switch_lang=es", {"one_word": "Amable", "overall": "5"})
    assert '<html lang="es">' in respondent.text
    assert "Sus opiniones" in respondent.text
    assert respondent.field("one_word") == ["Amable"]
    assert respondent.field("overall") == ["5"]
    # The form posts to the Spanish page from now on (errors and 413 pages included).
    assert respondent.form.action.endswith("lang=es")


def test_page_conditions_skip_a_page_and_progress_counts_shown_pages(client, branching_link):
    person = Respondent(client, branching_link.token)
    person.open("en")
    # Progress counts the pages shown for the answers given so far.
    assert "Page 1 of 2" in person.text
    person.press("next", {"in_program": "no", "why_not": "Too far away"})
    assert "Anything else" in person.text and "Page 2 of 2" in person.text
    person.press("back")
    assert "About you" in person.text
    person.press("next", {"in_program": "yes"})
    assert "The programme" in person.text and "Page 2 of 3" in person.text


def test_a_question_shown_by_an_answer_on_its_page_carries_its_condition(respondent):
    body = respondent.open("en").get_data(as_text=True)
    match = re.search(r'id="f-services_used-q"[^>]*', body)
    assert 'data-show-if=\'{"equals": "yes", "question": "uses_services"}\'' in match.group(0)
    assert "data-hidden-at-load" in match.group(0)


def test_pages_make_no_third_party_requests(respondent):
    body = respondent.open("en").get_data(as_text=True)
    urls = re.findall(r'(?:src|href|action)="([^"]+)"', body)
    assert urls
    assert all(u.startswith(("/", "#")) for u in urls), urls
    # Content-Security-Policy ready: no inline script, style or event handler.
    assert "<script>" not in body and "style=" not in body
    assert not re.search(r"<[^>]*\son[a-z]+=", body)


def test_form_reader_sees_the_submission_uuid(respondent):
    respondent.open("en")
    assert re.fullmatch(r"[0-9a-f-]{36}", respondent.field("_uuid")[0])
    assert read_form(respondent.text).action.startswith(f"/s/{respondent.token}")


def test_resume_shows_the_asked_page_without_checking_it(respondent):
    """The page script brings a reloaded page back by posting the device's draft with
    nav=resume: the page it names comes back as it was, no answer checked yet."""
    respondent.open("en")
    response = respondent.press("resume", {"comments": "Evening meetings"}, _page="1")
    assert response.status_code == 200
    assert "Your views" in respondent.text
    assert "error-summary" not in respondent.text  # the required likert is not asked yet
    assert respondent.form.textareas["comments"] == "Evening meetings"
    # A page past the end is the last shown one.
    respondent.press("resume", _page="7")
    assert respondent.field("_page") == ["1"]


def _note(body: str, item: str) -> str | None:
    question = re.search(
        rf'id="f-{item}-q".*?(?=<div class="question |<div class="nav-buttons)', body, re.S
    )
    note = re.search(
        r'<p class="help condition-note" id="([^"]+)"[^>]*>([^<]*)</p>', question.group(0)
    )
    if note is None:
        return None
    assert f'aria-describedby="{note.group(1)}' in question.group(0) or re.search(
        rf'aria-describedby="[^"]*{note.group(1)}', question.group(0)
    )
    return note.group(2)


def test_a_follow_up_on_the_same_page_says_when_to_answer_it(respondent, client, app):
    """Without the script a follow-up stays on screen: it says which answers it is for,
    so nobody fills in what would be dropped. The note is tied to the question."""
    body = respondent.open("en").get_data(as_text=True)
    assert _note(body, "services_used") == "Answer this if you chose “Yes” above."
    assert _note(body, "contact_channel") is None  # shown to everyone
    body = respondent.open("es").get_data(as_text=True)
    assert _note(body, "services_used") == "Conteste esto si eligió «Sí» arriba."
    respondent.press("next", {"uses_services": "no"})
    # any: [...], not: ... - said in general words.
    assert _note(respondent.text, "comments") == (
        "Conteste esto solo si le corresponde, según sus respuestas anteriores."
    )
    family = Respondent(client, stored_link(app, FAMILY).token)
    family.open("es")
    for _ in range(3):
        family.press("next")
    assert _note(family.text, "services_which_used") == "Conteste esto si eligió «Sí» arriba."


def test_notes_name_answers_and_questions_in_the_persons_words(client, app, tmp_path):
    path = tmp_path / "notes.yaml"
    path.write_text(NOTES)
    person = Respondent(client, stored_link(app, path).token)
    body = person.open("en").get_data(as_text=True)
    assert _note(body, "b") == "Answer this if you chose “Often” or “Always” above."
    assert _note(body, "c") == "Answer this unless you chose “Never” above."
    assert _note(body, "d") == "Answer this if you answered “How often?” above."
    assert _note(body, "e") == "Answer this if you left “How often?” unanswered above."
    body = person.open("es").get_data(as_text=True)
    assert _note(body, "b") == "Conteste esto si eligió «A menudo» o «Siempre» arriba."


def test_an_interviewer_is_told_what_to_ask(client, app):
    person = Respondent(client, stored_link(app, INTERVIEW, audience="student").token)
    body = person.open("es").get_data(as_text=True)
    assert _note(body, "consent_parent_permission") == "Pregunta esto si se eligió «Sí» arriba."


NOTES = """\
id: notes
title: {en: Notes, es: Notas}
audiences: [family]
languages: [en, es]
pages:
  - id: p
    questions:
      - item: a
        type: single_choice
        text: {en: How often? Choose one., es: ¿Con qué frecuencia? Elija una.}
        options:
          - {value: never, label: {en: Never, es: Nunca}}
          - {value: often, label: {en: Often, es: A menudo}}
          - {value: always, label: {en: Always, es: Siempre}}
      - item: b
        type: short_text
        text: {en: B, es: B}
        show_if: {question: a, one_of: [often, always]}
      - item: c
        type: short_text
        text: {en: C, es: C}
        show_if: {not: {question: a, equals: never}}
      - item: d
        type: short_text
        text: {en: D, es: D}
        show_if: {question: a, answered: true}
      - item: e
        type: short_text
        text: {en: E, es: E}
        show_if: {question: a, answered: false}
"""


def test_help_that_the_question_already_gives_is_not_shown_again(client, app):
    family = Respondent(client, stored_link(app, FAMILY).token)
    body = family.open("es").get_data(as_text=True)
    # Two questions end with this instruction: it is said in each, and only there.
    assert body.count("Elija todas las opciones que correspondan.") == 2
    assert not re.search(r'<p class="help"[^>]*>Elija todas las opciones', body)
    assert 'id="f-family_child_grades-hint"' not in body
    for _ in range(4):
        family.press("next")
    assert family.text.count("Elija hasta 2.") == 1  # in the question only
    # ...while the comment boxes, whose text says nothing of a limit, still get it.
    assert "Hasta 2.000 caracteres." in family.text


def test_an_error_does_not_repeat_the_questions_own_instruction(client, app):
    family = Respondent(client, stored_link(app, FAMILY).token)
    family.open("es")
    for _ in range(4):
        family.press("next")
    family.press("submit", {"family.preferred_contact": ["text", "email", "paper"]})
    assert family.response.status_code == 422
    summary = re.search(r'<div class="error-summary".*?</ul>', family.text, re.S).group(0)
    (link,) = re.findall(r'<a href="#[^"]+">([^<]+)</a>', summary)
    assert link == (
        "¿Cómo le gustaría recibir información sobre el apoyo para los estudiantes? "
        "Elija como máximo 2 respuestas."
    )


def test_phone_numbers_in_the_support_message_are_tap_to_call_links(respondent, client, app):
    body = client.get(f"/s/{respondent.token}/thanks?lang=en").get_data(as_text=True)
    assert 'call the school counselor at <a href="tel:5550100">555-0100</a>.' in body
    family = stored_link(app, FAMILY)
    body = client.get(f"/s/{family.token}/thanks?lang=es").get_data(as_text=True)
    assert 'llame al <a href="tel:911">911</a>.' in body
    assert body.count('<a href="tel:988">988</a>') == 2
    assert "marque 2 al llamar" in body  # a digit that is not a number to call


@pytest.mark.parametrize(
    ("text", "linked"),
    [
        ("Call 911 now.", ["911"]),
        ("Text HOME to 741741 or call 988.", ["988"]),
        (
            "Call 1-800-273-8255, (555) 123-4567 or 555.123.4567.",
            ["1-800-273-8255", "(555) 123-4567", "555.123.4567"],
        ),
        ("Room 1911, 2026-03-25, 9880, 211b, press 2.", []),
        ("Dial 211; 311 for the city.", ["211", "311"]),
    ],
)
def test_phone_numbers_are_found_and_nothing_else(text, linked):
    html = str(with_phone_links(text))
    assert re.findall(r'<a href="tel:\+?\d+">([^<]+)</a>', html) == linked


def test_support_message_markup_is_escaped_around_the_links():
    html = str(with_phone_links('<b>"911"</b> & 988'))
    assert (
        html
        == '&lt;b&gt;&#34;<a href="tel:911">911</a>&#34;&lt;/b&gt; &amp; <a href="tel:988">988</a>'
    )
