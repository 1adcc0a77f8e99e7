"""The assurance events service's command handlers, its deadline and Section 11
reactions, its planner query, and the table that names every command.

Over 300 lines because the table is one
row per command (36, each with its title and pinned field), read top to bottom beside
the handlers it names; split, a newcomer would look in two places for one command."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from services.events.deadlines import milestone_of
from services.events.domain import (
    activities,
    call_ins,
    held,
    learning_hub,
    lifecycle,
    line_of_sight,
    peer_review,
    young_inspectors,
)
from services.events.domain import commands as c
from services.events.domain.commands.base import EventCommand
from services.events.domain.rules import milestone_kind
from services.events.domain.state import (
    ASSURANCE_EVENT,
    STREAM_PREFIX,
    AssuranceEvent,
    facts_of,
    stream_id,
)
from shared import planner as planning
from shared.aggregate import of_stream
from shared.catalogue import DomainEvent
from shared.catalogue.section11 import CallInProposed
from shared.clock import Clock
from shared.deadlines import Deadline
from shared.decisions import done_before
from shared.envelope import Envelope, Metadata
from shared.eventstore import EventStore
from shared.london import local_day
from shared.messaging.commands import CommandTable, Handler, agency, business_unit, table
from shared.partnerships import Partnerships
from shared.profiles.schema import FrameworkProfile
from shared.roles import Role
from shared.runner import Runner

Decision = Callable[[AssuranceEvent, FrameworkProfile, date], Sequence[DomainEvent]]

# A statutory partner may take these steps itself from the front door, as its own partner id.
PARTNER = ((Role.PARTNER, "partner_id"),)

SERVICE = "events"
MAX_CALL_INS_PER_CYCLE = 50


@dataclass
class EventsHandlers:
    store: EventStore
    partnerships: Partnerships
    clock: Clock

    @property
    def runner(self) -> Runner:
        return Runner(self.store, self.clock)

    async def _decide(self, command: EventCommand, metadata: Metadata, decision: Decision) -> list[Envelope]:
        profile = self.partnerships.profile(metadata.partnership_id)
        return await self.runner.run(
            ASSURANCE_EVENT, command.assurance_event_id, metadata, command.request_id,
            lambda state, today: decision(state, profile, today),
        )

    # -- lifecycle ----------------------------------------------------------------------

    async def conclude(self, command: c.ConcludeAssuranceEvent, metadata: Metadata) -> list[Envelope]:
        return await self._decide(command, metadata, lambda state, profile, today: held.decide_conclusion(state, command, profile))

    # -- time: missed milestones --------------------------------------------------------

    async def mark_milestone_missed(
        self, command: c.MarkMilestoneMissed, metadata: Metadata, request_id: UUID | None = None
    ) -> list[Envelope]:
        # The deadline, not the moment the watcher noticed it, is when this happened,
        # and the id comes from the deadline: a replay raises the same event on the same date.
        stream = stream_id(metadata.partnership_id, command.assurance_event_id)
        deadline = Deadline(stream, milestone_kind(command.milestone_id), command.deadline, metadata.partnership_id)
        return await self.runner.run(
            ASSURANCE_EVENT, command.assurance_event_id, metadata, request_id or deadline.key,
            lambda state, today: lifecycle.decide_milestone_missed(state, command), occurred_at=command.deadline.astimezone(UTC),
        )

    async def on_deadline(self, deadline: Deadline) -> Sequence[Envelope]:
        milestone_id = milestone_of(deadline.kind)
        if milestone_id is None or not deadline.stream_id.startswith(STREAM_PREFIX):
            return []
        found = of_stream(deadline.stream_id, {ASSURANCE_EVENT.prefix: ASSURANCE_EVENT})
        if found is None:
            return []
        command = c.MarkMilestoneMissed(assurance_event_id=found[2], milestone_id=milestone_id, deadline=deadline.due_at)
        return await self.mark_milestone_missed(command, deadline.metadata, deadline.key)

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
        if not call_ins.calls_in(profile):
            return []  # proposed before the profile dropped its call-ins: nothing to open, nothing to park
        for number in range(1, MAX_CALL_INS_PER_CYCLE + 1):
            event_id = call_ins.call_in_id(proposed.cycle_id, proposed.agency_id, number)
            history = await self.runner.read(ASSURANCE_EVENT, envelope.partnership_id, event_id)
            if earlier := done_before(history, request_id, metadata):
                return earlier
            if call_ins.closed(ASSURANCE_EVENT.fold(h.event for h in history)):
                continue
            return await self.runner.run(
                ASSURANCE_EVENT, event_id, metadata, request_id,
                lambda state, today, event_id=event_id: call_ins.decide_call_in(state, command, profile, event_id),
                history=history,
            )
        return []

    # -- query: the planner -----------------------------------------------------------

    async def planner(self, query: c.ShowPlanner, partnership_id: str) -> planning.Planner:
        profile = self.partnerships.profile(partnership_id)
        as_of = query.as_of or local_day(self.clock.now())
        return planning.build_planner(profile, query.start, query.months, await self.facts(partnership_id, as_of), as_of)

    async def facts(self, partnership_id: str, as_of: date) -> list[planning.EventFacts]:
        """Every assurance event of a partnership folded as of a day (its events that had happened by then)."""
        prefix = f"{STREAM_PREFIX}{partnership_id}:"
        streams: dict[str, list[Envelope]] = defaultdict(list)
        after = 0
        while batch := await self.store.read_all(after=after, limit=1000):
            for envelope in batch:
                if envelope.stream_id.startswith(prefix) and local_day(envelope.occurred_at) <= as_of:
                    streams[envelope.stream_id].append(envelope)
            after = batch[-1].position or after + len(batch)
        facts = []
        for envelopes in streams.values():
            state = ASSURANCE_EVENT.fold(envelope.event for envelope in envelopes)
            if state.activity_type:
                last = envelopes[-1]  # the event behind the line: its latest change
                facts.append(facts_of(state, str(last.event_id), last.position))
        return facts

    def _on_event(self, decision: Callable[[AssuranceEvent, Any, FrameworkProfile, date], Sequence[DomainEvent]]) -> Handler[Any]:
        """A handler deciding on the command's assurance event: decision(state, command, profile, today)."""

        async def handle(command: EventCommand, metadata: Metadata) -> list[Envelope]:
            return await self._decide(command, metadata, lambda s, p, t: decision(s, command, p, t))

        return handle

    def commands(self) -> CommandTable:
        """Every command this service accepts: who sends it, on which subject, and what decides it.

        The business unit records every partner's step; an agency answers a young
        inspectors offer as itself."""
        on = self._on_event
        return table(
            SERVICE,
            business_unit(
                "propose",
                c.ProposeAssuranceEvent,
                "Propose an assurance event",
                on(lambda s, command, p, t: lifecycle.decide_propose(s, command, p)),
                people=PARTNER,
            ),
            business_unit(
                "endorse",
                c.EndorseAssuranceEvent,
                "A statutory partner endorses an assurance event",
                on(lambda s, command, p, t: lifecycle.decide_endorse(s, command, p)),
                people=PARTNER,
            ),
            business_unit(
                "schedule",
                c.ScheduleAssuranceEvent,
                "Schedule an endorsed assurance event (sets its preparation milestones)",
                on(lambda s, command, p, t: lifecycle.decide_schedule(s, command, p, t)),
            ),
            business_unit(
                "reschedule",
                c.RescheduleAssuranceEvent,
                "Move a scheduled assurance event to a new date",
                on(lambda s, command, p, t: lifecycle.decide_reschedule(s, command, p, t)),
            ),
            business_unit(
                "cancel",
                c.CancelAssuranceEvent,
                "Cancel an assurance event",
                on(lambda s, command, p, t: lifecycle.decide_cancel(s, command)),
            ),
            business_unit(
                "meet-milestone",
                c.RecordMilestoneMet,
                "Record a preparation milestone as done",
                on(lambda s, command, p, t: lifecycle.decide_milestone_met(s, command, t)),
            ),
            business_unit(
                "hold",
                c.RecordEventHeld,
                "Record that an assurance event was held, and who took part",
                on(lambda s, command, p, t: held.decide_hold(s, command, p, t)),
            ),
            business_unit(
                "feedback",
                c.RecordImmediateFeedback,
                "Record the key highlights fed back at the end of the event",
                on(lambda s, command, p, t: held.decide_feedback(s, command)),
            ),
            business_unit(
                "findings",
                c.RecordFindings,
                "Record strengths, areas for development and the actions agreed",
                on(lambda s, command, p, t: held.decide_findings(s, command, p)),
            ),
            business_unit(
                "agree-actions",
                c.AgreeActions,
                "Record further actions agreed at the event",
                on(lambda s, command, p, t: held.decide_agree_actions(s, command, p)),
            ),
            business_unit(
                "draft-report",
                c.DraftReport,
                "Record the event's report as drafted",
                on(lambda s, command, p, t: held.decide_draft(s, command, p)),
            ),
            business_unit(
                "agree-report",
                c.AgreeReport,
                "A partner agrees the report for distribution",
                on(lambda s, command, p, t: held.decide_agree_report(s, command, p)),
                people=PARTNER,
            ),
            business_unit(
                "record-outcome",
                c.RecordOutcome,
                "Record the outcome of a call-in or pop-up case discussion",
                on(lambda s, command, p, t: held.decide_outcome(s, command, p)),
            ),
            business_unit("conclude", c.ConcludeAssuranceEvent, "Conclude an assurance event (recorded after the fact)", self.conclude),
            business_unit(
                "select-case",
                c.SelectCase,
                "Select a pseudonymous case for a line of sight event",
                on(lambda s, command, p, t: line_of_sight.decide_select_case(s, command, p)),
            ),
            business_unit(
                "record-case-audit",
                c.RecordCaseAudit,
                "Record a single-agency audit of a selected case",
                on(lambda s, command, p, t: line_of_sight.decide_case_audit(s, command, p)),
            ),
            business_unit(
                "meet-practitioners",
                c.RecordPractitionersMet,
                "Record that the panel met a case's practitioners",
                on(lambda s, command, p, t: line_of_sight.decide_practitioners_met(s, command, p)),
            ),
            business_unit(
                "record-desktop-review",
                c.RecordDesktopReview,
                "Record the young inspectors' desktop review",
                on(lambda s, command, p, t: young_inspectors.decide_desktop_review(s, command, t)),
            ),
            business_unit(
                "record-inspection-surveys",
                c.RecordInspectionSurveys,
                "Record the staff and service user surveys returned",
                on(lambda s, command, p, t: young_inspectors.decide_surveys(s, command)),
            ),
            business_unit(
                "issue-newsletter",
                c.IssueNewsletter,
                "Record the learning hub's newsletter as issued",
                on(lambda s, command, p, t: learning_hub.decide_newsletter(s, command, p, t)),
            ),
            business_unit(
                "record-forum",
                c.RecordLearningForum,
                "Record a learning hub forum and its attendance",
                on(lambda s, command, p, t: learning_hub.decide_forum(s, command, p, t)),
            ),
            business_unit(
                "record-views",
                c.RecordChildrenAndFamiliesViews,
                "Record children's and families' views gathered",
                on(lambda s, command, p, t: learning_hub.decide_views(s, command, p, t)),
            ),
            business_unit(
                "send-survey",
                c.SendPractitionerSurvey,
                "Record the practitioner survey as sent",
                on(lambda s, command, p, t: learning_hub.decide_survey_sent(s, command, p, t)),
            ),
            business_unit(
                "record-survey-responses",
                c.RecordSurveyResponses,
                "Record the practitioner survey's responses",
                on(lambda s, command, p, t: learning_hub.decide_survey_responses(s, command, p)),
            ),
            business_unit(
                "record-evaluation",
                c.RecordForumEvaluation,
                "Record the forums' evaluation figures",
                on(lambda s, command, p, t: learning_hub.decide_evaluation(s, command, p)),
            ),
            business_unit(
                "present-strategic-feedback",
                c.PresentStrategicFeedback,
                "Record feedback presented to the strategic group",
                on(lambda s, command, p, t: learning_hub.decide_strategic_feedback(s, command, p, t)),
            ),
            business_unit(
                "feed-back-to-practitioners",
                c.FeedBackToPractitioners,
                "Record the strategic group's feedback to practitioners",
                on(lambda s, command, p, t: learning_hub.decide_feed_back(s, command, p, t)),
            ),
            business_unit(
                "agree-terms",
                c.AgreeTermsOfReference,
                "Record a peer review's agreed terms of reference",
                on(lambda s, command, p, t: peer_review.decide_terms(s, command, p)),
            ),
            business_unit(
                "plan-activity",
                c.PlanActivity,
                "Plan an occurrence of an activity (its due day; owner and group from the profile)",
                on(lambda s, command, p, t: activities.decide_plan(s, command, p)),
            ),
            business_unit(
                "hold-activity",
                c.HoldActivity,
                "Record that a planned activity took place",
                on(lambda s, command, p, t: activities.decide_hold(s, command, t)),
            ),
            business_unit(
                "slip-activity",
                c.SlipActivity,
                "Record that a planned activity slipped to a later day, and why",
                on(lambda s, command, p, t: activities.decide_slip(s, command)),
            ),
            business_unit(
                "miss-activity",
                c.MissActivity,
                "Record that a planned activity was missed, and why",
                on(lambda s, command, p, t: activities.decide_miss(s, command)),
            ),
            business_unit(
                "receive-activity-output",
                c.ReceiveActivityOutput,
                "Record an activity's output received (a report, figures, a document)",
                on(lambda s, command, p, t: activities.decide_output(s, command, t)),
            ),
            business_unit(
                "present-activity",
                c.PresentActivity,
                "Record an activity presented to its group (key messages, assurance, actions)",
                on(activities.decide_present),
            ),
            business_unit(
                "disseminate-activity",
                c.DisseminateActivity,
                "Record the learning of an activity or concluded assurance event disseminated (how, to whom, reach, feedback)",
                on(activities.decide_disseminate),
            ),
            agency(
                "answer-inspection-offer",
                c.AnswerInspectionOffer,
                "agency_id",
                "An agency takes up or declines a young inspectors visit",
                on(lambda s, command, p, t: young_inspectors.decide_answer_offer(s, command)),
            ),
        )
