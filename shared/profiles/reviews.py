"""Review timescales and the rules of action plans.

Every field added after the first release has a default, so a profile written
before it still loads; the defaults follow the national guidance (Working
Together to Safeguard Children) where it sets a timescale.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import Model, Problems, Slug
from .scales import AuditGrade, default_audit_grades

SignOff = Literal["executive", "scrutineer", "subgroup"]
CsprSignOff = Literal["executive", "scrutineer"]

DEFAULT_REVIEW_STAGES = [
    "terms-of-reference-agreed",
    "information-gathered",
    "practitioner-event",
    "draft-report",
    "final-report",
]


class ReviewTimescales(Model):
    serious_incident_notification_working_days: int = Field(default=5, ge=1)
    rapid_review_days: int = Field(default=15, ge=1)
    rapid_review_unit: Literal["working_days", "calendar_days"] = "working_days"
    rapid_review_starts_from: Literal["notification", "awareness"] = "notification"
    """The day the rapid review clock counts from: the national panel notification
    (national guidance) or the day the local authority became aware."""
    cspr_months: int = Field(default=6, ge=1)
    rapid_review_decision_signed_off_by_scrutineer: bool
    cspr_signed_off_by: CsprSignOff | list[CsprSignOff]
    cspr_endorsed_by_national_panel: bool = False
    """A local CSPR is commissioned only once the Child Safeguarding Practice Review Panel
    has endorsed the rapid review's recommendation of one (Somerset)."""
    learning_review_months: int = Field(default=6, ge=1)
    learning_review_signed_off_by: SignOff | list[SignOff] = "subgroup"
    thematic_review_months: int = Field(default=6, ge=1)
    thematic_review_signed_off_by: SignOff | list[SignOff] = "subgroup"
    signed_off_jointly: list[Literal["cspr", "learning-review", "thematic-review"]] = Field(default_factory=list)
    """Review types whose final report every signatory named (`*_signed_off_by`, a list) signs off,
    jointly; any other type is signed off by any one of them (alternatives)."""
    review_slippage_warning_days: int = Field(default=28, ge=0)
    """Calendar days before a review's due date when a slippage warning is raised (0: none)."""
    review_stages: list[Slug] = Field(default_factory=lambda: list(DEFAULT_REVIEW_STAGES), min_length=1)
    """The stages a practice, learning or thematic review records, in their usual order."""
    information_request_working_days: int = Field(default=5, ge=1)
    """Default time an agency has to answer a rapid review's information request."""
    audit_cadence_months: int = Field(default=3, ge=1)
    """Multi-agency case file audits: one round every this many months."""
    audit_sample_months: int = Field(default=12, ge=1)
    """An audit samples cases open in this many months before the round opens."""
    audit_grades: list[AuditGrade] = Field(default_factory=default_audit_grades, min_length=2)
    """The grades a multi-agency audit gives a case, best first (default: Ofsted's four,
    outstanding, good, requires improvement, inadequate)."""

    @model_validator(mode="after")
    def _check_grades(self) -> ReviewTimescales:
        problems = Problems()
        problems.unique_ids("audit_grades", self.audit_grades)
        problems.unique_ids("audit_grades", self.audit_grades, "name")
        for field in ("cspr_signed_off_by", "learning_review_signed_off_by", "thematic_review_signed_off_by"):
            value = getattr(self, field)
            if isinstance(value, list) and (not value or len(set(value)) != len(value)):
                problems.add((field,), "name each who may sign it off once, and at least one")
        for i, review_type in enumerate(self.signed_off_jointly):
            if len(self.signatories(review_type)) < 2:
                problems.add(("signed_off_jointly", i), f"a {review_type} signed off jointly names two or more signatories")
        problems.raise_if_any()
        return self

    def signatories(self, review_type: str) -> list[SignOff]:
        """Who may sign off the final report of a review of this type (any one of them)."""
        by = {
            "cspr": self.cspr_signed_off_by,
            "learning-review": self.learning_review_signed_off_by,
            "thematic-review": self.thematic_review_signed_off_by,
        }[review_type]
        return list(by) if isinstance(by, list) else [by]


class ActionRules(Model):
    reminder_days_before: int = Field(ge=0)
    """Calendar days before an action's due date when its owner is reminded (0: no reminder)."""
    signed_off_by: str
    """Group id of the group that signs off action plans."""
    monitored_by: str | None = None
    """Group id of the group that monitors action plans until completion."""
    sign_off_needs_every_partner: bool = True
    """Completed actions are signed off by all three safeguarding partners together."""
