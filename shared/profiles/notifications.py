"""Who the platform tells of what: the profile's optional say over the notifier's defaults.

The defaults (services/reporting/domain/people/notices.py, docs/operations.md) fit every
shipped framework, so no shipped profile sets this. A partnership that wants, say, its
business unit told of overdue actions too lists the audiences for that event type;
the list replaces the default for it, and `[]` tells no one.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Model

# The events the notifier turns into messages (a unit test keeps this the notices' own list).
NotifiedEvent = Literal[
    "SubmissionReminderSent", "SubmissionOverdue",
    "ActionReminderSent", "ActionOverdue",
    "AgencyInformationRequested", "AgencyInformationOverdue",
    "AssuranceEventProposed", "AssuranceReportDrafted",
    "RapidReviewDecided", "YearlyReportDrafted",
    "PreparationMilestoneMissed", "ReviewSlippageWarned", "ReviewSlipped",
    "RapidReviewOverdue", "SeriousIncidentNotificationOverdue", "AuditRoundOverdue",
    "IndicatorEarlyWarningRaised",
]
Audience = Literal["business-unit", "agency-lead", "partner", "scrutineer", "board-member"]


class Notifications(Model):
    tell: dict[NotifiedEvent, list[Audience]] = Field(default_factory=dict)
    """Event type (one the notifier tells of, listed in docs/operations.md) to a list of
    audiences, who are told of it instead of the platform's default audience: agency-lead is the leads of the agency the event
    names, partner the statutory partners
    it names (all three when it names none); business-unit, scrutineer and board-member
    everyone holding that role. Event types not listed keep the defaults
    (docs/operations.md, "Notifications and email")."""
