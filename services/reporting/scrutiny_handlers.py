"""The reporting service's handlers of the independent scrutineer's workspace and their
rows of its command table (services/reporting/handlers.py assembles them with the rest).

Why here (reporting's own records) rather than the reviews service: see
services/reporting/domain/records/scrutiny.py. A challenge or recommendation about a
record reads that record's stream, read-only, from the store that keeps it, as an
indicator's evidence does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.reporting.domain.records import recommendations as rec
from services.reporting.domain.records import scrutiny
from services.reporting.domain.records.evidence import Newest
from services.reporting.domain.records.scrutiny_commands import (
    AnswerChallenge,
    AppointScrutineer,
    CloseChallenge,
    EndAppointment,
    JudgeRecommendation,
    MakeRecommendation,
    PublishScrutineerReport,
    RaiseChallenge,
    RecordConflictOfInterest,
    RecordRecommendationResponse,
    SignOffScrutineerReport,
)
from shared.catalogue.scrutiny import BUSINESS_UNIT
from shared.envelope import Envelope, Metadata
from shared.eventstore import EventStore
from shared.messaging.commands import CommandRow, agency, business_unit
from shared.partnerships import Partnerships
from shared.refusals import Refusal
from shared.roles import Role
from shared.runner import Runner

# On the front door these are the scrutineer's alone (the business unit's tools may send
# them over NATS, as for every business-unit command; the event records who did).
SCRUTINEER_ONLY: dict[str, Any] = {"people": ((Role.SCRUTINEER, None),), "people_only": True}


class ScrutinyHandlers:
    """Mixed into ReportingHandlers: its store, the other services' stores, profiles, clock."""

    store: EventStore
    sources: Mapping[str, EventStore]
    partnerships: Partnerships

    @property
    def runner(self) -> Runner:  # pragma: no cover - ReportingHandlers' own
        raise NotImplementedError

    async def _record_newest(self, kind: str, partnership_id: str, record_id: str) -> Newest | None:
        store_name, stream = scrutiny.record_stream(kind, partnership_id, record_id)
        store = self.store if store_name == "reporting" else self.sources[store_name]
        history = await store.read_stream(stream)
        if not history:
            return None
        last = history[-1]
        return Newest(str(last.event_id), last.event_type, last.position or 0)

    async def _scrutineer(self, partnership_id: str, scrutineer_id: str) -> scrutiny.Scrutineer:
        return await self.runner.state(scrutiny.SCRUTINEER, partnership_id, scrutineer_id) or scrutiny.SCRUTINEER.initial

    # -- the register --------------------------------------------------------------------

    async def appoint_scrutineer(self, c: AppointScrutineer, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self.runner.run(scrutiny.SCRUTINEER, c.scrutineer_id, m, c.request_id,
                                     lambda s, today: scrutiny.decide_appoint(s, c, profile, today))

    async def record_conflict(self, c: RecordConflictOfInterest, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self.runner.run(scrutiny.SCRUTINEER, c.scrutineer_id, m, c.request_id,
                                     lambda s, today: scrutiny.decide_conflict(s, c, profile, today))

    async def end_appointment(self, c: EndAppointment, m: Metadata) -> list[Envelope]:
        self.partnerships.profile(m.partnership_id)
        return await self.runner.run(scrutiny.SCRUTINEER, c.scrutineer_id, m, c.request_id,
                                     lambda s, today: scrutiny.decide_end(s, c, today))

    # -- challenges ----------------------------------------------------------------------

    async def raise_challenge(self, c: RaiseChallenge, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        who = await self._scrutineer(m.partnership_id, c.scrutineer_id)
        newest = await self._record_newest(c.record_kind, m.partnership_id, c.record_id)
        return await self.runner.run(scrutiny.CHALLENGE, c.challenge_id, m, c.request_id,
                                     lambda s, today: scrutiny.decide_raise(s, c, who, newest, profile, today))

    async def answer_challenge_as_agency(self, c: AnswerChallenge, m: Metadata) -> list[Envelope]:
        self.partnerships.profile(m.partnership_id)
        assert c.agency_id is not None  # pinned by the gateway to the sending agency
        answerer = c.agency_id
        return await self.runner.run(scrutiny.CHALLENGE, c.challenge_id, m, c.request_id,
                                     lambda s, today: scrutiny.decide_answer(s, c, answerer, today))

    async def answer_challenge_as_business_unit(self, c: AnswerChallenge, m: Metadata) -> list[Envelope]:
        self.partnerships.profile(m.partnership_id)
        if c.agency_id is not None:
            raise Refusal("answer_as_yourself", "an agency answers a challenge put to it itself; the business unit"
                          " answers those put to the business unit (leave agency_id out)", "agency_id")
        return await self.runner.run(scrutiny.CHALLENGE, c.challenge_id, m, c.request_id,
                                     lambda s, today: scrutiny.decide_answer(s, c, BUSINESS_UNIT, today))

    async def close_challenge(self, c: CloseChallenge, m: Metadata) -> list[Envelope]:
        self.partnerships.profile(m.partnership_id)
        return await self.runner.run(scrutiny.CHALLENGE, c.challenge_id, m, c.request_id,
                                     lambda s, today: scrutiny.decide_close(s, c, today))

    # -- recommendations -----------------------------------------------------------------

    async def make_recommendation(self, c: MakeRecommendation, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        who = await self._scrutineer(m.partnership_id, c.scrutineer_id)
        newest = await self._record_newest(c.record_kind, m.partnership_id, c.record_id) if c.record_kind and c.record_id else None
        return await self.runner.run(rec.RECOMMENDATION, c.recommendation_id, m, c.request_id,
                                     lambda s, today: rec.decide_make(s, c, who, newest, profile, today))

    async def record_response(self, c: RecordRecommendationResponse, m: Metadata) -> list[Envelope]:
        self.partnerships.profile(m.partnership_id)
        return await self.runner.run(rec.RECOMMENDATION, c.recommendation_id, m, c.request_id,
                                     lambda s, today: rec.decide_respond(s, c, today))

    async def judge_recommendation(self, c: JudgeRecommendation, m: Metadata) -> list[Envelope]:
        self.partnerships.profile(m.partnership_id)
        return await self.runner.run(rec.RECOMMENDATION, c.recommendation_id, m, c.request_id,
                                     lambda s, today: rec.decide_judge(s, c, today))

    # -- the scrutineer's annual report --------------------------------------------------

    async def sign_off_scrutineer_report(self, c: SignOffScrutineerReport, m: Metadata) -> list[Envelope]:
        self.partnerships.profile(m.partnership_id)
        who = await self._scrutineer(m.partnership_id, c.scrutineer_id)
        return await self.runner.run(rec.SCRUTINEER_REPORT, str(c.year), m, c.request_id,
                                     lambda s, today: rec.decide_sign_off_report(s, c, who, today))

    async def publish_scrutineer_report(self, c: PublishScrutineerReport, m: Metadata) -> list[Envelope]:
        self.partnerships.profile(m.partnership_id)
        return await self.runner.run(rec.SCRUTINEER_REPORT, str(c.year), m, c.request_id,
                                     lambda s, today: rec.decide_publish_report(s, c, today))

    def scrutiny_rows(self) -> list[CommandRow[Any]]:
        return [
            business_unit(
                "appoint-scrutineer",
                AppointScrutineer,
                "Appoint an independent scrutineer to an activity for a period",
                self.appoint_scrutineer,
            ),
            business_unit(
                "record-conflict-of-interest", RecordConflictOfInterest, "Record a scrutineer's conflict of interest", self.record_conflict
            ),
            business_unit("end-appointment", EndAppointment, "End a scrutineer's appointment", self.end_appointment),
            business_unit(
                "raise-challenge", RaiseChallenge, "The independent scrutineer challenges a record", self.raise_challenge, **SCRUTINEER_ONLY
            ),
            agency(
                "answer-challenge", AnswerChallenge, "agency_id", "Answer a challenge put to your agency", self.answer_challenge_as_agency
            ),
            business_unit(
                "answer-challenge", AnswerChallenge, "Answer a challenge put to the business unit", self.answer_challenge_as_business_unit
            ),
            business_unit(
                "close-challenge", CloseChallenge, "The independent scrutineer closes a challenge", self.close_challenge, **SCRUTINEER_ONLY
            ),
            business_unit(
                "make-recommendation",
                MakeRecommendation,
                "The independent scrutineer makes a recommendation",
                self.make_recommendation,
                **SCRUTINEER_ONLY,
            ),
            business_unit(
                "record-recommendation-response",
                RecordRecommendationResponse,
                "Record what was done about a scrutineer's recommendation, with evidence",
                self.record_response,
            ),
            business_unit(
                "judge-recommendation",
                JudgeRecommendation,
                "The independent scrutineer judges a recommendation acted upon, or not",
                self.judge_recommendation,
                **SCRUTINEER_ONLY,
            ),
            business_unit(
                "sign-off-scrutineer-report",
                SignOffScrutineerReport,
                "The independent scrutineer signs off their annual report",
                self.sign_off_scrutineer_report,
                **SCRUTINEER_ONLY,
            ),
            business_unit(
                "publish-scrutineer-report",
                PublishScrutineerReport,
                "Record the scrutineer's annual report published",
                self.publish_scrutineer_report,
            ),
        ]
