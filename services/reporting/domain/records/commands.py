"""Commands the reporting service accepts: from the business unit, rate an indicator,
take the yearly report from draft to publication, keep the risk register; from an agency
(or the business unit for it), the values of the profile's performance indicators."""

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.catalogue.documents import DocumentRef

SlugStr = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Person = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
"""A role or an invented name, never a child's."""

EvidenceKind = Literal["s11-cycle", "assurance-event", "audit-round", "review", "incident", "action", "impact"]


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: UUID = Field(description="Chosen by the sender; sending the same request again is safe")


class EvidenceRef(BaseModel):
    """A record of another service that evidences the rating: its kind and its id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: EvidenceKind
    id: SlugStr
    note: str = Field(default="", max_length=500)


# -- indicators -------------------------------------------------------------------------


class RateIndicator(Command):
    """Rate one of the profile's key indicators, citing at least one record as evidence."""

    indicator_id: SlugStr
    rating: SlugStr = Field(
        description="One of the profile's levels of assurance (by default substantial, moderate, limited, unsatisfactory)"
    )
    rationale: Text
    evidence: list[EvidenceRef] = Field(min_length=1, max_length=30)
    rated_on: date
    rated_by: Person


# -- performance data -------------------------------------------------------------------

PeriodStr = Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=10)]
Figure = Annotated[float, Field(allow_inf_nan=False)]


class IndicatorValue(BaseModel):
    """One period's value of one performance indicator."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    indicator_id: SlugStr
    period: PeriodStr = Field(description="YYYY-MM (monthly), YYYY-Qn (quarterly, calendar quarters) or YYYY-YY (yearly, April to March)")
    value: Figure


class RecordIndicatorValue(Command):
    """Supply one period's value of one of the profile's performance indicators, as the
    agency the profile says supplies it. A value beyond the indicator's threshold, or the
    last of a run of declining periods, raises an early warning to the people told of it.
    Sending a value for a period again corrects it."""

    agency_id: SlugStr = Field(description="The agency supplying the value (the profile's supplier of the indicator)")
    indicator_id: SlugStr
    period: PeriodStr = Field(description="YYYY-MM (monthly), YYYY-Qn (quarterly, calendar quarters) or YYYY-YY (yearly, April to March)")
    value: Figure


class RecordIndicatorValues(Command):
    """Supply several values at once (an upload, an agency's own system): every value is
    checked, and all are recorded or, if any is refused, none. An agency sends only its own
    indicators' values; the business unit may send any agency's (agency_id left empty)."""

    agency_id: SlugStr | None = Field(
        default=None, description="The agency supplying every value (none: the business unit, for the suppliers the profile names)"
    )
    values: list[IndicatorValue] = Field(min_length=1, max_length=2000)


# -- the yearly report ------------------------------------------------------------------

Year = Annotated[int, Field(ge=2000, le=2100)]


class YearlyReportCommand(Command):
    report_id: SlugStr | None = Field(
        default=None, description="Which of the profile's yearly reports (its id); none: the first, the partnership's own"
    )


class DraftYearlyReport(YearlyReportCommand):
    """Record a draft (or a new version, until it is signed off) of the year's report."""

    year: Year
    summary: Text
    drafted_on: date
    compiled_by: Person | None = None


class CommentOnYearlyReport(YearlyReportCommand):
    """The independent scrutineer's written comments on the current draft."""

    year: Year
    comments: Text
    commented_by: Person
    commented_on: date


class ScrutineerSignOffYearlyReport(YearlyReportCommand):
    """The independent scrutineer signs the current draft off (where the profile says so)."""

    year: Year
    signed_off_by: Person
    signed_off_on: date


class PartnersSignOffYearlyReport(YearlyReportCommand):
    """A group the profile names signs the yearly report off."""

    year: Year
    group_id: SlugStr
    signatories: list[Person] = Field(min_length=1, max_length=10)
    signed_off_on: date


class PublishYearlyReport(YearlyReportCommand):
    year: Year
    published_on: date
    link: str | None = Field(default=None, pattern=r"^https?://\S+$", max_length=500)


# -- the risk register --------------------------------------------------------------------

Score = Annotated[int, Field(ge=1, le=10)]


class Rating(BaseModel):
    """Likelihood and impact, each 1 (lowest) to the highest of the profile's risk matrix (5 by default)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    likelihood: Score
    impact: Score


class RecordRisk(Command):
    risk_id: SlugStr
    title: ShortText
    description: Text
    owner: SlugStr
    """Id of the profile's group, statutory partner or agency that owns the risk."""
    owner_role: str = Field(default="", max_length=120)
    inherent: Rating
    current: Rating
    target: Rating
    controls: list[ShortText] = Field(default_factory=list, max_length=30)
    recorded_on: date
    review_on: date


class ReassessRisk(Command):
    risk_id: SlugStr
    current: Rating
    target: Rating | None = None
    reassessed_on: date
    review_on: date
    note: Text
    owner: SlugStr | None = None


class CloseRisk(Command):
    risk_id: SlugStr
    closed_on: date
    reason: Text


class PresentRollingReport(Command):
    """Record a report the profile schedules as presented to a group that receives it: for
    the month it was due, by whom, at which meeting, its level of assurance, its key
    messages and its document."""

    report_id: SlugStr
    due_month: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    group_id: SlugStr
    presented_on: date
    presented_by: Person
    meeting: str = Field(default="", max_length=200)
    assurance_level: SlugStr | None = None
    key_messages: list[ShortText] = Field(default_factory=list, max_length=20)
    document: DocumentRef | None = None


class RecordRollingReportMissed(Command):
    """Record a report the profile schedules as not presented to the group when due, and why."""

    report_id: SlugStr
    due_month: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    group_id: SlugStr
    reason: Text


class ScheduleMeeting(Command):
    """Put a meeting of one of the profile's groups on the partnership's calendar (its board
    pack is then for that meeting, looking back to the group's last one)."""

    meeting_id: SlugStr
    group_id: SlugStr
    meets_on: date


class RecordMeetingHeld(Command):
    """Record a scheduled meeting as held: its minutes (a document) and its decisions."""

    meeting_id: SlugStr
    held_on: date
    minutes: DocumentRef | None = None
    decisions: list[Text] = Field(default_factory=list, max_length=50)
