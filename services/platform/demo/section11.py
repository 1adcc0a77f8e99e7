"""Chapter one: the year's Section 11 self-assessment, from the profile's agencies,
standards, rating scale and submission window.

The Section 11 service judges a return late by its own clock (a return is late when it
arrives after the cycle's due date; the command carries no date of its own). The story
runs the audit in two tranches: a few agencies with open risks were asked early, some
five months ago (a strand of its own); the service reminds them and raises their returns
overdue on their days, and the ones that return in the following weeks are recorded
late. Every other agency was asked in the main cycle, due today: they return through its
window, on time (one or two, on a large partnership, have still to return). The panel then moderates, one agency amends its
return with a reason, a practitioner survey challenges a self-score, and a domain at the
highest risk brings a call-in (where the profile has call-ins). Where the profile runs
peer challenge, closing the cycle schedules its workshops."""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from services.events.domain.call_ins import call_in_id
from services.platform.demo.story import ActionSource, Story, plural
from shared.profiles.schema import Agency

LEAD = "Designated safeguarding lead (invented)"
PANEL = "Section 11 scrutiny panel"


@dataclass
class Section11Facts:
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    outstanding: int = 0
    risk_domains: list[tuple[str, str, str]] = field(default_factory=list)
    """(agency, domain, cycle) of each domain still at risk."""
    call_in: str | None = None
    call_in_agency: str | None = None


