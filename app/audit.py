"""The audit log: who exported, downloaded, deleted or changed what, and when.

``record`` only adds and flushes; the request's single commit writes the event
together with the change it describes, so an audited action and its entry stand or
fall together.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from sqlalchemy import orm

from app.models import AuditEvent, User

# Actions written to the log; the audit page offers them as a filter.
ACTIONS = (
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "export",
    "report_download",
    "report_view",
    "response_delete",
    "wave_create",
    "wave_open",
    "wave_close",
    "link_create",
    "link_open",
    "link_close",
    "user_create",
    "user_update",
    "setup_link_create",
    "setup_complete",
    "invitation_create",
    "invitation_revoke",
    "invitation_accept",
    "password_reset_issue",
    "password_reset_request",
    "password_reset",
    "password_change",
    "wave_update",
    "link_update",
    "release",
    "comment_redact",
    "comment_restore",
    "partner_create",
    "partner_update",
    "partner_delete",
    "survey_publish",
    "survey_sync_force",
    "interviews_import",
    "interview_note_code",
    # Review meetings and action items
    "review_create",
    "review_update",
    "review_agenda",
    "review_delete",
    "action_create",
    "action_update",
    "action_progress",
    "action_reminder",
    "action_reminders_setting",
    # The public results page of a wave ("You said, we did").
    "results_draft",
    "results_edit",
    "results_publish",
    "results_unpublish",
)


def record(
    session: orm.Session,
    user: User | None,
    action: str,
    target: str,
    detail: dict[str, t.Any] | None = None,
) -> AuditEvent:
    """Add an audit event (only flushes)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    event = AuditEvent(
        user_id=user.id if user is not None else None,
        action=action,
        target=target[:255],
        detail=detail or None,
    )
    session.add(event)
    session.flush()
    return event


def events_query(action: str | None = None, user_id: int | None = None) -> sa.Select:
    """Audit events, newest first, optionally of one action or one user."""
    query = (
        sa.select(AuditEvent)
        .options(orm.joinedload(AuditEvent.user))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if action:
        query = query.where(AuditEvent.action == action)
    if user_id:
        query = query.where(AuditEvent.user_id == user_id)
    return query
