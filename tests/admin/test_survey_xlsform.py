"""XLSForm in the browser: upload beside YAML (problems by sheet and row, defaults
assumed listed), preview and publish, and every version downloadable as a workbook that
uploads back to the same content."""

from __future__ import annotations

import copy
import html
import io
import re
import typing as t

import openpyxl
import sqlalchemy as sa

from app.definitions import build, load_file, xlsform
from app.definitions.sync import latest_version
from app.models import AuditEvent, Survey, SurveyVersion
from tests.admin.conftest import csrf_token, database
from tests.conftest import FIXTURES, ROOT

FAMILY = ROOT / "surveys" / "family-feedback.yaml"


def upload(client, raw: bytes, name: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/admin/surveys/upload").text)
    return client.post(
        "/admin/surveys/upload",
        data={"csrf_token": token, "definition_file": (io.BytesIO(raw), name)},
        content_type="multipart/form-data",
    )


def family_changed(change: t.Callable[[dict[str, t.Any]], None]) -> bytes:
    data = copy.deepcopy(load_file(FAMILY).data)
    change(data)
    return xlsform.to_xlsx(build(data))


def reword_welcome(data: dict[str, t.Any]) -> None:
    data["pages"][0]["questions"][0]["text"]["en"] = "Thanks for coming."


def versions(app, slug: str) -> list[SurveyVersion]:  # type: ignore[no-untyped-def]
    with database(app) as session:
        shown = list(
            session.scalars(
                sa.select(SurveyVersion)
                .join(Survey)
                .where(Survey.slug == slug)
                .order_by(SurveyVersion.number)
            )
        )
        session.expunge_all()
        return shown


def carried(page: str) -> str:
    match = re.search(
        r'<textarea name="definition_text" hidden aria-hidden="true">(.*?)</textarea>', page, re.S
    )
    assert match
    return html.unescape(match.group(1))


def test_an_xlsform_upload_is_checked_previewed_and_published_as_one_version(
    app, coordinator, world
):  # type: ignore[no-untyped-def]
    raw = family_changed(reword_welcome)
    expected = xlsform.load_bytes(raw, "family.xlsx").definition.sha256
    before = len(versions(app, "family-feedback"))
    review = upload(coordinator, raw, "family.xlsx")
    assert review.status_code == 200, review.text
    assert "Reworded: welcome" in review.text and "Nothing is stored yet." in review.text
    assert "<h2>Assumed</h2>" not in review.text  # an exported form says it all
    text = carried(review.text)
    token = csrf_token(review.text)
    preview = coordinator.post(
        "/admin/surveys/upload/preview?lang=es",
        data={"csrf_token": token, "definition_text": text, "filename": "family.xlsx"},
    )
    assert preview.status_code == 200 and "Preview — answers are not saved." in preview.text
    assert "Encuesta para familias" in preview.text
    assert len(versions(app, "family-feedback")) == before
    published = coordinator.post(
        "/admin/surveys/publish",
        data={"csrf_token": token, "definition_text": text, "filename": "family.xlsx"},
    )
    assert published.status_code == 302
    stored = versions(app, "family-feedback")
    assert len(stored) == before + 1
    assert stored[-1].sha256 == expected and stored[-1].source_path == "family.xlsx"
    with database(app) as session:
        event = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "survey_publish")
        ).one()
        assert event.user_id == world.coordinator and event.detail["file"] == "family.xlsx"


def test_a_mistake_in_a_workbook_is_shown_with_its_sheet_and_row(app, coordinator):  # type: ignore[no-untyped-def]
    book = openpyxl.load_workbook(io.BytesIO(xlsform.to_xlsx(load_file(FAMILY))))
    survey = book["survey"]
    survey.cell(row=4, column=1, value="calculate")
    buffer = io.BytesIO()
    book.save(buffer)
    before = len(versions(app, "family-feedback"))
    response = upload(coordinator, buffer.getvalue(), "family.xlsx")
    assert response.status_code == 400
    assert (
        "<li><code>family.xlsx:survey:4:</code> calculations are not supported</li>"
        in response.text
    )
    assert "nothing was stored" in response.text
    assert len(versions(app, "family-feedback")) == before


def test_a_plain_xlsform_lists_the_defaults_it_assumed(app, coordinator):  # type: ignore[no-untyped-def]
    response = upload(coordinator, (FIXTURES / "xlsform-plain.md").read_bytes(), "plain.md")
    assert response.status_code == 200, response.text
    assert "<h2>Assumed</h2>" in response.text
    assert "<li>audience: family, so reports count its answers as families" in response.text
    assert "no percent favourable until they are set" in response.text


