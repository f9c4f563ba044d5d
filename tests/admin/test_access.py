"""Who may open what: a role x route matrix over every registered route.

The matrix reads ``app.url_map``, so a route anyone adds later is covered without
editing this file: it is public only if it is on the explicit allow-list; otherwise
anonymous visitors are sent to sign-in, partner users are refused, and the route must
say which roles it serves.
"""

from __future__ import annotations

import pytest
from flask import Blueprint

from app.auth.access import PUBLIC_BLUEPRINTS, PUBLIC_ENDPOINTS, is_public
from app.models import Partner, Role, Wave
from tests import factories
from tests.admin.conftest import WORLD_INVITATION, as_user, database

# Expected access per endpoint; every other non-public endpoint is for staff
# (admin and coordinator) only.
EVERYONE_SIGNED_IN = {
    "auth.signout",
    "auth.change_password",
    # Partner users get their own partner's report; test_report_pages.py checks the rest.
    "admin.reports",
    "admin.report_section",
    "admin.report_download",
    "admin.report_stylesheet",
    # Partner users get their own partner's actions (test_actions.py checks the list).
    "admin.actions",
    "admin.account_reminders",
}
PARTNER_ONLY = {"admin.partner_home"}
ADMIN_ONLY = {
    "admin.users",
    "admin.user_edit",
    "admin.user_reset_link",
    "admin.audit_log",
}
# Open to every signed-in role, but a partner user only for their own partner: the
# matrix asks for partner B's, which partner A may not open.
OWN_PARTNER = {"admin.partner", "admin.action", "admin.action_progress"}

ROLES = ["anonymous", "partner_a", "partner_b", "coordinator", "admin"]


@pytest.fixture
def app_config(app_config):  # type: ignore[no-untyped-def]
    # The matrix checks the access layer itself; CSRF has its own tests (test_auth.py).
    return {**app_config, "WTF_CSRF_ENABLED": False}


def argument_values(world) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """URL arguments for every route, chosen to belong to someone else where that means
    anything: partner B's response and user, for partner A."""
    return {
        "wave_id": world.current,
        "link_id": world.partner_a_link,
        "response_id": world.partner_b_response,
        "user_id": world.partner_b_user,
        "partner_id": world.partner_b,
        "fmt": "csv",
        "anchor": "summary",
        "answer_id": world.partner_b_answer,
        "redaction_id": world.partner_b_redaction,
        "invitation_id": world.invitation,
        # One-time link pages: the world's pending invitation (setup and reset links
        # with it are refused: a 404 page).
        "token": WORLD_INVITATION,
        "survey_id": world.survey,
        "number": 1,
        # A results page (public): the wave's id or slug.
        "key": world.previous,
    }


@pytest.fixture
def loop_values(app, world) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """A review of the current wave and an action partner B owns (for partner A, someone
    else's)."""
    with database(app) as session:
        wave = session.get(Wave, world.current)
        review = factories.review(session, wave)
        action = factories.action(session, wave, owner=session.get(Partner, world.partner_b))
        session.commit()
        return {"review_id": review.id, "action_id": action.id}


def allowed_roles(endpoint: str) -> set[str]:
    if endpoint in OWN_PARTNER:
        return {"partner_b", "coordinator", "admin"}
    if endpoint in EVERYONE_SIGNED_IN:
        return {"partner_a", "partner_b", "coordinator", "admin"}
    if endpoint in PARTNER_ONLY:
        return {"partner_a", "partner_b"}
    if endpoint in ADMIN_ONLY:
        return {"admin"}
    return {"coordinator", "admin"}


def protected_routes(app):  # type: ignore[no-untyped-def]
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if is_public(rule.endpoint):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def build(rule, values: dict[str, object]) -> str:  # type: ignore[no-untyped-def]
    missing = [a for a in rule.arguments if a not in values]
    assert not missing, f"{rule.endpoint}: add a test value for URL argument(s) {missing}"
    return rule.build({a: values[a] for a in rule.arguments}, append_unknown=False)[1]


