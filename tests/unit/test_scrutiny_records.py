"""The independent scrutineer's workspace through the reporting handlers, over in-memory
stores: the register (appointments by activity and period, conflicts of interest), a
challenge on a record answered by whom it is put to, recommendations tracked to "acted
upon", the scrutineer's annual report signed off and published; each refusal names its
field. And the command table: the scrutineer's commands are theirs alone on the front
door, an agency answers as itself."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest

from services.reporting.domain.records import scrutiny_commands as sc
from services.reporting.domain.views.scrutiny import (
    AppointmentRow,
    ChallengeRow,
    RecommendationRow,
    Workspace,
    build_annual_report,
)
from services.reporting.domain.views.tiered import build_tiered
from services.reporting.handlers import ReportingHandlers
from services.section11.domain.commands import OpenAuditCycle
from services.section11.handlers import Section11Handlers
from shared.catalogue.scrutiny import (
    ChallengeAnswered,
    ChallengeClosed,
    ChallengeRaised,
    RecommendationJudged,
    ScrutineerAppointed,
    ScrutineerReportPublished,
)
from shared.clock import ManualClock
from shared.envelope import Metadata
from shared.eventstore.memory import InMemoryEventStore
from shared.messaging.commands import Sender
from shared.partnerships import Partnerships
from shared.profiles import load_builtin
from shared.refusals import Refusal, parse_message
from shared.roles import Role

PROFILES = {p: load_builtin(p) for p in ("kent", "north-lincolnshire")}
NOW = datetime(2027, 5, 10, 9, tzinfo=UTC)
K = "kent"
POLICE, COUNCIL = "kent-police", "kent-county-council"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def stores(clock: ManualClock) -> dict[str, InMemoryEventStore]:
    return {name: InMemoryEventStore(name, clock) for name in ("reporting_records", "section11", "events", "reviews")}


@pytest.fixture
def handlers(stores: dict[str, InMemoryEventStore], clock: ManualClock) -> ReportingHandlers:
    sources = {k: v for k, v in stores.items() if k != "reporting_records"}
    return ReportingHandlers(stores["reporting_records"], sources, Partnerships(PROFILES), clock)


def meta(partnership: str = K) -> Metadata:
    return Metadata(partnership_id=partnership, actor="business-unit", correlation_id=uuid4())


def command(model: type[Any], **fields: Any) -> Any:
    return parse_message(model, json.dumps({"request_id": str(uuid4())} | fields, default=str).encode())


async def refused(coro: Any) -> Refusal:
    with pytest.raises(Refusal) as caught:
        await coro
    return caught.value


async def appoint(handlers: ReportingHandlers, scrutineer: str = "iso-a", appointment: str = "2027", **more: Any) -> None:
    fields = {"scrutineer_id": scrutineer, "name": "Alex Morgan", "appointment_id": appointment,
              "activity_id": "independent-scrutiny", "starts_on": date(2027, 4, 1), "ends_on": date(2028, 3, 31)}
    await handlers.appoint_scrutineer(command(sc.AppointScrutineer, **(fields | more)), meta())


async def a_cycle(stores: dict[str, InMemoryEventStore], clock: ManualClock) -> None:
    s11 = Section11Handlers(stores["section11"], Partnerships(PROFILES), clock)
    await s11.open_cycle(OpenAuditCycle(request_id=uuid4(), cycle_id="2026-27", opened_on=date(2027, 5, 1)), meta())


def raise_(challenge: str = "ch-1", put_to: str = POLICE, **more: Any) -> Any:
    return command(sc.RaiseChallenge, **({
        "challenge_id": challenge, "scrutineer_id": "iso-a", "record_kind": "s11-cycle", "record_id": "2026-27",
        "put_to": put_to, "text": "How were the lowest ratings moderated?", "raised_on": date(2027, 5, 9)} | more))


# -- the register ----------------------------------------------------------------------------


async def test_an_appointment_enters_the_scrutineer_on_the_register_with_the_profiles_activity(handlers: ReportingHandlers) -> None:
    await appoint(handlers)
    [event] = await handlers.store.read_stream("scrutineer:kent:iso-a")
    assert isinstance(event.event, ScrutineerAppointed)
    assert event.event.activity_name == "Independent Scrutiny" and event.event.name == "Alex Morgan"
    # A second appointment needs no name again; an unknown activity and a period backwards are refused at their fields.
    await appoint(handlers, appointment="peer-review", name=None)
    assert (await refused(appoint(handlers, appointment="x", activity_id="no-such"))).field == "activity_id"
    assert (await refused(appoint(handlers, appointment="y", ends_on=date(2027, 3, 1)))).field == "ends_on"
    assert (await refused(appoint(handlers, scrutineer="iso-b", name=None))).code == "name_needed"


async def test_a_conflict_of_interest_stops_a_challenge_put_to_that_agency(
    handlers: ReportingHandlers, stores: dict[str, InMemoryEventStore], clock: ManualClock
) -> None:
    await appoint(handlers)
    await a_cycle(stores, clock)
    await handlers.record_conflict(command(
        sc.RecordConflictOfInterest, scrutineer_id="iso-a", conflict_id="former-employee", interest_in=POLICE,
        description="Worked for Kent Police until 2024", declared_on=date(2027, 4, 2)), meta())
    refusal = await refused(handlers.raise_challenge(raise_(), meta()))
    assert (refusal.code, refusal.field) == ("conflict_of_interest", "put_to")
    assert await handlers.raise_challenge(raise_(put_to=COUNCIL), meta())
    unknown = await refused(handlers.record_conflict(command(
        sc.RecordConflictOfInterest, scrutineer_id="iso-a", conflict_id="c2", interest_in="nobody",
        description="x", declared_on=date(2027, 4, 2)), meta()))
    assert unknown.field == "interest_in"


async def test_an_ended_appointment_raises_no_more_challenges(
    handlers: ReportingHandlers, stores: dict[str, InMemoryEventStore], clock: ManualClock
) -> None:
    await appoint(handlers)
    await a_cycle(stores, clock)
    await handlers.end_appointment(command(sc.EndAppointment, scrutineer_id="iso-a", appointment_id="2027",
                                           ended_on=date(2027, 5, 1), reason="Moved away"), meta())
    refusal = await refused(handlers.raise_challenge(raise_(), meta()))
    assert (refusal.code, refusal.field) == ("not_appointed", "scrutineer_id")
    assert (await refused(handlers.raise_challenge(raise_(scrutineer_id="nobody"), meta()))).code == "unknown_scrutineer"


# -- challenges ------------------------------------------------------------------------------


async def test_a_challenge_cites_its_record_and_is_answered_by_the_agency_it_is_put_to(
    handlers: ReportingHandlers, stores: dict[str, InMemoryEventStore], clock: ManualClock
) -> None:
    await appoint(handlers)
    await a_cycle(stores, clock)
    [raised] = await handlers.raise_challenge(raise_(answer_by=date(2027, 6, 1)), meta())
    assert isinstance(raised.event, ChallengeRaised)
    cycle = (await stores["section11"].read_stream("s11-cycle:kent:2026-27"))[-1]
    assert raised.event.record.event_id == str(cycle.event_id) and raised.event.record.store == "section11"

    def answer(agency: str | None) -> Any:
        return command(sc.AnswerChallenge, challenge_id="ch-1", agency_id=agency, answer="By the panel in May",
                       answered_by="Head of safeguarding", answered_on=date(2027, 5, 10))

    other = await refused(handlers.answer_challenge_as_agency(answer(COUNCIL), meta()))
    assert (other.code, other.field) == ("not_put_to_you", "agency_id")
    assert (await refused(handlers.answer_challenge_as_business_unit(answer(None), meta()))).code == "not_put_to_you"
    assert (await refused(handlers.answer_challenge_as_business_unit(answer(POLICE), meta()))).code == "answer_as_yourself"
    [answered] = await handlers.answer_challenge_as_agency(answer(POLICE), meta())
    assert isinstance(answered.event, ChallengeAnswered)
    [closed] = await handlers.close_challenge(command(sc.CloseChallenge, challenge_id="ch-1", outcome="resolved",
                                                      closed_on=date(2027, 5, 10)), meta())
    assert isinstance(closed.event, ChallengeClosed)
    assert (await refused(handlers.answer_challenge_as_agency(answer(POLICE), meta()))).code == "closed"


async def test_a_challenge_names_a_record_that_exists_and_someone_to_answer(
    handlers: ReportingHandlers, stores: dict[str, InMemoryEventStore], clock: ManualClock
) -> None:
    await appoint(handlers)
    await a_cycle(stores, clock)
    assert (await refused(handlers.raise_challenge(raise_(record_id="1999-00"), meta()))).field == "record_id"
    assert (await refused(handlers.raise_challenge(raise_(put_to="nobody"), meta()))).field == "put_to"
    assert (await refused(handlers.raise_challenge(raise_(raised_on=date(2027, 6, 1)), meta()))).field == "raised_on"
    await handlers.raise_challenge(raise_(put_to="business-unit"), meta())
    # Unanswered, it may be withdrawn but not resolved.
    resolved = await refused(handlers.close_challenge(command(sc.CloseChallenge, challenge_id="ch-1", outcome="resolved",
                                                              closed_on=date(2027, 5, 10)), meta()))
    assert (resolved.code, resolved.field) == ("unanswered", "outcome")
    await handlers.answer_challenge_as_business_unit(command(
        sc.AnswerChallenge, challenge_id="ch-1", answer="See the moderation notes", answered_by="Business manager",
        answered_on=date(2027, 5, 10)), meta())


# -- recommendations -------------------------------------------------------------------------


async def test_a_recommendation_is_acted_upon_once_a_response_shows_its_evidence(handlers: ReportingHandlers) -> None:
    await appoint(handlers)
    await handlers.make_recommendation(command(
        sc.MakeRecommendation, recommendation_id="r-1", scrutineer_id="iso-a", made_to="kscmp-executive",
        text="Publish the audit schedule", made_on=date(2027, 5, 2)), meta())
    early = await refused(handlers.judge_recommendation(command(
        sc.JudgeRecommendation, recommendation_id="r-1", acted_upon=True, judged_on=date(2027, 5, 3)), meta()))
    assert (early.code, early.field) == ("no_response", "acted_upon")
    await handlers.record_response(command(
        sc.RecordRecommendationResponse, recommendation_id="r-1", response="Published on the website",
        responded_on=date(2027, 5, 4)), meta())
    [judged] = await handlers.judge_recommendation(command(
        sc.JudgeRecommendation, recommendation_id="r-1", acted_upon=True, judged_on=date(2027, 5, 5)), meta())
    assert isinstance(judged.event, RecommendationJudged) and judged.event.acted_upon
    half = await refused(handlers.make_recommendation(command(
        sc.MakeRecommendation, recommendation_id="r-2", scrutineer_id="iso-a", made_to=POLICE, text="x",
        record_kind="review", made_on=date(2027, 5, 2)), meta()))
    assert half.field == "record_id"
    assert (await refused(handlers.make_recommendation(command(
        sc.MakeRecommendation, recommendation_id="r-3", scrutineer_id="iso-a", made_to="nobody", text="x",
        made_on=date(2027, 5, 2)), meta()))).field == "made_to"


# -- the annual report -----------------------------------------------------------------------


async def test_the_scrutineers_report_is_published_after_their_sign_off(handlers: ReportingHandlers) -> None:
    publish = command(sc.PublishScrutineerReport, year=2027, published_on=date(2027, 5, 10))
    assert (await refused(handlers.publish_scrutineer_report(publish, meta()))).code == "not_signed_off"
    await appoint(handlers)
    not_theirs = await refused(handlers.sign_off_scrutineer_report(command(
        sc.SignOffScrutineerReport, year=2024, scrutineer_id="iso-a", summary="x", signed_off_on=date(2027, 5, 1)), meta()))
    assert not_theirs.field == "scrutineer_id"
    await handlers.sign_off_scrutineer_report(command(
        sc.SignOffScrutineerReport, year=2027, scrutineer_id="iso-a", summary="A year of challenge",
        signed_off_on=date(2027, 5, 9)), meta())
    [published] = await handlers.publish_scrutineer_report(publish, meta())
    assert isinstance(published.event, ScrutineerReportPublished)


# -- the command table -----------------------------------------------------------------------


def test_the_scrutineers_commands_are_theirs_alone_on_the_front_door(handlers: ReportingHandlers) -> None:
    table = handlers.commands()
    for token in ("raise-challenge", "close-challenge", "make-recommendation", "judge-recommendation", "sign-off-scrutineer-report"):
        assert table.row(Sender.BUSINESS_UNIT, token).roles() == {Role.SCRUTINEER: None}
    assert table.row(Sender.AGENCY, "answer-challenge").roles() == {Role.AGENCY_LEAD: "agency_id"}
    assert table.row(Sender.BUSINESS_UNIT, "appoint-scrutineer").roles() == {Role.BUSINESS_UNIT: None}


# -- the views -------------------------------------------------------------------------------


def _challenge(challenge_id: str, put_to: str, raised_on: date, status: str = "open") -> ChallengeRow:
    return ChallengeRow(challenge_id, "iso-a", "s11-cycle", "2026-27", "e0", put_to, put_to, "Why?", raised_on, None, status,
                        None, None, "", [], "e1", 1)


def _recommendation(recommendation_id: str, made_on: date, acted_upon: bool | None) -> RecommendationRow:
    return RecommendationRow(recommendation_id, "iso-a", POLICE, "Kent Police", "Do it", None, None, made_on, None, [],
                             acted_upon, None, "", "e2", 2)


def test_the_annual_report_draws_the_year_april_to_march_and_an_agency_sees_its_own() -> None:
    w = Workspace(
        K, "Kent", NOW,
        appointments=[AppointmentRow("iso-a", "Alex Morgan", "a1", "independent-scrutiny", "Independent Scrutiny",
                                     date(2026, 4, 1), date(2027, 3, 31), None, "", "e3", 3)],
        challenges=[_challenge("c1", POLICE, date(2026, 5, 1), "closed"), _challenge("c2", COUNCIL, date(2027, 4, 2))],
        recommendations=[_recommendation("r1", date(2026, 6, 1), True), _recommendation("r2", date(2026, 7, 1), False),
                         _recommendation("r3", date(2027, 4, 5), None)],
    )
    report = build_annual_report(w, 2026)
    assert (report.label, [c.challenge_id for c in report.challenges]) == ("2026/27", ["c1"])
    figures = dict(report.figures)
    assert (figures["Recommendations made"], figures["Recommendations acted upon"], figures["Challenges still open"]) == (2, 1, 0)
    assert w.acted_upon == (1, 3) and [c.challenge_id for c in w.open_challenges] == ["c2"]
    assert [c.challenge_id for c in w.for_agency(POLICE).challenges] == ["c1"] and not w.for_agency(POLICE).appointments


def test_kents_first_tier_three_indicator_shows_the_recommendations_acted_upon() -> None:
    figures = {"scrutineer-recommendations-acted-upon": "Recommendations acted upon: 2 of 3"}
    report = build_tiered(PROFILES[K], [], [], NOW, counted=figures)
    shown = {i.id: i.figure for t in report.tiers for i in t.indicators if i.figure}
    assert shown == {"scrutiny-recommendations-acted-on": "Recommendations acted upon: 2 of 3"}
