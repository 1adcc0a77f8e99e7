"""Commands on multi-agency case file audits."""

from datetime import date
from uuid import UUID

from pydantic import Field

from services.reviews.domain.commands.base import CaseRef, Command, ShortText, SlugStr, Text


class SampledCase(Command):
    case_ref: CaseRef
    open_on: date
    """A day the case was open to the agencies; it must fall in the sample window."""


class OpenAuditRound(Command):
    request_id: UUID
    audit_id: SlugStr
    theme: ShortText
    period_start: date
    cases: list[SampledCase] = Field(min_length=1, max_length=50)
    agencies: list[SlugStr] = Field(min_length=1, max_length=40)


class GradeAuditCase(Command):
    """One agency's grading of one case; an immediate safeguarding concern is escalated at once."""

    request_id: UUID
    audit_id: SlugStr
    case_ref: CaseRef
    agency_id: SlugStr
    grade: SlugStr = Field(description="One of the profile's audit grades (by default outstanding, good, requires-improvement, inadequate)")
    strengths: list[ShortText] = Field(default_factory=list, max_length=20)
    areas_for_improvement: list[ShortText] = Field(default_factory=list, max_length=20)
    immediate_concern: Text | None = None


class ConcludeAuditRound(Command):
    request_id: UUID
    audit_id: SlugStr
    concluded_on: date
    findings: list[ShortText] = Field(default_factory=list, max_length=50)
