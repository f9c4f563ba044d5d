"""Typed SQLAlchemy models, split by family. Flask-free: reports import them too."""

from app.models.audit import AuditEvent
from app.models.base import Base, utcnow
from app.models.coding import CodedNote, ThemeTag
from app.models.collection import Audience, Channel, Link, Wave
from app.models.people import (
    AGREEMENT_LABELS,
    CATEGORY_LABELS,
    AccountLink,
    AccountLinkKind,
    AgreementKind,
    Partner,
    PartnerCategory,
    Role,
    User,
)
from app.models.reporting import CommentRedaction, Release, ReportFile
from app.models.response import Answer, Response, answer_facts
from app.models.review import (
    ACTION_STATUS_LABELS,
    ActionItem,
    ActionNote,
    ActionStatus,
    FindingKind,
    ResultsPage,
    Review,
)
from app.models.survey import Survey, SurveyVersion

__all__ = [
    "ACTION_STATUS_LABELS",
    "ActionItem",
    "ActionNote",
    "ActionStatus",
    "FindingKind",
    "ResultsPage",
    "Review",
    "AGREEMENT_LABELS",
    "CATEGORY_LABELS",
    "AccountLink",
    "AccountLinkKind",
    "AgreementKind",
    "Answer",
    "Audience",
    "AuditEvent",
    "Base",
    "Channel",
    "CodedNote",
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
    "ThemeTag",
    "User",
    "Wave",
    "answer_facts",
    "utcnow",
]