def test_every_route_requires_sign_in_and_the_right_role(app, world, loop_values):  # type: ignore[no-untyped-def]
    users = {
        "partner_a": world.partner_a_user,
        "partner_b": world.partner_b_user,
        "coordinator": world.coordinator,
        "admin": world.admin,
    }
    values = {**argument_values(world), **loop_values}
    checked = 0
    for rule, method in protected_routes(app):
        url = build(rule, values)
        for role in ROLES:
            client = app.test_client()
            if role != "anonymous":
                as_user(client, app, users[role])
            response = client.open(url, method=method)
            where = f"{role} {method} {url} ({rule.endpoint})"
            if role == "anonymous":
                assert response.status_code == 302, where
                assert response.headers["Location"].startswith("/signin?next="), where
            elif role in allowed_roles(rule.endpoint):
                assert response.status_code not in (401, 403, 500), where
                assert "/signin?next=" not in response.headers.get("Location", ""), where
            else:
                assert response.status_code == 403, where
            checked += 1
    # Sanity: the workspace's own routes were all visited, for all five roles.
    assert checked >= 5 * 20


def test_every_protected_view_declares_its_roles(app):  # type: ignore[no-untyped-def]
    for rule, _method in protected_routes(app):
        view = app.view_functions[rule.endpoint]
        declared = getattr(view, "allowed_roles", None)
        assert declared, f"{rule.endpoint} does not declare roles (use roles_required)"
        expected = {
            "partner_a": Role.PARTNER,
            "partner_b": Role.PARTNER,
            "coordinator": Role.COORDINATOR,
            "admin": Role.ADMIN,
        }
        roles = allowed_roles(rule.endpoint) | (
            {"partner_a"} if rule.endpoint in OWN_PARTNER else set()
        )
        assert {expected[r] for r in roles} == set(declared), rule.endpoint


def test_public_pages_are_an_explicit_short_list(app, client, world):  # type: ignore[no-untyped-def]
    assert PUBLIC_ENDPOINTS == {
        "main.index",
        "main.health",
        "static",
        "auth.signin",
        "auth.setup",
        "auth.invitation",
        "auth.reset_password",
        "auth.forgot_password",
    }
    assert PUBLIC_BLUEPRINTS == {"respond", "preview", "results"}
    for url in ["/", "/healthz", "/signin", "/forgot", "/static/app.css"]:
        with client.get(url) as response:
            assert response.status_code == 200, url
    # The one-time link pages open only with a real token: the token is the key.
    for url in ["/setup/nothing", "/invitation/nothing", "/reset/nothing"]:
        for method in ("GET", "POST"):
            response = client.open(url, method=method, data={"password": "x" * 20})
            assert response.status_code == 404, (method, url)
            assert "This link is not valid" in response.text


def test_a_route_added_without_roles_is_refused_to_everyone(app, world):  # type: ignore[no-untyped-def]
    extra = Blueprint("extra", __name__)
    extra.add_url_rule("/extra/secret", "secret", lambda: "the secret")
    app.register_blueprint(extra)
    anonymous = app.test_client()
    response = anonymous.get("/extra/secret")
    assert response.status_code == 302 and "/signin" in response.headers["Location"]
    for user in (world.admin, world.coordinator, world.partner_a_user):
        client = app.test_client()
        as_user(client, app, user)
        response = client.get("/extra/secret")
        assert response.status_code == 403
        assert "the secret" not in response.text


def test_results_pages_are_public_but_show_only_what_is_published(app, world):  # type: ignore[no-untyped-def]
    # The "You said, we did" pages: anyone may ask, nothing unpublished answers (404);
    # their editor is for staff only (the matrix above).
    client = app.test_client()
    for url in ["/results", f"/results/{world.previous}", f"/results/{world.current}/flyer"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "/signin" not in response.headers.get("Location", ""), url
    assert is_public("results.page") and not is_public("admin.results_page")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/responses/999999",
        "/admin/responses/999999/delete",
        "/admin/links/999999/flyer",
        "/admin/links/999999/qr.svg",
        "/admin/links/999999/qr.png",
        "/admin/users/999999",
        "/admin/partners/999999",
        "/admin/partners/999999/edit",
        "/admin/?wave=999999",
        "/admin/?wave=99999999999",
        "/admin/partners/99999999999",
        "/admin/surveys/999999",
        "/admin/surveys/99999999999",
        "/admin/actions/999999",
        "/admin/actions/999999/edit",
        "/admin/actions/99999999999",
        "/admin/actions?wave=99999999999",
        "/admin/actions?review=99999999999",
        "/admin/reviews/999999",
        "/admin/reviews/999999/print",
        "/admin/reviews/999999/delete",
        "/admin/reviews/999999/agenda.pdf",
        "/admin/reviews?wave=999999",
        "/admin/reviews/new?wave=999999",
        "/admin/waves/999999/results",
        "/admin/waves/99999999999/results/preview",
    ],
)
def test_unknown_ids_are_a_404_not_an_error(app, world, url):  # type: ignore[no-untyped-def]
    client = app.test_client()
    as_user(client, app, world.admin)
    assert client.get(url).status_code == 404


