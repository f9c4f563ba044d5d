"""The whole first run in headless Chromium against a live server, as a school would
walk it on an empty installation: the setup link ``make run`` prints, the first admin,
a partner, a partner user invited and signed in, an XLSForm uploaded with a mistake
(shown with its sheet and row), fixed and published, a wave and a link, a family
answering through it, and the report counting the response. The upload pages pass axe
at 320 px. Each step's page is noted in ``WALK`` (printed with ``-s``)."""

from __future__ import annotations

import datetime as dt
import os
import re
import typing as t

import pytest

from tests.conftest import CHROMIUM, require_or_skip, served_over_http
from tests.conftest import CHROMIUM_ARGS as ARGS

pytestmark = pytest.mark.browser

ADMIN = "first.admin@school.org"
PARTNER_USER = "clinic.lead@westside.org"
PASSWORD = "a long first-run passphrase"
PARTNER = "Westside Teen Clinic"
NARROW = {"width": 320, "height": 640}

SETTINGS = (
    "| settings |\n"
    "| | form_id | form_title::English (en) | form_title::Español (es) | audiences |\n"
    "| | family-checkin | Family check-in | Consulta a las familias | family |\n"
)
CHOICES = (
    "| choices |\n"
    "| | list_name | name | label::English (en) | label::Español (es) | score | favourable |\n"
    "| | agree | 1 | Disagree | En desacuerdo | 1 | |\n"
    "| | agree | 2 | Not sure | No estoy seguro | 2 | |\n"
    "| | agree | 3 | Agree | De acuerdo | 3 | yes |\n"
    "| | used | yes | Yes | Sí | | |\n"
    "| | used | no | No | No | | |\n"
)


def survey_sheet(condition: str) -> str:
    return (
        "| survey |\n"
        "| | type | name | label::English (en) | label::Español (es) | appearance "
        "| relevant | constraint |\n"
        "| | begin group | visit | Your visit | Su visita | field-list | | |\n"
        "| | select_one used | checkin.used | Did your child use a support this year? "
        "| ¿Su hijo o hija usó algún apoyo este año? | | | |\n"
        "| | select_one agree | checkin.helpful | The support helped my child. "
        "| El apoyo ayudó a mi hijo o hija. | likert | " + condition + " | |\n"
        "| | text | checkin.idea | One idea to make support better? | ¿Una idea para mejorar? "
        "| multiline | | string-length(.) <= 500 |\n"
        "| | end group | | | | | | |\n"
    )


# Row 4 of the survey sheet asks about a question that does not exist.
MISTAKE = survey_sheet("${checkin.usd} = 'yes'") + CHOICES + SETTINGS
FIXED = survey_sheet("${checkin.used} = 'yes'") + CHOICES + SETTINGS

WALK: list[str] = []
WIDEST = """Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > 321)
  .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)"""


def note(step: str, page: t.Any) -> str:
    """Record what the page showed: its heading and the first lines of its main text."""
    heading = page.locator("h1").first.inner_text() if page.locator("h1").count() else ""
    main = page.locator("main").first.inner_text() if page.locator("main").count() else ""
    lines = [line.strip() for line in main.splitlines() if line.strip()]
    WALK.append(f"{step}: {page.url} | {heading} | {' / '.join(lines[1:4])[:220]}")
    return main


def check_narrow(page: t.Any, label: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page.set_viewport_size(NARROW)
    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
        },
    )
    assert results.violations_count == 0, f"{label}:\n{results.generate_report()}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"{label} scrolls sideways: {page.evaluate(WIDEST)}"
    page.set_viewport_size({"width": 1280, "height": 900})


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.fixture
def first_run(app):  # type: ignore[no-untyped-def]
    """An installation as ``make run`` leaves it with no demo data: migrated, the
    shipped surveys synced, no account, and the setup link printed."""
    result = app.test_cli_runner().invoke(args=["setup", "--demo-responses", "0"])
    assert result.exit_code == 0, result.output
    match = re.search(r"^\s+(\S+/setup/\S+)$", result.output, re.M)
    assert match, result.output
    with served_over_http(app) as url:
        yield url, path_of(match.group(1))


