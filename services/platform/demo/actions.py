"""Chapter four: the action plan. Every finding, review, audit and risk flag of the year
agreed an action; each is raised on its owner agency and plays out by its age.

An action the story means to finish on time is due after today (the service raises an
action overdue as soon as its day has gone, whatever a later completion says), so it
was completed early and signed off at the following meeting of the group the profile
names, by every safeguarding partner. An action due in the past is raised overdue by the
watcher before anything else happens to it: some are still overdue, one was completed
late. One piece of evidence was rejected at a meeting and the action reopened. The
newest actions are open or due soon. Finally the impact log records a difference made."""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

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

    def count(self, fate: str) -> int:
        return Counter(self.fates.values())[fate]


def _fates(story: Story, sources: list[ActionSource]) -> list[str]:
    wishes = list(WISHES)
    fates = []
    for source in sources:
        age = (story.until - source.agreed_on).days
        fate = next((w for w in wishes if age >= NEEDS_AGE[w]), "open")
        if fate in wishes:
            wishes.remove(fate)
        fates.append(fate)
    return fates


def _meeting_after(story: Story, day: date) -> date | None:
    return next((m for m in story.board_meetings() if m >= day), None)


async def _complete(story: Story, action: str, owner: str, on: date) -> None:
    await story.platform.ask("reviews", "complete-action", f"actions/{action}/complete", {
        "action_id": action, "owner_agency_id": owner, "completed_on": on, "completed_by": LEAD,
        "evidence": [{"description": "Audit of a sample of cases showing the change in practice (invented)"}],
    }, agency=owner)


async def _sign_off(story: Story, action: str, meeting: date) -> None:
    await story.platform.ask("reviews", "sign-off-action", f"actions/{action}/sign-off", {
        "action_id": action, "meeting_on": meeting, "partners": [p.id for p in story.profile.statutory_partners],
    })


async def _update(story: Story, action: str, owner: str, progress: str, percent: int) -> None:
    await story.platform.ask("reviews", "update-action", f"actions/{action}/update", {
        "action_id": action, "owner_agency_id": owner, "progress": progress, "percent_complete": percent, "updated_by": LEAD,
    }, agency=owner)


async def _play_one(story: Story, rng: random.Random, number: int, source: ActionSource, fate: str) -> str:
    ask, action, owner = story.platform.ask, f"act-{number:02d}", source.owner_agency_id
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
    })
    await story.platform.settle()
    if fate == "signed-off":
        completed = story.working_on_or_before(min(agreed + timedelta(days=30), story.until - timedelta(days=7)))
        await _update(story, action, owner, "Practice guidance re-issued; a first audit is under way", 60)
        await _complete(story, action, owner, completed)
        meeting = _meeting_after(story, completed)
        if meeting is None:
            return "awaiting"
        await _sign_off(story, action, meeting)
    elif fate == "late-done":
        await _update(story, action, owner, "Delayed by staff vacancies; now back on track", 70)
        completed = story.at_most_until(story.working_on_or_after(due + timedelta(days=12)))
        await _complete(story, action, owner, completed)
        meeting = _meeting_after(story, completed)
        if meeting is None:
            return "awaiting"
        await _sign_off(story, action, meeting)
    elif fate == "overdue":
        await _update(story, action, owner, "Delayed: the audit tool is being rewritten", 40)
    elif fate == "rejected":
        completed = story.working_on_or_before(agreed + timedelta(days=20))
        await _complete(story, action, owner, completed)
        meeting = _meeting_after(story, completed)
        if meeting is None:
            return "awaiting"
        await ask("reviews", "reject-action-evidence", f"actions/{action}/reject", {
            "action_id": action, "meeting_on": meeting, "due_on": story.ahead(45),
            "reason": "The evidence shows the policy was issued, not that practice changed: audit a sample of cases",
        })
        await _update(story, action, owner, "A case audit is booked to evidence the change", 50)
    elif fate == "awaiting":
        await _complete(story, action, owner, story.working_on_or_before(max(agreed + timedelta(days=1), story.until - timedelta(days=4))))
    elif fate == "open":
        await _update(story, action, owner, "Work has started; the plan is agreed with the team managers", 25)
    return fate


async def play(story: Story, reviews: ReviewFacts) -> ActionFacts:
    rng = story.rng("actions")
    facts = ActionFacts()
    sources = sorted(story.action_sources, key=lambda s: (s.agreed_on, s.key))
    for number, (source, fate) in enumerate(zip(sources, _fates(story, sources), strict=True), start=1):
        facts.fates[f"act-{number:02d}"] = await _play_one(story, rng, number, source, fate)
    # Only what the story did: the figures (open, overdue, awaiting sign-off) are reporting's,
    # narrated once the records are projected (demo.figures_line), so they match the pages.
    story.progress(
        f"Actions: {plural(len(sources), 'action')} raised from the year's findings, reviews, audits and risk flags; "
        f"{facts.count('signed-off') + facts.count('late-done')} completed and signed off, "
        f"{facts.count('rejected')} sent back at a meeting for better evidence"
    )
    signed = [a for a, fate in facts.fates.items() if fate in ("signed-off", "late-done")]
    if signed and reviews.concluded_audit:
        await story.platform.ask("reviews", "record-impact", f"impact/{story.until.year}", {
            "impact_id": f"impact-{story.until:%Y-%m}", "recorded_on": story.back(3),
            "difference": "More children's plans are reviewed on time",
            "evidence": "The next audit round found plans reviewed within timescale in most cases sampled",
            "action_ids": signed[:2], "audit_ids": [reviews.concluded_audit], "recorded_by": BUSINESS_UNIT,
        })
        story.progress("Impact log: a difference made, linked to the actions and the audit behind it")
    return facts
