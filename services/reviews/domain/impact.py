"""The impact log: differences made for children and practice, each linked to the
actions, reviews, rapid reviews and audits that made them.

One stream per entry: `impact:{partnership}:{impact_id}`. The handler looks the
linked records up and passes which of them exist; deciding stays pure.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from services.reviews.domain.commands import RecordImpact
from services.reviews.domain.timers import not_after_today
from shared.catalogue import DomainEvent
from shared.catalogue.reviews import ImpactRecorded
from shared.refusals import Refusal

LINKS = ("action_ids", "review_ids", "incident_ids", "audit_ids")


def stream_id(partnership_id: str, impact_id: str) -> str:
    return f"impact:{partnership_id}:{impact_id}"


@dataclass(frozen=True)
class ImpactEntry:
    recorded: bool = False


def evolve(state: ImpactEntry, event: DomainEvent) -> ImpactEntry:
    return ImpactEntry(recorded=True) if isinstance(event, ImpactRecorded) else state


def decide_record(
    state: ImpactEntry, command: RecordImpact, exists: Mapping[str, Mapping[str, bool]], today: date
) -> list[DomainEvent]:
    """`exists[link field][id]` says whether the linked record exists."""
    if state.recorded:
        raise Refusal("already_recorded", f"impact {command.impact_id!r} is already recorded", "impact_id")
    if not any(getattr(command, link) for link in LINKS):
        raise Refusal("no_links", "an impact is linked to at least one action, review, rapid review or audit", "action_ids")
    for link in LINKS:
        for index, linked in enumerate(getattr(command, link)):
            if not exists.get(link, {}).get(linked, False):
                raise Refusal("unknown_link", f"there is no {link.removesuffix('_ids')} {linked!r}", f"{link}[{index}]")
    not_after_today(command.recorded_on, today, "recorded_on")
    return [
        ImpactRecorded(
            impact_id=command.impact_id,
            recorded_on=command.recorded_on,
            difference=command.difference,
            evidence=command.evidence,
            action_ids=list(command.action_ids),
            review_ids=list(command.review_ids),
            incident_ids=list(command.incident_ids),
            audit_ids=list(command.audit_ids),
            recorded_by=command.recorded_by,
        )
    ]
