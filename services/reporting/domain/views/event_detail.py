"""One stored event as the dashboard shows it behind a figure (pure): the envelope as
the service's store holds it, whether its content still matches its hash, the other
events of its stream, and the events it caused or that came from the same request."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.profiles.schema import FrameworkProfile


@dataclass(frozen=True)
class EventLine:
    """A neighbour: another event of the stream, a cause or a consequence."""

    store: str
    position: int
    event_id: str
    stream_id: str
    stream_version: int
    event_type: str
    occurred_at: datetime
    recorded_at: datetime


@dataclass(frozen=True)
class EventDetail:
    store: str
    position: int
    event_id: str
    event_type: str
    schema_version: int
    stream_id: str
    stream_version: int
    partnership_id: str
    actor: str
    occurred_at: datetime
    recorded_at: datetime
    correlation_id: str
    causation_id: str | None
    trace_context: dict[str, str]
    payload: dict[str, Any]
    payload_json: str
    prev_hash: str
    hash: str
    hash_matches: bool
    """The event's content, hashed with the previous link, still gives its recorded hash."""
    stream: list[EventLine] = field(default_factory=list)
    cause: EventLine | None = None
    caused: list[EventLine] = field(default_factory=list)
    same_request: list[EventLine] = field(default_factory=list)

    @property
    def agency_ids(self) -> list[str]:
        """The agencies the payload names (as owner, subject, sender or recipient), in order."""
        keys = ("agency_id", "owner_agency_id", "raised_by_agency_id", "escalated_to")
        named = [self.payload.get(k) for k in keys] + list(self.payload.get("agency_ids") or [])
        return list(dict.fromkeys(a for a in named if isinstance(a, str) and a))


@dataclass(frozen=True)
class AnswerLine:
    standard: str  # the standard's text, from the profile
    rating: str  # the rating's word
    narrative: str
    evidence: list[str]


@dataclass(frozen=True)
class DomainAnswers:
    domain_id: str
    domain_name: str
    rating: str | None  # the return's rating of the domain, in words
    answers: list[AnswerLine]


def return_answers(payload: dict[str, Any], profile: FrameworkProfile) -> list[DomainAnswers]:
    """A Section 11 return's answers (a payload with `answers` or `domain_ratings`), readable: by
    the profile's domains, each standard's text and its rating's word; empty for any other event."""
    answers = payload.get("answers")
    ratings = payload.get("domain_ratings")
    if not isinstance(answers, dict) and not isinstance(ratings, dict):
        return []
    answers = answers if isinstance(answers, dict) else {}
    ratings = ratings if isinstance(ratings, dict) else {}
    labels = {level.value: level.label for level in profile.section11.rating_scale.levels}
    out = []
    for domain in profile.section11.domains:
        lines = [
            AnswerLine(s.text, labels.get(a.get("rating"), str(a.get("rating"))), str(a.get("narrative") or ""),
                       [str(e) for e in a.get("evidence") or []])
            for s in profile.section11.standards_for(domain.id)
            if isinstance(a := answers.get(s.id), dict)
        ]
        rating = ratings.get(domain.id)
        if lines or rating is not None:
            out.append(DomainAnswers(domain.id, domain.name, labels.get(rating, None if rating is None else str(rating)), lines))
    return out
