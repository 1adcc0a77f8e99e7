"""Every headline figure, defined once (pure): the dashboard's tiles, the action tracker, the
reports, the board pack (HTML, PDF and its charts) and the demo's narration all count with
these functions, and every place that shows one marks it `data-figure="<key>"` so a test can
check that each has one value everywhere.

Two registers differ by design, and each page that shows one says what it counts:
Section 11 risk flags are raised by the service from agencies' own returns (a domain rated
at or below the profile's threshold), while the risk register holds the risks the
partnership itself records and scores."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class Action(Protocol):
    """An action as any read model shows it (the tracker's row, the reports' link row)."""

    @property
    def status(self) -> str: ...


OPEN_STATUSES = ("open", "overdue")
"""An action is open from being raised until its owner completes it, overdue or not."""


@dataclass(frozen=True)
class Definition:
    key: str
    label: str
    counts: str
    """One plain sentence: what the figure counts."""


DEFINITIONS = {
    d.key: d
    for d in (
        Definition("open-actions", "open actions",
                   "Open actions are those raised and not yet completed by their owner, overdue ones included."),
        Definition("overdue-actions", "overdue actions",
                   "Overdue actions are open actions whose due date has passed."),
        Definition("awaiting-sign-off", "actions awaiting sign-off",
                   "Actions awaiting sign-off were completed with evidence and wait for the group that signs them off."),
        Definition("open-risk-flags", "open risk flags",
                   "Risk flags are raised automatically when an agency's Section 11 return rates a domain at or below "
                   "the partnership's threshold; they are not the risk register."),
        Definition("open-risks", "open risks",
                   "The risk register holds the risks the partnership itself records and scores; Section 11 risk "
                   "flags raised from agencies' returns are counted separately."),
        Definition("agencies-returned", "agencies returned",
                   "Agencies that have sent a Section 11 return in their latest cycle."),
        Definition("concluded-events", "assurance events concluded",
                   "Assurance events held and concluded with their findings recorded."),
    )
}


def counts(key: str) -> str:
    return DEFINITIONS[key].counts


def open_actions(actions: Sequence[Action]) -> int:
    return sum(1 for a in actions if a.status in OPEN_STATUSES)


def overdue_actions(actions: Sequence[Action]) -> int:
    return sum(1 for a in actions if a.status == "overdue")


def awaiting_sign_off(actions: Sequence[Action]) -> int:
    return sum(1 for a in actions if a.status == "awaiting-sign-off")

