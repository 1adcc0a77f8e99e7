"""The reporting service's own records: indicator ratings backed by evidence, the
yearly report's lifecycle (draft, the independent scrutineer's comments and
sign-off, the partners' sign-off, publication) and the risk register.

Streams (store schema `reporting_records`, published as the `reporting` service):
`indicator:{partnership}:{indicator_id}`, `performance:{partnership}:data` (every
performance indicator's values and early warnings), `yearly-report:{partnership}:{report_id}:{year}`
(`yearly-report:{partnership}:{year}` for a report begun when a profile had one yearly
report: the profile's first), `risk:{partnership}:{risk_id}`.

The rules that applied when a fact was recorded (the indicator's tier and words,
who must sign the yearly report off, the evidence cited down to its event) are
carried in the events, so history reads the same whatever the profile says later.

Over 300 lines because it is the catalogue of one store: each event is a short class, and
the store's events are read together when a stream's history is checked.
"""

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict

from shared.catalogue.base import DomainEvent
from shared.catalogue.documents import DocumentRef
from shared.catalogue.personal import Personal, Typed
from shared.catalogue.registry import registered, upcaster

AssuranceLevel = str
"""How far an indicator is met: the id of one of the profile's levels of assurance
(`reporting.assurance_levels`; by default HM Treasury's four: substantial, moderate,
limited, unsatisfactory)."""
ScrutineerPart = Literal["none", "reviews", "signs_off"]


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EvidenceCited(_Part):
    """A record of another service cited as evidence, down to its newest event when cited."""

    kind: str
    """What the record is: s11-cycle, assurance-event, audit-round, review, incident, action, impact."""
    record_id: str
    store: str
    stream_id: str
    event_id: str
    event_type: str
    position: int
    note: Annotated[str, Typed("rated_by")] = ""


class RiskRating(_Part):
    """A rating on the 5 x 5 risk matrix: likelihood and impact, each 1 (lowest) to 5."""

    likelihood: int
    impact: int

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


# -- indicators (stream indicator:{partnership}:{indicator_id}) ------------------------------


@registered
class IndicatorRated(DomainEvent):
    """The business unit rated one of the profile's key indicators, citing its evidence."""

    event_type = "IndicatorRated"
    indicator_id: str
    tier_id: str
    indicator_text: str
    rating: AssuranceLevel
    rationale: Annotated[str, Typed("rated_by")]
    evidence: list[EvidenceCited]
    rated_on: date
    rated_by: Annotated[str, Personal()]
    previous_rating: AssuranceLevel | None = None


# -- performance data (stream performance:{partnership}:data) ----------------------------------


@registered
class IndicatorValueRecorded(DomainEvent):
    """An agency (or the business unit for it) supplied one period's value of one of the
    profile's performance indicators; the indicator's rules as they stood are carried."""

    event_type = "IndicatorValueRecorded"
    indicator_id: str
    indicator_name: str
    agency_id: str
    """The agency whose figure it is (the profile's supplier: it hears this on its outcomes)."""
    period: str
    """YYYY-MM (monthly), YYYY-Qn (quarterly) or YYYY-YY (yearly, April to March)."""
    period_start: date
    value: float
    unit: str
    polarity: str
    previous_value: float | None = None
    """The value this one corrects, when the period already had one."""


@registered
class IndicatorEarlyWarningRaised(DomainEvent):
    """A value recorded crossed its indicator's threshold, or made a run of declining
    periods as long as the profile says raises a warning."""

    event_type = "IndicatorEarlyWarningRaised"
    indicator_id: str
    indicator_name: str
    agency_id: str
    """The agency that supplies the indicator (it hears the warning on its outcomes)."""
    period: str
    value: float
    reason: Literal["threshold", "declining"]
    threshold: float | None = None
    declining_periods: int | None = None
    series: list[tuple[str, float]] = []
    """The periods behind the warning, oldest first (the run of decline, or the crossing)."""
    raised_to: str | None = None
    """The group the profile raises early warnings to, if it names one."""


# -- the yearly reports (stream yearly-report:{partnership}:{report_id}:{year}) ----------------
#
# v2 of each names the report (`report_id`: one of the profile's yearly reports). A v1 event
# was recorded when a profile had one yearly report: it is upcast with report_id "", which
# means the profile's first (its own yearly report), and a report begun then goes on in its
# stream `yearly-report:{partnership}:{year}` with report_id "".

YEARLY_EVENTS = ("YearlyReportDrafted", "ScrutineerCommented", "ScrutineerSignedOff", "PartnersSignedOff", "YearlyReportPublished")


def _report_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    return {"report_id": ""} | payload


for _event_type in YEARLY_EVENTS:
    upcaster(_event_type, from_version=1)(_report_v1_to_v2)


