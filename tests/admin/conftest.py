"""A small partnership for workspace tests: surveys, two partners, waves, links,
responses, and one user per role (plus a partner user for each partner)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
import sqlalchemy as sa

from app.definitions.sync import sync_directory
from app.demo import generate
from app.models import Link, Partner, Response, Role, User, Wave
from app.users import create_user

PASSWORD = "correct horse battery staple"
CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


@dataclasses.dataclass
class World:
    admin: User
    coordinator: User
    partner_a_user: User
    partner_b_user: User
    partner_a: Partner
    partner_b: Partner
    current: Wave
    previous: Wave
    link: Link
    partner_a_link: Link
    response: Response
    partner_b_response: Response


@pytest.fixture
def world(app, session):  # type: ignore[no-untyped-def]
    sync_directory(session, app.config["SURVEYS_DIR"])
    today = dt.date.today()
    generate(session, 120, seed=3, today=today)
    partners = list(session.scalars(sa.select(Partner).order_by(Partner.id)))
    partner_a, partner_b = partners[0], partners[1]
    users = {
        "admin": create_user(session, "admin@example.org", PASSWORD, Role.ADMIN),
        "coordinator": create_user(session, "coord@example.org", PASSWORD, Role.COORDINATOR),
        "a": create_user(session, "a@example.org", PASSWORD, Role.PARTNER, partner_a.name),
        "b": create_user(session, "b@example.org", PASSWORD, Role.PARTNER, partner_b.name),
    }
    waves = list(session.scalars(sa.select(Wave).order_by(Wave.opens_on)))
    previous, current = waves[0], waves[-1]
    link = session.scalar(
        sa.select(Link).where(Link.wave_id == current.id, Link.partner_id.is_(None)).limit(1)
    )
    partner_a_link = session.scalar(
        sa.select(Link).where(Link.wave_id == current.id, Link.partner_id == partner_a.id).limit(1)
    )
    response = session.scalar(sa.select(Response).order_by(Response.id).limit(1))
    partner_b_response = session.scalar(
        sa.select(Response).where(Response.partner_id == partner_b.id).limit(1)
    )
    session.commit()
    return World(
        users["admin"],
        users["coordinator"],
        users["a"],
        users["b"],
        partner_a,
        partner_b,
        current,
        previous,
        link,
        partner_a_link,
        response,
        partner_b_response,
    )


def csrf_token(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1) or found.group(2)


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
