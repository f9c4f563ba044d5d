"""One-time account links: first-run setup, invitations and password resets.

Every function only flushes; the caller (a view or a CLI command) commits once, so a
link, the account it makes and the audit entries stand or fall together. A link's
token is returned once, when it is made, and stored only as its SHA-256: the link can
be shown to the person who made it and emailed, never read back from the database.

Using a link locks its row (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the
writer's ``BEGIN IMMEDIATE`` already serialises), so two tabs sending the same link at
once make one account, not two.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy import orm

from app import audit
from app.admin.services import FormProblem
from app.auth.service import end_sessions
from app.models import AccountLink, AccountLinkKind, Partner, Role, User, utcnow
from app.users import (
    EMAIL,
    MIN_PASSWORD_LENGTH,
    AccountError,
    create_user,
    hash_password,
    normalise_email,
    verify_password,
)

SETUP_VALID = dt.timedelta(hours=24)
INVITATION_VALID = dt.timedelta(days=7)
# A reset link an admin hands over may wait a day; one sent to a mailbox on request
# is used within minutes, so it lives an hour.
RESET_VALID = dt.timedelta(hours=24)
EMAILED_RESET_VALID = dt.timedelta(hours=1)
# At most this many emailed reset links per account per hour, whatever the address
# asking: the per-address rate limit alone would let many addresses flood one inbox.
EMAILED_RESETS_PER_HOUR = 3
MAX_PASSWORD_LENGTH = 1024

ROLE_LABELS = {
    Role.ADMIN: "Admin",
    Role.COORDINATOR: "Coordinator",
    Role.PARTNER: "Partner user",
}


class LinkRefused(Exception):
    """A link that cannot be used; ``state`` is unknown, used, expired, revoked,
    setup_done, account_exists or inactive, ``message`` says so to its holder."""

    def __init__(self, state: str, message: str):
        super().__init__(message)
        self.state = state
        self.message = message


REFUSALS = {
    "unknown": "This link is not valid. Check that the whole address was copied, or ask "
    "for a new link.",
    "used": "This link has already been used. Each link works once: sign in, or ask for a "
    "new link.",
    "expired": "This link has expired. Ask the person who sent it for a new one.",
    "revoked": "This link was withdrawn by the person who made it. Ask them for a new one.",
    "setup_done": "Set-up is already done: an account exists. Sign in, or ask an admin to "
    "invite you.",
    "account_exists": "An account with this email address already exists. Sign in, or use "
    "“Forgot your password?” on the sign-in page.",
    "inactive": "This account is deactivated. Ask an admin if you need access again.",
}


def refuse(state: str) -> LinkRefused:
    return LinkRefused(state, REFUSALS[state])


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _issue(
    session: orm.Session,
    kind: AccountLinkKind,
    valid: dt.timedelta,
    *,
    email: str | None = None,
    role: Role | None = None,
    partner: Partner | None = None,
    user: User | None = None,
    created_by: User | None = None,
) -> tuple[AccountLink, str]:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    link = AccountLink(
        kind=kind,
        token_hash=hash_token(token),
        email=email,
        role=role,
        partner=partner,
        user=user,
        created_by=created_by if isinstance(created_by, User) else None,
        created_at=now,
        expires_at=now + valid,
    )
    session.add(link)
    session.flush()
    return link, token


def find_link(session: orm.Session, kind: AccountLinkKind, token: str, lock: bool) -> AccountLink:
    """The usable link of ``kind`` with ``token``, or LinkRefused saying why not."""
    if not token or len(token) > 100:
        raise refuse("unknown")
    query = sa.select(AccountLink).where(
        AccountLink.token_hash == hash_token(token), AccountLink.kind == kind
    )
    if lock:
        query = query.with_for_update()
    link = session.scalar(query)
    if link is None:
        raise refuse("unknown")
    state = link.state(utcnow())
    if state != "pending":
        raise refuse(state)
    if kind is AccountLinkKind.SETUP and _any_user(session):
        raise refuse("setup_done")
    if kind is AccountLinkKind.RESET and (link.user is None or not link.user.active):
        raise refuse("inactive")
    return link


def _any_user(session: orm.Session) -> bool:
    return session.scalar(sa.select(User.id).limit(1)) is not None


def _revoke_pending(session: orm.Session, *conditions: sa.ColumnElement[bool]) -> list[int]:
    """Revoke every pending link matching ``conditions``; their ids."""
    now = utcnow()
    pending = list(
        session.scalars(
            sa.select(AccountLink).where(
                AccountLink.used_at.is_(None),
                AccountLink.revoked_at.is_(None),
                AccountLink.expires_at > now,
                *conditions,
            )
        )
    )
    for link in pending:
        link.revoked_at = now
    session.flush()
    return [link.id for link in pending]


def check_new_password(password: str, confirm: str | None, email: str) -> None:
    """The rules every new password meets, from any form or command."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise FormProblem(
            "password", f"Use at least {MIN_PASSWORD_LENGTH} characters (a few words work well)."
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise FormProblem("password", f"Use at most {MAX_PASSWORD_LENGTH} characters.")
    if password.strip().lower() == email.strip().lower():
        raise FormProblem("password", "Choose a password that is not your email address.")
    if confirm is not None and confirm != password:
        raise FormProblem("confirm", "The two passwords are not the same; type them again.")


