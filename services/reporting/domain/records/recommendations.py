"""The scrutineer's recommendations tracked to "acted upon", and the sign-off and
publication of the scrutineer's annual report (pure).

A recommendation is made to an agency, a statutory partner, a group or the business
unit; responses record what was done with their evidence (documents kept as evidence);
the scrutineer judges it acted upon (only once there is a response) or not, a later
judgement standing over an earlier one. Kent's first tier-3 indicator, "the extent to
which recommendations from Independent Scrutiny have been acted upon", counts them.
"""

from dataclasses import dataclass, replace
from datetime import date

from services.reporting.domain.records.checks import not_after_today, not_before
from services.reporting.domain.records.evidence import Newest
from services.reporting.domain.records.risks import owners
from services.reporting.domain.records.scrutiny import Scrutineer, acting, cite_record, no_conflict
from services.reporting.domain.records.scrutiny_commands import (
    JudgeRecommendation,
    MakeRecommendation,
    PublishScrutineerReport,
    RecordRecommendationResponse,
    SignOffScrutineerReport,
)
from shared.aggregate import Aggregate
from shared.catalogue import DomainEvent
from shared.catalogue.scrutiny import (
    BUSINESS_UNIT,
    RecommendationJudged,
    RecommendationMade,
    RecommendationResponded,
    ScrutineerReportPublished,
    ScrutineerReportSignedOff,
)
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal


@dataclass(frozen=True)
class Recommendation:
    made_on: date | None = None
    responses: int = 0
    last_on: date | None = None
    acted_upon: bool | None = None


def evolve_recommendation(state: Recommendation, event: DomainEvent) -> Recommendation:
    match event:
        case RecommendationMade() as e:
            return Recommendation(e.made_on, 0, e.made_on)
        case RecommendationResponded() as e:
            return replace(state, responses=state.responses + 1, last_on=max(e.responded_on, state.last_on or e.responded_on))
        case RecommendationJudged() as e:
            return replace(state, acted_upon=e.acted_upon, last_on=max(e.judged_on, state.last_on or e.judged_on))
    return state


def decide_make(
    state: Recommendation, command: MakeRecommendation, scrutineer: Scrutineer, newest: Newest | None,
    profile: FrameworkProfile, today: date,
) -> list[DomainEvent]:
    if state.made_on is not None:
        raise Refusal("already_made", f"recommendation {command.recommendation_id!r} is already made", "recommendation_id")
    named = owners(profile) | {BUSINESS_UNIT: "the business unit"}
    if command.made_to not in named:
        raise Refusal("unknown_recipient", f"{command.made_to!r} is not an agency, statutory partner or group of {profile.id},"
                      f" nor {BUSINESS_UNIT}", "made_to")
    not_after_today(command.made_on, today, "made_on")
    acting(scrutineer, command.scrutineer_id, command.made_on, "scrutineer_id")
    no_conflict(scrutineer, command.made_to, "made_to")
    if (command.record_kind is None) != (command.record_id is None):
        raise Refusal("record_half_named", "name the record by its kind and its id, or neither",
                      "record_id" if command.record_id is None else "record_kind")
    record = None
    if command.record_kind is not None and command.record_id is not None:
        record = cite_record(command.record_kind, command.record_id, profile.id, newest)
    if command.respond_by is not None and command.respond_by <= command.made_on:
        raise Refusal("respond_by_not_after", f"a response is due after the recommendation ({command.made_on})", "respond_by")
    return [RecommendationMade(
        recommendation_id=command.recommendation_id, scrutineer_id=command.scrutineer_id, made_to=command.made_to,
        made_to_name=named[command.made_to], agency_id=command.made_to if command.made_to in {a.id for a in profile.agencies} else None,
        text=command.text, record=record, made_on=command.made_on,
        respond_by=command.respond_by,
    )]


def _made(state: Recommendation, recommendation_id: str) -> date:
    if state.made_on is None or state.last_on is None:
        raise Refusal("unknown_recommendation", f"there is no recommendation {recommendation_id!r}", "recommendation_id")
    return state.made_on


