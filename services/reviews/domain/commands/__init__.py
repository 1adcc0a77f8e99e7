"""Commands the reviews service accepts, one module per area."""

from services.reviews.domain.commands.actions import (
    CompleteAction,
    MarkActionOverdue,
    RaiseAction,
    RejectActionEvidence,
    SignOffAction,
    UpdateActionProgress,
)
from services.reviews.domain.commands.audits import (
    ConcludeAuditRound,
    GradeAuditCase,
    OpenAuditRound,
    SampledCase,
)
from services.reviews.domain.commands.impact import RecordImpact
from services.reviews.domain.commands.incidents import (
    ChangeRapidReviewDueDate,
    DecideRapidReview,
    ProvideAgencyInformation,
    RecordIncidentNotification,
    RecordNationalPanelResponse,
    RecordSeriousIncident,
    RequestAgencyInformation,
    SignOffRapidReviewDecision,
)
from services.reviews.domain.commands.reviews import (
    ChangeReviewDueDate,
    CommissionReview,
    PublishReview,
    RecordReviewStage,
    SignOffReview,
)

__all__ = [
    "ChangeRapidReviewDueDate",
    "ChangeReviewDueDate",
    "CommissionReview",
    "CompleteAction",
    "ConcludeAuditRound",
    "DecideRapidReview",
    "GradeAuditCase",
    "MarkActionOverdue",
    "OpenAuditRound",
    "ProvideAgencyInformation",
    "PublishReview",
    "RaiseAction",
    "RecordImpact",
    "RecordIncidentNotification",
    "RecordNationalPanelResponse",
    "RecordReviewStage",
    "RecordSeriousIncident",
    "RejectActionEvidence",
    "RequestAgencyInformation",
    "SampledCase",
    "SignOffAction",
    "SignOffRapidReviewDecision",
    "SignOffReview",
    "UpdateActionProgress",
]
