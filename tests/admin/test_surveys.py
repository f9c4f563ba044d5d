"""Surveys in the browser: the catalogue, versions with what changed, downloads that
load back to the same content, previews that store nothing."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa
from markupsafe import escape

from app.admin.services.surveys import changes_between
from app.definitions import load_text
from app.definitions.sync import definition_of, latest_version, store_definition
from app.models import Answer, AuditEvent, Response, Survey, SurveyVersion
from tests.admin.conftest import csrf_token, database
from tests.conftest import ROOT


def survey_id(app, slug: str) -> int:  # type: ignore[no-untyped-def]
    with database(app) as session:
        return session.scalar(sa.select(Survey.id).where(Survey.slug == slug))


def stored(app) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with database(app) as session:
        return (
            session.scalar(sa.select(sa.func.count()).select_from(Response)),
            session.scalar(sa.select(sa.func.count()).select_from(Answer)),
        )


def test_the_catalogue_lists_every_survey_with_audiences_and_languages(app, coordinator):  # type: ignore[no-untyped-def]
    page = coordinator.get("/admin/surveys").text
    for path in sorted((ROOT / "surveys").glob("*.yaml")):
        assert path.stem in page
    assert "Family survey on student support" in page
    assert "en, es" in page and "From its file" in page


def test_a_survey_page_shows_versions_changes_responses_and_links(app, coordinator):  # type: ignore[no-untyped-def]
    family = survey_id(app, "family-feedback")
    text = (ROOT / "surveys" / "family-feedback.yaml").read_text()
    changed = text.replace("Thank you for taking this survey.", "Thanks for taking part.", 1)
    with database(app) as session:
        definition = load_text(changed, "family-feedback.yaml")
        store_definition(session, definition, "family-feedback.yaml")
        session.commit()
    page = coordinator.get(f"/admin/surveys/{family}").text
    assert "Version 2 (latest)" in page and "Version 1" in page
    assert "Reworded: welcome" in page
    assert "from the file family-feedback.yaml" in page
    assert re.search(r"\d+ responses\.", page)
    assert "Links using it" in page and "family" in page
    assert "Preview in Spanish" in page


def test_version_changes_name_items_added_removed_and_reworded(app):  # type: ignore[no-untyped-def]
    text = (ROOT / "surveys" / "family-feedback.yaml").read_text()
    old = load_text(text, "a.yaml")
    new = load_text(
        text.replace("item: welcome", "item: welcome_again", 1),
        "b.yaml",
    )
    changes = changes_between(old, new)
    assert changes.added == ["welcome_again"] and changes.removed == ["welcome"]
    assert not changes.reworded and not changes.changed
    assert changes_between(old, old).empty


def test_a_downloaded_version_loads_back_to_the_same_content(app, coordinator):  # type: ignore[no-untyped-def]
    for path in sorted((ROOT / "surveys").glob("*.yaml")):
        ident = survey_id(app, path.stem)
        response = coordinator.get(f"/admin/surveys/{ident}/versions/1/definition.yaml")
        assert response.status_code == 200
        assert f'filename="{path.stem}-v1.yaml"' in response.headers["Content-Disposition"]
        with database(app) as session:
            sha = latest_version(session, ident).sha256
        assert load_text(response.text, path.name).sha256 == sha
    assert coordinator.get(f"/admin/surveys/{ident}/versions/99/definition.yaml").status_code == 404


def test_the_preview_walks_the_pages_checks_answers_and_stores_nothing(app, coordinator):  # type: ignore[no-untyped-def]
    family = survey_id(app, "family-feedback")
    url = f"/admin/surveys/{family}/versions/1/preview"
    before = stored(app)
    page = coordinator.get(f"{url}?lang=es")
    assert page.status_code == 200
    assert "Preview — answers are not saved." in page.text
    assert "Encuesta para familias" in page.text and 'lang="es"' in page.text
    with database(app) as session:
        definition = definition_of(latest_version(session, family))
    token = csrf_token(page.text)
    # Walk forward with nothing answered: required questions stop it with errors,
    # otherwise it reaches the last page; nothing is ever stored.
    data = {"csrf_token": token, "_page": "0", "_lang": "en", "nav": "next"}
    seen = 1
    for _ in range(len(definition.pages) + 2):
        response = coordinator.post(url, data=data)
        assert response.status_code in (200, 422)
        if response.status_code == 422 or "thank-you page would follow" in response.text:
            break
        seen += 1
        data["_page"] = re.search(r'name="_page" value="(\d+)"', response.text).group(1)
    assert seen >= 2
    back = coordinator.post(url, data={**data, "nav": "back"})
    assert back.status_code == 200
    assert stored(app) == before
    bad = coordinator.post(url, data={**data, "no_such_question": "x"})
    assert bad.status_code == 400
    assert coordinator.get(f"/admin/surveys/{family}/versions/9/preview").status_code == 404


def family_text() -> str:
    return (ROOT / "surveys" / "family-feedback.yaml").read_text()


FOLLOW_UP_PAGE = """  - id: follow_up
    title:
      en: About the support your child used
      es: Sobre el apoyo que usó su hijo o hija
    show_if: {question: services.used_this_year, equals: "yes"}
    questions:
      - item: services.what_helped_most
        type: short_text
        text:
          en: What helped your child most?
          es: ¿Qué ayudó más a su hijo o hija?