# First run --------------------------------------------------------------------------


def create_setup_link(session: orm.Session) -> str | None:
    """While no user exists, a new setup link's token (earlier setup links are revoked:
    only the newest printed one works); None once anyone has an account."""
    if _any_user(session):
        return None
    replaced = _revoke_pending(session, AccountLink.kind == AccountLinkKind.SETUP)
    link, token = _issue(session, AccountLinkKind.SETUP, SETUP_VALID)
    audit.record(
        session,
        None,
        "setup_link_create",
        f"account_link:{link.id}",
        {"expires_at": link.expires_at.isoformat(), "replaces": replaced or None},
    )
    return token


def complete_setup(
    session: orm.Session, token: str, email: str, password: str, confirm: str
) -> User:
    """Create the first admin through the setup link ``token``."""
    link = find_link(session, AccountLinkKind.SETUP, token, lock=True)
    email = normalise_email(email)
    if not EMAIL.match(email) or len(email) > 254:
        raise FormProblem("email", "Enter an email address, like name@school.org.")
    check_new_password(password, confirm, email)
    user = create_user(session, email, password, Role.ADMIN)
    link.used_at = utcnow()
    link.user = user
    session.flush()
    audit.record(
        session, user, "setup_complete", f"user:{user.id}", {"email": email, "role": "admin"}
    )
    return user


# Invitations ------------------------------------------------------------------------


def invite(
    session: orm.Session, acting: User, email: str, role: Role, partner: Partner | None
) -> tuple[AccountLink, str]:
    """Invite ``email`` as ``role`` (partner users: of ``partner``). A pending invitation
    to the same address is replaced (revoked), so a lost link is fixed by inviting again."""
    email = normalise_email(email)
    if not EMAIL.match(email) or len(email) > 254:
        raise FormProblem("email", "Enter an email address, like name@school.org.")
    if role is Role.ADMIN and acting.role is not Role.ADMIN:
        raise FormProblem("role", "Only an admin can invite another admin.")
    if role is Role.PARTNER and partner is None:
        raise FormProblem("partner_id", "A partner user belongs to a partner: choose one.")
    if role is not Role.PARTNER and partner is not None:
        raise FormProblem("partner_id", "Only partner users belong to a partner: choose none.")
    if session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise FormProblem(
            "email",
            f"{email} already has an account. To help them in, an admin can give them a "
            "password reset link from the Users page.",
        )
    replaced = _revoke_pending(
        session, AccountLink.kind == AccountLinkKind.INVITATION, AccountLink.email == email
    )
    link, token = _issue(
        session,
        AccountLinkKind.INVITATION,
        INVITATION_VALID,
        email=email,
        role=role,
        partner=partner,
        created_by=acting,
    )
    audit.record(
        session,
        acting,
        "invitation_create",
        f"account_link:{link.id}",
        {
            "email": email,
            "role": role.value,
            "partner": partner.name if partner else None,
            "replaces": replaced or None,
        },
    )
    return link, token


def invitations(session: orm.Session) -> list[AccountLink]:
    """Every invitation, newest first."""
    return list(
        session.scalars(
            sa.select(AccountLink)
            .where(AccountLink.kind == AccountLinkKind.INVITATION)
            .options(orm.joinedload(AccountLink.partner), orm.joinedload(AccountLink.created_by))
            .order_by(AccountLink.created_at.desc(), AccountLink.id.desc())
        )
    )


def revoke_invitation(session: orm.Session, acting: User, link: AccountLink) -> None:
    if link.kind is not AccountLinkKind.INVITATION:
        raise FormProblem(None, "That is not an invitation.")
    state = link.state(utcnow())
    if state != "pending":
        raise FormProblem(None, f"This invitation is {state}; there is nothing to withdraw.")
    if link.role is Role.ADMIN and acting.role is not Role.ADMIN:
        raise FormProblem(None, "Only an admin can withdraw an invitation to an admin.")
    link.revoked_at = utcnow()
    session.flush()
    audit.record(
        session, acting, "invitation_revoke", f"account_link:{link.id}", {"email": link.email}
    )