@registered
class YearlyReportDrafted(DomainEvent):
    """A draft (or a new version) of the yearly report, with the sign-off rules that apply to it."""

    event_type = "YearlyReportDrafted"
    schema_version = 2
    report_id: str = ""
    """The profile's yearly report ("": its first, as recorded before it could name several)."""
    year: int
    """The year its period starts in (2026 for April 2026 to March 2027)."""
    name: str
    period_start: date
    period_end: date
    version: int
    summary: Annotated[str, Typed("compiled_by")]
    compiled_by: Annotated[str, Personal()]
    drafted_on: date
    scrutineer: ScrutineerPart
    scrutineer_before_publication: bool
    scrutineer_comments_to: str | None = None
    sign_off_by: list[str] = []
    """Ids of the groups that must sign it off (besides the scrutineer)."""
    publish: bool = True
    """The profile says the report is published."""
    publication: str = ""


@registered
class ScrutineerCommented(DomainEvent):
    """The independent scrutineer's written comments on a version of the yearly report."""

    event_type = "ScrutineerCommented"
    schema_version = 2
    report_id: str = ""
    """The profile's yearly report ("": its first, as recorded before it could name several)."""
    year: int
    version: int
    comments: Annotated[str, Typed("commented_by")]
    comments_to: str | None = None
    """Id of the group the comments go to, as the profile says."""
    commented_by: Annotated[str, Personal()]
    commented_on: date


@registered
class ScrutineerSignedOff(DomainEvent):
    event_type = "ScrutineerSignedOff"
    schema_version = 2
    report_id: str = ""
    """The profile's yearly report ("": its first, as recorded before it could name several)."""
    year: int
    version: int
    signed_off_by: Annotated[str, Personal()]
    signed_off_on: date
    outstanding: list[str] = []
    """Groups still to sign it off."""


@registered
class PartnersSignedOff(DomainEvent):
    """A group the profile names (the lead safeguarding partners, say) signed the yearly report off."""

    event_type = "PartnersSignedOff"
    schema_version = 2
    report_id: str = ""
    """The profile's yearly report ("": its first, as recorded before it could name several)."""
    year: int
    version: int
    group_id: str
    signatories: list[str]
    signed_off_on: date
    outstanding: list[str] = []


@registered
class YearlyReportPublished(DomainEvent):
    event_type = "YearlyReportPublished"
    schema_version = 2
    report_id: str = ""
    """The profile's yearly report ("": its first, as recorded before it could name several)."""
    year: int
    version: int
    published_on: date
    publication: str = ""
    link: str | None = None


# -- the risk register (stream risk:{partnership}:{risk_id}) ----------------------------------


@registered
class RiskRecorded(DomainEvent):
    """A risk entered on the partnership's register, rated before controls (inherent), now
    (current) and where the partnership means to bring it (target)."""

    event_type = "RiskRecorded"
    risk_id: str
    title: str
    description: Annotated[str, Typed()]
    owner: str
    """Id of the profile's group, statutory partner or agency that owns the risk."""
    owner_role: str = ""
    inherent: RiskRating
    current: RiskRating
    target: RiskRating
    controls: Annotated[list[str], Typed()] = []
    recorded_on: date
    review_on: date


@registered
class RiskReassessed(DomainEvent):
    event_type = "RiskReassessed"
    risk_id: str
    current: RiskRating
    target: RiskRating
    previous: RiskRating
    reassessed_on: date
    review_on: date
    note: Annotated[str, Typed()]
    owner: str


@registered
class RiskClosed(DomainEvent):
    event_type = "RiskClosed"
    risk_id: str
    closed_on: date
    reason: Annotated[str, Typed()]


# -- rolling reports (issue 16 item 3) ---------------------------------------------------------


@registered
class RollingReportPresented(DomainEvent):
    """A report the profile schedules was presented to a group that receives it, for the
    month it was due: by whom (sealed, a person's name), at which meeting, the assurance it
    gave and its key messages (sealed under the record's key and its presenter's), and its
    document."""

    event_type = "RollingReportPresented"
    report_id: str
    presentation_id: str
    """`{report_id}-{due month}-{group}`."""
    due_month: str
    group_id: str
    presented_on: date
    presented_by: Annotated[str, Personal()]
    meeting: str = ""
    assurance_level: str | None = None
    key_messages: Annotated[list[str], Typed("presented_by")] = []
    document: DocumentRef | None = None
    agency_id: str | None = None
    """The agency whose report it is, when one agency provides it (it hears the outcome)."""


@registered
class RollingReportMissed(DomainEvent):
    """A report the profile schedules was not presented to the group when due, and why."""

    event_type = "RollingReportMissed"
    report_id: str
    presentation_id: str
    due_month: str
    group_id: str
    reason: Annotated[str, Typed()]
    agency_id: str | None = None


# -- meetings (issue 16 item 4) -------------------------------------------------------------------


@registered
class MeetingScheduled(DomainEvent):
    """A meeting of one of the profile's groups is on the partnership's calendar."""

    event_type = "MeetingScheduled"
    meeting_id: str
    group_id: str
    meets_on: date


@registered
class MeetingHeld(DomainEvent):
    """The meeting took place: its minutes (a document) and the decisions it recorded."""

    event_type = "MeetingHeld"
    meeting_id: str
    group_id: str
    held_on: date
    minutes: DocumentRef | None = None
    decisions: Annotated[list[str], Typed()] = []
