"""The action tracker, shaped from read-model rows (pure).

Each action falls in one bucket: open, due soon (reminded, or due within the
profile's reminder lead time), overdue, awaiting sign-off (completed with
evidence), signed off. Every row carries the events behind it, and its history
lists every event on the action in order, progress updates included.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from shared.london import LONDON

BUCKETS = ("open", "due soon", "overdue", "awaiting sign-off", "signed off")


@dataclass(frozen=True)
class HistoryEntry:
    event_type: str
    occurred_at: datetime
    actor: str
    detail: str
    event_id: str
    position: int


@dataclass(frozen=True)
class ActionRow:
    action_id: str
    title: str
    owner_agency_id: str
    due_on: date
    status: str
    """open, overdue, awaiting-sign-off or signed-off: the facts recorded, not the calendar."""
    source: str
    event_id: str
    position: int
    overdue_event_id: str | None
    reminded_event_id: str | None = None
    completed_event_id: str | None = None
    signed_off_event_id: str | None = None
    last_event_id: str | None = None
    last_position: int | None = None
    progress_updates: int = 0
    percent_complete: int | None = None
    rejections: int = 0
    history: list[HistoryEntry] = field(default_factory=list)
    # The record it came from, and when it was raised and signed off: the reports' action plan
    # and its links to themes and impact read these (`source` is the two in words).
    source_type: str = ""
    source_id: str = ""
    raised_on: date | None = None
    signed_off_on: date | None = None


@dataclass(frozen=True)
class TrackedAction:
    row: ActionRow
    bucket: str
    days_to_due: int
    """Calendar days from the view's date to the due date (negative once past)."""


@dataclass(frozen=True)
class ActionTracker:
    as_of: date
    lead_days: int
    buckets: dict[str, list[TrackedAction]] = field(default_factory=lambda: {b: [] for b in BUCKETS})

    def count(self, bucket: str) -> int:
        return len(self.buckets.get(bucket, []))


def bucket_of(row: ActionRow, today: date, lead_days: int) -> str:
    if row.status == "signed-off":
        return "signed off"
    if row.status == "awaiting-sign-off":
        return "awaiting sign-off"
    if row.status == "overdue":
        return "overdue"
    if row.reminded_event_id or (row.due_on - today).days <= lead_days:
        return "due soon"
    return "open"


def build_tracker(rows: list[ActionRow], as_of: datetime, lead_days: int, today: date | None = None) -> ActionTracker:
    day = today or as_of.astimezone(LONDON).date()
    tracker = ActionTracker(day, lead_days)
    for row in rows:
        bucket = bucket_of(row, day, lead_days)
        tracker.buckets[bucket].append(TrackedAction(row, bucket, (row.due_on - day).days))
    return tracker
