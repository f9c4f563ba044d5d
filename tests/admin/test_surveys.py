"""Surveys in the browser: the catalogue, versions with what changed, downloads that
load back to the same content, previews that store nothing."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.admin.services.surveys import changes_between
from app.definitions import load_text
from app.definitions.sync import definition_of, latest_version, store_definition
from app.models import Answer, Response, Survey
from tests.admin.conftest import as_user, csrf_token, database
from tests.conftest import ROOT


@pytest.fixture
def coordinator(app, world):  # type: ignore[no-untyped-def]
    client = app.test_client()
    as_user(client, app, world.coordinator)
    return client


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
