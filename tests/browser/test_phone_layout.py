"""Phones at 320 px, in Spanish: the rating fits one row, nothing is said twice."""

from __future__ import annotations

import pytest

from tests.browser.conftest import NARROW
from tests.browser.test_respondent import FAMILY
from tests.factories import store_survey
from tests.respond.helpers import open_link


@pytest.fixture
def family_link(session):  # type: ignore[no-untyped-def]
    link = open_link(session, store_survey(session, FAMILY))
    session.commit()
    return link


@pytest.mark.parametrize(("locale", "lang"), [("es-US", "es"), ("en-US", "en")])
def test_the_one_to_five_rating_fits_one_row_at_320_px(drive, family_link, locale, lang):
    token = family_link.token

    def steps(b):  # type: ignore[no-untyped-def]
        page = b.open(f"/s/{token}?lang={lang}", viewport=NARROW, locale=locale, js=False)
        for _ in range(3):
            page.locator(".nav-buttons .primary").click()
        rating = page.locator("#f-services_overall_helpful-q")
        boxes = [o.bounding_box() for o in rating.locator(".option").all()]
        ends = rating.locator(".rating-ends span").all_inner_texts()
        names = [
            rating.locator(f"#f-services_overall_helpful-{i}").evaluate(
                "e => e.labels[0].textContent.replace(/\\s+/g, ' ').trim()"
            )
            for i in range(5)
        ]
        return {
            "options": len(boxes),
            "rows": len({round(box["y"]) for box in boxes}),
            "narrowest": min(box["width"] for box in boxes),
            "ends": ends,
            "first": names[0],
            "last": names[-1],
        }

    measured = drive(steps)
    assert measured["options"] == 5 and measured["rows"] == 1
    assert measured["narrowest"] >= 44
    if lang == "es":
        # The words for the two ends sit under the row, and stay in the labels' names.
        assert measured["ends"] == ["Nada útil", "Muy útil"]
        assert (measured["first"], measured["last"]) == ("1 – Nada útil", "5 – Muy útil")
    else:
        assert measured["ends"] == ["Not helpful", "Very helpful"]