"""


def test_the_preview_follows_a_display_condition(app, coordinator):  # type: ignore[no-untyped-def]
    # A page shown only after "Yes" to a question on the page before it.
    text = family_text().replace("  - id: comments\n", FOLLOW_UP_PAGE + "  - id: comments\n", 1)
    with database(app) as session:
        store_definition(session, load_text(text, "family-feedback.yaml"), "family-feedback.yaml")
        session.commit()
    family = survey_id(app, "family-feedback")
    url = f"/admin/surveys/{family}/versions/2/preview"
    token = csrf_token(coordinator.get(url).text)
    services = {"csrf_token": token, "_page": "3", "_lang": "en"}
    before = stored(app)

    # On its own page, the follow-up to the question says when to answer it.
    page = coordinator.post(url, data=services)
    assert page.status_code == 200 and "Page 4 of 5" in page.text
    assert "Which supports did your child use?" in page.text
    assert "Answer this if you chose “Yes” above." in page.text

    # "No": the page that depends on it is skipped, and not counted.
    no = coordinator.post(url, data={**services, "services.used_this_year": "no", "nav": "next"})
    assert no.status_code == 200, no.text
    assert "Your ideas" in no.text and "Page 5 of 5" in no.text
    assert "What helped your child most?" not in no.text

    # "Yes": it is shown, the survey is a page longer, and Back returns from it.
    yes = coordinator.post(url, data={**services, "services.used_this_year": "yes", "nav": "next"})
    assert yes.status_code == 200, yes.text
    assert "What helped your child most?" in yes.text and "Page 5 of 6" in yes.text
    follow_up = {**services, "_page": "4", "services.used_this_year": "yes"}
    back = coordinator.post(url, data={**follow_up, "nav": "back"})
    assert "Which supports did your child use?" in back.text and "Page 4 of 6" in back.text

    # Another answer on the way back hides the page again.
    changed = coordinator.post(
        url, data={**services, "services.used_this_year": "not_sure", "nav": "next"}
    )
    assert "Your ideas" in changed.text and "What helped your child most?" not in changed.text
    assert stored(app) == before


def upload(client, text: str, name: str = "family-feedback.yaml"):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/admin/surveys/upload").text)
    return client.post(
        "/admin/surveys/upload",
        data={"csrf_token": token, "definition_file": (io.BytesIO(text.encode()), name)},
        content_type="multipart/form-data",
    )


def versions_of(app, slug: str) -> int:  # type: ignore[no-untyped-def]
    with database(app) as session:
        return session.scalar(
            sa.select(sa.func.count())
            .select_from(SurveyVersion)
            .join(Survey)
            .where(Survey.slug == slug)
        )


def test_an_upload_with_a_mistake_shows_it_with_its_line_and_stores_nothing(app, coordinator):  # type: ignore[no-untyped-def]
    broken = family_text().replace("type: statement", "type: no_such_type", 1)
    line = broken[: broken.index("no_such_type")].count("\n") + 1
    before = versions_of(app, "family-feedback")
    response = upload(coordinator, broken)
    assert response.status_code == 400
    assert f"family-feedback.yaml:{line}:" in response.text
    assert "nothing was stored" in response.text
    assert versions_of(app, "family-feedback") == before
    # The text stays on the page to fix.
    assert "no_such_type" in response.text
    wrong = upload(coordinator, "id: x\n", "survey.txt")
    assert wrong.status_code == 400 and "a .yaml or .yml file" in wrong.text


def test_a_mirrored_item_on_another_scale_is_refused_naming_both_surveys(app, coordinator):  # type: ignore[no-untyped-def]
    text = family_text().replace("id: family-feedback", "id: family-copy", 1)
    text = text.replace("{value: 5, score: 5,", "{value: 5, score: 6,", 1)
    response = upload(coordinator, text, "family-copy.yaml")
    assert response.status_code == 400
    assert "on another scale" in response.text
    assert "family-copy" in response.text and "family-feedback" in response.text


def test_publish_after_review_stores_one_audited_version_managed_in_the_workspace(
    app, coordinator, world
):  # type: ignore[no-untyped-def]
    text = family_text().replace("Thank you for taking this survey.", "Thanks for coming.", 1)
    before = versions_of(app, "family-feedback")
    review = upload(coordinator, text)
    assert review.status_code == 200
    assert "Reworded: welcome" in review.text and "Nothing is stored yet." in review.text
    assert versions_of(app, "family-feedback") == before
    token = csrf_token(review.text)
    # The preview of the upload runs before anything is stored.
    preview = coordinator.post(
        "/admin/surveys/upload/preview?lang=es",
        data={"csrf_token": token, "definition_text": text, "filename": "family-feedback.yaml"},
    )
    assert preview.status_code == 200 and "Preview — answers are not saved." in preview.text
    assert "Encuesta para familias" in preview.text and "Gracias" in preview.text
    # Next carries the definition along, as the preview's form does.
    carried = re.search(
        r'<textarea name="definition_text" hidden aria-hidden="true">(.*?)</textarea>',
        preview.text,
        re.S,
    )
    assert carried and "Thanks for coming." in carried.group(1)
    following = coordinator.post(
        "/admin/surveys/upload/preview?lang=en",
        data={
            "csrf_token": token,
            "definition_text": text,
            "filename": "family-feedback.yaml",
            "_page": "0",
            "_lang": "en",
            "nav": "next",
        },
    )
    assert following.status_code in (200, 422) and "Preview — answers" in following.text
    assert versions_of(app, "family-feedback") == before
    published = coordinator.post(
        "/admin/surveys/publish",
        data={"csrf_token": token, "definition_text": text, "filename": "family-feedback.yaml"},
    )
    assert published.status_code == 302
    assert versions_of(app, "family-feedback") == before + 1
    with database(app) as session:
        survey = session.scalars(sa.select(Survey).where(Survey.slug == "family-feedback")).one()
        assert survey.managed_in_workspace
        event = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "survey_publish")
        ).one()
        assert event.user_id == world.coordinator
        assert event.detail["version"] == before + 1
    page = coordinator.get(published.headers["Location"]).text
    assert "published by coord@example.org" in page and "In the workspace" in page
    # Publishing the same content again stores nothing new.
    again = coordinator.post(
        "/admin/surveys/publish",
        data={"csrf_token": token, "definition_text": text, "filename": "family-feedback.yaml"},
    )
    assert again.status_code == 302 and versions_of(app, "family-feedback") == before + 1


def test_the_review_shows_every_question_as_asked_before_anything_is_stored(app, coordinator):  # type: ignore[no-untyped-def]
    # A follow-up added to the upload, shown only for one answer to the question before.
    text = family_text().replace("Thank you for taking this survey.", "Thanks for coming.", 1)
    marker = "      - item: services.which_used\n"
    follow_up = (
        "      - item: services.how_found\n"
        "        type: short_text\n"
        '        show_if: {question: services.used_this_year, equals: "no"}\n'
        "        text:\n"
        "          en: What kept your child from using a support?\n"
        "          es: ¿Qué impidió que su hijo o hija usara un apoyo?\n"
    )
    text = text.replace(marker, follow_up + marker, 1)
    before = versions_of(app, "family-feedback")
    review = upload(coordinator, text)
    assert review.status_code == 200, review.text
    definition = load_text(text, "family-feedback.yaml")
    page = review.text
    # Every question of every page, in the survey's first language, with its help,
    # its rows and the answers it offers, on the page that has the Publish button.
    outline = page[page.index('<div class="preview-survey"') : page.index("<h2>Publish</h2>")]
    assert definition.languages[0] == "en"
    for page_def, questions in definition.pages:
        if page_def.title:
            assert f"<h3>{escape(definition.text(page_def.title, 'en'))}</h3>" in outline
        for question in questions:
            d = question.definition
            asked = escape(definition.text(d.text, "en"))
            assert f'<p class="question-text">{asked}</p>' in outline
            if d.help is not None:
                assert str(escape(definition.text(d.help, "en"))) in outline
            for row in getattr(d, "rows", None) or []:
                assert f"<li>{escape(definition.text(row.text, 'en'))}</li>" in outline
    assert "Thanks for coming." in outline
    assert "Answers offered: Yes · No" in outline
    # The condition notes say when a follow-up is asked, the new one's included.
    assert outline.count("Answer this if you chose “Yes” above.") == 3
    new = outline.index("What kept your child from using a support?")
    assert outline.index("Answer this if you chose “No” above.", new) - new < 200
    # The interactive preview stays one press away, in each of the survey's languages.
    assert "Try it on a phone in English" in page and "Try it on a phone in Spanish" in page
    assert versions_of(app, "family-feedback") == before


def test_sync_leaves_a_workspace_survey_alone_unless_forced(app, coordinator):  # type: ignore[no-untyped-def]
    text = family_text().replace("Thank you for taking this survey.", "Thanks for coming.", 1)
    review = upload(coordinator, text)
    token = csrf_token(review.text)
    coordinator.post(
        "/admin/surveys/publish",
        data={"csrf_token": token, "definition_text": text, "filename": "family-feedback.yaml"},
    )
    published = versions_of(app, "family-feedback")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["surveys", "sync"])
    assert result.exit_code == 0, result.output
    assert "family-feedback: managed in the workspace, left alone" in result.output
    assert versions_of(app, "family-feedback") == published
    result = runner.invoke(args=["surveys", "sync", "--force"])
    assert result.exit_code == 0, result.output
    assert "family-feedback: taken back from family-feedback.yaml" in result.output
    assert versions_of(app, "family-feedback") == published + 1
    with database(app) as session:
        survey = session.scalars(sa.select(Survey).where(Survey.slug == "family-feedback")).one()
        assert not survey.managed_in_workspace
        assert session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "survey_sync_force")
        )
