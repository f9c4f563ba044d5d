"""A small partnership for workspace tests: surveys, two partners, waves, links,
responses, and one user per role (plus a partner user for each partner).

The fixture builds it in its own application context and hands out ids, not objects:
requests made by the test client then run in their own contexts, as in production
(a context held open by the test would be shared by every request).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
import sqlalchemy as sa

from app.auth.account_links import hash_token
from app.definitions import definition_files, load_file
from app.demo import generate
from app.extensions import db
from app.models import (
    AccountLink,
    AccountLinkKind,
    Answer,
    CommentRedaction,
    Link,
    Partner,
    Response,
    Role,
    Survey,
    User,
    Wave,
    utcnow,
)
from app.users import hash_password
from tests.conftest import ROOT
from tests.factories import database, store_survey

PASSWORD = "correct horse battery staple"
# The token of the world's pending invitation (only its hash is stored).
WORLD_INVITATION = "world-invitation-token"
CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


@dataclasses.dataclass(frozen=True)
class World:
    admin: int
    coordinator: int
    partner_a_user: int
    partner_b_user: int
    partner_a: int
    partner_b: int
    partner_a_name: str
    partner_b_name: str
    current: int
    previous: int
    link: int
    partner_a_link: int
    response: int
    partner_b_response: int
    partner_b_answer: int  # a written answer, with a redaction of it
    partner_b_redaction: int
    invitation: int  # a pending invitation of a partner B user
    survey: int  # the family survey


@pytest.fixture(scope="session")
def survey_definitions():  # type: ignore[no-untyped-def]
    """The project's surveys, parsed once (YAML parsing dominates fixture time)."""
    return [(load_file(path), path.name) for path in definition_files(ROOT / "surveys")]


@pytest.fixture(scope="session")
def password_hash() -> str:
    """Hashed once: argon2 is slow on purpose, and every test needs four users."""
    return hash_password(PASSWORD)


def add_user(session, email: str, role: Role, password_hash: str, partner=None) -> User:  # type: ignore[no-untyped-def]
    user = User(email=email, password_hash=password_hash, role=role, partner=partner)
    session.add(user)
    session.flush()
    return user


@pytest.fixture
def world(app, survey_definitions, password_hash) -> World:  # type: ignore[no-untyped-def]
    with database(app) as session:
        for definition, name in survey_definitions:
            store_survey(session, definition, name)
        generate(session, 120, seed=3, today=dt.date.today())
        partners = list(session.scalars(sa.select(Partner).order_by(Partner.id)))
        partner_a, partner_b = partners[0], partners[1]
        admin = add_user(session, "admin@example.org", Role.ADMIN, password_hash)
        coordinator = add_user(session, "coord@example.org", Role.COORDINATOR, password_hash)
        user_a = add_user(session, "a@example.org", Role.PARTNER, password_hash, partner_a)
        user_b = add_user(session, "b@example.org", Role.PARTNER, password_hash, partner_b)
        waves = list(session.scalars(sa.select(Wave).order_by(Wave.opens_on)))
        link = session.scalar(
            sa.select(Link).where(Link.wave_id == waves[-1].id, Link.partner_id.is_(None)).limit(1)
        )
        partner_a_link = session.scalar(
            sa.select(Link)
            .where(Link.wave_id == waves[-1].id, Link.partner_id == partner_a.id)
            .limit(1)
        )
        response = session.scalar(sa.select(Response).order_by(Response.id).limit(1))
        partner_b_response = session.scalar(
            sa.select(Response).where(Response.partner_id == partner_b.id).limit(1)
        )
        written = session.scalar(
            sa.select(Answer)
            .join(Response, Response.id == Answer.response_id)
            .where(Answer.value_text.is_not(None), Response.partner_id == partner_b.id)
            .order_by(Answer.id)
            .limit(1)
        ) or session.scalar(
            sa.select(Answer).where(Answer.value_text.is_not(None)).order_by(Answer.id).limit(1)
        )
        redaction = CommentRedaction(answer_id=written.id, text="[name] was kind", reason="name")
        session.add(redaction)
        invitation = AccountLink(
            kind=AccountLinkKind.INVITATION,
            token_hash=hash_token(WORLD_INVITATION),
            email="invitee@example.org",
            role=Role.PARTNER,
            partner=partner_b,
            created_by=admin,
            expires_at=utcnow() + dt.timedelta(days=7),
        )
        session.add(invitation)
        session.flush()
        world = World(
            admin=admin.id,
            coordinator=coordinator.id,
            partner_a_user=user_a.id,
            partner_b_user=user_b.id,
            partner_a=partner_a.id,
            partner_b=partner_b.id,
            partner_a_name=partner_a.name,
            partner_b_name=partner_b.name,
            current=waves[-1].id,
            previous=waves[0].id,
            link=link.id,
            partner_a_link=partner_a_link.id,
            response=response.id,
            partner_b_response=partner_b_response.id,
            partner_b_answer=written.id,
            partner_b_redaction=redaction.id,
            invitation=invitation.id,
            survey=session.scalar(sa.select(Survey.id).where(Survey.slug == "family-feedback")),
        )
        session.commit()
    return world


@pytest.fixture
def make_app(app_config):  # type: ignore[no-untyped-def]
    """Build extra apps with changed settings; their connections are closed afterwards."""
    from app import create_app

    made = []

    def make(**overrides):  # type: ignore[no-untyped-def]
        extra = create_app({**app_config, **overrides})
        made.append(extra)
        return extra

    yield make
    for extra in made:
        with extra.app_context():
            for engine in db.engines.values():
                engine.dispose()


def as_user(client, app, user_id: int) -> None:  # type: ignore[no-untyped-def]
    """Put ``client`` in a signed-in session for the user without the sign-in form (fast;
    the form itself is tested in test_auth.py)."""
    with database(app) as session:
        user = session.get(User, user_id)
        if not user.session_token:
            user.session_token = f"test-{user.id}-{user.email}"
            session.commit()
        token = user.session_token
    with client.session_transaction() as cookie_session:
        cookie_session["_user_id"] = token
        cookie_session["_fresh"] = True


@pytest.fixture
def coordinator(app, world):  # type: ignore[no-untyped-def]
    """A test client signed in as the world's coordinator."""
    client = app.test_client()
    as_user(client, app, world.coordinator)
    return client


@pytest.fixture
def client_as(app, world):  # type: ignore[no-untyped-def]
    """``client_as(user_id)``: a test client signed in as that user."""

    def make(user_id: int):  # type: ignore[no-untyped-def]
        client = app.test_client()
        as_user(client, app, user_id)
        return client

    return make


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def sign_in(client, email: str, password: str = PASSWORD, next_url: str | None = None):  # type: ignore[no-untyped-def]
    page = client.get("/signin")
    data = {"email": email, "password": password, "csrf_token": csrf_token(page.text)}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/signin", data=data)


def post_form(client, page_url: str, url: str, data: dict):  # type: ignore[no-untyped-def]
    """Post ``data`` to ``url`` with the CSRF token of the page at ``page_url``."""
    token = csrf_token(client.get(page_url).text)
    return client.post(url, data={**data, "csrf_token": token})
