"""The public "You said, we did" page: drafted from a closed wave's released figures in
both languages, edited, previewed, published and unpublished (each audited); public at
/results and /results/<wave>, a 404 otherwise; never a hidden figure or a comment; the
survey's thank-you page links to the latest published one."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.admin.services import FormProblem
from app.admin.services import results as service
from app.extensions import db
from app.models import ActionItem, Answer, AuditEvent, Link, ResultsPage, User, Wave
from app.models.review import ActionStatus
from reports.releases import make_release
from tests.admin.conftest import as_user, csrf_token, database
from tests.reports.helpers import DATA, Builder

SETTINGS = {"min_cell": 10, "comment_min": 10, "mode": "respondents", "paper": "letter"}
REFERRAL = "Sé dónde pedir ayuda: the referral steps are clear."


@pytest.fixture
def small(session):  # type: ignore[no-untyped-def]
    """A closed, released wave: 20 families (80% agree that the referral steps are clear,
    30% disagree that students wait too long) and 4 staff, all agreeing (hidden)."""
    build = Builder(session)
    survey = build.survey(DATA / "report-test.yaml")
    wave = build.wave("2026 Spring review", dt.date(2026, 3, 1))
    build.respond(
        survey,
        wave,
        "family",
        {
            "comm.referral_process_clear": ["4"] * 16 + ["2"] * 4,
            "access.wait_too_long": ["1"] * 6 + ["5"] * 14,
            "comments": ["Please call me back about the counselor"] * 20,
        },
    )
    build.respond(survey, wave, "staff", {"comm.referral_process_clear": ["5"] * 4})
    make_release(session, wave, None, 10)
    session.add(
        ActionItem(
            wave_id=wave.id,
            title="Print the referral steps",
            description="A one-page handout in every office.",
            status=ActionStatus.IN_PROGRESS,
        )
    )
    session.add(
        ActionItem(
            wave_id=wave.id,
            title="Evening hours",
            status=ActionStatus.DROPPED,
            dropped_reason="No staff in the evening",
        )
    )
    session.flush()
    return wave


def test_the_draft_says_the_results_in_plain_words_in_both_languages(session, small):
    content = service.draft(session, small, SETTINGS)
    en, es = content["en"], content["es"]
    # Families know when they answered, not what the partnership calls the wave.
    assert en["title"] == "You said, we did: March 2026"
    # The 4 staff are a group too small to show: not counted, not described.
    assert en["intro"] == "At least 20 people answered our survey in March 2026: 20 families."
    (families,) = en["audiences"]
    assert families["heading"] == "What families told us"
    assert families["strong"] == [f"8 in 10 families agreed: “{REFERRAL}”"]
    # A result to work on says "only", so even a "disagreed" reads as a problem.
    assert families["weak"] == [
        "Only 3 in 10 families disagreed: “Students wait too long for help.”"
    ]
    assert en["actions"] == [
        "Under way: Print the referral steps. A one-page handout in every office."
    ]
    # Spanish: the catalogue's sentences with the figures, free text marked to translate.
    assert es["title"] == "Lo que nos dijeron y lo que hicimos: marzo de 2026"
    assert es["intro"] == (
        "Al menos 20 personas contestaron nuestra encuesta en marzo de 2026: 20 familias."
    )
    assert "Spring review" not in repr(content)
    assert es["audiences"][0]["strong"] == [
        f"8 de cada 10 familias estuvieron de acuerdo: «{service.TO_TRANSLATE} {REFERRAL}»"
    ]
    assert es["audiences"][0]["weak"][0].startswith(
        "Solo 3 de cada 10 familias no estuvieron de acuerdo: «"
    )
    assert es["actions"] == [
        f"En marcha: {service.TO_TRANSLATE} Print the referral steps. "
        f"{service.TO_TRANSLATE} A one-page handout in every office."
    ]
    text = repr(content)
    assert "Please call me back" not in text  # no comments
    assert "100" not in text and "4 school staff" not in text  # the small group


def test_the_draft_counts_partner_staff_as_people_and_lists_done_actions_first(session, small):
    build = Builder(session)
    survey = build.survey(DATA / "report-test.yaml")
    build.respond(survey, small, "staff", {"comm.referral_process_clear": ["2"] * 12})
    session.add(ActionItem(wave_id=small.id, title="Guide sent home", status=ActionStatus.DONE))
    session.add(ActionItem(wave_id=small.id, title="Funding", status=ActionStatus.PLANNED))
    session.flush()
    make_release(session, small, None, 10)
    content = service.draft(session, small, SETTINGS)
    en, es = content["en"], content["es"]
    assert en["intro"] == (
        "36 people answered our survey in March 2026: 20 families and 16 school staff."
    )
    assert es["intro"].endswith("20 familias y 16 miembros del personal de la escuela.")
    assert [line.split(":")[0] for line in en["actions"]] == ["Done", "Under way", "Planned"]
    assert [line.split(":")[0] for line in es["actions"]] == ["Hecho", "En marcha", "Previsto"]
    # Partner staff are people answering, not organisations.
    with force_locale("en"):
        assert service.result_sentence("partner", 52, "X", "good") == (
            "5 in 10 community partner staff gave a positive answer to: “X”"
        )
    with force_locale("es"):
        assert service.result_sentence("partner", 52, "X", "agree") == (
            "5 de cada 10 personas de las organizaciones de la comunidad estuvieron de acuerdo: «X»"
        )


def test_the_months_read_with_plain_spaces_in_both_languages(session, small):
    small.opens_on, small.closes_on = dt.date(2026, 5, 5), dt.date(2026, 6, 24)
    session.flush()
    content = service.draft(session, small, SETTINGS)
    assert content["en"]["title"] == "You said, we did: May – June 2026"
    assert content["es"]["title"] == "Lo que nos dijeron y lo que hicimos: mayo–junio de 2026"
    assert "\u2009" not in repr(content) and "\u202f" not in repr(content)


def test_the_spanish_draft_uses_the_actions_spanish_text(session, small):
    action = session.scalar(sa.select(ActionItem).where(ActionItem.title.startswith("Print")))
    action.title_es = "Imprimir los pasos para pedir ayuda"
    action.description_es = "Una hoja en cada oficina."
    session.flush()
    es = service.draft(session, small, SETTINGS)["es"]
    assert es["actions"] == [
        "En marcha: Imprimir los pasos para pedir ayuda. Una hoja en cada oficina."
    ]


MANY = """id: many-statements
title: Many statements
audiences: [family, staff]
languages: [en]
scales:
  agree5:
    options:
      - {value: 1, score: 1, label: Strongly disagree}
      - {value: 2, score: 2, label: Disagree}
      - {value: 3, score: 3, label: Neither}
      - {value: 4, score: 4, label: Agree}
      - {value: 5, score: 5, label: Strongly agree}
    favourable: [4, 5]
    neutral: 3
