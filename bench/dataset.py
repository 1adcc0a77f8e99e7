"""A national year of events, written straight into the four stores.

Not through request/reply: each stream's events go in with the event store's own
batch append (`PostgresEventStore.append`, many streams at once, so the group
commit packs up to 1,000 appends into one transaction with the hash chain and
the outbox rows). The mix is what a partnership records in a year across the four
services: a Section 11 cycle and every agency's return (reminder, submission,
amendments, moderation, risk flags, a practitioner survey); actions raised,
updated, completed and signed off; serious incidents with their rapid reviews;
case file audits graded by agencies; assurance events from proposal to
conclusion; and the reporting service's indicator ratings and risk register.

Partnerships are written 16 at a time side by side, their streams interleaved in each store,
as partnerships recording at once leave them. `north-lincolnshire` (a shipped profile, so
its board pack can be made) is the first partnership; the others are synthetic (`lscp-002`, ...) with the same
standards. Dates fall in the year April 2030 - March 2031, after today, so no
deadline watcher fires on them while the platform runs over this data.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import zip_longest

import asyncpg

from shared.catalogue import events as ev
from shared.catalogue import reporting as rp
from shared.catalogue import reviews as rv
from shared.catalogue import section11 as s11
from shared.catalogue.base import DomainEvent
from shared.envelope import Metadata
from shared.eventstore.postgres import PostgresEventStore
from shared.mapper import new_envelopes
from shared.profiles import load_builtin
from shared.profiles.schema import FrameworkProfile

PROFILE = "north-lincolnshire"
YEAR_START = date(2030, 4, 1)
CYCLE = "2030-31"
STORES = ("section11", "events", "reviews", "reporting_records")
# One partnership's year, in streams of events; about 7,000 events (see `partnership_year`).
ACTIONS, INCIDENTS, AUDITS, ASSURANCE, IMPACTS, INDICATORS, RISKS = 400, 24, 24, 100, 60, 40, 20

Stream = tuple[str, list[tuple[DomainEvent, datetime]]]  # stream id, events with when they happened


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _text(rng: random.Random, words: int) -> str:
    vocabulary = ("practice", "children", "families", "referral", "assessment", "supervision", "training",
                  "audit", "escalation", "neglect", "multi-agency", "threshold", "voice", "plan", "review")
    return " ".join(rng.choice(vocabulary) for _ in range(words))


@lru_cache(maxsize=1)
def _profile() -> FrameworkProfile:
    return load_builtin(PROFILE)


def partnership_year(index: int, partnership: str, rng: random.Random) -> dict[str, list[Stream]]:
    """Every stream one partnership records in a year, by store."""
    profile = _profile()
    standards = [(s.id, s.domain) for s in profile.section11.standards]
    domains = [d.id for d in profile.section11.domains]
    if partnership == PROFILE:
        agencies = [a.id for a in profile.agencies]
    else:
        agencies = [f"{partnership}-agency-{k:02d}" for k in range(25)]
    day = lambda n: YEAR_START + timedelta(days=n % 360)  # noqa: E731
    out: dict[str, list[Stream]] = {store: [] for store in STORES}

    # -- Section 11: the cycle and each agency's return -----------------------------------
    due = day(90)
    out["section11"].append(
        (
            f"s11-cycle:{partnership}:{CYCLE}",
            [
                (
                    s11.AuditCycleOpened(cycle_id=CYCLE, opened_on=day(0), due_on=due, agency_ids=agencies, reminder_days_before=[28, 7]),
                    _at(day(0)),
                ),
                (s11.AuditCycleClosed(cycle_id=CYCLE, closed_on=day(200)), _at(day(200))),
            ],
        )
    )
    for agency in agencies:
        answers = {
            sid: s11.Answer(rating=rng.choice((1, 2, 3, 3, 3, 4, 4)), narrative=_text(rng, 12), evidence=[f"doc-{rng.randrange(999)}"])
            for sid, _ in standards
        }
        ratings = {d: min(a.rating for sid, a in answers.items() if dict(standards)[sid] == d) for d in domains}
        events: list[tuple[DomainEvent, datetime]] = [
            (s11.SubmissionReminderSent(agency_id=agency, cycle_id=CYCLE, due_on=due, days_before=28), _at(due - timedelta(days=28))),
            (
                s11.SubmissionReceived(
                    submission_id=str(uuid.UUID(int=rng.getrandbits(128))),
                    agency_id=agency,
                    cycle_id=CYCLE,
                    domain_ratings=ratings,
                    submitted_by="s11-lead",
                    answers=answers,
                    due_on=due,
                ),
                _at(day(80 + rng.randrange(20))),
            ),
        ]
        if rng.random() < 0.3:
            changed = {sid: s11.Answer(rating=3, narrative=_text(rng, 8)) for sid, _ in standards[:2]}
            events.append((s11.SubmissionAmended(agency_id=agency, cycle_id=CYCLE, answers=changed, domain_ratings=ratings,
                                                 reason=_text(rng, 6), amended_by="s11-lead"), _at(day(120))))
        for domain in rng.sample(domains, 2):
            events.append((s11.ScoreModerated(agency_id=agency, cycle_id=CYCLE, domain_id=domain, self_rating=ratings[domain],
                                              moderated_rating=max(1, ratings[domain] - rng.randrange(2)), rationale=_text(rng, 10),
                                              moderated_by="panel"), _at(day(150))))
        events += [
            (
                s11.RiskFlagged(agency_id=agency, cycle_id=CYCLE, domain_id=d, rating=r, reason="rated at or below the risk threshold"),
                _at(day(100)),
            )
            for d, r in ratings.items()
            if r <= 2
        ]
        events.append(
            (
                s11.PractitionerSurveyRecorded(
                    agency_id=agency,
                    cycle_id=CYCLE,
                    survey_id=f"survey-{CYCLE}",
                    statement=_text(rng, 8),
                    domain_id=domains[0],
                    agree_percent=float(rng.randrange(40, 100)),
                    respondents=rng.randrange(10, 200),
                ),
                _at(day(160)),
            )
        )
        out["section11"].append((f"s11-return:{partnership}:{agency}:{CYCLE}", events))

    # -- Reviews: actions, incidents with rapid reviews, case file audits, impact ----------
    for n in range(ACTIONS):
        action, owner, start = f"act-{n:04d}", rng.choice(agencies), rng.randrange(300)
        due_on = day(start + 60)
        events = [
            (
                rv.ActionRaised(
                    action_id=action,
                    title=_text(rng, 8),
                    owner_agency_id=owner,
                    due_on=due_on,
                    source_type="review",
                    source_id=f"rev-{n % 20}",
                    raised_by="business-unit",
                    remind_on=due_on - timedelta(days=14),
                ),
                _at(day(start)),
            )
        ]
        events.append((rv.ActionReminderSent(action_id=action, owner_agency_id=owner, due_on=due_on), _at(due_on - timedelta(days=14))))
        events += [
            (
                rv.ActionProgressUpdated(
                    action_id=action,
                    owner_agency_id=owner,
                    update_number=k + 1,
                    progress=_text(rng, 15),
                    percent_complete=25 * (k + 1),
                    updated_by="lead",
                ),
                _at(day(start + 10 * (k + 1))),
            )
            for k in range(3)
        ]
        events.append(
            (
                rv.ActionCompleted(
                    action_id=action,
                    owner_agency_id=owner,
                    completed_on=day(start + 50),
                    evidence=[rv.Evidence(description=_text(rng, 6))],
                    completed_by="lead",
                    due_on=due_on,
                    on_time=True,
                ),
                _at(day(start + 50)),
            )
        )
        if rng.random() < 0.8:
            events.append(
                (
                    rv.ActionSignedOff(
                        action_id=action,
                        owner_agency_id=owner,
                        meeting_on=day(start + 55),
                        group_id="childrens-mars-board",
                        partners=["north-lincolnshire-council", "humberside-police"],
                    ),
                    _at(day(start + 55)),
                )
            )
        out["reviews"].append((f"action:{partnership}:{action}", events))
    for n in range(INCIDENTS):
        incident, start = f"inc-{n:03d}", rng.randrange(300)
        case = f"case-{rng.getrandbits(16):04x}"
        events = [
            (
                rv.SeriousIncidentRecorded(
                    incident_id=incident,
                    case_ref=case,
                    aware_on=day(start),
                    child_looked_after=False,
                    notify=["national-panel", "ofsted"],
                    notify_by=day(start + 5),
                ),
                _at(day(start)),
            ),
            *[
                (
                    rv.SeriousIncidentNotified(
                        incident_id=incident, recipient=r, notified_on=day(start + 2), notify_by=day(start + 5), late=False, outstanding=o
                    ),
                    _at(day(start + 2)),
                )
                for r, o in (("national-panel", ["ofsted"]), ("ofsted", []))
            ],
            (
                rv.RapidReviewOpened(
                    incident_id=incident, case_ref=case, starts_on=day(start), days=15, unit="working_days", due_on=day(start + 21)
                ),
                _at(day(start)),
            ),
        ]
        for k, agency in enumerate(rng.sample(agencies, 4)):
            request = f"{incident}-info-{k}"
            events += [
                (
                    rv.AgencyInformationRequested(
                        incident_id=incident,
                        information_request_id=request,
                        agency_id=agency,
                        requested=_text(rng, 8),
                        due_on=day(start + 7),
                    ),
                    _at(day(start + 1)),
                ),
                (
                    rv.AgencyInformationProvided(
                        incident_id=incident,
                        information_request_id=request,
                        agency_id=agency,
                        summary=_text(rng, 20),
                        provided_on=day(start + 6),
                        late=False,
                    ),
                    _at(day(start + 6)),
                ),
            ]
        events += [
            (
                rv.RapidReviewDecided(
                    incident_id=incident,
                    case_ref=case,
                    outcome="learning-review",
                    rationale=_text(rng, 20),
                    decided_on=day(start + 18),
                    decided_by="safeguarding-partners",
                    due_on=day(start + 21),
                    within_timescale=True,
                    scrutineer_sign_off_required=True,
                ),
                _at(day(start + 18)),
            ),
            (
                rv.RapidReviewDecisionSignedOff(
                    incident_id=incident, outcome="learning-review", signed_off_by="scrutineer", signed_off_on=day(start + 20)
                ),
                _at(day(start + 20)),
            ),
        ]
        out["reviews"].append((f"incident:{partnership}:{incident}", events))
    for n in range(AUDITS):
        audit, start = f"audit-{n:03d}", rng.randrange(300)
        cases, involved = [f"case-{rng.getrandbits(16):04x}" for _ in range(10)], rng.sample(agencies, 4)
        events = [
            (
                rv.AuditRoundOpened(
                    audit_id=audit,
                    theme=_text(rng, 2),
                    period_start=day(start - 90),
                    period_end=day(start),
                    cadence_months=3,
                    sample_from=day(start - 90),
                    case_refs=cases,
                    agencies=involved,
                    due_on=day(start + 30),
                ),
                _at(day(start)),
            )
        ]
        events += [
            (
                rv.AuditCaseGraded(
                    audit_id=audit,
                    case_ref=c,
                    agency_id=a,
                    grade=rng.choice(("outstanding", "good", "good", "requires-improvement", "inadequate")),
                    strengths=[_text(rng, 5)],
                    areas_for_improvement=[_text(rng, 5)],
                ),
                _at(day(start + 10)),
            )
            for c in cases
            for a in involved
        ]
        events.append(
            (
                rv.AuditRoundConcluded(
                    audit_id=audit,
                    concluded_on=day(start + 30),
                    grades={"good": 20, "requires-improvement": 15, "inadequate": 5},
                    findings=[_text(rng, 10)],
                ),
                _at(day(start + 30)),
            )
        )
        out["reviews"].append((f"audit:{partnership}:{audit}", events))
    for n in range(IMPACTS):
        out["reviews"].append((f"impact:{partnership}:impact-{n:03d}", [(rv.ImpactRecorded(
            impact_id=f"impact-{n:03d}", recorded_on=day(n * 6), difference=_text(rng, 15), evidence=_text(rng, 8),
            action_ids=[f"act-{n:04d}"], recorded_by="business-unit"), _at(day(n * 6)))]))

    # -- Assurance events, proposal to conclusion -----------------------------------------
    partners = ["north-lincolnshire-council", "north-lincolnshire-ccg", "humberside-police"]
    for n in range(ASSURANCE):
        aid, start, agency = f"ae-{n:03d}", rng.randrange(250), rng.choice(agencies)
        held = day(start + 60)
        milestones = [
            ev.MilestoneDue(milestone_id=f"m{k}", name=_text(rng, 3), due_on=held - timedelta(days=30 - 10 * k)) for k in range(3)
        ]
        events = [
            (
                ev.AssuranceEventProposed(
                    assurance_event_id=aid,
                    activity_type="agency-specific-assurance-event",
                    kind="agency_assurance_event",
                    title=_text(rng, 6),
                    agency_id=agency,
                    proposed_by="business-unit",
                    proposer_role="business_unit",
                    lead_role="assurance-lead",
                    reports_to="childrens-mars-board",
                    endorsers=partners,
                    report_agreers=partners,
                ),
                _at(day(start)),
            )
        ]
        events += [
            (
                ev.EndorsementGiven(assurance_event_id=aid, partner_id=p, representative="rep", outstanding=partners[k + 1 :]),
                _at(day(start + 3)),
            )
            for k, p in enumerate(partners)
        ]
        events += [
            (ev.AssuranceEventEndorsed(assurance_event_id=aid, endorsed_by=partners), _at(day(start + 3))),
            (ev.AssuranceEventScheduled(assurance_event_id=aid, scheduled_on=held, milestones=milestones), _at(day(start + 5))),
            *[
                (
                    ev.PreparationMilestoneMet(assurance_event_id=aid, milestone_id=m.milestone_id, met_on=m.due_on, due_on=m.due_on),
                    _at(m.due_on),
                )
                for m in milestones
            ],
            (ev.AssuranceEventHeld(assurance_event_id=aid, held_on=held, panel=[ev.PanelMember(role="chair", title="Chair")]), _at(held)),
            (
                ev.ImmediateFeedbackGiven(assurance_event_id=aid, highlights=[_text(rng, 8)], given_by_role="chair", given_to=agency),
                _at(held),
            ),
            (
                ev.FindingsRecorded(
                    assurance_event_id=aid, strengths=[_text(rng, 8)], areas_for_development=[_text(rng, 8)], recorded_by_role="chair"
                ),
                _at(held + timedelta(days=5)),
            ),
            (
                ev.AssuranceReportDrafted(
                    assurance_event_id=aid, version=1, drafted_by_role="assurance-lead", author="lead", summary=_text(rng, 30)
                ),
                _at(held + timedelta(days=10)),
            ),
            *[
                (
                    ev.ReportAgreementGiven(assurance_event_id=aid, partner_id=p, version=1, outstanding=partners[k + 1 :]),
                    _at(held + timedelta(days=15)),
                )
                for k, p in enumerate(partners)
            ],
            (
                ev.AssuranceReportAgreed(assurance_event_id=aid, version=1, distribution=partners, reports_to="childrens-mars-board"),
                _at(held + timedelta(days=15)),
            ),
            (
                ev.AssuranceEventConcluded(
                    assurance_event_id=aid,
                    activity_type="agency-specific-assurance-event",
                    title=_text(rng, 6),
                    held_on=held,
                    agency_id=agency,
                    strengths=[_text(rng, 8)],
                    areas_for_development=[_text(rng, 8)],
                    reports_to="childrens-mars-board",
                    distribution=partners,
                    outcome="assured",
                ),
                _at(held + timedelta(days=20)),
            ),
        ]
        out["events"].append((f"assurance-event:{partnership}:{aid}", events))

    # -- The reporting service's records: indicator ratings, the risk register ------------
    levels = ("substantial", "moderate", "limited", "unsatisfactory")
    for n in range(INDICATORS):
        out["reporting_records"].append(
            (
                f"indicator:{partnership}:ind-{n:03d}",
                [
                    (
                        rp.IndicatorRated(
                            indicator_id=f"ind-{n:03d}",
                            tier_id=f"tier-{n % 3}",
                            indicator_text=_text(rng, 10),
                            rating=rng.choice(levels),
                            rationale=_text(rng, 12),
                            evidence=[],
                            rated_on=day(n * 8),
                            rated_by="business-unit",
                        ),
                        _at(day(n * 8)),
                    )
                ],
            )
        )
    for n in range(RISKS):
        rating = lambda: rp.RiskRating(likelihood=rng.randrange(1, 6), impact=rng.randrange(1, 6))  # noqa: E731
        events = [
            (
                rp.RiskRecorded(
                    risk_id=f"risk-{n:03d}",
                    title=_text(rng, 5),
                    description=_text(rng, 20),
                    owner="board",
                    inherent=rating(),
                    current=rating(),
                    target=rating(),
                    recorded_on=day(n * 10),
                    review_on=day(n * 10 + 90),
                ),
                _at(day(n * 10)),
            )
        ]
        events += [
            (
                rp.RiskReassessed(
                    risk_id=f"risk-{n:03d}",
                    current=rating(),
                    target=rating(),
                    previous=rating(),
                    reassessed_on=day(n * 10 + 90 * k),
                    review_on=day(n * 10 + 90 * (k + 1)),
                    note=_text(rng, 8),
                    owner="board",
                ),
                _at(day(n * 10 + 90 * k)),
            )
            for k in (1, 2, 3)
        ]
        out["reporting_records"].append((f"risk:{partnership}:risk-{n:03d}", events))
    return out


def partnerships(events: int) -> list[str]:
    """Enough partnerships for about `events` events (one year each)."""
    per = sum(len(e) for streams in partnership_year(0, PROFILE, random.Random(0)).values() for _, e in streams)
    count = max(1, round(events / per))
    return [PROFILE] + [f"lscp-{k:03d}" for k in range(2, count + 1)]


def _chunks(streams: list[tuple[str, Stream]], events_per_chunk: int) -> Iterator[list[tuple[str, Stream]]]:
    """Streams (with their partnership) in runs of about `events_per_chunk` events."""
    chunk: list[tuple[str, Stream]] = []
    size = 0
    for stream in streams:
        chunk.append(stream)
        size += len(stream[1][1])
        if size >= events_per_chunk:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


SIDE_BY_SIDE = 16
"""Partnerships written side by side: their streams interleaved in each store, as partnerships
recording at the same time leave them, so that one partnership's events lie between others'
(what an as-of rebuild of one partnership meets)."""


async def load(pool: asyncpg.Pool, events: int, seed: int = 8) -> dict[str, int]:
    """Write about `events` events into the four stores; returns how many each holds."""
    rng = random.Random(seed)
    stores = {name: PostgresEventStore(pool, name) for name in STORES}
    for store in stores.values():
        await store.create_schema()
    names = partnerships(events)
    try:
        for first in range(0, len(names), SIDE_BY_SIDE):
            years = {p: partnership_year(first + i, p, rng) for i, p in enumerate(names[first:first + SIDE_BY_SIDE])}
            metadata = {p: Metadata(partnership_id=p, actor="bench-loader", correlation_id=uuid.uuid4()) for p in years}
            for name in STORES:
                turns = zip_longest(*([(p, stream) for stream in year[name]] for p, year in years.items()))
                mixed = [turn for row in turns for turn in row if turn is not None]
                for chunk in _chunks(mixed, 20_000):
                    await asyncio.gather(*(
                        stores[name].append(stream_id, 0, [
                            envelope
                            for version, (event, when) in enumerate(history)
                            for envelope in new_envelopes(stream_id, version, [event], metadata[p], when)
                        ])
                        for p, (stream_id, history) in chunk
                    ))
    finally:
        for store in stores.values():
            await store.close()
    async with pool.acquire() as conn:
        return {name: await conn.fetchval(f"SELECT count(*) FROM {name}.events") for name in STORES}
