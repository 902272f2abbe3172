"""The coalition's data model: plain SQLAlchemy 2.0, importable without Flask."""

from .account import ApiToken, RecoveryCode, SiteSetting, TokenScope
from .audit import AuditEvent
from .base import Base, Basis, comparison_key, utcnow
from .directory import OUTSIDE_MEXICO, Institution, Sector, State
from .groups import GroupChair, GroupMembership, GroupRole, WorkingGroup
from .meetings import Meeting, MeetingAttendance, MeetingKind, MeetingOrganiser, Rsvp
from .network import Introduction
from .notifications import DigestPreference, DigestRun, EmailChoice, Notification, NotificationKind
from .outbox import OutboxMessage, OutboxStatus
from .people import Invitation, Role, User, token_digest
from .ties import Tie, TieKind, TieStatus
from .versions import NETWORK, PAGES, DataVersion, current_version, version_stamp
from .work import (
    DELIVERABLE_FLOW,
    REVIEW_MOVES,
    TASK_FLOW,
    Deliverable,
    DueState,
    ProgressMode,
    ProgressUpdate,
    Task,
    WorkStatus,
    due_state,
)

__all__ = [
    "DELIVERABLE_FLOW",
    "TASK_FLOW",
    "REVIEW_MOVES",
    "NETWORK",
    "OUTSIDE_MEXICO",
    "PAGES",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Basis",
    "DataVersion",
    "Deliverable",
    "DigestPreference",
    "DigestRun",
    "DueState",
    "EmailChoice",
    "GroupChair",
    "GroupMembership",
    "GroupRole",
    "Institution",
    "Invitation",
    "Introduction",
    "Meeting",
    "MeetingAttendance",
    "MeetingKind",
    "MeetingOrganiser",
    "Notification",
    "NotificationKind",
    "OutboxMessage",
    "OutboxStatus",
    "ProgressMode",
    "ProgressUpdate",
    "RecoveryCode",
    "Role",
    "Rsvp",
    "Sector",
    "SiteSetting",
    "State",
    "Task",
    "Tie",
    "TieKind",
    "TieStatus",
    "TokenScope",
    "User",
    "WorkStatus",
    "WorkingGroup",
    "comparison_key",
    "current_version",
    "due_state",
    "token_digest",
    "utcnow",
    "version_stamp",
]
