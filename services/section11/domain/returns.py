"""One agency's Section 11 return for one cycle, folded from its events (pure)."""

from dataclasses import dataclass, field, replace

from shared.aggregate import Aggregate
from shared.catalogue import DomainEvent
from shared.catalogue.section11 import (
    Answer,
    CallInProposed,
    ConfidenceGapFlagged,
    DraftSaved,
    PractitionerSurveyRecorded,
    RiskCleared,
    RiskFlagged,
    ScoreModerated,
    SubmissionAmended,
    SubmissionOverdue,
    SubmissionReceived,
    SubmissionReminderSent,
)
from shared.decisions import fold as fold_from


def stream_id(partnership_id: str, agency_id: str, cycle_id: str) -> str:
    return RETURN.stream_id(partnership_id, key(agency_id, cycle_id))


def key(agency_id: str, cycle_id: str) -> str:
    """A return's own key within its partnership: one agency's return in one cycle."""
    return f"{agency_id}:{cycle_id}"


@dataclass(frozen=True)
class Survey:
    domain_id: str | None
    agree_percent: float


@dataclass(frozen=True)
class Return:
    draft: dict[str, Answer] | None = None
    submitted: bool = False
    answers: dict[str, Answer] = field(default_factory=dict)
    self_ratings: dict[str, int] = field(default_factory=dict)
    moderated: dict[str, int] = field(default_factory=dict)
    amendments: int = 0
    flagged: frozenset[str] = frozenset()
    call_ins: frozenset[str] = frozenset()
    surveys: dict[str, Survey] = field(default_factory=dict)
    gaps: frozenset[str] = frozenset()
    reminded: frozenset[int] = frozenset()
    overdue: bool = False
    drafts: int = 0  # drafts saved (carried forward included): capped, submissions.MAX_DRAFTS


def evolve(state: Return, event: DomainEvent) -> Return:
    match event:
        case DraftSaved(answers=answers):
            return replace(state, draft=dict(answers), drafts=state.drafts + 1)
        case SubmissionReceived(answers=answers, domain_ratings=ratings):
            return replace(state, draft=None, submitted=True, answers=dict(answers), self_ratings=dict(ratings))
        case SubmissionAmended(answers=changed, domain_ratings=ratings):
            return replace(
                state, answers=state.answers | changed, self_ratings=dict(ratings), amendments=state.amendments + 1
            )
        case ScoreModerated(domain_id=domain, moderated_rating=rating):
            return replace(state, moderated=state.moderated | {domain: rating})
        case RiskFlagged(domain_id=domain):
            return replace(state, flagged=state.flagged | {domain})
        case RiskCleared(domain_id=domain):
            return replace(state, flagged=state.flagged - {domain})
        case CallInProposed(domain_id=domain):
            return replace(state, call_ins=state.call_ins | {domain})
        case PractitionerSurveyRecorded(survey_id=survey, domain_id=domain, agree_percent=percent):
            return replace(state, surveys=state.surveys | {survey: Survey(domain, percent)})
        case ConfidenceGapFlagged(survey_id=survey):
            return replace(state, gaps=state.gaps | {survey})
        case SubmissionReminderSent(days_before=days):
            return replace(state, reminded=state.reminded | {days})
        case SubmissionOverdue():
            return replace(state, overdue=True)
    return state


def effective_ratings(state: Return) -> dict[str, int]:
    """What the partnership goes by: the panel's moderated score where there is one, else the self-score."""
    return state.self_ratings | state.moderated


def fold(state: Return, events: list[DomainEvent]) -> Return:
    """The return after `events`, from `state` (a decision's consequences are decided on it)."""
    return fold_from(state, evolve, events)


# An agency's return in one cycle (`s11-return:{partnership}:{agency}:{cycle}`).
RETURN = Aggregate("s11-return", Return(), evolve)
