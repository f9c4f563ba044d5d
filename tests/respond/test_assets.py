"""Light and private pages: compressed, cacheable, no third parties; the catalogue."""

from __future__ import annotations

import datetime as dt
import gzip
import re

from babel.messages import pofile
from babel.messages.extract import extract_from_dir

from app.admin.services.links import create_link
from app.models import Wave
from bench.page_weight import BUDGET_BYTES, measure, twenty_question_survey
from tests.conftest import ROOT
from tests.factories import store_survey
from tests.respond.helpers import TRANSLATIONS


def test_twenty_question_page_stays_under_30_kb_with_no_third_party(client, session):
    survey = store_survey(session, twenty_question_survey(), "page-weight.yaml")
    today = dt.date.today()
    wave = Wave(name="weight", opens_on=today, closes_on=today)
    session.add(wave)
    link = create_link(session, survey, wave, "family")
    session.commit()
    weight = measure(client, f"/s/{link.token}")
    page = gzip.decompress(client.get(f"/s/{link.token}", headers={"Accept-Encoding": "gzip"}).data)
    assert page.decode().count('class="question ') == 20
    assert [f[0].split("?")[0] for f in weight.files[1:]] == [
        "/static/app.css",
        "/static/respond.css",
        "/static/respond.js",
    ]
    assert weight.third_party == []
    assert weight.total <= BUDGET_BYTES


def test_html_is_gzipped_when_the_browser_accepts_it(client, example_link):
    plain = client.get(f"/s/{example_link.token}")
    zipped = client.get(f"/s/{example_link.token}", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert len(zipped.data) < len(plain.data) / 2
    assert gzip.decompress(zipped.data).decode().startswith("<!doctype html>")


def test_static_files_are_versioned_compressed_and_cached_for_a_year(client, example_link):
    body = client.get(f"/s/{example_link.token}").get_data(as_text=True)
    url = re.search(r'src="(/static/respond\.js\?v=[0-9a-f]+)"', body).group(1)
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" in response.headers["Cache-Control"]
    source = (ROOT / "app" / "static" / "respond.js").read_bytes()
    assert gzip.decompress(response.data) == source
    # Without the version (or with an old one) the file is not promised immutable.
    stale = client.get("/static/respond.js?v=0000")
    assert "immutable" not in stale.headers.get("Cache-Control", "")
    stale.close()


def test_spanish_catalogue_translates_every_interface_string():
    extracted = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for method_map in [[("app/**.py", "python"), ("app/templates/**.html", "jinja2")]]
        for message in extract_from_dir(str(ROOT), method_map, keywords=_keywords())
    }
    with (TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = pofile.read_po(handle)
    translated = {}
    for message in catalog:
        if message.id:
            key = message.id if isinstance(message.id, str) else message.id[0]
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            translated[key] = all(strings) and not message.fuzzy
    missing = sorted(m for m in extracted if not translated.get(m))
    assert missing == [], "run pybabel extract/update and translate: " + repr(missing[:5])


def _keywords():  # type: ignore[no-untyped-def]
    from babel.messages.extract import DEFAULT_KEYWORDS

    return {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}