def test_the_whole_first_run_in_the_browser(app, first_run, tmp_path):  # type: ignore[no-untyped-def]
    if not os.path.exists(CHROMIUM):
        require_or_skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright
    from pyxform.xls2json_backends import md_table_to_workbook

    base, setup_path = first_run
    # Real workbooks, as a spreadsheet program saves them.
    mistake = tmp_path / "family-checkin.xlsx"
    md_table_to_workbook(MISTAKE).save(mistake)
    fixed = tmp_path / "family-checkin-fixed.xlsx"
    md_table_to_workbook(FIXED).save(fixed)
    today = dt.date.today()
    WALK.clear()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            admin = chromium.new_context(viewport={"width": 1280, "height": 900}, base_url=base)
            admin.set_default_timeout(15_000)
            page = admin.new_page()

            # 1. The setup link: the first admin chooses their own password.
            page.goto(setup_path)
            note("1 setup link", page)
            page.get_by_label("Your email").fill(ADMIN)
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            page.get_by_label("Type the password again").fill(PASSWORD)
            page.get_by_role("button", name="Create my admin account").click()
            page.wait_for_load_state()
            assert page.url.endswith("/admin/invitations/new")
            note("2 first admin created", page)

            # 2. A partner.
            page.goto("/admin/partners/new")
            page.get_by_label("Name", exact=True).fill(PARTNER)
            page.get_by_label("Category").select_option("healthcare_provider")
            page.get_by_role("button", name="Add partner").click()
            page.wait_for_load_state()
            assert PARTNER in note("3 partner added", page)

            # 3. Invite a partner user; the inviter copies the link.
            page.goto("/admin/invitations/new")
            page.get_by_label("Email address of the person you invite").fill(PARTNER_USER)
            page.get_by_label("Role").select_option("partner")
            page.get_by_label("Partner (partner users only)").select_option(label=PARTNER)
            page.get_by_role("button", name="Make the invitation link").click()
            page.wait_for_load_state()
            note("4 invitation made", page)
            invitation = page.locator("#made-link").input_value()
            assert "/invitation/" in invitation

            # 4. The invitee sets a password and lands on their partner's page.
            invitee = chromium.new_context(viewport=NARROW, base_url=base)
            invitee.set_default_timeout(15_000)
            their = invitee.new_page()
            their.goto(path_of(invitation))
            note("5 invitation opened", their)
            their.get_by_label("Password", exact=True).fill(PASSWORD)
            their.get_by_label("Type the password again").fill(PASSWORD)
            their.get_by_role("button", name="Create my account").click()
            their.wait_for_load_state()
            assert their.url.endswith("/admin/partner")
            assert PARTNER in note("6 invitee signed in", their)
            their.get_by_role("button", name="Sign out").click()
            their.wait_for_load_state()
            their.goto("/signin")
            their.get_by_label("Email").fill(PARTNER_USER)
            their.get_by_label("Password").fill(PASSWORD)
            their.get_by_role("button", name="Sign in").click()
            their.wait_for_load_state()
            assert their.url.endswith("/admin/partner")
            assert PARTNER in note("7 invitee signs in again", their)

            # 5. An XLSForm with a mistake: the problem names its sheet and row.
            page.goto("/admin/surveys/upload")
            check_narrow(page, "upload")
            page.get_by_label(re.compile("A definition file")).set_input_files(str(mistake))
            page.get_by_role("button", name="Check").click()
            page.wait_for_load_state()
            shown = note("8 upload with a mistake", page)
            problem = (
                "family-checkin.xlsx:survey:4: condition refers to 'checkin.usd', "
                "which does not exist"
            )
            assert problem in shown, shown
            WALK.append(f"   the page lists: {problem}")
            check_narrow(page, "upload with problems")

            # 6. Fixed: the check passes, the preview shows it, Publish stores it.
            page.get_by_label(re.compile("A definition file")).set_input_files(str(fixed))
            page.get_by_role("button", name="Check").click()
            page.wait_for_load_state()
            assert "passed every check" in note("9 fixed upload checked", page)
            check_narrow(page, "upload review")
            page.get_by_role("button", name="Try it on a phone in Spanish").click()
            page.wait_for_load_state()
            assert "Preview — answers are not saved." in note("10 preview in Spanish", page)
            assert "Consulta a las familias" in page.content()
            check_narrow(page, "upload preview")
            # Back to the checked upload (the review is the answer to a post: check again).
            page.goto("/admin/surveys/upload")
            page.get_by_label(re.compile("A definition file")).set_input_files(str(fixed))
            page.get_by_role("button", name="Check").click()
            page.wait_for_load_state()
            page.get_by_role("button", name="Publish family-checkin").click()
            page.wait_for_load_state()
            assert "Published family-checkin version 1" in note("11 published", page)

            # 7. A wave open today, and a family link for the new survey.
            page.goto("/admin/waves/new")
            page.get_by_label("Name").fill("First review")
            page.get_by_label("Opens on").fill(today.isoformat())
            page.get_by_label("Closes on").fill((today + dt.timedelta(days=30)).isoformat())
            page.get_by_role("button", name="Create wave").click()
            page.wait_for_load_state()
            note("12 wave created", page)
            page.goto("/admin/links/new")
            survey = page.get_by_label("Survey", exact=True)
            option = survey.locator("option", has_text="Family check-in").first
            survey.select_option(option.get_attribute("value"))
            page.get_by_label("Wave").select_option(label="First review")
            page.get_by_label("Audience").select_option("family")
            page.get_by_role("button", name="Create link").click()
            page.wait_for_load_state()
            shown = note("13 link created", page)
            match = re.search(r"Link created: (\S+/s/\S+)", shown)
            assert match, shown
            WALK.append(f"   the page says: Link created: {path_of(match.group(1))}")

            # 8. A family answers through the link, on a phone, in Spanish.
            family = chromium.new_context(viewport=NARROW, base_url=base, locale="es-US")
            family.set_default_timeout(15_000)
            answers = family.new_page()
            answers.goto(path_of(match.group(1)))
            note("14 family opens the link", answers)
            answers.get_by_label("Sí").check()
            answers.get_by_label("De acuerdo", exact=True).check()
            answers.get_by_role("button", name=re.compile("Enviar|Siguiente")).last.click()
            answers.wait_for_load_state()
            note("15 family sent", answers)
            assert "/thanks" in answers.url

            # 9. The coordinator reads the report: the response is counted, and as one
            # family is fewer than ten, the privacy rule shows no number for it.
            page.goto("/admin/reports")
            shown = note("16 report", page)
            assert re.search(r"Families: Family check-in\s+fewer than 10 answered", shown), shown
            assert re.search(r"Families: Family survey on student support\s+no responses", shown)
            WALK.append("   Who answered: Families: Family check-in, fewer than 10 answered")
        finally:
            chromium.close()
            print("\n".join(WALK))
