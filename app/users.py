"""Accounts: creating users and checking passwords (argon2id)."""

from __future__ import annotations

import functools
import re

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import orm

from app.models import Partner, Role, User

_hasher = PasswordHasher()
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 12


@functools.cache
def _dummy_hash() -> str:
    # Verified when the email is unknown, so both failures take the same time. Made on
    # first use: hashing is deliberately slow and would otherwise slow every start-up.
    return _hasher.hash("not a real password, used for timing")


class AccountError(ValueError):
    """A user could not be created; the message says why."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """Check ``password``; an unknown user costs the same time as a wrong password."""
    try:
        return (
            _hasher.verify(user.password_hash if user else _dummy_hash(), password)
            and user is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(
    session: orm.Session,
    email: str,
    password: str,
    role: Role | str,
    partner_name: str | None = None,
) -> User:
    """Create a user (only flushes). Partner users must name an existing partner."""
    email = normalise_email(email)
    if not EMAIL.match(email):
        raise AccountError(f"{email!r} is not an email address")
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(f"unknown role {role!r}; use admin, coordinator or partner") from None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    partner = None
    if role is Role.PARTNER:
        if not partner_name:
            raise AccountError("a partner user needs --partner NAME")
        partner = session.scalar(sa.select(Partner).where(Partner.name == partner_name))
        if partner is None:
            raise AccountError(f"no partner named {partner_name!r}")
    elif partner_name:
        raise AccountError("only partner users belong to a partner")
    if session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise AccountError(f"a user with email {email} already exists")
    user = User(email=email, password_hash=hash_password(password), role=role, partner=partner)
    session.add(user)
    session.flush()
    return user
