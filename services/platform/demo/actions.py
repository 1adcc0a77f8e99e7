"""Chapter four: the action plan. Every finding, review, audit and risk flag of the year
agreed an action; each is raised on its owner agency on the day it was agreed (a strand
of the story of its own) and plays out by its age.

An action the story means to finish on time is completed early and signed off at the
following meeting of the group the profile names, by every safeguarding partner. Others
pass their due date, and the watcher raises them overdue on the day after: some are
still overdue, one was completed late. One piece of evidence was rejected at a meeting
and the action reopened. The newest actions are open or due soon. On the last day the
impact log records a difference made."""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

from services.platform.demo.reviews import ReviewFacts
from services.platform.demo.story import BUSINESS_UNIT, ActionSource, Story, plural

# What the story would like to happen to the actions, oldest first; each takes the first
# wish its age allows (an action agreed last week cannot be overdue).
WISHES = [
    "overdue", "signed-off", "late-done", "signed-off", "overdue", "rejected", "awaiting",
    "signed-off", "due-soon", "overdue", "signed-off", "awaiting",
]
# Days an action must have been agreed for each fate to be possible.
NEEDS_AGE = {"overdue": 50, "late-done": 60, "signed-off": 40, "rejected": 30, "awaiting": 1, "due-soon": 0, "open": 0}
LEAD = "Safeguarding lead (invented)"


@dataclass
class ActionFacts:
    fates: dict[str, str] = field(default_factory=dict)
    signed: list[str] = field(default_factory=list)

    def count(self, fate: str) -> int:
        return Counter(self.fates.values())[fate]


class ActionPlan:
    """Raises each action on the day it was agreed, numbered in the order they were, and
    gives each the first wish its age allows."""

    def __init__(self, story: Story, facts: ActionFacts) -> None:
        self.story, self.facts = story, facts
        self.rng = story.rng("actions")
        self.wishes = list(WISHES)

    def agreed(self, source: ActionSource) -> None:
        self.story.strand(source.agreed_on, partial(self._play, source))

    async def _play(self, source: ActionSource) -> None:
        age = (self.story.until - source.agreed_on).days
        fate = next((w for w in self.wishes if age >= NEEDS_AGE[w]), "open")
        if fate in self.wishes:
            self.wishes.remove(fate)
        action = f"act-{len(self.facts.fates) + 1:02d}"
        self.facts.fates[action] = fate
        self.facts.fates[action] = await _play_one(self.story, self.rng, action, source, fate, self.facts)


def _meeting_after(story: Story, day: date) -> date | None:
    return next((m for m in story.board_meetings() if m >= day), None)


async def _complete(story: Story, action: str, owner: str, on: date) -> None:
    await story.platform.ask("reviews", "complete-action", f"actions/{action}/complete", {
        "action_id": action, "owner_agency_id": owner, "completed_on": on, "completed_by": LEAD,
        "evidence": [{"description": "Audit of a sample of cases showing the change in practice (invented)"}],
    }, agency=owner, on=on)


async def _sign_off(story: Story, action: str, meeting: date, facts: ActionFacts) -> None:
    await story.platform.ask("reviews", "sign-off-action", f"actions/{action}/sign-off", {
        "action_id": action, "meeting_on": meeting, "partners": [p.id for p in story.profile.statutory_partners],
    }, on=meeting)
    facts.signed.append(action)


async def _update(story: Story, action: str, owner: str, progress: str, percent: int, on: date) -> None:
    await story.platform.ask("reviews", "update-action", f"actions/{action}/update", {
        "action_id": action, "owner_agency_id": owner, "progress": progress, "percent_complete": percent, "updated_by": LEAD,
    }, agency=owner, on=on)


def _between(story: Story, first: date, last: date) -> date:
    """A working day halfway from `first` to `last` (never before `first`)."""
    return max(first, story.working_on_or_before(first + (last - first) / 2))


