"""Typed SQLAlchemy models, split by family. Flask-free: reports import them too."""

from app.models.audit import AuditEvent
from app.models.base import Base, utcnow
from app.models.collection import Audience, Channel, Link, Wave
from app.models.people import (
    CATEGORY_LABELS,
    AccountLink,
    AccountLinkKind,
    Partner,
    PartnerCategory,
    Role,
    User,
)
from app.models.reporting import CommentRedaction, Release, ReportFile
from app.models.response import Answer, Response, answer_facts
from app.models.survey import Survey, SurveyVersion

__all__ = [
    "CATEGORY_LABELS",
    "AccountLink",
    "AccountLinkKind",
    "Answer",
    "Audience",
    "AuditEvent",
    "Base",
    "Channel",
    "CommentRedaction",
    "Link",
    "Partner",
    "PartnerCategory",
    "Release",
    "ReportFile",
    "Response",
    "Role",
    "Survey",
    "SurveyVersion",
    "User",
    "Wave",
    "answer_facts",
    "utcnow",
]
