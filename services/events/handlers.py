"""The assurance events service's command handlers, its deadline and Section 11
reactions, its planner query, and the table that names every command."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date
from uuid import NAMESPACE_URL, uuid5

from services.events.deadlines import WATCHER, milestone_of
from services.events.domain import (
    call_ins,
    learning_hub,
    lifecycle,
    line_of_sight,
    peer_review,
    young_inspectors,
)
from services.events.domain import commands as c
from services.events.domain import planner as planning
from services.events.domain.commands.base import EventCommand
from services.events.domain.rules import today_in_london
from services.events.domain.state import STREAM_PREFIX, AssuranceEvent, evolve, stream_id
from shared.catalogue import DomainEvent
from shared.catalogue.section11 import CallInProposed
from shared.clock import Clock
from shared.deadlines import Deadline
from shared.decisions import already_done, decide_and_append, fold
from shared.envelope import Envelope, Metadata
from shared.eventstore import EventStore
from shared.partnerships import Partnerships
from shared.profiles.schema import FrameworkProfile

Decision = Callable[[AssuranceEvent, FrameworkProfile, date], Sequence[DomainEvent]]

MAX_CALL_INS_PER_CYCLE = 50


@dataclass
class EventsHandlers:
    store: EventStore
    partnerships: Partnerships
    clock: Clock

    async def _decide(self, command: EventCommand, metadata: Metadata, decision: Decision) -> list[Envelope]:
        profile = self.partnerships.profile(metadata.partnership_id)
        now = self.clock.now()
        today = today_in_london(now)
        return await decide_and_append(
            self.store,
            stream_id(metadata.partnership_id, command.assurance_event_id),
            initial=AssuranceEvent(),
            evolve=evolve,
            decide=lambda state: decision(state, profile, today),
            metadata=metadata,
            occurred_at=now,
            request_id=command.request_id,
        )

    # -- lifecycle ----------------------------------------------------------------------

    async def propose(self, command: c.ProposeAssuranceEvent, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: lifecycle.decide_propose(s, command, p))

    async def endorse(self, command: c.EndorseAssuranceEvent, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: lifecycle.decide_endorse(s, command, p))

    async def schedule(self, command: c.ScheduleAssuranceEvent, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: lifecycle.decide_schedule(s, command, p, t))

    async def reschedule(self, command: c.RescheduleAssuranceEvent, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: lifecycle.decide_reschedule(s, command, p, t))

    async def cancel(self, command: c.CancelAssuranceEvent, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: lifecycle.decide_cancel(s, command))

    async def meet_milestone(self, command: c.RecordMilestoneMet, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: lifecycle.decide_milestone_met(s, command, t))

    async def hold(self, command: c.RecordEventHeld, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: lifecycle.decide_hold(s, command, p, t))

    async def feedback(self, command: c.RecordImmediateFeedback, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: lifecycle.decide_feedback(s, command))

    async def findings(self, command: c.RecordFindings, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: lifecycle.decide_findings(s, command, p))

    async def agree_actions(self, command: c.AgreeActions, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: lifecycle.decide_agree_actions(s, command, p))

    async def draft_report(self, command: c.DraftReport, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: lifecycle.decide_draft(s, command, p))

    async def agree_report(self, command: c.AgreeReport, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: lifecycle.decide_agree_report(s, command, p))

    async def record_outcome(self, command: c.RecordOutcome, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: lifecycle.decide_outcome(s, command, p))

    async def conclude(self, command: c.ConcludeAssuranceEvent, metadata: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(metadata.partnership_id)
        return await decide_and_append(
            self.store,
            stream_id(metadata.partnership_id, command.assurance_event_id),
            initial=AssuranceEvent(),
            evolve=evolve,
            decide=lambda state: lifecycle.decide_conclusion(state, command, profile),
            metadata=metadata,
            occurred_at=self.clock.now(),
            request_id=command.request_id,
        )

    # -- line of sight and pop-up cases -------------------------------------------------

    async def select_case(self, command: c.SelectCase, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: line_of_sight.decide_select_case(s, command, p))

    async def record_case_audit(self, command: c.RecordCaseAudit, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: line_of_sight.decide_case_audit(s, command, p))

    async def meet_practitioners(self, command: c.RecordPractitionersMet, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: line_of_sight.decide_practitioners_met(s, command, p))

    # -- young inspectors ---------------------------------------------------------------

    async def answer_inspection_offer(self, command: c.AnswerInspectionOffer, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: young_inspectors.decide_answer_offer(s, command))

    async def record_desktop_review(self, command: c.RecordDesktopReview, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: young_inspectors.decide_desktop_review(s, command, t))

    async def record_inspection_surveys(self, command: c.RecordInspectionSurveys, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: young_inspectors.decide_surveys(s, command))

    # -- learning hub -------------------------------------------------------------------

    async def issue_newsletter(self, command: c.IssueNewsletter, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: learning_hub.decide_newsletter(s, command, p, t))

    async def record_forum(self, command: c.RecordLearningForum, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: learning_hub.decide_forum(s, command, p, t))

    async def record_views(self, command: c.RecordChildrenAndFamiliesViews, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: learning_hub.decide_views(s, command, p, t))

    async def send_survey(self, command: c.SendPractitionerSurvey, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: learning_hub.decide_survey_sent(s, command, p, t))

    async def record_survey_responses(self, command: c.RecordSurveyResponses, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: learning_hub.decide_survey_responses(s, command, p))

    async def record_evaluation(self, command: c.RecordForumEvaluation, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: learning_hub.decide_evaluation(s, command, p))

    async def present_strategic_feedback(self, command: c.PresentStrategicFeedback, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: learning_hub.decide_strategic_feedback(s, command, p, t))

    async def feed_back_to_practitioners(self, command: c.FeedBackToPractitioners, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: learning_hub.decide_feed_back(s, command, p, t))

    # -- peer review --------------------------------------------------------------------

    async def agree_terms(self, command: c.AgreeTermsOfReference, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda s, p, t: peer_review.decide_terms(s, command, p))

    # -- time: missed milestones --------------------------------------------------------

    async def mark_milestone_missed(self, command: c.MarkMilestoneMissed, metadata: Metadata) -> list[Envelope]:
        # The deadline, not the moment the watcher noticed it, is when this happened,
        # and the id comes from the deadline: a replay raises the same event on the same date.
        deadline = command.deadline.astimezone(UTC)
        return await decide_and_append(
            self.store,
            stream_id(metadata.partnership_id, command.assurance_event_id),
            initial=AssuranceEvent(),
            evolve=evolve,
            decide=lambda state: lifecycle.decide_milestone_missed(state, command),
            metadata=metadata,
            occurred_at=deadline,
            request_id=uuid5(
                NAMESPACE_URL,
                f"{metadata.partnership_id}/{command.assurance_event_id}/milestone:{command.milestone_id}/{deadline.isoformat()}",
            ),
        )

    async def on_deadline(self, deadline: Deadline) -> Sequence[Envelope]:
        milestone_id = milestone_of(deadline.kind)
        if milestone_id is None or not deadline.stream_id.startswith(STREAM_PREFIX):
            return []
        assurance_event_id = deadline.stream_id.split(":", 2)[2]
        metadata = Metadata(
            partnership_id=deadline.partnership_id, actor=WATCHER, correlation_id=uuid5(NAMESPACE_URL, deadline.stream_id)
        )
        command = c.MarkMilestoneMissed(
            assurance_event_id=assurance_event_id, milestone_id=milestone_id, deadline=deadline.due_at
        )
        return await self.mark_milestone_missed(command, metadata)

    # -- reaction: call-ins from Section 11 -------------------------------------------

    async def on_call_in_proposed(self, envelope: Envelope) -> list[Envelope]:
        """Open (or add a concern to) the agency's call-in for the cycle; a redelivered
        CallInProposed appends nothing, its request id being derived from the event's."""
        proposed = envelope.event
        assert isinstance(proposed, CallInProposed)
        command = c.ProposeCallIn(
            agency_id=proposed.agency_id, cycle_id=proposed.cycle_id, domain_id=proposed.domain_id,
            rating=proposed.rating, reason=proposed.reason, source_event_id=str(envelope.event_id),
        )
        request_id = uuid5(NAMESPACE_URL, f"events/call-in/{envelope.event_id}")
        metadata = Metadata(
            partnership_id=envelope.partnership_id, actor="section11", correlation_id=envelope.correlation_id,
            causation_id=envelope.event_id, trace_context=envelope.trace_context,
        )
        profile = self.partnerships.profile(envelope.partnership_id)
        for number in range(1, MAX_CALL_INS_PER_CYCLE + 1):
            event_id = call_ins.call_in_id(proposed.cycle_id, proposed.agency_id, number)
            stream = stream_id(envelope.partnership_id, event_id)
            history = await self.store.read_stream(stream)
            if earlier := already_done(history, request_id):
                return earlier
            if call_ins.closed(fold(AssuranceEvent(), evolve, (h.event for h in history))):
                continue
            return await decide_and_append(
                self.store, stream, initial=AssuranceEvent(), evolve=evolve,
                decide=lambda state, event_id=event_id: call_ins.decide_call_in(state, command, profile, event_id),
                metadata=metadata, occurred_at=self.clock.now(), request_id=request_id,
            )
        return []

    # -- query: the planner -----------------------------------------------------------

    async def planner(self, query: c.ShowPlanner, partnership_id: str) -> planning.Planner:
        profile = self.partnerships.profile(partnership_id)
        as_of = query.as_of or today_in_london(self.clock.now())
        return planning.build_planner(profile, query.start, query.months, await self.facts(partnership_id, as_of), as_of)

    async def facts(self, partnership_id: str, as_of: date) -> list[planning.EventFacts]:
        """Every assurance event of a partnership folded as of a day (its events that had happened by then)."""
        prefix = f"{STREAM_PREFIX}{partnership_id}:"
        streams: dict[str, list[Envelope]] = defaultdict(list)
        after = 0
        while batch := await self.store.read_all(after=after, limit=1000):
            for envelope in batch:
                if envelope.stream_id.startswith(prefix) and today_in_london(envelope.occurred_at) <= as_of:
                    streams[envelope.stream_id].append(envelope)
            after = batch[-1].position or after + len(batch)
        facts = []
        for envelopes in streams.values():
            state = fold(AssuranceEvent(), evolve, (envelope.event for envelope in envelopes))
            if state.activity_type:
                last = envelopes[-1]  # the event behind the line: its latest change
                facts.append(planning.facts_of(state, str(last.event_id), last.position))
        return facts

    def table(self) -> dict[type, object]:
        """Every command this service accepts, and who handles it."""
        return {
            c.ProposeAssuranceEvent: self.propose,
            c.EndorseAssuranceEvent: self.endorse,
            c.ScheduleAssuranceEvent: self.schedule,
            c.RescheduleAssuranceEvent: self.reschedule,
            c.CancelAssuranceEvent: self.cancel,
            c.RecordMilestoneMet: self.meet_milestone,
            c.RecordEventHeld: self.hold,
            c.RecordImmediateFeedback: self.feedback,
            c.RecordFindings: self.findings,
            c.AgreeActions: self.agree_actions,
            c.DraftReport: self.draft_report,
            c.AgreeReport: self.agree_report,
            c.RecordOutcome: self.record_outcome,
            c.ConcludeAssuranceEvent: self.conclude,
            c.SelectCase: self.select_case,
            c.RecordCaseAudit: self.record_case_audit,
            c.RecordPractitionersMet: self.meet_practitioners,
            c.AnswerInspectionOffer: self.answer_inspection_offer,
            c.RecordDesktopReview: self.record_desktop_review,
            c.RecordInspectionSurveys: self.record_inspection_surveys,
            c.IssueNewsletter: self.issue_newsletter,
            c.RecordLearningForum: self.record_forum,
            c.RecordChildrenAndFamiliesViews: self.record_views,
            c.SendPractitionerSurvey: self.send_survey,
            c.RecordSurveyResponses: self.record_survey_responses,
            c.RecordForumEvaluation: self.record_evaluation,
            c.PresentStrategicFeedback: self.present_strategic_feedback,
            c.FeedBackToPractitioners: self.feed_back_to_practitioners,
            c.AgreeTermsOfReference: self.agree_terms,
            c.MarkMilestoneMissed: self.mark_milestone_missed,
        }