async def _play_one(story: Story, rng: random.Random, action: str, source: ActionSource, fate: str, facts: ActionFacts) -> str:
    ask, owner = story.platform.ask, source.owner_agency_id
    agreed = source.agreed_on
    if fate in ("overdue", "late-done"):
        due = story.working_on_or_before(min(agreed + timedelta(days=45), story.until - timedelta(days=3)))
    elif fate == "due-soon":
        due = story.ahead(7)
    else:
        due = story.ahead(rng.randint(30, 120))
    await ask("reviews", "raise-action", f"actions/{action}/raise", {
        "action_id": action, "title": source.title, "owner_agency_id": owner, "due_on": due,
        "source_type": source.source_type, "source_id": source.source_id, "raised_by": BUSINESS_UNIT,
    }, on=agreed)
    if fate == "signed-off":
        completed = story.working_on_or_before(min(agreed + timedelta(days=30), story.until - timedelta(days=7)))
        await _update(
            story, action, owner, "Practice guidance re-issued; a first audit is under way", 60, _between(story, agreed, completed)
        )
        await _complete(story, action, owner, completed)
        meeting = _meeting_after(story, completed)
        if meeting is None:
            return "awaiting"
        await _sign_off(story, action, meeting, facts)
    elif fate == "late-done":
        await _update(
            story, action, owner, "Delayed by staff vacancies; now back on track", 70, story.at_most_until(due + timedelta(days=1))
        )
        completed = story.at_most_until(story.working_on_or_after(due + timedelta(days=12)))
        await _complete(story, action, owner, completed)
        meeting = _meeting_after(story, completed)
        if meeting is None:
            return "awaiting"
        await _sign_off(story, action, meeting, facts)
    elif fate == "overdue":
        await _update(story, action, owner, "Delayed: the audit tool is being rewritten", 40, story.at_most_until(due + timedelta(days=2)))
    elif fate == "rejected":
        completed = story.working_on_or_before(agreed + timedelta(days=20))
        await _complete(story, action, owner, completed)
        meeting = _meeting_after(story, completed)
        if meeting is None:
            return "awaiting"
        await ask("reviews", "reject-action-evidence", f"actions/{action}/reject", {
            "action_id": action, "meeting_on": meeting, "due_on": story.ahead(45),
            "reason": "The evidence shows the policy was issued, not that practice changed: audit a sample of cases",
        }, on=meeting)
        await _update(story, action, owner, "A case audit is booked to evidence the change", 50, meeting)
    elif fate == "awaiting":
        await _complete(story, action, owner, story.working_on_or_before(max(agreed + timedelta(days=1), story.until - timedelta(days=4))))
    elif fate == "open":
        await _update(story, action, owner, "Work has started; the plan is agreed with the team managers", 25,
                      story.at_most_until(story.working_on_or_after(agreed + timedelta(days=7))))
    return fate


def play(story: Story, facts: ActionFacts, reviews: ReviewFacts) -> None:
    """Raise each action as it is agreed, and record the impact log on the last day."""
    story.on_agreed = ActionPlan(story, facts).agreed
    story.strand(story.until, partial(_impact, story, facts, reviews))


async def _impact(story: Story, facts: ActionFacts, reviews: ReviewFacts) -> None:
    if facts.signed and reviews.concluded_audit:
        await story.platform.ask("reviews", "record-impact", f"impact/{story.until.year}", {
            "impact_id": f"impact-{story.until:%Y-%m}", "recorded_on": story.until,
            "difference": "More children's plans are reviewed on time",
            "evidence": "The next audit round found plans reviewed within timescale in most cases sampled",
            "action_ids": sorted(facts.signed)[:2], "audit_ids": [reviews.concluded_audit], "recorded_by": BUSINESS_UNIT,
        }, on=story.until)
        story.progress("Impact log: a difference made, linked to the actions and the audit behind it")


def summary(facts: ActionFacts) -> str:
    """Only what the story did: the figures (open, overdue, awaiting sign-off) are reporting's,
    narrated once the records are projected (demo.figures_line), so they match the pages."""
    return (
        f"Actions: {plural(len(facts.fates), 'action')} raised from the year's findings, reviews, audits and risk flags; "
        f"{facts.count('signed-off') + facts.count('late-done')} completed and signed off, "
        f"{facts.count('rejected')} sent back at a meeting for better evidence"
    )
