"""Behind a reverse proxy: whose address the survey limit counts, and when HTTPS is seen.

Every request here comes from 127.0.0.1, the proxy; the families differ only in the
X-Forwarded-For entry the proxy added for them.
"""

from __future__ import annotations

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from app import create_app
from app.extensions import db
from tests.conftest import EXAMPLE, base_config
from tests.factories import store_survey
from tests.respond.helpers import Respondent, open_link

PROXY = "127.0.0.1"


@pytest.fixture
def trusted_proxies() -> int:
    """One nginx in front, as in docs/deploy.md; parametrize a test to change it."""
    return 1


@pytest.fixture
def app_config(database_url, tmp_path, trusted_proxies):  # type: ignore[no-untyped-def]
    config = base_config(database_url, tmp_path)
    config.update(
        RATELIMIT_ENABLED=True, SUBMIT_RATE_LIMIT="3 per minute", TRUSTED_PROXIES=trusted_proxies
    )
    return config


@pytest.fixture
def token(app) -> str:  # type: ignore[no-untyped-def]
    """An open link to the example survey, made in a context of its own: a context held
    open by the test would be shared by every request, and with it one CSRF token."""
    with app.app_context():
        link = open_link(db.session, store_survey(db.session, EXAMPLE))
        db.session.commit()
        return link.token


def family(app, token: str, forwarded_for: str) -> Respondent:  # type: ignore[no-untyped-def]
    """A family's own device, reaching the app through the proxy."""
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)
    respondent = Respondent(client, token)
    respondent.open()
    return respondent


def post_page(respondent: Respondent) -> int:
    """Send the first page again (Back, then Next): one counted post."""
    status = respondent.press("next", {"uses_services": "no"}).status_code
    respondent.history_back()
    return status


def test_families_behind_one_proxy_are_counted_apart(app, token):  # type: ignore[no-untyped-def]
    first = family(app, token, "198.51.100.1")
    second = family(app, token, "198.51.100.2")
    assert [post_page(first) for _ in range(4)] == [200, 200, 200, 429]
    assert post_page(second) == 200


def test_a_forged_entry_before_the_proxys_own_is_ignored(app, token):  # type: ignore[no-untyped-def]
    """nginx appends the address it saw to whatever the client sent; only that last
    entry is believed, so a client writing its own entries is still counted as itself."""
    respondent = family(app, token, "198.51.100.1")
    statuses = []
    for forged in ("203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"):
        respondent.client.environ_base["HTTP_X_FORWARDED_FOR"] = f"{forged}, 198.51.100.1"
        statuses.append(post_page(respondent))
    assert statuses == [200, 200, 200, 429]


@pytest.mark.parametrize("trusted_proxies", [0])
def test_without_trusted_proxies_the_header_does_not_change_the_address(app, token):  # type: ignore[no-untyped-def]
    respondent = family(app, token, "198.51.100.1")
    statuses = []
    for forged in ("203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"):
        respondent.client.environ_base["HTTP_X_FORWARDED_FOR"] = forged
        statuses.append(post_page(respondent))
    assert statuses == [200, 200, 200, 429]
    # Another device behind the same address shares the count: the header is not read.
    assert post_page(family(app, token, "198.51.100.2")) == 429


def test_https_at_the_proxy_sends_hsts(client, token):  # type: ignore[no-untyped-def]
    survey = f"/s/{token}"
    secure = client.get(survey, headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get(survey).headers


@pytest.mark.parametrize("trusted_proxies", [0])
def test_without_trusted_proxies_the_scheme_header_is_ignored(client, token):  # type: ignore[no-untyped-def]
    response = client.get(f"/s/{token}", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


def built_wsgi_app(config: dict):  # type: ignore[no-untyped-def]
    """The WSGI callable the factory hands to the server, engines closed afterwards."""
    app = create_app(config)
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()
    return app.wsgi_app


def test_the_number_of_hops_is_passed_to_proxy_fix(database_url, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    wsgi_app = built_wsgi_app(base_config(database_url, tmp_path))
    assert isinstance(wsgi_app, ProxyFix)
    assert (wsgi_app.x_for, wsgi_app.x_proto, wsgi_app.x_host, wsgi_app.x_prefix) == (2, 2, 0, 0)
    monkeypatch.setenv("TRUSTED_PROXIES", "0")
    assert not isinstance(built_wsgi_app(base_config(database_url, tmp_path)), ProxyFix)


@pytest.mark.parametrize(
    ("variable", "override", "message"),
    [
        ("-1", None, "TRUSTED_PROXIES=-1 is below 0"),
        ("two", None, "TRUSTED_PROXIES='two' is not a whole number"),
        (None, -2, "TRUSTED_PROXIES=-2 is below 0"),
        (None, "1", "TRUSTED_PROXIES='1' is not a whole number"),
        (None, True, "TRUSTED_PROXIES=True is not a whole number"),
    ],
)
def test_a_malformed_trusted_proxies_stops_the_start(  # type: ignore[no-untyped-def]
    database_url, tmp_path, monkeypatch, variable, override, message
):
    config = base_config(database_url, tmp_path)
    if variable is not None:
        monkeypatch.setenv("TRUSTED_PROXIES", variable)
    else:
        config["TRUSTED_PROXIES"] = override
    with pytest.raises(SystemExit, match=message) as info:
        create_app(config)
    assert "\n" not in str(info.value)