def accept_invitation(session: orm.Session, token: str, password: str, confirm: str) -> User:
    """Create the invited account with the invitee's own password."""
    link = find_link(session, AccountLinkKind.INVITATION, token, lock=True)
    assert link.email is not None and link.role is not None
    if session.scalar(sa.select(User.id).where(User.email == link.email)) is not None:
        raise refuse("account_exists")
    check_new_password(password, confirm, link.email)
    try:
        user = create_user(
            session, link.email, password, link.role, link.partner.name if link.partner else None
        )
    except AccountError as error:  # e.g. the partner was renamed: name it plainly
        raise FormProblem(None, str(error)[:1].upper() + str(error)[1:] + ".") from None
    link.used_at = utcnow()
    link.user = user
    session.flush()
    audit.record(
        session,
        user,
        "invitation_accept",
        f"user:{user.id}",
        {"email": user.email, "role": user.role.value, "invitation": link.id},
    )
    return user


# Passwords --------------------------------------------------------------------------


def issue_reset(session: orm.Session, acting: User, user: User) -> str:
    """An admin's reset link for ``user`` (to pass on); earlier pending ones are revoked."""
    if not user.active:
        raise FormProblem(None, "This account is deactivated: activate it first.")
    _revoke_pending(
        session, AccountLink.kind == AccountLinkKind.RESET, AccountLink.user_id == user.id
    )
    link, token = _issue(session, AccountLinkKind.RESET, RESET_VALID, user=user, created_by=acting)
    audit.record(session, acting, "password_reset_issue", f"user:{user.id}", {"link": link.id})
    return token


def request_reset(session: orm.Session, email: str) -> tuple[User, str] | None:
    """A reset link to email to the active account with ``email``, or None (no such
    account, or enough links were sent to it this hour). The caller answers the same
    either way, so nobody learns which addresses have accounts."""
    email = normalise_email(email)
    user = session.scalar(sa.select(User).where(User.email == email, User.active.is_(True)))
    if user is None:
        return None
    recent = session.scalars(
        sa.select(sa.func.count())
        .select_from(AccountLink)
        .where(
            AccountLink.kind == AccountLinkKind.RESET,
            AccountLink.user_id == user.id,
            AccountLink.created_by_id.is_(None),
            AccountLink.created_at > utcnow() - dt.timedelta(hours=1),
        )
    ).one()
    if recent >= EMAILED_RESETS_PER_HOUR:
        return None
    link, token = _issue(session, AccountLinkKind.RESET, EMAILED_RESET_VALID, user=user)
    audit.record(session, user, "password_reset_request", f"user:{user.id}", {"link": link.id})
    return user, token


def complete_reset(session: orm.Session, token: str, password: str, confirm: str) -> User:
    """Set a new password through a reset link; every session of the user ends."""
    link = find_link(session, AccountLinkKind.RESET, token, lock=True)
    user = link.user
    assert user is not None
    check_new_password(password, confirm, user.email)
    user.password_hash = hash_password(password)
    link.used_at = utcnow()
    _revoke_pending(
        session, AccountLink.kind == AccountLinkKind.RESET, AccountLink.user_id == user.id
    )
    end_sessions(session, user, action=None)
    audit.record(session, user, "password_reset", f"user:{user.id}", {"link": link.id})
    return user


def change_password(
    session: orm.Session, user: User, current: str, password: str, confirm: str
) -> None:
    """Change one's own password (the current one required); every other session of the
    user ends (the caller signs this one in again with the new session token)."""
    if not verify_password(user, current):
        raise FormProblem("current_password", "That is not your current password.")
    check_new_password(password, confirm, user.email)
    if verify_password(user, password):
        raise FormProblem("password", "The new password is the same as the current one.")
    user.password_hash = hash_password(password)
    _revoke_pending(
        session, AccountLink.kind == AccountLinkKind.RESET, AccountLink.user_id == user.id
    )
    end_sessions(session, user, action=None)
    audit.record(session, user, "password_change", f"user:{user.id}")


# Messages -------------------------------------------------------------------------


def invitation_email(url: str, role: str, partner: str | None, inviter: str) -> str:
    where = f" for {partner}" if partner else ""
    return (
        f"{inviter} invites you to the Partnership feedback workspace as {role}{where}.\n\n"
        "To accept, open this link and choose your own password (it works once, for "
        "7 days):\n\n"
        f"  {url}\n\n"
        "If you did not expect this, ignore this message.\n"
    )


def reset_email(url: str, emailed: bool) -> str:
    lifetime = "an hour" if emailed else "24 hours"
    return (
        "Someone asked to reset the password of your Partnership feedback account.\n\n"
        f"To choose a new password, open this link (it works once, for {lifetime}):\n\n"
        f"  {url}\n\n"
        "If you did not ask for this, ignore this message: your password stays as it is.\n"
    )
