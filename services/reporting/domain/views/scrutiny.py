"""The independent scrutineer's workspace and annual report (pure): the register and its
appointments, challenges and their answers, recommendations and whether they were acted
upon; the annual report draws its sections from the same rows, for the year April to
March. Every row names the event behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from services.reporting.domain.records.recommendations import period_of
from services.reporting.domain.records.scrutiny import RECORD_KINDS

KIND_NAMES = {kind: words for kind, (_, _, words) in RECORD_KINDS.items()}
OUTCOMES = {"resolved": "Resolved", "not-resolved": "Not resolved", "withdrawn": "Withdrawn"}


@dataclass(frozen=True)
class AppointmentRow:
    scrutineer_id: str
    name: str
    appointment_id: str
    activity_id: str
    activity_name: str
    starts_on: date
    ends_on: date
    ended_on: date | None
    end_reason: str
    event_id: str
    position: int

    def covers(self, start: date, end: date) -> bool:
        last = self.ended_on or self.ends_on
        return self.starts_on <= end and start <= last


@dataclass(frozen=True)
class ConflictRow:
    scrutineer_id: str
    conflict_id: str
    interest_in: str
    interest_in_name: str
    description: str
    declared_on: date
    event_id: str
    position: int


@dataclass(frozen=True)
class AnswerRow:
    answer: str
    answered_by: str
    answered_on: date
    documents: list[dict[str, object]]
    event_id: str
    position: int


@dataclass(frozen=True)
class ChallengeRow:
    challenge_id: str
    scrutineer_id: str
    record_kind: str
    record_id: str
    record_event_id: str
    put_to: str
    put_to_name: str
    text: str
    raised_on: date
    answer_by: date | None
    status: str
    """open, answered or closed."""
    outcome: str | None
    closed_on: date | None
    close_note: str
    answers: list[AnswerRow]
    event_id: str
    position: int

    @property
    def record_words(self) -> str:
        return f"{KIND_NAMES.get(self.record_kind, self.record_kind)} {self.record_id}"

    @property
    def outcome_words(self) -> str:
        return OUTCOMES.get(self.outcome or "", "")

    def overdue(self, today: date) -> bool:
        return self.status == "open" and self.answer_by is not None and self.answer_by < today


@dataclass(frozen=True)
class ResponseRow:
    response: str
    responded_on: date
    documents: list[dict[str, object]]
    event_id: str
    position: int


@dataclass(frozen=True)
class RecommendationRow:
    recommendation_id: str
    scrutineer_id: str
    made_to: str
    made_to_name: str
    text: str
    record_kind: str | None
    record_id: str | None
    made_on: date
    respond_by: date | None
    responses: list[ResponseRow]
    acted_upon: bool | None
    judged_on: date | None
    judge_note: str
    event_id: str
    position: int

    @property
    def status(self) -> str:
        if self.acted_upon is True:
            return "Acted upon"
        if self.acted_upon is False:
            return "Not acted upon"
        return "Response recorded" if self.responses else "Awaiting a response"


@dataclass(frozen=True)
class ReportSignOff:
    year: int
    scrutineer_id: str
    summary: str
    signed_off_on: date
    published_on: date | None
    link: str | None
    event_id: str
    position: int


@dataclass(frozen=True)
class Workspace:
    partnership_id: str
    partnership_name: str
    as_of: datetime
    appointments: list[AppointmentRow] = field(default_factory=list)
    conflicts: list[ConflictRow] = field(default_factory=list)
    challenges: list[ChallengeRow] = field(default_factory=list)
    recommendations: list[RecommendationRow] = field(default_factory=list)
    reports: list[ReportSignOff] = field(default_factory=list)

    @property
    def open_challenges(self) -> list[ChallengeRow]:
        return [c for c in self.challenges if c.status != "closed"]

    @property
    def acted_upon(self) -> tuple[int, int]:
        """(recommendations judged acted upon, recommendations made)."""
        return sum(1 for r in self.recommendations if r.acted_upon), len(self.recommendations)

    def names(self) -> dict[str, str]:
        return {a.scrutineer_id: a.name for a in self.appointments}

    def for_agency(self, agency_id: str) -> Workspace:
        """What an agency may see: the challenges put to it and the recommendations made to it."""
        return Workspace(self.partnership_id, self.partnership_name, self.as_of,
                         challenges=[c for c in self.challenges if c.put_to == agency_id],
                         recommendations=[r for r in self.recommendations if r.made_to == agency_id])


@dataclass(frozen=True)
class AnnualReport:
    """The scrutineer's annual report of a year: each section drawn from the records."""

    partnership_id: str
    partnership_name: str
    year: int
    period_start: date
    period_end: date
    as_of: datetime
    appointments: list[AppointmentRow]
    conflicts: list[ConflictRow]
    challenges: list[ChallengeRow]
    recommendations: list[RecommendationRow]
    sign_off: ReportSignOff | None
    scrutineer_names: dict[str, str]

    @property
    def label(self) -> str:
        return f"{self.period_start.year}/{self.period_end.year % 100:02d}"

    @property
    def status(self) -> str:
        if self.sign_off is None:
            return "not yet signed off by the scrutineer"
        if self.sign_off.published_on is None:
            return f"signed off by the scrutineer on {self.sign_off.signed_off_on:%d %B %Y}, not yet published"
        return f"published on {self.sign_off.published_on:%d %B %Y}"

    @property
    def figures(self) -> list[tuple[str, int]]:
        acted = sum(1 for r in self.recommendations if r.acted_upon)
        return [
            ("Appointments held in the year", len(self.appointments)),
            ("Conflicts of interest declared", len(self.conflicts)),
            ("Challenges raised", len(self.challenges)),
            ("Challenges answered", sum(1 for c in self.challenges if c.answers)),
            ("Challenges still open", sum(1 for c in self.challenges if c.status != "closed")),
            ("Recommendations made", len(self.recommendations)),
            ("Recommendations acted upon", acted),
            ("Recommendations judged not acted upon", sum(1 for r in self.recommendations if r.acted_upon is False)),
        ]


def build_annual_report(workspace: Workspace, year: int) -> AnnualReport:
    start, end = period_of(year)
    sign_off = next((r for r in workspace.reports if r.year == year), None)
    return AnnualReport(
        workspace.partnership_id, workspace.partnership_name, year, start, end, workspace.as_of,
        appointments=[a for a in workspace.appointments if a.covers(start, end)],
        conflicts=[c for c in workspace.conflicts if c.declared_on <= end],
        challenges=[c for c in workspace.challenges if start <= c.raised_on <= end],
        recommendations=[r for r in workspace.recommendations if start <= r.made_on <= end],
        sign_off=sign_off,
        scrutineer_names=workspace.names(),
    )
