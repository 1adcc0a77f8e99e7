"""The partnership's risk register: each risk rated on the 5 x 5 matrix (likelihood x
impact) before controls (inherent), now (current) and where the partnership means to
bring it (target), with its owner and the date it is next reviewed.
One stream per risk: `risk:{partnership}:{risk_id}`."""

from dataclasses import dataclass, replace
from datetime import date

from services.reporting.domain.records.checks import not_after_today, not_before
from services.reporting.domain.records.commands import CloseRisk, Rating, ReassessRisk, RecordRisk
from shared.aggregate import Aggregate
from shared.catalogue import DomainEvent
from shared.catalogue.reporting import RiskClosed, RiskRating, RiskReassessed, RiskRecorded
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal


def stream_id(partnership_id: str, risk_id: str) -> str:
    return f"risk:{partnership_id}:{risk_id}"


@dataclass(frozen=True)
class Risk:
    recorded: bool = False
    closed: bool = False
    inherent: RiskRating | None = None
    current: RiskRating | None = None
    target: RiskRating | None = None
    owner: str = ""
    last_on: date | None = None


def evolve(state: Risk, event: DomainEvent) -> Risk:
    match event:
        case RiskRecorded() as e:
            return Risk(True, False, e.inherent, e.current, e.target, e.owner, e.recorded_on)
        case RiskReassessed() as e:
            return replace(state, current=e.current, target=e.target, owner=e.owner, last_on=e.reassessed_on)
        case RiskClosed() as e:
            return replace(state, closed=True, last_on=e.closed_on)
    return state


def owners(profile: FrameworkProfile) -> dict[str, str]:
    """Who may own a risk: the profile's groups, statutory partners and agencies, by id."""
    named = {g.id: g.name for g in profile.groups}
    named |= {p.id: p.name for p in profile.statutory_partners}
    named |= {a.id: a.name for a in profile.agencies}
    return named


def _rating(profile: FrameworkProfile, rating: Rating, field: str) -> RiskRating:
    """A rating on the profile's risk matrix (5 x 5 by default), refused naming its field if off it."""
    matrix = profile.reporting.risk_matrix
    for part, highest in (("likelihood", matrix.likelihood), ("impact", matrix.impact)):
        value = getattr(rating, part)
        if value > highest:
            raise Refusal(
                "off_the_matrix", f"{part} is scored 1 to {highest} on {profile.id}'s risk matrix, not {value}", f"{field}.{part}"
            )
    return RiskRating(likelihood=rating.likelihood, impact=rating.impact)


def _owner(profile: FrameworkProfile, owner: str) -> str:
    if owner not in owners(profile):
        raise Refusal("unknown_owner", f"{owner!r} is not a group, statutory partner or agency of {profile.id}", "owner")
    return owner


def _not_above_inherent(inherent: RiskRating, rating: RiskRating, field: str, what: str) -> None:
    if rating.score > inherent.score:
        raise Refusal(
            "above_inherent", f"the {what} score {rating.score} is above the inherent score {inherent.score} (before any control)", field
        )


def _review_after(review_on: date, day: date) -> None:
    if review_on <= day:
        raise Refusal("review_not_after", f"the next review ({review_on}) must come after {day}", "review_on")


def decide_record(state: Risk, command: RecordRisk, profile: FrameworkProfile, today: date) -> list[DomainEvent]:
    if state.recorded:
        raise Refusal("already_recorded", f"risk {command.risk_id!r} is already on the register", "risk_id")
    owner = _owner(profile, command.owner)
    inherent = _rating(profile, command.inherent, "inherent")
    current, target = _rating(profile, command.current, "current"), _rating(profile, command.target, "target")
    _not_above_inherent(inherent, current, "current", "current")
    _not_above_inherent(inherent, target, "target", "target")
    not_after_today(command.recorded_on, today, "recorded_on")
    _review_after(command.review_on, command.recorded_on)
    return [
        RiskRecorded(
            risk_id=command.risk_id, title=command.title, description=command.description, owner=owner,
            owner_role=command.owner_role, inherent=inherent, current=current, target=target,
            controls=list(command.controls), recorded_on=command.recorded_on, review_on=command.review_on,
        )
    ]


def _open(state: Risk, risk_id: str) -> None:
    if not state.recorded:
        raise Refusal("unknown_risk", f"there is no risk {risk_id!r} on the register", "risk_id")
    if state.closed:
        raise Refusal("closed", f"risk {risk_id!r} is closed", "risk_id")


def decide_reassess(state: Risk, command: ReassessRisk, profile: FrameworkProfile, today: date) -> list[DomainEvent]:
    _open(state, command.risk_id)
    assert state.inherent is not None and state.current is not None and state.target is not None and state.last_on is not None
    owner = _owner(profile, command.owner) if command.owner else state.owner
    current = _rating(profile, command.current, "current")
    target = _rating(profile, command.target, "target") if command.target else state.target
    _not_above_inherent(state.inherent, current, "current", "current")
    _not_above_inherent(state.inherent, target, "target", "target")
    not_after_today(command.reassessed_on, today, "reassessed_on")
    not_before(command.reassessed_on, state.last_on, "reassessed_on", "the risk's last assessment")
    _review_after(command.review_on, command.reassessed_on)
    return [
        RiskReassessed(
            risk_id=command.risk_id, current=current, target=target, previous=state.current,
            reassessed_on=command.reassessed_on, review_on=command.review_on, note=command.note, owner=owner,
        )
    ]


def decide_close(state: Risk, command: CloseRisk, today: date) -> list[DomainEvent]:
    _open(state, command.risk_id)
    assert state.last_on is not None
    not_after_today(command.closed_on, today, "closed_on")
    not_before(command.closed_on, state.last_on, "closed_on", "the risk's last assessment")
    return [RiskClosed(risk_id=command.risk_id, closed_on=command.closed_on, reason=command.reason)]


# A risk on the partnership's register (`risk:{partnership}:{key}`).
RISK = Aggregate("risk", Risk(), evolve)
