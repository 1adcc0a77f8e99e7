"""The steps of one assurance event, as the business unit records them over NATS: the
proposal and the partners' endorsements, the terms of a peer review, the schedule and
its preparation milestones, the cases of a line of sight event, the panel, the feedback,
the findings and their actions, the report and its agreement; a learning hub's cycle."""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from services.events.domain.rules import milestones_due, partner_of_agency
from services.platform.demo.story import BUSINESS_UNIT, Story
from shared.profiles.activities import ActivityType
from shared.profiles.schema import Agency

PRACTITIONERS = ["Social worker", "Health visitor", "Police constable, public protection", "School designated safeguarding lead"]


@dataclass(frozen=True)
class Planned:
    """One assurance event of the year: which activity, for which month, about what."""

    assurance_event_id: str
    activity: ActivityType
    month: str
    agency: Agency | None = None
    theme: str | None = None
    in_planner: bool = False
    """It fills a slot of the events service's planner (rather than cadence or need alone)."""

    @property
    def title(self) -> str:
        about = self.agency.name if self.agency else self.theme
        return f"{self.activity.name}: {about}" if about else self.activity.name

    def recused(self, story: Story) -> str | None:
        if not self.activity.subject_partner_recused or self.agency is None:
            return None
        return partner_of_agency(story.profile, self.agency.id)

    def endorsers(self, story: Story) -> list[str]:
        return [p for p in self.activity.endorsers() if p != self.recused(story)]

    def agreers(self, story: Story) -> list[str]:
        return [p for p in self.activity.report_agreers() if p != self.recused(story)]


def key(event: Planned, step: str) -> str:
    return f"events/{event.assurance_event_id}/{step}"


async def propose_and_endorse(story: Story, event: Planned, on: date) -> None:
    endorsers = event.endorsers(story)
    body: dict = {
        "assurance_event_id": event.assurance_event_id, "activity_type": event.activity.id, "title": event.title,
        "planned_for": event.month,
    }
    if event.agency is not None:
        body["agency_id"] = event.agency.id
    if event.theme is not None:
        body["theme"] = event.theme
    if endorsers:
        body |= {"partner_id": endorsers[0], "role": "safeguarding_partner"}
    await story.platform.ask("events", "propose", key(event, "propose"), body, on=on)
    await endorse(story, event.assurance_event_id, endorsers, on)


async def endorse(story: Story, assurance_event_id: str, endorsers: list[str], on: date) -> None:
    for partner in endorsers:
        await story.platform.ask("events", "endorse", f"events/{assurance_event_id}/endorse/{partner}", {
            "assurance_event_id": assurance_event_id, "partner_id": partner, "role": "safeguarding_partner",
            "representative": story.partner_title(partner),
        }, on=on)


async def agree_terms(story: Story, event: Planned, on: date) -> None:
    rules = event.activity.peer_review
    reciprocal = rules.reciprocal if rules is not None and rules.reciprocal is not None else False
    await story.platform.ask("events", "agree-terms", key(event, "terms"), {
        "assurance_event_id": event.assurance_event_id,
        "scope": (rules.focus if rules and rules.focus else "The partnership's arrangements for safeguarding children"),
        "reciprocal": reciprocal, "direction": "received", "peer_area": "A neighbouring partnership (invented)",
        "days_on_site": (rules.days_on_site if rules and rules.days_on_site else 2),
        "team_roles": ["Independent scrutineer", "Detective inspector", "Designated nurse"],
    }, on=on)


async def schedule(story: Story, event: Planned, on: date, scheduled: date) -> None:
    """Schedule it for `on` (on the day `scheduled`); milestones whose day had already
    gone are missed (the watcher says so on their day) and recorded as met, late, a few
    days after it; those falling due by the end of the year are met on their last day."""
    await story.platform.ask("events", "schedule", key(event, "schedule"), {
        "assurance_event_id": event.assurance_event_id, "scheduled_on": on,
    }, on=scheduled)
    meetings = []
    for milestone in milestones_due(event.activity, on):
        if milestone.due_on < scheduled:
            met = milestone.due_on + timedelta(days=3)
        elif milestone.due_on <= story.until:
            met = milestone.due_on
        else:
            continue
        meetings.append((story.at_most_until(max(met, scheduled)), milestone.milestone_id))
    for met, milestone_id in sorted(meetings):
        await story.platform.ask("events", "meet-milestone", key(event, f"milestone/{milestone_id}"), {
            "assurance_event_id": event.assurance_event_id, "milestone_id": milestone_id, "met_on": met,
        }, on=met)


async def select_cases(story: Story, event: Planned, rng: random.Random, on: date) -> list[str]:
    """The cases of a line of sight event, each audited by one agency first where the profile says so."""
    cases = []
    leads = story.lead_agencies()
    for index in range(event.activity.cases_per_event or 3):
        case_ref = story.case_ref(rng)
        cases.append(case_ref)
        await story.platform.ask("events", "select-case", key(event, f"case/{index}"), {
            "assurance_event_id": event.assurance_event_id, "case_ref": case_ref,
            "agencies_involved": [a.id for a in leads],
        }, on=on)
        if event.activity.case_audits_before_panel:
            auditor = leads[index % len(leads)]
            await story.platform.ask("events", "record-case-audit", key(event, f"case/{index}/audit"), {
                "assurance_event_id": event.assurance_event_id, "case_ref": case_ref, "agency_id": auditor.id,
                "auditor_role": "Practice manager (invented)",
                "summary": "Single-agency audit before the panel: planning was timely; the child's views were recorded.",
            }, on=on)
    return cases