def cycle_id(story: Story, opened_year: int, opened_month: int) -> str:
    """Cycles are named after the financial year they open in (2026-27), or the two years of a two-yearly one."""
    start = opened_year if opened_month >= 4 else opened_year - 1
    span = max(1, story.profile.section11.cadence_months // 12)
    return f"{start}-{(start + span) % 100:02d}"


def _answers(story: Story, rng: random.Random, agency: Agency, domains: dict[str, int]) -> dict:
    """Every standard answered: good ratings, and the given rating for the first standard of each domain named."""
    rules = story.profile.section11
    good = [level.value for level in rules.rating_scale.levels if not rules.is_risk(level.value)]
    answers = {}
    flagged_first: set[str] = set()
    for standard in rules.standards:
        rating = rng.choices(good, weights=[3] + [2] * (len(good) - 1))[0] if len(good) > 1 else good[0]
        if standard.domain in domains and standard.domain not in flagged_first:
            rating = domains[standard.domain]
            flagged_first.add(standard.domain)
        answers[standard.id] = {
            "rating": rating,
            "narrative": f"How {agency.name} meets this standard (invented for the demo).",
            "evidence": [f"{agency.id}/{standard.id}/policy.pdf"],
        }
    return answers


async def play(story: Story) -> Section11Facts:
    profile, ask, rules = story.profile, story.platform.ask, story.profile.section11
    rng = story.rng("section11")
    facts = Section11Facts()
    agencies = story.agencies()
    rng.shuffle(agencies)
    n = len(agencies)
    early_count = 1 if n <= 5 else 2 if n <= 12 else 3
    non_partners = [a for a in agencies if a.statutory_partner is None]
    early = (non_partners + [a for a in agencies if a not in non_partners])[:early_count]
    main = [a for a in agencies if a not in early]
    closes = rules.peer_challenge is not None
    outstanding = [] if closes or len(main) < 6 else main[-1:]
    domains = [d.id for d in rules.domains]
    risk, worst = rules.risk_threshold, rules.highest_risk
    has_call_ins = worst is not None and any(a.kind == "call_in" for a in profile.activities)

    def agree_risk(agency_id: str, domain: str, cycle: str, on: date) -> None:
        story.agree(ActionSource(
            key=f"risk/{agency_id}/{domain}", title=f"Address the Section 11 risk in {profile.domain(domain).name}",
            owner_agency_id=agency_id, source_type="risk-flag", source_id=f"{cycle}/{agency_id}/{domain}",
            agreed_on=on,
        ))

    # -- the early tranche: asked months ago, returned late (one not at all) -----------
    early_opened = story.back(150)
    early_cycle = f"{cycle_id(story, early_opened.year, early_opened.month)}-early"
    early_due = early_opened + timedelta(days=rules.submission_window_days)
    returning = early if len(early) == 1 else early[:-1]
    facts.overdue = len(early) - len(returning)

    async def early_tranche() -> None:
        await ask("section11", "open-cycle", "s11/open/early", {
            "cycle_id": early_cycle, "opened_on": early_opened, "due_on": early_due, "agency_ids": [a.id for a in early],
        }, on=early_opened)
        story.progress(
            f"Section 11: {plural(len(early), 'agency', 'agencies')} with open risks asked early (cycle {early_cycle}, "
            f"opened {early_opened:%d %b %Y}, due {early_due:%d %b %Y})"
        )
        for index, agency in enumerate(returning):
            flagged = {domains[(index + 2) % len(domains)]: risk} if index == 0 else {}
            returned = story.at_most_until(story.working_on_or_after(early_due + timedelta(days=4 + 3 * index)))
            await ask("section11", "submit", f"s11/submit/{early_cycle}/{agency.id}", {
                "agency_id": agency.id, "cycle_id": early_cycle, "answers": _answers(story, rng_early, agency, flagged),
                "submitted_by": LEAD,
            }, agency=agency.id, on=returned)
            facts.late += 1
            facts.risk_domains += [(agency.id, d, early_cycle) for d in flagged]
            for d in flagged:
                agree_risk(agency.id, d, early_cycle, returned)
        story.progress(
            f"Section 11: reminders and overdue returns raised; {plural(len(returning), 'late return')} received; "
            f"{facts.overdue} still overdue"
        )

    rng_early = story.rng("section11/early")
    story.strand(early_opened, early_tranche)

    # -- the main cycle: due today (the end date, unless the year ended earlier) ------
    opened = story.until - timedelta(days=rules.submission_window_days)
    main_cycle = cycle_id(story, opened.year, opened.month)
    await ask("section11", "open-cycle", f"s11/open/{main_cycle}", {
        "cycle_id": main_cycle, "opened_on": opened, "due_on": story.today, "agency_ids": [a.id for a in main],
    }, on=opened)
    story.progress(f"Section 11: cycle {main_cycle} opened on {opened:%d %b %Y} for {len(main)} agencies, due {story.today:%d %b %Y}")
    submitting = [a for a in main if a not in outstanding]
    # Roles in the story, by position in the seeded order of the agencies returning.
    roles = submitting * 3
    flagged_one, flagged_two, moderated_down, surveyed = roles[0], roles[1], roles[2], roles[3]
    called_in = next((a for a in submitting[5:] if a.statutory_partner is None), None) if has_call_ins else None
    # Where the framework calls no agency in, one domain is rated the worst on the scale: a risk like the others.
    lowest = risk if has_call_ins else rules.rating_scale.worst.value
    design: dict[str, dict[str, int]] = {
        flagged_one.id: {domains[0]: risk},
        flagged_two.id: {domains[1]: risk, domains[3 % len(domains)]: lowest},
    }
    if called_in is not None and worst is not None:
        design[called_in.id] = {domains[-1]: worst}
    drafted = next((a for a in submitting if a.id not in design), None)
    # The returns come in through the window, the last on its final day.
    window = max(0, (story.at_most_until(story.today) - opened).days)
    previous = opened
    for number, agency in enumerate(submitting, start=1):
        answers = _answers(story, rng, agency, design.get(agency.id, {}))
        key = f"s11/submit/{main_cycle}/{agency.id}"
        returned = story.at_most_until(max(opened, story.working_on_or_before(opened + timedelta(days=window * number // len(submitting)))))
        if agency is drafted and agency.id not in design:
            await ask("section11", "save-draft", f"s11/draft/{main_cycle}/{agency.id}", {
                "agency_id": agency.id, "cycle_id": main_cycle, "answers": answers, "saved_by": LEAD,
            }, agency=agency.id, on=previous)
            await ask("section11", "submit", key, {"agency_id": agency.id, "cycle_id": main_cycle, "submitted_by": LEAD},
                      agency=agency.id, on=returned)
        else:
            await ask("section11", "submit", key, {
                "agency_id": agency.id, "cycle_id": main_cycle, "answers": answers, "submitted_by": LEAD,
            }, agency=agency.id, on=returned)
        facts.on_time += 1
        previous = returned
        facts.risk_domains += [(agency.id, d, main_cycle) for d in design.get(agency.id, {})]
    facts.outstanding = len(outstanding)
    story.progress(
        f"Section 11: {plural(facts.on_time, 'return')} on time, {len(outstanding)} still to come; "
        f"risks flagged in {plural(len(facts.risk_domains), 'domain')}"
    )

    # -- a call-in from the domain at the highest risk --------------------------------
    if called_in is not None:
        call_in = call_in_id(main_cycle, called_in.id)
        await story.platform.recorded(
            "events", f"assurance-event:{profile.id}:{call_in}", "AssuranceEventProposed",
            what=f"the events service to propose the call-in of {called_in.id}",
        )
        facts.call_in, facts.call_in_agency = call_in, called_in.id
        story.progress(f"Section 11: {called_in.name} rated a domain at the highest risk; a call-in was proposed")

    # -- the panel, an amendment, a practitioner survey (on the last day) ---------------
    panel_day = story.until
    await ask("section11", "moderate", f"s11/moderate/{main_cycle}/{flagged_one.id}", {
        "agency_id": flagged_one.id, "cycle_id": main_cycle, "domain_id": domains[0],
        "moderated_rating": rules.rating_scale.best.value, "moderated_by": PANEL,
        "rationale": "Evidence seen at the panel shows the arrangements are in place and audited",
    }, on=panel_day)
    facts.risk_domains.remove((flagged_one.id, domains[0], main_cycle))
    if domains[2 % len(domains)] not in design.get(moderated_down.id, {}):
        await ask("section11", "moderate", f"s11/moderate/{main_cycle}/{moderated_down.id}", {
            "agency_id": moderated_down.id, "cycle_id": main_cycle, "domain_id": domains[2 % len(domains)],
            "moderated_rating": risk, "moderated_by": PANEL,
            "rationale": "No evidence of supervision audits this year; the self-score is not supported",
        }, on=panel_day)
        facts.risk_domains.append((moderated_down.id, domains[2 % len(domains)], main_cycle))
    amended = next(s for s in rules.standards if s.domain == domains[1])
    await ask("section11", "amend", f"s11/amend/{main_cycle}/{flagged_two.id}", {
        "agency_id": flagged_two.id, "cycle_id": main_cycle,
        "answers": {amended.id: {"rating": rules.rating_scale.best.value, "narrative": "Policy re-issued and audited."}},
        "reason": "The escalation policy was re-issued and audited after the return was sent", "amended_by": LEAD,
    }, agency=flagged_two.id, on=panel_day)
    facts.risk_domains.remove((flagged_two.id, domains[1], main_cycle))
    if surveyed is not called_in:
        await ask("section11", "record-survey", f"s11/survey/{main_cycle}/{surveyed.id}", {
            "agency_id": surveyed.id, "cycle_id": main_cycle, "survey_id": f"practitioner-survey-{story.until.year}",
            "statement": "I know how to escalate a concern about another agency's practice",
            "domain_id": domains[-1], "agree_percent": 41, "respondents": 57,
        }, on=panel_day)
    story.progress("Section 11: the panel moderated two domains, one return was amended, a survey challenged a self-score")
    if closes:
        await ask("section11", "close-cycle", f"s11/close/{main_cycle}", {"cycle_id": main_cycle, "closed_on": story.until}, on=panel_day)
        story.progress(f"Section 11: cycle {main_cycle} closed; peer challenge workshops scheduled")
    for agency_id, domain, cycle in facts.risk_domains:
        if cycle == main_cycle:
            agree_risk(agency_id, domain, cycle, story.until)
    return facts
