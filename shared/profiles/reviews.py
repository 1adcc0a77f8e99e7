"""Review timescales and the rules of action plans."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Model


class ReviewTimescales(Model):
    serious_incident_notification_working_days: int = Field(default=5, ge=1)
    rapid_review_days: int = Field(default=15, ge=1)
    rapid_review_unit: Literal["working_days", "calendar_days"] = "working_days"
    cspr_months: int = Field(default=6, ge=1)
    rapid_review_decision_signed_off_by_scrutineer: bool
    cspr_signed_off_by: Literal["executive", "scrutineer"]


class ActionRules(Model):
    reminder_days_before: int = Field(ge=0)
    signed_off_by: str
    """Group id of the group that signs off action plans."""
    monitored_by: str | None = None
    """Group id of the group that monitors action plans until completion."""


