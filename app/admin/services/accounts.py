"""User management for admins (services flush; the view commits)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm

from app import audit
from app.admin.services import FormProblem
from app.auth.service import end_sessions
from app.models import Partner, Role, User
from app.users import AccountError, create_user, hash_password


def all_users(session: orm.Session) -> list[User]:
    return list(
        session.scalars(
            sa.select(User).options(orm.joinedload(User.partner)).order_by(User.role, User.email)
        )
    )


def add_user(
    session: orm.Session,
    acting: User,
    email: str,
    role: Role,
    partner: Partner | None,
    password: str,
) -> User:
    if role is Role.PARTNER and partner is None:
        raise FormProblem("partner_id", "A partner user must belong to a partner: choose one.")
    if role is not Role.PARTNER and partner is not None:
        raise FormProblem("partner_id", "Only partner users belong to a partner: choose none.")
    try:
        user = create_user(session, email, password, role, partner.name if partner else None)
    except AccountError as exc:
        field = "email" if "email" in str(exc) else "password" if "password" in str(exc) else None
        raise FormProblem(field, str(exc)[:1].upper() + str(exc)[1:] + ".") from None
    audit.record(
        session, acting, "user_create", f"user:{user.id}", {"email": user.email, "role": role.value}
    )
    return user


def update_user(
    session: orm.Session,
    acting: User,
    user: User,
    role: Role,
    partner: Partner | None,
    active: bool,
    new_password: str | None,
) -> None:
    """Change a user's role, partner, active flag or password. Any change that narrows
    access signs the user out everywhere (their session token is replaced)."""
    if role is Role.PARTNER and partner is None:
        raise FormProblem("partner_id", "A partner user must belong to a partner: choose one.")
    if role is not Role.PARTNER and partner is not None:
        raise FormProblem("partner_id", "Only partner users belong to a partner: choose none.")
    if user.id == acting.id and (role is not Role.ADMIN or not active):
        raise FormProblem(
            "role", "You cannot remove your own admin access; ask another admin to do it."
        )
    changes: dict[str, object] = {}
    if role is not user.role:
        changes["role"] = [user.role.value, role.value]
    if (partner.id if partner else None) != user.partner_id:
        changes["partner"] = [
            user.partner.name if user.partner else None,
            partner.name if partner else None,
        ]
    if active != user.active:
        changes["active"] = [user.active, active]
    if new_password:
        changes["password"] = "changed"
    if not changes:
        return
    user.role = role
    user.partner = partner
    user.active = active
    if new_password:
        user.password_hash = hash_password(new_password)
    if user.id != acting.id:
        end_sessions(session, user, action=None)
    audit.record(session, acting, "user_update", f"user:{user.id}", changes)
