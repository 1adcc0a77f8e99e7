"""Chapter three: case reviews and multi-agency audits, on the profile's timescales.

A serious incident some six months ago: the national panel told within the
notification window; the rapid review (the profile's days, working or calendar) ran
past its due date, so the service's watcher raised it overdue before the partners
decided, a few days late, on a local child safeguarding practice review; the CSPR is
under way and due soon. A recent incident: information requested of two agencies (one
has answered), the rapid review decided within its timescale, a learning review
commissioned. A thematic review commissioned in the spring slipped past its due date
and the partners agreed an extension. Multi-agency case file audits on the profile's
cadence: last period's round went overdue and was concluded late (one agency escalated
an immediate safeguarding concern), this period's round is being graded. Where the
profile has the independent scrutineer sign rapid review decisions off, they do."""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

from services.platform.demo.story import BUSINESS_UNIT, ActionSource, Story
from shared.calendar import add_months
from shared.profiles.schema import Agency

DECIDED_BY = "Safeguarding partners' rapid review panel"
SCRUTINEER = "Independent scrutineer (invented)"
GRADES = ["good", "requires-improvement", "outstanding", "inadequate"]


@dataclass
class ReviewFacts:
    incidents: list[str] = field(default_factory=list)
    cspr: str | None = None
    reviews: list[str] = field(default_factory=list)
    audits: list[str] = field(default_factory=list)
    concluded_audit: str | None = None
    thematic: str | None = None


async def _incident(story: Story, rng: random.Random, notified: date, name: str) -> str:
    aware = story.calendar.add_working_days(notified, -2)
    incident = f"si-{aware:%Y-%m}-{name}"
    await story.platform.ask("reviews", "record-serious-incident", f"reviews/{incident}/record", {
        "incident_id": incident, "case_ref": story.case_ref(rng), "aware_on": aware, "child_looked_after": False,
        "panel_notified_on": notified, "recorded_by": BUSINESS_UNIT,
    }, on=notified)
    return incident


async def _decide(story: Story, incident: str, outcome: str, decided_on: date, rationale: str) -> date:
    """Decide the rapid review; where the profile asks, the scrutineer signs the decision off the next working day."""
    await story.platform.ask("reviews", "decide-rapid-review", f"reviews/{incident}/decide", {
        "incident_id": incident, "outcome": outcome, "rationale": rationale, "decided_on": decided_on, "decided_by": DECIDED_BY,
    }, on=decided_on)
    if not story.profile.reviews.rapid_review_decision_signed_off_by_scrutineer:
        return decided_on
    signed = story.at_most_until(story.calendar.add_working_days(decided_on, 1))
    await story.platform.ask("reviews", "sign-off-rapid-review-decision", f"reviews/{incident}/sign-off", {
        "incident_id": incident, "signed_off_by": SCRUTINEER, "signed_off_on": signed,
        "comments": "The rationale is sound and the decision was reached with every agency's information",
    }, on=signed)
    return signed


async def _stages(story: Story, review: str, started: date, offsets: list[int]) -> date:
    last = started
    for stage, offset in zip(story.profile.reviews.review_stages, offsets, strict=False):
        day = story.working_on_or_after(started + timedelta(days=offset))
        if day > story.until:
            break
        await story.platform.ask("reviews", "record-review-stage", f"reviews/{review}/stage/{stage}", {
            "review_id": review, "stage": stage, "completed_on": day,
        }, on=day)
        last = day
    return last


