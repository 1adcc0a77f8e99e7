"""Signatures of risk and confidence gaps: what a return's ratings and surveys
mean for the partnership, re-evaluated after every change to the return (pure)."""

from shared.catalogue import DomainEvent
from shared.catalogue.section11 import (
    CallInProposed,
    ConfidenceGapFlagged,
    RiskCleared,
    RiskFlagged,
)
from shared.profiles.section11 import Section11Rules

from .returns import Return, effective_ratings


def risk_events(rules: Section11Rules, state: Return, agency_id: str, cycle_id: str) -> list[DomainEvent]:
    """Flag domains at or below the risk threshold, clear those brought back above
    it, and propose a call-in the first time a domain reaches the highest risk."""
    events: list[DomainEvent] = []
    for domain, rating in sorted(effective_ratings(state).items()):
        basis = "moderated" if domain in state.moderated else "self-assessed"
        label = rules.rating_scale.level(rating).label
        if rules.is_risk(rating) and domain not in state.flagged:
            events.append(
                RiskFlagged(
                    agency_id=agency_id,
                    cycle_id=cycle_id,
                    domain_id=domain,
                    rating=rating,
                    reason=f"{basis} {label} ({rating}), at or below the risk threshold {rules.risk_threshold}",
                )
            )
        elif not rules.is_risk(rating) and domain in state.flagged:
            events.append(RiskCleared(agency_id=agency_id, cycle_id=cycle_id, domain_id=domain, rating=rating))
        if rules.proposes_call_in(rating) and domain not in state.call_ins:
            events.append(
                CallInProposed(
                    agency_id=agency_id,
                    cycle_id=cycle_id,
                    domain_id=domain,
                    rating=rating,
                    reason=f"{basis} {label} ({rating}), at or below the highest risk {rules.highest_risk}",
                )
            )
    return events


def confidence_gaps(rules: Section11Rules, state: Return, agency_id: str, cycle_id: str) -> list[DomainEvent]:
    """A low practitioner survey beside a green self-score: the self-score is challenged.

    A survey about one domain is compared with that domain's self-score; a
    survey about the agency as a whole with its weakest domain, so the gap is
    raised only when the agency rated itself green throughout."""
    if not state.submitted:
        return []
    triangulation = rules.triangulation
    events: list[DomainEvent] = []
    for survey_id, survey in sorted(state.surveys.items()):
        if survey_id in state.gaps or survey.agree_percent >= triangulation.survey_low_percent:
            continue
        ratings = state.self_ratings
        self_rating = ratings.get(survey.domain_id) if survey.domain_id else min(ratings.values(), default=None)
        if self_rating is None:
            continue
        level = rules.rating_scale.level(self_rating)
        if level.rag in triangulation.challenge_rags:
            about = f"domain {survey.domain_id}" if survey.domain_id else "every domain"
            events.append(
                ConfidenceGapFlagged(
                    agency_id=agency_id,
                    cycle_id=cycle_id,
                    survey_id=survey_id,
                    domain_id=survey.domain_id,
                    self_rating=self_rating,
                    agree_percent=survey.agree_percent,
                    threshold_percent=triangulation.survey_low_percent,
                    reason=(
                        f"self-assessed {level.label} ({self_rating}) for {about}, but only "
                        f"{survey.agree_percent:g}% of practitioners agreed (below {triangulation.survey_low_percent:g}%)"
                    ),
                )
            )
    return events