def panel(story: Story, event: Planned) -> list[dict]:
    members: list[dict] = [{"role": "independent_scrutineer", "title": story.profile.independent_scrutiny.title}]
    recused = event.recused(story)
    members += [
        {"role": "safeguarding_partner", "title": story.partner_title(p.id), "partner_id": p.id}
        for p in story.profile.statutory_partners
        if p.id != recused
    ]
    if event.agency is not None:
        members.append({"role": "agency", "title": "Head of safeguarding (invented)", "agency_id": event.agency.id})
    else:
        members += [{"role": "agency", "title": "Safeguarding lead (invented)", "agency_id": a.id} for a in story.lead_agencies()]
    if event.activity.kind == "peer_review":
        members.append({"role": "peer_reviewer", "title": "Peer reviewer from a neighbouring partnership (invented)"})
    return members


async def hold_and_report(story: Story, event: Planned, rng: random.Random) -> list[str]:
    """Held today: panel, feedback, findings with two actions (the reviews service raises
    them), the report drafted by the profile's author and agreed for distribution."""
    eid, day = event.assurance_event_id, story.until

    async def ask(service: str, command: str, step: str, body: dict) -> None:
        await story.platform.ask(service, command, step, body, on=day)

    cases = await select_cases(story, event, rng, day) if event.activity.kind == "line_of_sight" else []
    await ask("events", "hold", key(event, "hold"), {"assurance_event_id": eid, "held_on": day, "panel": panel(story, event)})
    for index, case_ref in enumerate(cases):
        await ask("events", "meet-practitioners", key(event, f"case/{index}/practitioners"), {
            "assurance_event_id": eid, "case_ref": case_ref, "practitioner_roles": PRACTITIONERS[: 2 + index % 3],
        })
    if event.activity.immediate_feedback:
        await ask("events", "feedback", key(event, "feedback"), {
            "assurance_event_id": eid, "given_to": "The agencies' senior leaders",
            "highlights": ["Practitioners know the escalation policy and use it", "Plans do not always record the child's views"],
        })
    owners = [event.agency] if event.agency is not None else story.lead_agencies()
    actions = [
        {"title": "Record the child's views in every plan and review", "owner_agency_id": owners[0].id, "due_on": story.ahead(60)},
        {"title": "Audit the use of the escalation policy and report to the partnership",
         "owner_agency_id": owners[-1].id, "due_on": story.ahead(120)},
    ]
    await ask("events", "findings", key(event, "findings"), {
        "assurance_event_id": eid, "strengths": ["Strong multi-agency working at the front door"],
        "areas_for_development": ["The child's lived experience is not always recorded"], "actions": actions,
    })
    action_ids = [f"{eid}-a{n}" for n in range(1, len(actions) + 1)]
    for action_id in action_ids:
        await story.platform.recorded(
            "reviews", f"action:{story.profile.id}:{action_id}", "ActionRaised",
            what=f"the reviews service to raise the action agreed at {eid}",
        )
    draft: dict = {
        "assurance_event_id": eid, "role": event.activity.report_drafted_by, "author": "Report author (invented)",
        "summary": "The partnership can be assured about the front door; the child's voice needs strengthening.",
    }
    if event.activity.kind == "young_inspectors":
        draft["star_rating"] = 4
    await ask("events", "draft-report", key(event, "draft"), draft)
    agreers = event.agreers(story)
    for partner in agreers:
        await ask("events", "agree-report", key(event, f"agree/{partner}"), {
            "assurance_event_id": eid, "partner_id": partner, "representative": story.partner_title(partner),
        })
    if not agreers:
        await ask("events", "agree-report", key(event, "agree/business-unit"), {
            "assurance_event_id": eid, "role": "business_unit", "representative": BUSINESS_UNIT,
        })
    return action_ids


def hub_scheduled(story: Story) -> date:
    """The day a learning hub under way at the end of the year was scheduled."""
    return max(story.starts, story.working_on_or_before(story.until - timedelta(days=28)))


async def learning_hub_under_way(story: Story, event: Planned) -> None:
    """A learning hub's cycle under way: newsletter out three weeks ago, children's views
    gathered last week, the first forum held today and the practitioner survey sent; the
    rest still to come."""
    ask, eid, today = story.platform.ask, event.assurance_event_id, story.until
    await ask("events", "schedule", key(event, "schedule"), {"assurance_event_id": eid, "scheduled_on": today},
              on=hub_scheduled(story))
    issued = max(hub_scheduled(story), story.working_on_or_before(today - timedelta(days=21)))
    await ask("events", "issue-newsletter", key(event, "newsletter"), {
        "assurance_event_id": eid, "issued_on": issued, "pages": 6,
        "sections": ["What the learning says", "What practitioners can do"],
        "contributors": ["Police", "Health", "Children's services"], "distributed_to": ["All partner agencies"],
    }, on=issued)
    gathered = max(issued, story.working_on_or_before(today - timedelta(days=7)))
    await ask("events", "record-views", key(event, "views"), {
        "assurance_event_id": eid, "gathered_on": gathered, "young_people": 6, "method": "Focus group with the youth council",
    }, on=gathered)
    await ask("events", "record-forum", key(event, "forum/north"), {
        "assurance_event_id": eid, "forum": "North", "held_on": today, "attendance": 48, "waiting_list": True,
    }, on=today)
    await ask("events", "send-survey", key(event, "survey"), {"assurance_event_id": eid, "sent_on": today, "recipients": 395}, on=today)
