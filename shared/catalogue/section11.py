"""Section 11 self-assessment events."""

from shared.catalogue.base import DomainEvent
from shared.catalogue.registry import registered


@registered
class SubmissionReceived(DomainEvent):
    """An agency's Section 11 self-assessment, rated per signatures-of-risk domain."""

    event_type = "SubmissionReceived"
    submission_id: str
    agency_id: str
    cycle_id: str
    domain_ratings: dict[str, int]
    submitted_by: str


@registered
class RiskFlagged(DomainEvent):
    """A domain of an agency's return reached the profile's risk threshold."""

    event_type = "RiskFlagged"
    agency_id: str
    cycle_id: str
    domain_id: str
    rating: int
    reason: str


@registered
class RiskCleared(DomainEvent):
    """A later return brought a flagged domain back above the threshold."""

    event_type = "RiskCleared"
    agency_id: str
    cycle_id: str
    domain_id: str
    rating: int


@registered
class CallInProposed(DomainEvent):
    """A domain reached the profile's highest risk: the agency should be called in.

    Consumed by the assurance events service, which opens a proposed call-in.
    """

    event_type = "CallInProposed"
    agency_id: str
    cycle_id: str
    domain_id: str
    rating: int
    reason: str