async def first_incident(story: Story, rng: random.Random, facts: ReviewFacts) -> None:
    rules, ask = story.profile.reviews, story.platform.ask
    # -- six months ago: the rapid review went overdue, then a CSPR ---------------------
    notified = story.back(178)
    first = await _incident(story, rng, notified, "a")
    due = story.calendar.due_date(notified, rules.rapid_review_days, rules.rapid_review_unit)
    decided = story.calendar.add_working_days(due, 3)
    commissioned_from = await _decide(
        story, first, "local-cspr", decided,
        "The case meets the criteria for a local review: agencies did not share information about risk",
    )
    cspr = f"cspr-{first}"
    if rules.cspr_endorsed_by_national_panel:  # the Panel endorses the local review before it is commissioned
        commissioned_from = story.calendar.add_working_days(commissioned_from, 2)
        await ask("reviews", "record-national-panel-response", f"reviews/{first}/national-panel", {
            "incident_id": first, "endorsed": True, "responded_on": commissioned_from, "note": "The Panel agreed a local review",
        }, on=commissioned_from)
    commissioned = story.working_on_or_after(commissioned_from + timedelta(days=5))
    await ask("reviews", "commission-review", f"reviews/{cspr}/commission", {
        "review_id": cspr, "review_type": "cspr", "incident_id": first, "author": "Independent reviewer (invented)",
        "terms_of_reference": "How agencies shared information about risk in the six months before the incident",
        "commissioned_on": commissioned,
    }, on=commissioned)
    practitioners_met = await _stages(story, cspr, commissioned, [14, 60, 100])
    facts.incidents.append(first)
    facts.cspr = cspr
    facts.reviews.append(cspr)
    story.agree(ActionSource(
        key=f"review/{cspr}", title="Share the CSPR's early learning on information sharing with every agency",
        owner_agency_id=story.agency_of_partner("local_authority").id, source_type="review", source_id=cspr,
        agreed_on=practitioners_met,
    ))
    story.progress(
        f"Reviews: serious incident {first} — rapid review overdue, decided three working days late on {decided:%d %b} (local CSPR); "
        f"CSPR {cspr} commissioned and under way"
    )



async def second_incident(story: Story, rng: random.Random, facts: ReviewFacts) -> None:
    """This month: information requested, decided within the timescale."""
    ask = story.platform.ask
    notified = story.back(8)
    second = await _incident(story, rng, notified, "b")
    police, health = story.agency_of_partner("police"), story.agency_of_partner("icb")
    for number, agency in enumerate((police, health), start=1):
        await ask("reviews", "request-information", f"reviews/{second}/request/{number}", {
            "incident_id": second, "information_request_id": f"{second}-request-{number}", "agency_id": agency.id,
            "requested": "A chronology of the agency's contact with the child and family in the last year",
        }, on=notified)
    await ask("reviews", "provide-information", f"reviews/{second}/provide/1", {
        "incident_id": second, "information_request_id": f"{second}-request-1", "agency_id": police.id,
        "summary": "Chronology of contacts and the referrals made (pseudonymous)", "provided_on": story.until,
    }, agency=police.id, on=story.until)
    commissioned_from = await _decide(
        story, second, "learning-review", story.until,
        "The criteria for a CSPR are not met; there is learning for the partnership about the front door",
    )
    learning = f"lr-{second}"
    await ask("reviews", "commission-review", f"reviews/{learning}/commission", {
        "review_id": learning, "review_type": "learning-review", "incident_id": second,
        "author": "Partnership learning lead (invented)", "theme": "Decisions at the front door",
        "terms_of_reference": "How the front door weighed the referrals made about the child",
        "commissioned_on": max(commissioned_from, story.until),
    }, on=max(commissioned_from, story.until))
    facts.incidents.append(second)
    facts.reviews.append(learning)
    story.progress(f"Reviews: serious incident {second} — rapid review decided within its timescale; learning review commissioned")


async def thematic_review(story: Story, facts: ReviewFacts) -> None:
    commissioned = story.back(200)
    review = f"tr-{commissioned:%Y-%m}"
    theme = story.themes()[1]
    await story.platform.ask("reviews", "commission-review", f"reviews/{review}/commission", {
        "review_id": review, "review_type": "thematic-review", "theme": theme, "author": "Independent reviewer (invented)",
        "terms_of_reference": f"A thematic review of {theme.lower()} across the partnership", "commissioned_on": commissioned,
    }, on=commissioned)
    terms_agreed = story.working_on_or_after(commissioned + timedelta(days=10))
    story.agree(ActionSource(
        key=f"review/{review}", title=f"Provide the agency's records on {theme.lower()} to the thematic review",
        owner_agency_id=story.agency_of_partner("icb").id, source_type="review", source_id=review, agreed_on=terms_agreed,
    ))
    await _stages(story, review, commissioned, [10, 70, 140])
    await story.platform.ask("reviews", "change-review-due-date", f"reviews/{review}/extend", {
        "review_id": review, "change": "extension", "due_on": story.ahead(42),
        "reason": "Two agencies' records were late; the practitioner event was moved", "agreed_by": "Safeguarding partners",
    }, on=story.until)
    facts.reviews.append(review)
    facts.thematic = review
    story.progress(f"Reviews: thematic review {review} slipped past its due date; the partners agreed an extension")