pages:
  - id: views
    questions:
      - item: views.grid
        type: likert_group
        scale: agree5
        text: How much do you agree?
        rows:
%s"""


def test_the_draft_takes_the_three_strongest_and_three_weakest_per_audience(session, tmp_path):  # type: ignore[no-untyped-def]
    # Eight statements, each agreed with by a different number of the 20 people asked.
    rows = "".join(f"          - {{item: s.n{k}, text: Statement {k}.}}\n" for k in range(8))
    path = tmp_path / "many-statements.yaml"
    path.write_text(MANY % rows)
    build = Builder(session)
    survey = build.survey(path)
    wave = build.wave("2026 Spring review", dt.date(2026, 3, 1))
    agreeing = [19, 17, 15, 13, 9, 7, 5, 3]  # of 20: 95%, 85%, ... 15%
    for audience, shift in (("family", 0), ("staff", 1)):
        answers = {
            f"s.n{k}": ["4"] * max(n - shift, 0) + ["2"] * (20 - max(n - shift, 0))
            for k, n in enumerate(agreeing)
        }
        build.respond(survey, wave, audience, answers)
    make_release(session, wave, None, 10)
    en = service.draft(session, wave, SETTINGS)["en"]
    by_audience = {block["audience"]: block for block in en["audiences"]}
    assert set(by_audience) == {"family", "staff"}
    families = by_audience["family"]
    # The strongest first; the weakest, the lowest first.
    assert families["strong"] == [
        "More than 9 in 10 families agreed: “Statement 0.”",
        "9 in 10 families agreed: “Statement 1.”",
        "8 in 10 families agreed: “Statement 2.”",
    ]
    assert families["weak"] == [
        "Only 2 in 10 families agreed: “Statement 7.”",
        "Only 3 in 10 families agreed: “Statement 6.”",
        "Only 4 in 10 families agreed: “Statement 5.”",
    ]
    staff = by_audience["staff"]
    assert len(staff["strong"]) == 3 and len(staff["weak"]) == 3
    assert [line.rsplit("“", 1)[1] for line in staff["strong"]] == [
        "Statement 0.”",
        "Statement 1.”",
        "Statement 2.”",
    ]
    # The middle two are neither: not on the page.
    assert "Statement 3." not in repr(en) and "Statement 4." not in repr(en)


def test_only_for_a_closed_and_released_wave(session, small):
    user = None
    opened = Wave(
        name="Now", opens_on=dt.date.today() - dt.timedelta(days=3), closes_on=dt.date.today()
    )
    session.add(opened)
    session.flush()
    with pytest.raises(FormProblem, match="is still open"):
        service.make_draft(session, opened, user, SETTINGS, dt.date.today())  # type: ignore[arg-type]
    unreleased = Wave(
        name="Unreleased", opens_on=dt.date(2025, 1, 1), closes_on=dt.date(2025, 2, 1)
    )
    session.add(unreleased)
    session.flush()
    with pytest.raises(FormProblem, match="Release “Unreleased” to partners first"):
        service.make_draft(session, unreleased, user, SETTINGS, dt.date.today())  # type: ignore[arg-type]


# --- the editor and the public pages ---------------------------------------------------


@pytest.fixture
def world(world, app):  # type: ignore[no-untyped-def]
    """The workspace world with its closed wave released to partners."""
    with database(app) as session:
        make_release(session, session.get(Wave, world.previous), None, 10)
        session.commit()
    return world


def _coordinator(app, world):  # type: ignore[no-untyped-def]
    client = app.test_client()
    as_user(client, app, world.coordinator)
    return client


def _post(client, wave_id: int, action: str = "", data: dict | None = None):  # type: ignore[no-untyped-def,type-arg]
    editor = f"/admin/waves/{wave_id}/results"
    token = csrf_token(client.get(editor).text)
    return client.post(editor + action, data={**(data or {}), "csrf_token": token})


def _stored(app, wave_id: int) -> ResultsPage | None:
    with database(app) as session:
        page = session.scalar(sa.select(ResultsPage).where(ResultsPage.wave_id == wave_id))
        if page is not None:
            session.expunge(page)
        return page


def _audits(app) -> list[str]:
    with database(app) as session:
        return list(
            session.scalars(
                sa.select(AuditEvent.action)
                .where(AuditEvent.action.like("results_%"))
                .order_by(AuditEvent.id)
            )
        )


def _slug(app, wave_id: int) -> str:
    with database(app) as session:
        return service.slug_of(session.get(Wave, wave_id))


def test_draft_edit_publish_and_unpublish(app, world):  # type: ignore[no-untyped-def]
    client = _coordinator(app, world)
    wave = world.previous
    slug = _slug(app, wave)
    assert client.get(f"/results/{slug}").status_code == 404
    assert client.get("/results").status_code == 404
    assert _post(client, wave, "/draft").status_code == 302
    page = _stored(app, wave)
    assert page is not None and page.published_at is None
    assert client.get(f"/results/{slug}").status_code == 404  # drafted, not published
    preview = client.get(f"/admin/waves/{wave}/results/preview?lang=es")
    assert preview.status_code == 200 and 'lang="es"' in preview.text

    editor = client.get(f"/admin/waves/{wave}/results").text
    assert "Save both languages" in editor
    values = _form(page.content)
    values["en-title"] = "What you told us this spring"
    values["es-title"] = "Lo que nos dijeron esta primavera"
    values["es-actions"] = "Hecho: una lista de contactos.\nNota: sin estado"
    # A refused edit keeps what was typed and says why.
    refused = _post(client, wave, "", {**values, "en-title": ""})
    assert refused.status_code == 400
    assert "Give the page an English title." in refused.text
    assert "Lo que nos dijeron esta primavera" in refused.text
    assert _stored(app, wave).content["es"]["title"] != "Lo que nos dijeron esta primavera"
    assert _post(client, wave, "", values).status_code == 302
    stored = _stored(app, wave).content
    assert stored["en"]["title"] == "What you told us this spring"
    assert stored["es"]["actions"] == ["Hecho: una lista de contactos.", "Nota: sin estado"]

    marked = bool(service.untranslated(stored))
    if marked:
        refused = _post(client, wave, "/publish")
        assert refused.status_code == 400 and "still marked [TRANSLATE]" in refused.text
        values = {k: v.replace(service.TO_TRANSLATE + " ", "") for k, v in values.items()}
        assert _post(client, wave, "", values).status_code == 302
    assert _post(client, wave, "/publish").status_code == 302
    assert _stored(app, wave).published_at is not None

    anonymous = app.test_client()
    for url in ("/results", f"/results/{slug}", f"/results/{wave}"):
        response = anonymous.get(url)
        assert response.status_code == 200, url
        assert "What you told us this spring" in response.text
    spanish = anonymous.get(f"/results/{slug}?lang=es")
    assert "Lo que nos dijeron esta primavera" in spanish.text
    assert "Lo que estamos haciendo" in spanish.text and '<html lang="es">' in spanish.text
    # An action's status leads its line in bold; other text stays as typed.
    assert "<li><strong>Hecho:</strong> una lista de contactos.</li>" in spanish.text
    assert "<li>Nota: sin estado</li>" in spanish.text
    flyer = anonymous.get(f"/results/{slug}/flyer")
    assert flyer.status_code == 200 and f"/results/{slug}" in flyer.text
    # The flyer says, in both languages, what its code opens.
    assert "Scan the code or type the address to read all the results" in flyer.text
    assert "Escanee el código o escriba la dirección" in flyer.text
    qr = anonymous.get(f"/results/{slug}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    printed = anonymous.get(f"/results/{slug}/flyer.pdf")
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    pdf = pypdf.PdfReader(io.BytesIO(printed.data))
    assert len(pdf.pages) == 1
    words = pdf.pages[0].extract_text()
    assert "What you told us this spring" in words and "Lo que nos dijeron" in words
    assert "Scan the code" in words and "Escanee el c" in words
    # English and Spanish fit the PDF's standard font: nothing is embedded.
    fonts = pdf.pages[0]["/Resources"]["/Font"]
    assert {str(fonts[name].get_object()["/BaseFont"]) for name in fonts} <= {
        "/Helvetica",
        "/Helvetica-Bold",
    }
    assert f"/results/{slug}" in words

    assert _post(client, wave, "/unpublish").status_code == 302
    for url in (
        "/results",
        f"/results/{slug}",
        f"/results/{slug}/flyer",
        f"/results/{slug}/qr.svg",
    ):
        assert anonymous.get(url).status_code == 404, url
    assert _audits(app) == [
        "results_draft",
        "results_edit",
        *(["results_edit"] if marked else []),
        "results_publish",
        "results_unpublish",
    ]


def _form(content) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from app.admin.views.results import form_values

    return form_values(content)


def test_not_for_an_open_wave(app, world):  # type: ignore[no-untyped-def]
    client = _coordinator(app, world)
    editor = client.get(f"/admin/waves/{world.current}/results")
    assert editor.status_code == 200 and "once the wave has closed" in editor.text
    refused = _post(client, world.current, "/draft")
    assert refused.status_code == 400 and "a results page is made only for a wave" in refused.text
    assert _stored(app, world.current) is None
    assert _audits(app) == []


def test_unknown_pages_are_404(app, world):  # type: ignore[no-untyped-def]
    client = app.test_client()
    for url in ("/results/nothing", "/results/999999", "/results/" + "x" * 300, "/results/x/flyer"):
        assert client.get(url).status_code == 404, url
    coordinator = _coordinator(app, world)
    assert coordinator.get("/admin/waves/999999/results").status_code == 404
    assert coordinator.get(f"/admin/waves/{world.previous}/results/preview").status_code == 404


def test_the_public_page_shows_no_comment_and_no_hidden_figure(app, world):  # type: ignore[no-untyped-def]
    client = _coordinator(app, world)
    wave = world.previous
    assert _post(client, wave, "/draft").status_code == 302
    with database(app) as session:
        page = session.scalar(sa.select(ResultsPage).where(ResultsPage.wave_id == wave))
        page.content = {
            k: {**v, "actions": [line.replace(service.TO_TRANSLATE, "") for line in v["actions"]]}
            for k, v in page.content.items()
        }
        for text in page.content.values():
            for block in text["audiences"]:
                block["strong"] = [s.replace(service.TO_TRANSLATE, "") for s in block["strong"]]
                block["weak"] = [s.replace(service.TO_TRANSLATE, "") for s in block["weak"]]
        page.published_at = dt.datetime.now(dt.UTC)
        comments = [
            c
            for c in session.scalars(
                sa.select(Answer.value_text).where(
                    Answer.wave_id == wave, Answer.value_text.is_not(None)
                )
            )
            if len(c) > 30
        ]
        from reports import build_report

        report = build_report(session, None, session.get(Wave, wave).name, figures="released")
        hidden = {
            (g.audience, i.label)
            for g in report.sections
            for i in g.items()
            if i.kind == "scored" and not i.percent_favourable.shown
        }
        shown = {
            (g.audience, i.label)
            for g in report.sections
            for i in g.items()
            if i.kind == "scored" and i.percent_favourable.shown
        }
        session.commit()
    assert comments
    body = app.test_client().get(f"/results/{wave}").text
    assert not [c for c in comments if c in body]
    statements = _stored(app, wave).content["en"]["audiences"]
    for block in statements:
        for line in block["strong"] + block["weak"]:
            said = line.split("“", 1)[1].rstrip("”")
            assert any(label == said for _a, label in shown), line
            assert not any(label == said and (a, label) not in shown for a, label in hidden)


def test_the_thank_you_page_links_to_the_latest_published_results(app, world):  # type: ignore[no-untyped-def]
    with database(app) as session:
        token = session.scalar(
            sa.select(Link.token).where(
                Link.wave_id == world.current, Link.survey_id == world.survey
            )
        )
    respondent = app.test_client()
    assert "what we did about it" not in respondent.get(f"/s/{token}/thanks").text
    with database(app) as session:
        session.add(
            ResultsPage(
                wave_id=world.previous,
                content={"en": {"title": "T"}, "es": {"title": "T"}},
                published_at=dt.datetime.now(dt.UTC),
            )
        )
        slug = service.slug_of(session.get(Wave, world.previous))
        session.commit()
    thanks = respondent.get(f"/s/{token}/thanks").text
    assert f'href="/results/{slug}"' in thanks
    spanish = respondent.get(f"/s/{token}/thanks?lang=es").text
    assert f'href="/results/{slug}?lang=es"' in spanish and "lo que hicimos" in spanish


def test_service_writes_are_audited_with_the_user(app, world, session):  # type: ignore[no-untyped-def]
    # The service flushes; the view's transaction commits (one write each).
    user = db.session.get(User, world.coordinator)
    wave = db.session.get(Wave, world.previous)
    page = service.make_draft(db.session, wave, user, SETTINGS, dt.date.today())
    assert page.updated_by_id == user.id
    events = list(
        db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "results_draft"))
    )
    assert [(e.user_id, e.target) for e in events] == [(user.id, f"wave:{wave.id}")]
    with pytest.raises(FormProblem, match="not published"):
        service.unpublish(db.session, wave, user)


def test_a_partner_users_packet_shows_its_own_and_the_school_teams_actions_only(app, world):  # type: ignore[no-untyped-def]
    """The packet a partner user downloads (every format) reports on the earlier
    review's actions that partner owns and the school team's, never another partner's."""
    with database(app) as session:
        current = session.get(Wave, world.current)
        current.is_open = False  # switched off: it can be released to partners
        for title, owner in (
            ("School team: a guide for families", None),
            ("Partner A: drop-in hours", world.partner_a),
            ("Partner B: evening clinic", world.partner_b),
        ):
            session.add(
                ActionItem(
                    wave_id=world.previous,
                    title=title,
                    owner_partner_id=owner,
                    status=ActionStatus.IN_PROGRESS,
                    due_on=dt.date(2026, 12, 1),
                )
            )
        session.flush()
        make_release(session, current, None, 10)
        session.commit()
    client = app.test_client()
    as_user(client, app, world.partner_a_user)
    for fmt in ("csv", "html", "pdf", "xlsx"):
        response = client.get(f"/admin/reports/download/{fmt}?wave={world.current}")
        assert response.status_code == 200, fmt
        if fmt == "pdf":
            words = " ".join(
                page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.data)).pages
            )
        elif fmt == "xlsx":
            import openpyxl

            book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
            words = " ".join(
                str(value)
                for sheet in book.worksheets
                for row in sheet.iter_rows(values_only=True)
                for value in row
                if value is not None
            )
        else:
            words = response.get_data(as_text=True)
        words = " ".join(words.split())
        assert "What we said we would do" in words or fmt in ("csv", "xlsx"), fmt
        assert "School team: a guide for families" in words, fmt
        assert "Partner A: drop-in hours" in words, fmt
        assert world.partner_a_name in words, fmt
        assert "Partner B: evening clinic" not in words, fmt
        assert world.partner_b_name not in words, fmt
    # Asking for the other partner's packet is refused outright.
    other = client.get(
        f"/admin/reports/download/csv?wave={world.current}&partner={world.partner_b}"
    )
    assert other.status_code == 403


def test_the_english_draft_reads_at_grade_eight_or_below(app, world):  # type: ignore[no-untyped-def]
    from tests.admin.readability import grade, syllables

    # The measure tells plain words from hard ones.
    assert [syllables(w) for w in ("school", "families", "agreed", "community")] == [1, 3, 2, 4]
    assert grade(["We asked. You said yes. We did it."]) < 2
    assert (
        grade(
            [
                "Institutional stakeholders collaboratively operationalize comprehensive "
                "psychosocial interventions, notwithstanding considerable administrative "
                "complexity."
            ]
        )
        > 16
    )
    with database(app) as session:
        en = service.draft(session, session.get(Wave, world.previous), SETTINGS)["en"]
    results = [line for block in en["audiences"] for line in (*block["strong"], *block["weak"])]
    assert len(results) >= 6
    # The page as drafted, the surveys' own statements included.
    page = [en["title"], en["intro"], en["closing"], *en["actions"], *results]
    page += [block["heading"] for block in en["audiences"]]
    assert grade(page) <= 8, page
    # The draft's own wording, without the statements quoted from the surveys.
    own = [en["intro"], en["closing"], *(line.split(":")[0] + "." for line in results)]
    assert grade(own) <= 8, own
