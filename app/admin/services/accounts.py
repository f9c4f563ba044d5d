"""User management for admins: role, partner, deactivation (services flush; the view
commits). New people come in by invitation (``app.auth.account_links``)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm

from app import audit
from app.admin.services import FormProblem
from app.auth.service import end_sessions
from app.models import AccountLink, AccountLinkKind, Partner, Role, User, utcnow


def all_users(session: orm.Session) -> list[User]:
    return list(
        session.scalars(
            sa.select(User).options(orm.joinedload(User.partner)).order_by(User.role, User.email)
        )
    )


def update_user(
    session: orm.Session,
    acting: User,
    user: User,
    role: Role,
    partner: Partner | None,
    active: bool,
) -> None:
    """Change a user's role, partner or active flag (people move on and leave). Any
    change signs the user out everywhere (their session token is replaced), so what
    they may see changes at once; deactivation also withdraws their pending reset
    links. Passwords are never set by someone else: an admin issues a reset link."""
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
    if not changes:
        return
    user.role = role
    user.partner = partner
    user.active = active
    if not active:
        now = utcnow()
        for link in session.scalars(
            sa.select(AccountLink).where(
                AccountLink.user_id == user.id,
                AccountLink.kind == AccountLinkKind.RESET,
                AccountLink.used_at.is_(None),
                AccountLink.revoked_at.is_(None),
            )
        ):
            link.revoked_at = now
    if user.id != acting.id:
        end_sessions(session, user, action=None)
    audit.record(session, acting, "user_update", f"user:{user.id}", changes)
