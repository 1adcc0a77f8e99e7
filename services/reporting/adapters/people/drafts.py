"""One agency's Section 11 return as its own lead sees it: the cycles it was asked in
(reporting's read models) and its return in one cycle, draft included (the section11 store).

Drafts are deliberately never projected: no dashboard, report or board pack holds a
half-written return. The return's own pages still need it, so it is read here, and only
here, from the `s11-return:{partnership}:{agency}:{cycle}` stream in section11's store
(reporting's role may SELECT it, as it does to rebuild its projections), each row parsed
by the catalogue through `shared.mapper` and folded. The stream also holds the
submission, its amendments and the panel's moderated scores, so the pages read the
return as the service decided it, not as a projection caught up with it. The front door
shows a draft only to the agency's lead and the business unit (entrypoints/web/returns.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

import asyncpg

from shared.catalogue.section11 import (
    Answer,
    DraftSaved,
    ScoreModerated,
    SubmissionAmended,
    SubmissionOverdue,
    SubmissionReceived,
)
from shared.envelope import Envelope
from shared.london import local_day
from shared.mapper import from_row
from shared.personal_data import open_envelopes

SOURCE = "section11"
RETURN_PREFIX = "s11-return"  # the section11 service's return stream (shared/catalogue/section11.py)


def stream_id(partnership_id: str, agency_id: str, cycle_id: str) -> str:
    return f"{RETURN_PREFIX}:{partnership_id}:{agency_id}:{cycle_id}"


@dataclass(frozen=True)
class CycleAsked:
    """A cycle the agency was asked for a return in, and where its return stands (read model)."""

    cycle_id: str
    opened_on: date
    due_on: date
    closed_on: date | None
    status: str  # due, overdue, submitted, late

    @property
    def open(self) -> bool:
        return self.closed_on is None

    @property
    def submitted(self) -> bool:
        return self.status in ("submitted", "late")


@dataclass(frozen=True)
class AgencyReturn:
    """The return in one cycle as its stream tells it."""

    draft: dict[str, Answer] | None = None
    carried_forward_from: str | None = None
    submitted: bool = False
    late: bool = False
    submitted_on: date | None = None
    overdue: bool = False
    answers: dict[str, Answer] = field(default_factory=dict)
    self_ratings: dict[str, int] = field(default_factory=dict)
    moderated: dict[str, int] = field(default_factory=dict)
    rationales: dict[str, str] = field(default_factory=dict)
    amendments: int = 0

    @property
    def working(self) -> dict[str, Answer]:
        """The answers the agency is working on: its submission once sent, else its draft."""
        return self.answers if self.submitted else (self.draft or {})


def fold(envelopes: Iterable[Envelope]) -> AgencyReturn:
    state = AgencyReturn()
    for envelope in envelopes:
        match envelope.event:
            case DraftSaved(answers=answers, carried_forward_from=source):
                state = replace(state, draft=dict(answers), carried_forward_from=source or state.carried_forward_from)
            case SubmissionReceived(answers=answers, domain_ratings=ratings, late=late):
                state = replace(state, draft=None, submitted=True, late=late, submitted_on=local_day(envelope.occurred_at),
                                answers=dict(answers), self_ratings=dict(ratings))
            case SubmissionAmended(answers=changed, domain_ratings=ratings):
                state = replace(state, answers=state.answers | changed, self_ratings=dict(ratings),
                                amendments=state.amendments + 1)
            case ScoreModerated(domain_id=domain, moderated_rating=rating, rationale=why):
                state = replace(state, moderated=state.moderated | {domain: rating}, rationales=state.rationales | {domain: why})
            case SubmissionOverdue():
                state = replace(state, overdue=True)
    return state


class AgencyReturns:
    def __init__(self, pool: asyncpg.Pool, schema: str = "reporting", source: str = SOURCE) -> None:
        self._pool = pool
        self._schema = schema
        self._source = source

    @classmethod
    def over(cls, read_models: object) -> AgencyReturns:
        """The same pool and read-model schema as the dashboard's read models."""
        return cls(read_models._pool, read_models._schema)  # type: ignore[attr-defined]

    async def cycles(self, partnership_id: str, agency_id: str) -> list[CycleAsked]:
        """Every cycle the agency was asked in, the newest first."""
        s = self._schema
        rows = await self._pool.fetch(
            f"SELECT c.cycle_id, c.opened_on, c.due_on, c.closed_on, r.status FROM {s}.s11_returns r"
            f" JOIN {s}.s11_cycles c USING (partnership_id, cycle_id)"
            " WHERE r.partnership_id = $1 AND r.agency_id = $2 ORDER BY c.opened_on DESC, c.cycle_id DESC",
            partnership_id, agency_id,
        )
        return [CycleAsked(r["cycle_id"], r["opened_on"], r["due_on"], r["closed_on"], r["status"]) for r in rows]

    async def of(self, partnership_id: str, agency_id: str, cycle_id: str) -> AgencyReturn:
        rows = await self._pool.fetch(
            f"SELECT * FROM {self._source}.events WHERE stream_id = $1 ORDER BY stream_version",
            stream_id(partnership_id, agency_id, cycle_id),
        )
        # Opened: the documents' file names are sealed (shared/catalogue/documents.py).
        return fold(await open_envelopes(self._pool, [from_row(row, self._source) for row in rows]))

    async def prompts(self, partnership_id: str, agency_id: str) -> list[Prompt]:
        """The prompts put to the agency from assurance events' findings (reporting's
        projection of section11's events), each with the finding's text from the concluded
        event's record; the unanswered first."""
        s = self._schema
        rows = await self._pool.fetch(
            f"SELECT p.*, e.held_on, e.areas_for_development ->> p.finding AS finding_text FROM {s}.s11_prompts p"
            f" LEFT JOIN {s}.assurance_events e USING (partnership_id, assurance_event_id)"
            " WHERE p.partnership_id = $1 AND p.agency_id = $2 ORDER BY p.answer IS NOT NULL, p.position",
            partnership_id, agency_id,
        )
        return [Prompt(r["prompt_id"], r["title"], r["finding_text"] or "", r["held_on"], r["cycle_id"], r["answer"],
                       r["answered_by"]) for r in rows]


def current_cycle(cycles: list[CycleAsked]) -> CycleAsked | None:
    """The cycle the agency is working in: the newest open one, else the newest (to see its scores)."""
    return next((c for c in cycles if c.open), cycles[0] if cycles else None)


def earlier_submitted(cycles: list[CycleAsked], current: CycleAsked) -> CycleAsked | None:
    """The newest earlier cycle the agency submitted a return in (to carry forward from)."""
    return next((c for c in cycles if c.cycle_id != current.cycle_id and c.submitted
                 and (c.opened_on, c.cycle_id) < (current.opened_on, current.cycle_id)), None)

@dataclass(frozen=True)
class Prompt:
    """A finding of an assurance event about the agency, put to it in its next return."""

    prompt_id: str
    title: str
    """The assurance event's title."""
    finding: str
    held_on: date | None
    cycle_id: str | None = None
    """The cycle whose return answered it (None: not yet answered)."""
    answer: str | None = None
    answered_by: str | None = None
