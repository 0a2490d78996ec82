"""The tables, one module per aggregate; every model is importable from here.

Importing this package registers every table on ``Base.metadata`` (migrations and tests read it),
and lets relationships name classes in other modules.
"""

from __future__ import annotations

from followup.models.agencies import Agency, ApiToken, RosterMember
from followup.models.call_types import CallType, CallTypeDecision
from followup.models.calls import (
    Call,
    CallStatus,
    CaseUpdate,
    Contact,
    FollowUp,
    FollowUpStatus,
    SkipReason,
)
from followup.models.cases import CaseLink
from followup.models.commendations import Commendation, CommendedRole
from followup.models.corrections import TriageCorrection
from followup.models.messages import (
    Category,
    Message,
    MessageDirection,
    MessageStatus,
    MessageTemplate,
    Purpose,
    WebhookReceipt,
)
from followup.models.publication import (
    CommentReview,
    ReportStamp,
    ReviewDecision,
    ReviewKind,
)
from followup.models.replies import (
    Alert,
    AlertChannel,
    AlertStatus,
    AttemptOutcome,
    Callback,
    CallbackEvent,
    CallbackEventKind,
    CallbackPriority,
    CallbackStatus,
    Conversation,
    ConversationStep,
    ResolutionOutcome,
)
from followup.models.reporting import ReportFact, ReportLog, ReportReply
from followup.models.staff import AuditEvent, Role, User

__all__ = [
    "Agency", "Alert", "AlertChannel", "AlertStatus", "ApiToken", "AttemptOutcome", "AuditEvent",
    "Call", "CallStatus", "CallType", "CallTypeDecision", "Callback", "CaseLink", "CaseUpdate",
    "CallbackEvent", "CallbackEventKind", "CallbackPriority", "CallbackStatus", "Category",
    "Commendation", "CommendedRole", "CommentReview", "Contact", "Conversation", "ConversationStep",
    "FollowUp", "FollowUpStatus", "Message", "MessageDirection", "MessageStatus",
    "MessageTemplate", "Purpose", "ReportFact", "ReportLog", "ReportReply", "ReportStamp",
    "ResolutionOutcome", "ReviewDecision", "ReviewKind", "Role", "RosterMember", "SkipReason",
    "TriageCorrection", "User", "WebhookReceipt",
]
