"""mongoengine documents; indexes for every query a page or job runs are declared in meta."""

from portal.models.api import ApiClient, ApiRequest, WebhookSubscription
from portal.models.audit import AuditEvent
from portal.models.grievance import (
    OPEN_STATUSES,
    STATUSES,
    Attachment,
    Caller,
    Clock,
    ContactAttempt,
    Grievance,
    Member,
    Narrative,
    Triage,
)
from portal.models.outbox import Counter, InboundMail, Letter, Outbox
from portal.models.procedure import ProcedureVersion
from portal.models.program import ClockRule, ContactLine, Program
from portal.models.provider import Provider
from portal.models.reports import (
    CompletenessResult,
    ExportChunk,
    ExportRun,
    ImportRun,
    JobRun,
    MemberMonths,
    QuarterlyCommentary,
    TrendAnalysis,
)
from portal.models.training import TrainingRecord
from portal.models.user import ROLES, SavedView, User

__all__ = [
    "ApiClient",
    "ApiRequest",
    "WebhookSubscription",
    "SavedView",
    "AuditEvent",
    "OPEN_STATUSES",
    "ROLES",
    "STATUSES",
    "Attachment",
    "Caller",
    "Clock",
    "ClockRule",
    "CompletenessResult",
    "ContactAttempt",
    "ContactLine",
    "Counter",
    "ExportChunk",
    "ExportRun",
    "Grievance",
    "ImportRun",
    "InboundMail",
    "JobRun",
    "Letter",
    "MemberMonths",
    "Member",
    "Narrative",
    "Outbox",
    "ProcedureVersion",
    "Program",
    "Provider",
    "QuarterlyCommentary",
    "TrainingRecord",
    "TrendAnalysis",
    "Triage",
    "User",
]

ALL_DOCUMENTS = (
    Program,
    Provider,
    User,
    Grievance,
    Outbox,
    Letter,
    Counter,
    CompletenessResult,
    JobRun,
    MemberMonths,
    QuarterlyCommentary,
    TrendAnalysis,
    ImportRun,
    ExportRun,
    ExportChunk,
    InboundMail,
    AuditEvent,
    ProcedureVersion,
    TrainingRecord,
    ApiClient,
    ApiRequest,
    WebhookSubscription,
)
