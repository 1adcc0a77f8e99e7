"""The independent scrutineer's workspace (pure): the register of scrutineers and their
appointments, and challenges on any record of the partnership.

Why the reporting service's own records and not the reviews service: a challenge or a
recommendation may be about a record of any service (a Section 11 cycle or return, an
assurance event, an audit, a review, a yearly report, a risk), and reporting is the one
service that already reads the other services' stores (read-only, as an indicator's
evidence does) without importing them; the scrutineer's comments and sign-off of the
yearly report are recorded here too, and the annual report is drawn from the read
models reporting keeps. The reviews service owns reviews and actions and nothing else.

A challenge cites its record down to its newest event when raised (as an indicator's
evidence does), so it names exactly what the scrutineer saw.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from services.reporting.domain.records.checks import not_after_today, not_before
from services.reporting.domain.records.evidence import KINDS, Newest
from services.reporting.domain.records.risks import owners
from services.reporting.domain.records.scrutiny_commands import (
    AnswerChallenge,
    AppointScrutineer,
    CloseChallenge,
    EndAppointment,
    RaiseChallenge,
    RecordConflictOfInterest,
)
from shared.aggregate import Aggregate
from shared.catalogue import DomainEvent
from shared.catalogue.reporting import EvidenceCited
from shared.catalogue.scrutiny import (
    BUSINESS_UNIT,
    AppointmentEnded,
    ChallengeAnswered,
    ChallengeClosed,
    ChallengeRaised,
    ConflictOfInterestRecorded,
    ScrutineerAppointed,
)
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal

# kind -> (the store that holds it, its streams' prefix, what to call it): every record the
# evidence of an indicator may cite, an agency's return, and reporting's own records.
RECORD_KINDS: dict[str, tuple[str, str, str]] = KINDS | {
    "s11-return": ("section11", "s11-return", "Section 11 return"),
    "yearly-report": ("reporting", "yearly-report", "yearly report"),
    "risk": ("reporting", "risk", "risk"),
}


def record_stream(kind: str, partnership_id: str, record_id: str) -> tuple[str, str]:
    """The store and the stream id of a record."""
    store, prefix, _ = RECORD_KINDS[kind]
    return store, f"{prefix}:{partnership_id}:{record_id}"


def cite_record(kind: str, record_id: str, partnership_id: str, newest: Newest | None, field: str = "record_id") -> EvidenceCited:
    if newest is None:
        raise Refusal("unknown_record", f"there is no {RECORD_KINDS[kind][2]} {record_id!r} in {partnership_id}", field)
    store, stream_id = record_stream(kind, partnership_id, record_id)
    return EvidenceCited(kind=kind, record_id=record_id, store=store, stream_id=stream_id, event_id=newest.event_id,
                         event_type=newest.event_type, position=newest.position)


# -- the register ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Appointment:
    appointment_id: str
    activity_id: str
    starts_on: date
    ends_on: date
    ended_on: date | None = None

    def covers(self, day: date) -> bool:
        last = min(self.ends_on, self.ended_on) if self.ended_on else self.ends_on
        return self.starts_on <= day <= last


@dataclass(frozen=True)
class Scrutineer:
    name: str | None = None
    appointments: tuple[Appointment, ...] = ()
    conflicts: Mapping[str, str] = field(default_factory=dict)
    """Conflict id -> the agency, partner or group it is an interest in."""

    @property
    def registered(self) -> bool:
        return self.name is not None

    def appointed_on(self, day: date) -> bool:
        return any(a.covers(day) for a in self.appointments)

    def interests(self) -> set[str]:
        return set(self.conflicts.values())

    def appointment(self, appointment_id: str) -> Appointment | None:
        return next((a for a in self.appointments if a.appointment_id == appointment_id), None)


def evolve_scrutineer(state: Scrutineer, event: DomainEvent) -> Scrutineer:
    match event:
        case ScrutineerAppointed() as e:
            added = Appointment(e.appointment_id, e.activity_id, e.starts_on, e.ends_on)
            return replace(state, name=e.name, appointments=(*state.appointments, added))
        case ConflictOfInterestRecorded() as e:
            return replace(state, conflicts={**state.conflicts, e.conflict_id: e.interest_in})
        case AppointmentEnded() as e:
            return replace(state, appointments=tuple(
                replace(a, ended_on=e.ended_on) if a.appointment_id == e.appointment_id else a for a in state.appointments))
    return state


def decide_appoint(state: Scrutineer, command: AppointScrutineer, profile: FrameworkProfile, today: date) -> list[DomainEvent]:
    activity = next((a for a in profile.activities if a.id == command.activity_id), None)
    if activity is None:
        raise Refusal("unknown_activity", f"{command.activity_id!r} is not an activity of {profile.id}", "activity_id")
    if state.appointment(command.appointment_id) is not None:
        raise Refusal("already_appointed", f"appointment {command.appointment_id!r} is already recorded", "appointment_id")
    name = command.name or state.name
    if name is None:
        raise Refusal("name_needed", f"{command.scrutineer_id!r} is not on the register yet: give their name", "name")
    if command.ends_on <= command.starts_on:
        raise Refusal("period_backwards", f"an appointment ends after it starts ({command.starts_on})", "ends_on")
    return [ScrutineerAppointed(
        scrutineer_id=command.scrutineer_id, name=name, appointment_id=command.appointment_id, activity_id=activity.id,
        activity_name=activity.name, starts_on=command.starts_on, ends_on=command.ends_on, appointed_on=today,
    )]


def _registered(state: Scrutineer, scrutineer_id: str) -> None:
    if not state.registered:
        raise Refusal("unknown_scrutineer", f"{scrutineer_id!r} is not on the register of scrutineers", "scrutineer_id")


def decide_conflict(state: Scrutineer, command: RecordConflictOfInterest, profile: FrameworkProfile, today: date) -> list[DomainEvent]:
    _registered(state, command.scrutineer_id)
    named = owners(profile)
    if command.interest_in not in named:
        raise Refusal(
            "unknown_interest", f"{command.interest_in!r} is not an agency, statutory partner or group of {profile.id}", "interest_in"
        )
    if command.conflict_id in state.conflicts:
        raise Refusal("already_recorded", f"conflict of interest {command.conflict_id!r} is already recorded", "conflict_id")
    not_after_today(command.declared_on, today, "declared_on")
    return [ConflictOfInterestRecorded(
        scrutineer_id=command.scrutineer_id, conflict_id=command.conflict_id, interest_in=command.interest_in,
        interest_in_name=named[command.interest_in], description=command.description, declared_on=command.declared_on,
    )]


def decide_end(state: Scrutineer, command: EndAppointment, today: date) -> list[DomainEvent]:
    _registered(state, command.scrutineer_id)
    appointment = state.appointment(command.appointment_id)
    if appointment is None:
        raise Refusal("unknown_appointment", f"{command.scrutineer_id!r} has no appointment {command.appointment_id!r}", "appointment_id")
    if appointment.ended_on is not None:
        raise Refusal("already_ended", f"appointment {command.appointment_id!r} ended on {appointment.ended_on}", "appointment_id")
    not_before(command.ended_on, appointment.starts_on, "ended_on", "the appointment's start")
    if command.ended_on > appointment.ends_on:
        raise Refusal("after_period", f"the appointment's period ends on {appointment.ends_on}", "ended_on")
    not_after_today(command.ended_on, today, "ended_on")
    return [AppointmentEnded(scrutineer_id=command.scrutineer_id, appointment_id=command.appointment_id,
                             ended_on=command.ended_on, reason=command.reason)]


def acting(scrutineer: Scrutineer, scrutineer_id: str, on: date, field: str) -> None:
    """A challenge or recommendation comes from a scrutineer appointed on its day."""
    _registered(scrutineer, scrutineer_id)
    if not scrutineer.appointed_on(on):
        raise Refusal("not_appointed", f"{scrutineer_id!r} holds no appointment on {on}", field)


def no_conflict(scrutineer: Scrutineer, to: str, field: str) -> None:
    if to in scrutineer.interests():
        raise Refusal("conflict_of_interest", f"the scrutineer has declared an interest in {to!r}", field)


# -- challenges ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Challenge:
    raised_on: date | None = None
    put_to: str = ""
    answers: int = 0
    last_on: date | None = None
    closed: bool = False


def evolve_challenge(state: Challenge, event: DomainEvent) -> Challenge:
    match event:
        case ChallengeRaised() as e:
            return Challenge(e.raised_on, e.put_to, 0, e.raised_on)
        case ChallengeAnswered() as e:
            return replace(state, answers=state.answers + 1, last_on=e.answered_on)
        case ChallengeClosed() as e:
            return replace(state, closed=True, last_on=e.closed_on)
    return state


def decide_raise(
    state: Challenge, command: RaiseChallenge, scrutineer: Scrutineer, newest: Newest | None, profile: FrameworkProfile,
    today: date,
) -> list[DomainEvent]:
    if state.raised_on is not None:
        raise Refusal("already_raised", f"challenge {command.challenge_id!r} is already raised", "challenge_id")
    if command.put_to != BUSINESS_UNIT and command.put_to not in {a.id for a in profile.agencies}:
        raise Refusal(
            "unknown_agency", f"a challenge is put to an agency of {profile.id} or to {BUSINESS_UNIT}, not {command.put_to!r}", "put_to"
        )
    not_after_today(command.raised_on, today, "raised_on")
    acting(scrutineer, command.scrutineer_id, command.raised_on, "scrutineer_id")
    no_conflict(scrutineer, command.put_to, "put_to")
    record = cite_record(command.record_kind, command.record_id, profile.id, newest)
    if command.answer_by is not None and command.answer_by <= command.raised_on:
        raise Refusal("answer_by_not_after", f"the answer is due after the challenge is raised ({command.raised_on})", "answer_by")
    return [ChallengeRaised(
        challenge_id=command.challenge_id, scrutineer_id=command.scrutineer_id, record=record, put_to=command.put_to,
        agency_id=_agency(command.put_to), text=command.text, raised_on=command.raised_on, answer_by=command.answer_by,
    )]


def _open(state: Challenge, challenge_id: str) -> date:
    if state.raised_on is None:
        raise Refusal("unknown_challenge", f"there is no challenge {challenge_id!r}", "challenge_id")
    if state.closed:
        raise Refusal("closed", f"challenge {challenge_id!r} is closed", "challenge_id")
    return state.raised_on


def decide_answer(state: Challenge, command: AnswerChallenge, answerer: str, today: date) -> list[DomainEvent]:
    """`answerer`: the agency sending (its id, pinned by the gateway) or `business-unit`."""
    raised_on = _open(state, command.challenge_id)
    if answerer != state.put_to:
        to = "the business unit" if state.put_to == BUSINESS_UNIT else f"agency {state.put_to!r}"
        raise Refusal("not_put_to_you", f"challenge {command.challenge_id!r} is put to {to}", "agency_id")
    not_before(command.answered_on, raised_on, "answered_on", "the challenge")
    not_after_today(command.answered_on, today, "answered_on")
    return [
        ChallengeAnswered(
            challenge_id=command.challenge_id,
            put_to=state.put_to,
            agency_id=_agency(state.put_to),
            answer=command.answer,
            answered_by=command.answered_by,
            answered_on=command.answered_on,
            documents=list(command.documents),
        )
    ]


def decide_close(state: Challenge, command: CloseChallenge, today: date) -> list[DomainEvent]:
    _open(state, command.challenge_id)
    assert state.last_on is not None
    if command.outcome == "resolved" and state.answers == 0:
        raise Refusal("unanswered", "a challenge is resolved once it has been answered (or withdraw it)", "outcome")
    not_before(command.closed_on, state.last_on, "closed_on", "the challenge's last answer")
    not_after_today(command.closed_on, today, "closed_on")
    return [ChallengeClosed(challenge_id=command.challenge_id, agency_id=_agency(state.put_to), outcome=command.outcome,
                            note=command.note, closed_on=command.closed_on)]


def _agency(put_to: str) -> str | None:
    return None if put_to == BUSINESS_UNIT else put_to


# A scrutineer on the register (`scrutineer:{partnership}:{scrutineer_id}`) and a challenge
# (`challenge:{partnership}:{challenge_id}`).
SCRUTINEER = Aggregate("scrutineer", Scrutineer(), evolve_scrutineer)
CHALLENGE = Aggregate("challenge", Challenge(), evolve_challenge)
