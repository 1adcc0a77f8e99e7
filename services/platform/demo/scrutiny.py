"""The independent scrutineer's chapter: the year's register, challenges and
recommendations, and the scrutineer's annual report of the reporting year the demo year
starts in, signed off and published.

Dated steps on the demo's clock, each inside the year (`story.starts` to `story.until`),
in three strands each in date order: a scrutineer appointed
to the activity the profile's independent scrutiny contributes to (a second, for a pool, to
another, whose appointment ended); a conflict of interest declared; a challenge on the
first agency's Section 11 return put to that agency, answered by it and closed resolved; a
challenge on the cycle put to the business unit, left open; recommendations acted upon,
judged not acted upon, and awaiting a response. Every command is one the services accept,
so the year leaves no dead letter."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

from services.platform.demo.story import Story
from shared.profiles.schema import FrameworkProfile

SCRUTINEER, SECOND = "scrutineer-1", "scrutineer-2"
NAMES = {SCRUTINEER: "Jordan Ellis (invented)", SECOND: "Morgan Reid (invented)"}


@dataclass
class ScrutinyFacts:
    challenges: list[str] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)
    report_year: int | None = None


def activities(profile: FrameworkProfile) -> list[str]:
    """The activities a scrutineer is appointed to: those the profile's independent scrutiny
    contributes to, else those an independent scrutineer leads, else the first."""
    ids = [a.id for a in profile.activities]
    named = [a for a in (profile.independent_scrutiny.contributes_to if profile.independent_scrutiny else []) if a in ids]
    led = [a.id for a in profile.activities if "scrutin" in a.lead_role.lower() or "scrutin" in a.id]
    return named or led or ids[:1]


def report_year(story: Story) -> int:
    """The reporting year (April to March) the demo year starts in: it has ended by the end date."""
    return story.starts.year if story.starts.month >= 4 else story.starts.year - 1


async def _first_return(story: Story, not_of: str) -> tuple[str, str] | None:
    """(agency, record id) of the first Section 11 return received so far, of an agency other than `not_of`."""
    prefix = f"s11-return:{story.profile.id}:"
    row = await story.platform.pool.fetchrow(
        "SELECT stream_id FROM section11.events WHERE partnership_id = $1 AND event_type = 'SubmissionReceived'"
        " AND stream_id NOT LIKE $2 ORDER BY position LIMIT 1", story.profile.id, f"{prefix}{not_of}:%")
    if row is None:
        return None
    record_id = row["stream_id"].removeprefix(prefix)
    return record_id.split(":", 1)[0], record_id


def play(story: Story, facts: ScrutinyFacts) -> None:
    """Three strands, each in date order: the register and the first recommendation from
    the first day; the annual report's sign-off after its year ends; the late year's
    challenges and recommendations."""
    story.strand(story.starts, partial(_register, story, facts))
    year = report_year(story)
    story.strand(min(date(year + 1, 3, 31) + timedelta(days=45), story.until), partial(_annual_report, story, facts, year))
    story.strand(story.back(90), partial(_late_year, story, facts))


def _conflicted(story: Story) -> str:
    return story.agencies()[-1].id


async def _register(story: Story, facts: ScrutinyFacts) -> None:
    ask, profile, first = story.platform.ask, story.profile, story.starts
    ends = story.until + timedelta(days=365)
    kinds = activities(profile)
    second = kinds[1] if len(kinds) > 1 else kinds[0]
    for scrutineer, activity in ((SCRUTINEER, kinds[0]), (SECOND, second)):
        await ask("reporting", "appoint-scrutineer", f"scrutiny/appoint/{scrutineer}", {
            "scrutineer_id": scrutineer, "name": NAMES[scrutineer], "appointment_id": f"{scrutineer}-{activity}",
            "activity_id": activity, "starts_on": first, "ends_on": ends}, on=first)
    await ask("reporting", "record-conflict-of-interest", "scrutiny/conflict/1", {
        "scrutineer_id": SCRUTINEER, "conflict_id": "family-member", "interest_in": _conflicted(story),
        "description": "A close family member works in this agency's safeguarding team", "declared_on": first}, on=first)
    # Early in the year (inside the reporting year of the annual report): a recommendation acted upon.
    group = profile.groups[0]
    await ask("reporting", "make-recommendation", "scrutiny/recommendation/1", {
        "recommendation_id": "rec-01", "scrutineer_id": SCRUTINEER, "made_to": group.id, "made_on": first,
        "text": "Publish the multi-agency audit schedule with the Board's papers", "respond_by": first + timedelta(days=60)},
        on=first)
    responded, judged = first + timedelta(days=30), first + timedelta(days=45)
    await ask("reporting", "record-recommendation-response", "scrutiny/recommendation/1/response", {
        "recommendation_id": "rec-01", "responded_on": responded,
        "response": "The schedule is published with every Board's papers from this meeting on"}, on=responded)
    await ask("reporting", "judge-recommendation", "scrutiny/recommendation/1/judged", {
        "recommendation_id": "rec-01", "acted_upon": True, "judged_on": judged, "note": "Seen in the papers of two meetings"},
        on=judged)
    facts.recommendations.append("rec-01")


async def _annual_report(story: Story, facts: ScrutinyFacts, year: int) -> None:
    """The annual report of the reporting year the demo year starts in: signed off and published."""
    signed = min(date(year + 1, 3, 31) + timedelta(days=45), story.until)
    await story.platform.ask("reporting", "sign-off-scrutineer-report", f"scrutiny/report/{year}/sign-off", {
        "year": year, "scrutineer_id": SCRUTINEER, "signed_off_on": signed,
        "summary": f"The scrutineer's view of {story.profile.name}'s arrangements: challenge is answered, and most"
                   " recommendations are acted upon."}, on=signed)
    await story.platform.ask("reporting", "publish-scrutineer-report", f"scrutiny/report/{year}/publish", {
        "year": year, "published_on": signed}, on=signed)
    facts.report_year = year
    story.progress(f"Independent scrutiny: the scrutineer's report of {year}/{(year + 1) % 100:02d} signed off and published")


async def _late_year(story: Story, facts: ScrutinyFacts) -> None:
    ask, second = story.platform.ask, activities(story.profile)
    ended = story.back(90)
    await ask("reporting", "end-appointment", "scrutiny/end/2", {
        "scrutineer_id": SECOND, "appointment_id": f"{SECOND}-{second[1] if len(second) > 1 else second[0]}",
        "ended_on": ended, "reason": "Took up a post with one of the partner agencies"}, on=ended)
    returned, raised = None, story.back(45)
    for day in (story.back(45), story.back(20), story.back(3)):  # the first day a return has come in by
        await story.platform.timeline.on(day)
        returned, raised = await _first_return(story, _conflicted(story)), day
        if returned is not None:
            break
    made = story.back(5)
    if returned is not None:
        agency, record_id = returned
        answered, closed = min(raised + timedelta(days=7), story.until), min(raised + timedelta(days=12), story.until)
        await ask("reporting", "raise-challenge", "scrutiny/challenge/return", {
            "challenge_id": "ch-return", "scrutineer_id": SCRUTINEER, "record_kind": "s11-return", "record_id": record_id,
            "put_to": agency, "raised_on": raised,
            "text": "The return rates the agency's safer recruitment well: what evidence does the panel have of it?"}, on=raised)
        await ask("reporting", "answer-challenge", "scrutiny/challenge/return/answer", {
            "challenge_id": "ch-return", "agency_id": agency, "answered_on": answered, "answered_by": "Safeguarding lead (invented)",
            "answer": "The HR audit of this year's appointments, now attached to the return"}, agency=agency, on=answered)
        await ask("reporting", "close-challenge", "scrutiny/challenge/return/close", {
            "challenge_id": "ch-return", "outcome": "resolved", "closed_on": closed, "note": "Evidence seen"}, on=closed)
        facts.challenges.append("ch-return")
        await ask("reporting", "make-recommendation", "scrutiny/recommendation/2", {
            "recommendation_id": "rec-02", "scrutineer_id": SCRUTINEER, "made_to": agency, "made_on": closed,
            "record_kind": "s11-return", "record_id": record_id,
            "text": "Attach the evidence of each standard to the return as it is rated"}, on=closed)
        await ask("reporting", "record-recommendation-response", "scrutiny/recommendation/2/response", {
            "recommendation_id": "rec-02", "responded_on": closed, "response": "Agreed for next year's return"}, on=closed)
        await ask("reporting", "judge-recommendation", "scrutiny/recommendation/2/judged", {
            "recommendation_id": "rec-02", "acted_upon": False, "judged_on": closed,
            "note": "Not yet: to be seen in next year's return"}, on=closed)
        facts.recommendations.append("rec-02")
        cycle = record_id.split(":", 1)[1]
        challenged = max(story.back(10), closed)
        await ask("reporting", "raise-challenge", "scrutiny/challenge/cycle", {
            "challenge_id": "ch-cycle", "scrutineer_id": SCRUTINEER, "record_kind": "s11-cycle", "record_id": cycle,
            "put_to": "business-unit", "raised_on": challenged, "answer_by": story.ahead(14),
            "text": "How will the panel moderate the returns that came in late?"}, on=challenged)
        facts.challenges.append("ch-cycle")
        made = max(made, challenged)
    await ask("reporting", "make-recommendation", "scrutiny/recommendation/3", {
        "recommendation_id": "rec-03", "scrutineer_id": SCRUTINEER, "made_to": "business-unit", "made_on": made,
        "text": "Report the scrutineer's open challenges to every Board meeting", "respond_by": story.ahead(30)}, on=made)
    facts.recommendations.append("rec-03")