def test_a_reused_item_id_on_another_scale_is_refused_naming_both_surveys(app, coordinator):  # type: ignore[no-untyped-def]
    def copy_on_other_scale(data: dict[str, t.Any]) -> None:
        data["id"] = "family-copy"
        data["scales"]["agree5"]["options"][4]["score"] = 6

    response = upload(coordinator, family_changed(copy_on_other_scale), "family-copy.xlsx")
    assert response.status_code == 400
    assert "on another scale" in response.text
    assert "family-copy" in response.text and "family-feedback" in response.text


def test_every_version_downloads_as_an_xlsform_that_loads_back_the_same(app, coordinator):  # type: ignore[no-untyped-def]
    for path in sorted((ROOT / "surveys").glob("*.yaml")):
        with database(app) as session:
            survey = session.scalars(sa.select(Survey).where(Survey.slug == path.stem)).one()
            ident, sha = survey.id, latest_version(session, survey.id).sha256
        response = coordinator.get(f"/admin/surveys/{ident}/versions/1/definition.xlsx")
        assert response.status_code == 200
        assert f'filename="{path.stem}-v1.xlsx"' in response.headers["Content-Disposition"]
        assert response.mimetype.endswith("spreadsheetml.sheet")
        assert xlsform.load_bytes(response.data, f"{path.stem}.xlsx").definition.sha256 == sha
    page = coordinator.get(f"/admin/surveys/{ident}").text
    assert f"/admin/surveys/{ident}/versions/1/definition.xlsx" in page
    assert "Download XLSForm" in page
    assert coordinator.get(f"/admin/surveys/{ident}/versions/99/definition.xlsx").status_code == 404


def test_a_downloaded_workbook_uploads_back_as_the_same_content(app, coordinator):  # type: ignore[no-untyped-def]
    with database(app) as session:
        ident = session.scalar(sa.select(Survey.id).where(Survey.slug == "family-feedback"))
    raw = coordinator.get(f"/admin/surveys/{ident}/versions/1/definition.xlsx").data
    review = upload(coordinator, raw, "family-feedback-v1.xlsx")
    assert review.status_code == 200
    assert "stores nothing new: version 1 has the same content" in review.text


def test_a_downloaded_workbook_with_another_form_id_uploads_as_a_new_survey(
    app, coordinator, world
):  # type: ignore[no-untyped-def]
    with database(app) as session:
        ident = session.scalar(sa.select(Survey.id).where(Survey.slug == "family-feedback"))
    raw = coordinator.get(f"/admin/surveys/{ident}/versions/1/definition.xlsx").data
    book = openpyxl.load_workbook(io.BytesIO(raw))
    settings = book["settings"]
    header = [cell.value for cell in settings[1]]
    settings.cell(row=2, column=header.index("form_id") + 1, value="family-spring")
    buffer = io.BytesIO()
    book.save(buffer)
    before = len(versions(app, "family-feedback"))
    review = upload(coordinator, buffer.getvalue(), "family-spring.xlsx")
    assert review.status_code == 200, review.text
    assert "<code>family-spring</code>" in review.text and "adds a new survey" in review.text
    published = coordinator.post(
        "/admin/surveys/publish",
        data={
            "csrf_token": csrf_token(review.text),
            "definition_text": carried(review.text),
            "filename": "family-spring.xlsx",
        },
    )
    assert published.status_code == 302
    (spring,) = versions(app, "family-spring")
    assert spring.number == 1 and spring.source_path == "family-spring.xlsx"
    # The survey it came from is left as it was.
    assert len(versions(app, "family-feedback")) == before
    with database(app) as session:
        survey = session.scalars(sa.select(Survey).where(Survey.slug == "family-spring")).one()
        assert survey.managed_in_workspace
        assert published.headers["Location"].endswith(f"/admin/surveys/{survey.id}")
    catalogue = coordinator.get("/admin/surveys").text
    assert "family-spring" in catalogue and "family-feedback" in catalogue


def test_a_file_that_is_not_a_workbook_is_a_clear_refusal(app, coordinator):  # type: ignore[no-untyped-def]
    response = upload(coordinator, b"PK\x03\x04 not really", "broken.xlsx")
    assert response.status_code == 400
    assert "<code>broken.xlsx:1:</code> not an .xlsx workbook" in response.text
