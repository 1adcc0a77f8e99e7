"""An agency's Section 11 return for one cycle: pure decide and evolve.

State is folded from the return's events; `decide_submission` checks a
submission against the partnership's profile and says what happened.
"""

from dataclasses import dataclass, field, replace

from services.section11.domain.commands import SubmitSelfAssessment
from shared.catalogue import DomainEvent
from shared.catalogue.section11 import RiskCleared, RiskFlagged, SubmissionReceived
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal


def stream_id(partnership_id: str, agency_id: str, cycle_id: str) -> str:
    return f"s11-return:{partnership_id}:{agency_id}:{cycle_id}"


@dataclass(frozen=True)
class Return:
    submissions: int = 0
    ratings: dict[str, int] = field(default_factory=dict)
    flagged: frozenset[str] = frozenset()


def evolve(state: Return, event: DomainEvent) -> Return:
    match event:
        case SubmissionReceived(domain_ratings=ratings):
            return replace(state, submissions=state.submissions + 1, ratings=dict(ratings))
        case RiskFlagged(domain_id=domain):
            return replace(state, flagged=state.flagged | {domain})
        case RiskCleared(domain_id=domain):
            return replace(state, flagged=state.flagged - {domain})
    return state


def validate(command: SubmitSelfAssessment, profile: FrameworkProfile) -> None:
    agencies = {a.id for a in profile.agencies}
    if command.agency_id not in agencies:
        raise Refusal("unknown_agency", f"{command.agency_id!r} is not a Section 11 agency of {profile.id}", "agency_id")
    domains = {d.id for d in profile.section11.domains}
    scale = sorted(level.value for level in profile.section11.rating_scale.levels)
    for domain, rating in command.domain_ratings.items():
        if domain not in domains:
            raise Refusal("unknown_domain", f"{domain!r} is not a domain of {profile.id}; expected one of {sorted(domains)}", f"domain_ratings.{domain}")
        if rating not in scale:
            raise Refusal("rating_off_scale", f"{rating} is not on the rating scale {scale}", f"domain_ratings.{domain}")


def decide_submission(
    state: Return, command: SubmitSelfAssessment, profile: FrameworkProfile, submission_id: str
) -> list[DomainEvent]:
    validate(command, profile)
    rules = profile.section11
    events: list[DomainEvent] = [
        SubmissionReceived(
            submission_id=submission_id,
            agency_id=command.agency_id,
            cycle_id=command.cycle_id,
            domain_ratings=command.domain_ratings,
            submitted_by=command.submitted_by,
        )
    ]
    for domain, rating in sorted(command.domain_ratings.items()):
        at_risk = rating <= rules.risk_threshold
        if at_risk and domain not in state.flagged:
            label = next(lv.label for lv in rules.rating_scale.levels if lv.value == rating)
            events.append(
                RiskFlagged(
                    agency_id=command.agency_id,
                    cycle_id=command.cycle_id,
                    domain_id=domain,
                    rating=rating,
                    reason=f"self-assessed {label} ({rating}), at or below the risk threshold {rules.risk_threshold}",
                )
            )
        elif not at_risk and domain in state.flagged:
            events.append(
                RiskCleared(agency_id=command.agency_id, cycle_id=command.cycle_id, domain_id=domain, rating=rating)
            )
    return events