def _periods(story: Story) -> tuple[date, date]:
    """The start of this audit period and the last one, on the profile's cadence."""
    cadence = story.profile.reviews.audit_cadence_months
    current = date(story.until.year, (story.until.month - 1) // cadence * cadence + 1, 1)
    return add_months(current, -cadence), current


async def audits(story: Story, rng: random.Random, facts: ReviewFacts) -> None:
    """Last period's round and this one's, each a strand of its own from the day it opened."""
    leads = story.lead_agencies()
    others = [a for a in story.profile.agencies if a not in leads]
    agencies = leads + story.pick(rng, others, 1)
    previous, current = _periods(story)
    for start in (previous, current):
        audit = f"maca-{start:%Y-%m}"
        cases = [story.case_ref(rng) for _ in range(4)]
        opened = [(c, story.back(rng.randint(40, 300))) for c in cases]
        grades = [rng.choices(GRADES, weights=[5, 4, 1, 1])[0] for _ in range(len(cases) * len(agencies))]
        facts.audits.append(audit)
        if start == previous:
            facts.concluded_audit = audit
        story.strand(max(story.starts, start), partial(_round, story, audit, start, current, opened, agencies, grades, facts))
    story.progress(
        f"Audits: round {facts.audits[0]} planned to go overdue and be concluded late (a concern escalated); "
        f"round {facts.audits[1]} being graded"
    )


async def _round(
    story: Story, audit: str, start: date, current: date, cases: list[tuple[str, date]], agencies: list[Agency],
    grades: list[str], facts: ReviewFacts,
) -> None:
    ask, rules, leads = story.platform.ask, story.profile.reviews, story.lead_agencies()
    day = max(story.starts, start)
    earliest = add_months(day, -rules.audit_sample_months) + timedelta(days=1)
    await ask("reviews", "open-audit-round", f"reviews/{audit}/open", {
        "audit_id": audit, "theme": story.themes()[facts.audits.index(audit) + 2], "period_start": start,
        "cases": [{"case_ref": c, "open_on": min(day, max(earliest, opened))} for c, opened in cases],
        "agencies": [a.id for a in agencies],
    }, on=day)
    finished = start != current
    graders = agencies if finished else leads[:2]
    graded = story.at_most_until(story.working_on_or_after(day + timedelta(days=14)))
    for case_index, (case_ref, _) in enumerate(cases if finished else cases[:2]):
        for agency_index, agency in enumerate(graders):
            grading: dict = {
                "audit_id": audit, "case_ref": case_ref, "agency_id": agency.id,
                "grade": grades[case_index * len(agencies) + agency_index],
                "strengths": ["The child was seen alone"], "areas_for_improvement": ["Plans were not reviewed on time"],
            }
            if finished and case_index == 1 and agency is leads[-1]:
                grading["immediate_concern"] = "A sibling's circumstances need a strategy discussion today"
            await ask("reviews", "grade-audit-case", f"reviews/{audit}/grade/{case_ref}/{agency.id}", grading,
                      agency=agency.id, on=graded)
    if finished:
        concluded = story.at_most_until(story.working_on_or_after(current + timedelta(days=9)))
        await ask("reviews", "conclude-audit-round", f"reviews/{audit}/conclude", {
            "audit_id": audit, "concluded_on": concluded,
            "findings": ["Plans are not reviewed on time", "Strong information sharing at the front door"],
        }, on=concluded)
        for number, agency in enumerate(leads[:2], start=1):
            story.agree(ActionSource(
                key=f"audit/{audit}/{number}", title="Review every plan within its timescale and audit a sample monthly",
                owner_agency_id=agency.id, source_type="audit", source_id=audit, agreed_on=concluded,
            ))


async def play(story: Story, facts: ReviewFacts) -> None:
    """Each incident, the thematic review and each audit round: strands of their own."""
    rng = story.rng("reviews")
    story.strand(story.back(178), partial(first_incident, story, random.Random(rng.random()), facts))
    story.strand(story.back(8), partial(second_incident, story, random.Random(rng.random()), facts))
    story.strand(story.back(200), partial(thematic_review, story, facts))
    await audits(story, rng, facts)