def decide_respond(state: Recommendation, command: RecordRecommendationResponse, today: date) -> list[DomainEvent]:
    made_on = _made(state, command.recommendation_id)
    if state.acted_upon:
        raise Refusal("acted_upon", f"recommendation {command.recommendation_id!r} is judged acted upon", "recommendation_id")
    not_before(command.responded_on, made_on, "responded_on", "the recommendation")
    not_after_today(command.responded_on, today, "responded_on")
    return [RecommendationResponded(recommendation_id=command.recommendation_id, response=command.response,
                                    responded_on=command.responded_on, documents=list(command.documents))]


def decide_judge(state: Recommendation, command: JudgeRecommendation, today: date) -> list[DomainEvent]:
    _made(state, command.recommendation_id)
    assert state.last_on is not None
    if command.acted_upon and state.responses == 0:
        raise Refusal("no_response", "a recommendation is acted upon once a response with its evidence is recorded", "acted_upon")
    not_before(command.judged_on, state.last_on, "judged_on", "the recommendation's last response")
    not_after_today(command.judged_on, today, "judged_on")
    return [RecommendationJudged(recommendation_id=command.recommendation_id, acted_upon=command.acted_upon,
                                 note=command.note, judged_on=command.judged_on)]


# -- the scrutineer's annual report ----------------------------------------------------------


def period_of(year: int) -> tuple[date, date]:
    """The scrutineer's year: April to March, as every shipped framework's reporting year."""
    return date(year, 4, 1), date(year + 1, 3, 31)


@dataclass(frozen=True)
class ScrutineerReport:
    signed_off_on: date | None = None
    published_on: date | None = None


def evolve_report(state: ScrutineerReport, event: DomainEvent) -> ScrutineerReport:
    match event:
        case ScrutineerReportSignedOff() as e:
            return replace(state, signed_off_on=e.signed_off_on)
        case ScrutineerReportPublished() as e:
            return replace(state, published_on=e.published_on)
    return state


def decide_sign_off_report(
    state: ScrutineerReport, command: SignOffScrutineerReport, scrutineer: Scrutineer, today: date
) -> list[DomainEvent]:
    if state.signed_off_on is not None:
        raise Refusal("already_signed_off", f"the scrutineer's report of {command.year} was signed off on {state.signed_off_on}", "year")
    start, end = period_of(command.year)
    if not any(a.starts_on <= end and start <= a.ends_on for a in scrutineer.appointments):
        raise Refusal("not_appointed", f"{command.scrutineer_id!r} held no appointment from {start} to {end}", "scrutineer_id")
    not_before(command.signed_off_on, start, "signed_off_on", "the start of the year")
    not_after_today(command.signed_off_on, today, "signed_off_on")
    return [ScrutineerReportSignedOff(year=command.year, scrutineer_id=command.scrutineer_id, summary=command.summary,
                                      signed_off_on=command.signed_off_on)]


def decide_publish_report(state: ScrutineerReport, command: PublishScrutineerReport, today: date) -> list[DomainEvent]:
    if state.signed_off_on is None:
        raise Refusal("not_signed_off", f"the scrutineer's report of {command.year} is published once they sign it off", "year")
    if state.published_on is not None:
        raise Refusal("already_published", f"the scrutineer's report of {command.year} was published on {state.published_on}", "year")
    not_before(command.published_on, state.signed_off_on, "published_on", "the scrutineer's sign-off")
    not_after_today(command.published_on, today, "published_on")
    return [ScrutineerReportPublished(year=command.year, published_on=command.published_on, link=command.link)]


# `recommendation:{partnership}:{recommendation_id}` and `scrutineer-report:{partnership}:{year}`.
RECOMMENDATION = Aggregate("recommendation", Recommendation(), evolve_recommendation)
SCRUTINEER_REPORT = Aggregate("scrutineer-report", ScrutineerReport(), evolve_report)
