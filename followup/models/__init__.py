"""The tables, one module per aggregate; every model is importable from here.

Importing this package registers every table on ``Base.metadata`` (migrations and tests read it),
and lets relationships name classes in other modules.
"""

from __future__ import annotations

from followup.models.agencies import Agency, ApiToken, RosterMember
from followup.models.calls import (
    Call,
    CallStatus,
    Contact,
    FollowUp,
    FollowUpStatus,
    SkipReason,
)
from followup.models.messages import (
    Message,
    MessageDirection,
    MessageStatus,
    MessageTemplate,
    WebhookReceipt,
)
from followup.models.replies import (
    Alert,
    AlertStatus,
    Callback,
    CallbackEvent,
    CallbackEventKind,
    CallbackPriority,
    CallbackStatus,
    Conversation,
    ConversationStep,
)
from followup.models.reporting import ReportFact, ReportLog, ReportReply
from followup.models.staff import AuditEvent, Role, User

__all__ = [
    "Agency", "ApiToken", "RosterMember", "Call", "CallStatus", "Contact", "FollowUp",
    "FollowUpStatus", "SkipReason", "Message", "MessageDirection", "MessageStatus",
    "MessageTemplate", "WebhookReceipt", "Alert", "AlertStatus", "Callback", "CallbackEvent",
    "CallbackEventKind", "CallbackPriority", "CallbackStatus", "Conversation", "ConversationStep",
    "ReportFact", "ReportLog", "ReportReply", "AuditEvent", "Role", "User",
]
