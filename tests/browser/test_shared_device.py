"""A school device passes from one student to the next: a draft left on it says whose
it may be, can be cleared in one tap, and does not outlive a day or a submission."""

from __future__ import annotations

from tests.browser.test_respondent import draft_keys
from tests.respond.helpers import open_link

DAY_MS = 24 * 60 * 60 * 1000


def draft_age_ms(page, token: str) -> int:  # type: ignore[no-untyped-def]
    return page.evaluate(
        "t => Date.now() - JSON.parse(localStorage.getItem('survey-draft:' + t)).saved", token
    )


def age_draft(page, token: str, ms: int) -> None:  # type: ignore[no-untyped-def]
    """Pretend the draft's last change was ``ms`` ago."""
    page.evaluate(
        """([t, ms]) => {
            const key = 'survey-draft:' + t;
            const draft = JSON.parse(localStorage.getItem(key));
            draft.saved = Date.now() - ms;
            localStorage.setItem(key, JSON.stringify(draft));
        }""",
        [token, ms],
    )


def test_a_restored_draft_says_so_and_not_you_starts_over(drive, example_link):
    token = example_link.token

    def steps(b):  # type: ignore[no-untyped-def]
        context = b.context(locale="es-US")
        page = b.open(f"/s/{token}", context=context)
        first_uuid = page.locator("input[name=_uuid]").input_value()
        page.get_by_label("Sí", exact=True).check()
        page.get_by_label("Mensaje de texto").check()
        page.close()
        # The next student opens the same link on the same device.
        page = b.open(f"/s/{token}", context=context)
        notice = page.locator("[data-restored-notice]")
        seen = {
            "notice": notice.is_visible() and notice.inner_text(),
            "filled": page.get_by_label("Sí", exact=True).is_checked(),
        }
        page.get_by_role("link", name="¿No es usted? Empiece de nuevo").click()
        seen["after"] = {
            "notice": page.locator("[data-restored-notice]").is_visible(),
            "yes": page.get_by_label("Sí", exact=True).is_checked(),
            "text": page.get_by_label("Mensaje de texto").is_checked(),
            "new_submission": page.locator("input[name=_uuid]").input_value() != first_uuid,
        }
        return seen

    seen = drive(steps)
    assert seen["filled"]
    assert "Completamos las respuestas que se dieron antes en este dispositivo." in seen["notice"]
    assert "un día después del último cambio" in seen["notice"]
    assert seen["after"] == {"notice": False, "yes": False, "text": False, "new_submission": True}


def test_drafts_expire_a_day_after_their_last_change(drive, example_link, session):
    other = open_link(session, session.merge(example_link).survey, audience="staff")
    session.commit()
    token, other_token = example_link.token, other.token

    def steps(b):  # type: ignore[no-untyped-def]
        context = b.context(locale="es-US")
        page = b.open(f"/s/{other_token}", context=context)
        page.get_by_label("Sí", exact=True).check()
        age_draft(page, other_token, DAY_MS + 60_000)
        page = b.open(f"/s/{token}", context=context)
        page.get_by_label("Sí", exact=True).check()
        age_draft(page, token, DAY_MS - 3_600_000)
        seen = {
            # Any survey page clears every expired draft on the device.
            "other_gone": f"survey-draft:{other_token}" not in draft_keys(page),
        }
        page.close()
        # 23 hours after the last change: still there, and opening it is no change.
        page = b.open(f"/s/{token}", context=context)
        seen["kept"] = page.get_by_label("Sí", exact=True).is_checked()
        seen["age_kept"] = draft_age_ms(page, token) > DAY_MS - 3_700_000
        age_draft(page, token, DAY_MS + 1_000)
        page.close()
        page = b.open(f"/s/{token}", context=context)
        seen["expired"] = not page.get_by_label("Sí", exact=True).is_checked()
        seen["no_notice"] = not page.locator("[data-restored-notice]").is_visible()
        return seen

    assert drive(steps) == {
        "other_gone": True,
        "kept": True,
        "age_kept": True,
        "expired": True,
        "no_notice": True,
    }
