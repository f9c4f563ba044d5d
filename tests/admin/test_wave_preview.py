"""The parents' preview of a wave: public, read-only, every instrument of the wave in
English and Spanish, at an address that cannot be guessed for another wave."""

from __future__ import annotations

import sqlalchemy as sa

from app.definitions.sync import definition_of, latest_version
from app.models import AuditEvent, Link, Survey
from app.preview import preview_token, wave_of_token
from tests.admin.conftest import as_user, database


def token_for(app, wave_id: int) -> str:  # type: ignore[no-untyped-def]
    return preview_token(app.config["SECRET_KEY"], wave_id)


def test_anyone_reads_every_survey_of_the_wave_in_both_languages(app, world):  # type: ignore[no-untyped-def]
    client = app.test_client()
    url = f"/preview/{token_for(app, world.current)}"
    with database(app) as session:
        events = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
        definitions = [
            definition_of(latest_version(session, survey.id))
            for survey in session.scalars(
                sa.select(Survey).where(
                    Survey.id.in_(sa.select(Link.survey_id).where(Link.wave_id == world.current))
                )
            )
        ]
    english = client.get(url)
    assert english.status_code == 200
    assert "Taking part is voluntary" in english.text and "anonymous" in english.text
    assert "contact the school office" in english.text
    spanish = client.get(f"{url}?lang=es")
    assert '<html lang="es">' in spanish.text and "Participar es voluntario" in spanish.text
    # The page's words come from the catalogue, like every interface string.
    assert "Imprimir esta página" in spanish.text and "Para: familias" in spanish.text
    assert 'aria-label="Idioma"' in spanish.text and "Asked of: families" in english.text
    for definition in definitions:
        assert definition.text(definition.header.title, "en") in english.text
        if "es" in definition.languages:
            assert definition.text(definition.header.title, "es") in spanish.text
        first = next(q for q in definition.questions() if q.answerable)
        text = definition.text(first.definition.text, "en")
        assert text.replace('"', "&#34;").replace("'", "&#39;")[:40] in english.text
    assert "Set-Cookie" not in english.headers
    with database(app) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events


def test_a_wrong_or_forged_token_is_a_404(app, world):  # type: ignore[no-untyped-def]
    client = app.test_client()
    token = token_for(app, world.current)
    forged = f"{world.previous}-{token.partition('-')[2]}"
    for bad in [forged, "abc", f"{world.current}-", "99999999999999999-x", token + "0"]:
        assert client.get(f"/preview/{bad}").status_code == 404, bad
    assert wave_of_token(app.config["SECRET_KEY"], token) == world.current
    assert wave_of_token("another secret", token) is None


def test_the_waves_page_gives_each_waves_preview_address(app, world):  # type: ignore[no-untyped-def]
    client = app.test_client()
    as_user(client, app, world.coordinator)
    page = client.get("/admin/waves").text
    assert f"/preview/{token_for(app, world.current)}" in page
    assert f"/preview/{token_for(app, world.previous)}" in page


def test_the_contact_comes_from_the_settings(make_app, world):  # type: ignore[no-untyped-def]
    app = make_app(PARENT_CONTACT="Ms. Rivera, school counselor, 555-0100")
    page = app.test_client().get(f"/preview/{token_for(app, world.current)}").text
    assert "Ms. Rivera, school counselor, 555-0100" in page