def test_partner_user_never_sees_raw_responses_or_exports(app, world):  # type: ignore[no-untyped-def]
    client = app.test_client()
    as_user(client, app, world.partner_a_user)
    for url in [
        "/admin/responses",
        f"/admin/responses/{world.partner_b_response}",
        "/admin/exports?survey=family-feedback&values=labels&format=csv",
        "/admin/exports?survey=partner-feedback&values=codes&format=xlsx",
    ]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "response_id" not in response.text


def test_partner_user_never_gets_another_partners_report(app, world):  # type: ignore[no-untyped-def]
    client = app.test_client()
    as_user(client, app, world.partner_a_user)
    query = f"wave={world.current}&partner={world.partner_b}"
    for page in ["", "/download/pdf", "/download/xlsx", "/download/csv", "/download/html"]:
        url = f"/admin/reports{page}?{query}"
        response = client.get(url)
        assert response.status_code == 403, url
        assert world.partner_b_name not in response.text


def test_partner_page_shows_only_its_own_partner(app, world):  # type: ignore[no-untyped-def]
    client = app.test_client()
    as_user(client, app, world.partner_a_user)
    page = client.get("/admin/partner").text
    assert world.partner_a_name in page
    assert world.partner_b_name not in page


def test_signed_in_users_are_sent_home_by_role(app, world):  # type: ignore[no-untyped-def]
    for user, home in [(world.coordinator, "/admin/"), (world.partner_a_user, "/admin/partner")]:
        client = app.test_client()
        as_user(client, app, user)
        assert client.get("/signin").headers["Location"] == home


def row_counts(app) -> tuple[dict[str, int], dict[int, str | None]]:  # type: ignore[no-untyped-def]
    """Rows in every table, and every user's session token (a sign-out replaces it)."""
    import sqlalchemy as sa

    from app.models import Base, User

    with database(app) as session:
        counts = {
            table.name: session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }
        tokens = {k: v for k, v in session.execute(sa.select(User.id, User.session_token))}
    return counts, tokens


# The public survey pages check their posts their own way (tests/respond/).
RESPONDENT_BLUEPRINTS = {"respond"}


def test_every_workspace_post_without_a_csrf_token_is_refused_and_stores_nothing(
    make_app, world, loop_values
):  # type: ignore[no-untyped-def]
    protected = make_app(WTF_CSRF_ENABLED=True)
    values = {**argument_values(world), **loop_values}
    client = protected.test_client()
    as_user(client, protected, world.admin)
    before = row_counts(protected)
    posted = []
    for rule in sorted(protected.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" not in rule.methods or rule.endpoint.split(".")[0] in RESPONDENT_BLUEPRINTS:
            continue
        if not is_public(rule.endpoint) and "admin" not in allowed_roles(rule.endpoint):
            continue  # a partner user's own page: refused to an admin before any form
        url = build(rule, values)
        for data in ({"title": "x", "status": "done"}, {"csrf_token": "forged", "title": "x"}):
            response = client.post(url, data=data)
            where = f"POST {url} ({rule.endpoint}) with {sorted(data)}"
            assert response.status_code == 400, where
            assert "Your form has expired or was sent from elsewhere." in response.text, where
        posted.append(rule.endpoint)
    assert row_counts(protected) == before
    # Sanity: the walk reached the workspace's writes, and the admin is still signed in.
    assert len(posted) >= 30, posted
    assert {"admin.survey_publish", "admin.user_edit", "auth.signout", "auth.signin"} <= set(posted)
    assert client.get("/admin/").status_code == 200
