"""The reviews service's command handlers, its deadline rules, and the table that names them.

Over 300 lines because the service has 24 commands over five aggregates; each handler
is one call of the shared runner, and the table names them all in one place."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID, uuid5

from services.reviews.domain import (
    actions,
    audits,
    impact,
    incidents,
    practice_reviews,
    rapid_reviews,
)
from services.reviews.domain.aggregates import (
    ACTION,
    AUDIT,
    IMPACT,
    INCIDENT,
    REVIEW,
    of_stream,
)
from services.reviews.domain.commands import (
    ChangeRapidReviewDueDate,
    ChangeReviewDueDate,
    CommissionReview,
    CompleteAction,
    ConcludeAuditRound,
    DecideRapidReview,
    GradeAuditCase,
    MarkActionOverdue,
    OpenAuditRound,
    ProvideAgencyInformation,
    PublishReview,
    RaiseAction,
    RecordImpact,
    RecordIncidentNotification,
    RecordNationalPanelResponse,
    RecordReviewStage,
    RecordSeriousIncident,
    RejectActionEvidence,
    RequestAgencyInformation,
    SignOffAction,
    SignOffRapidReviewDecision,
    SignOffReview,
    UpdateActionProgress,
)
from services.reviews.domain.timers import Start
from shared.calendar import WorkingDayCalendar
from shared.catalogue.events import ActionAgreed
from shared.clock import Clock
from shared.deadlines import Deadline, Settled
from shared.envelope import Envelope, Metadata
from shared.eventstore import EventStore
from shared.messaging.commands import CommandTable, agency, business_unit, table
from shared.partnerships import Partnerships
from shared.refusals import build
from shared.roles import Role
from shared.runner import Runner

# The independent scrutineer may sign or comment from the front door (the event records who).
SCRUTINEER = ((Role.SCRUTINEER, None),)

SERVICE = "reviews"


def deadlines_for(envelope: Envelope) -> Sequence[Deadline | Settled]:
    """Which deadlines an event sets or settles (read by the deadline watcher)."""
    found = of_stream(envelope.stream_id)
    if found is None:
        return []
    aggregate, _ = found
    return [
        Deadline(envelope.stream_id, t.kind, t.at, envelope.partnership_id) if isinstance(t, Start) else Settled(envelope.stream_id, t.kind)
        for t in aggregate.timers(envelope.event)
    ]


@dataclass
class ReviewsHandlers:
    store: EventStore
    partnerships: Partnerships
    clock: Clock
    calendar: WorkingDayCalendar = field(default_factory=WorkingDayCalendar)

    @property
    def runner(self) -> Runner:
        return Runner(self.store, self.clock)

    # -- actions ------------------------------------------------------------------------

    async def raise_action(self, c: RaiseAction, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self.runner.run(ACTION, c.action_id, m, c.request_id, lambda s, today: actions.decide_raise(s, c, profile, today))

    async def update_action(self, c: UpdateActionProgress, m: Metadata) -> list[Envelope]:
        return await self.runner.run(ACTION, c.action_id, m, c.request_id, lambda s, today: actions.decide_progress(s, c))

    async def complete_action(self, c: CompleteAction, m: Metadata) -> list[Envelope]:
        return await self.runner.run(ACTION, c.action_id, m, c.request_id, lambda s, today: actions.decide_complete(s, c, today))

    async def sign_off_action(self, c: SignOffAction, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self.runner.run(ACTION, c.action_id, m, c.request_id, lambda s, today: actions.decide_sign_off(s, c, profile, today))

    async def reject_action_evidence(self, c: RejectActionEvidence, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self.runner.run(ACTION, c.action_id, m, c.request_id, lambda s, today: actions.decide_reject(s, c, profile, today))

    async def mark_overdue(self, command: MarkActionOverdue, metadata: Metadata, request_id: UUID | None = None) -> list[Envelope]:
        # The deadline, not the moment the watcher noticed it, is when this happened:
        # that is what makes a replay raise the same event on the same date.
        stream = actions.stream_id(metadata.partnership_id, command.action_id)
        return await self.runner.run(
            ACTION, command.action_id, metadata,
            request_id or Deadline(stream, actions.OVERDUE, command.deadline, metadata.partnership_id).key,
            lambda state, today: actions.decide_overdue(state, command), occurred_at=command.deadline,
        )

    async def on_action_agreed(self, envelope: Envelope) -> list[Envelope]:
        """An action agreed at an assurance event goes on the action plan (once, however often it is delivered)."""
        agreed = envelope.event
        assert isinstance(agreed, ActionAgreed)
        command = build(RaiseAction, {
            "request_id": uuid5(envelope.event_id, "raise-action"),
            "action_id": agreed.action_id,
            "title": agreed.title,
            "owner_agency_id": agreed.owner_agency_id,
            "due_on": agreed.due_on,
            "source_type": "assurance-event",
            "source_id": agreed.assurance_event_id,
            "raised_by": envelope.actor,
        })
        metadata = Metadata(
            partnership_id=envelope.partnership_id,
            actor=envelope.actor,
            correlation_id=envelope.correlation_id,
            causation_id=envelope.event_id,
            trace_context=envelope.trace_context,
        )
        return await self.raise_action(command, metadata)

    # -- serious incidents and rapid reviews ----------------------------------------------

    async def record_serious_incident(self, c: RecordSeriousIncident, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self.runner.run(
            INCIDENT, c.incident_id, m, c.request_id, lambda s, today: incidents.decide_record(s, c, profile, self.calendar, today)
        )

    async def record_notification(self, c: RecordIncidentNotification, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self.runner.run(
            INCIDENT, c.incident_id, m, c.request_id, lambda s, today: incidents.decide_notification(s, c, profile, self.calendar, today)
        )

    async def change_rapid_review_due_date(self, c: ChangeRapidReviewDueDate, m: Metadata) -> list[Envelope]:
        return await self.runner.run(
            INCIDENT, c.incident_id, m, c.request_id, lambda s, today: rapid_reviews.decide_change_due_date(s, c, today)
        )

    async def request_information(self, c: RequestAgencyInformation, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self.runner.run(
            INCIDENT, c.incident_id, m, c.request_id,
            lambda s, today: rapid_reviews.decide_request_information(s, c, profile, self.calendar, today),
        )

    async def provide_information(self, c: ProvideAgencyInformation, m: Metadata) -> list[Envelope]:
        return await self.runner.run(
            INCIDENT, c.incident_id, m, c.request_id, lambda s, today: rapid_reviews.decide_provide_information(s, c, today)
        )

    async def decide_rapid_review(self, c: DecideRapidReview, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self.runner.run(
            INCIDENT, c.incident_id, m, c.request_id, lambda s, today: rapid_reviews.decide_decision(s, c, profile, today)
        )

    async def sign_off_rapid_review_decision(self, c: SignOffRapidReviewDecision, m: Metadata) -> list[Envelope]:
        return await self.runner.run(INCIDENT, c.incident_id, m, c.request_id, lambda s, today: rapid_reviews.decide_sign_off(s, c, today))

    async def record_national_panel_response(self, c: RecordNationalPanelResponse, m: Metadata) -> list[Envelope]:
        return await self.runner.run(
            INCIDENT, c.incident_id, m, c.request_id, lambda s, today: rapid_reviews.decide_panel_response(s, c, today)
        )

    # -- practice, learning and thematic reviews --------------------------------------------

    async def commission_review(self, c: CommissionReview, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        incident = await self.runner.state(INCIDENT, m.partnership_id, c.incident_id) if c.incident_id else None
        return await self.runner.run(
            REVIEW, c.review_id, m, c.request_id,
            lambda s, today: practice_reviews.decide_commission(s, c, incident, profile, today),  # type: ignore[arg-type]
        )

    async def record_review_stage(self, c: RecordReviewStage, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self.runner.run(
            REVIEW, c.review_id, m, c.request_id, lambda s, today: practice_reviews.decide_stage(s, c, profile, today)
        )

    async def change_review_due_date(self, c: ChangeReviewDueDate, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self.runner.run(
            REVIEW, c.review_id, m, c.request_id, lambda s, today: practice_reviews.decide_change_due_date(s, c, profile, today)
        )

    async def sign_off_review(self, c: SignOffReview, m: Metadata) -> list[Envelope]:
        return await self.runner.run(REVIEW, c.review_id, m, c.request_id, lambda s, today: practice_reviews.decide_sign_off(s, c, today))

    async def publish_review(self, c: PublishReview, m: Metadata) -> list[Envelope]:
        return await self.runner.run(REVIEW, c.review_id, m, c.request_id, lambda s, today: practice_reviews.decide_publish(s, c, today))

    # -- multi-agency case file audits ----------------------------------------------------

    async def open_audit_round(self, c: OpenAuditRound, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self.runner.run(AUDIT, c.audit_id, m, c.request_id, lambda s, today: audits.decide_open(s, c, profile, today))

    async def grade_audit_case(self, c: GradeAuditCase, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self.runner.run(AUDIT, c.audit_id, m, c.request_id, lambda s, today: audits.decide_grade(s, c, profile))

    async def conclude_audit_round(self, c: ConcludeAuditRound, m: Metadata) -> list[Envelope]:
        return await self.runner.run(AUDIT, c.audit_id, m, c.request_id, lambda s, today: audits.decide_conclude(s, c, today))

    # -- impact log -----------------------------------------------------------------------

    async def record_impact(self, c: RecordImpact, m: Metadata) -> list[Envelope]:
        linked = {"action_ids": ACTION, "review_ids": REVIEW, "incident_ids": INCIDENT, "audit_ids": AUDIT}
        exists = {
            link: {key: await self.runner.state(aggregate, m.partnership_id, key) is not None for key in getattr(c, link)}
            for link, aggregate in linked.items()
        }
        return await self.runner.run(IMPACT, c.impact_id, m, c.request_id, lambda s, today: impact.decide_record(s, c, exists, today))

    # -- time -------------------------------------------------------------------------------

    async def on_deadline(self, deadline: Deadline) -> Sequence[Envelope]:
        found = of_stream(deadline.stream_id)
        if found is None:
            return []
        aggregate, key = found
        if aggregate is ACTION and deadline.kind == actions.OVERDUE:
            overdue = MarkActionOverdue(action_id=key, deadline=deadline.due_at)
            return await self.mark_overdue(overdue, deadline.metadata, deadline.key)
        return await self.runner.raise_due(aggregate, key, deadline, lambda state: aggregate.on_timer(state, deadline.kind, key))

    def commands(self) -> CommandTable:
        """Every command this service accepts: who sends it, on which subject, and who handles it.

        An agency updates, completes, answers or grades only as itself (the pinned field),
        and the domain then checks the action or request is its own; the business unit
        records every step, for an agency too."""
        return table(
            SERVICE,
            agency(
                "update-action", UpdateActionProgress, "owner_agency_id", "An agency reports progress on its own action", self.update_action
            ),
            agency(
                "complete-action",
                CompleteAction,
                "owner_agency_id",
                "An agency completes its own action, with evidence",
                self.complete_action,
            ),
            agency(
                "provide-information",
                ProvideAgencyInformation,
                "agency_id",
                "An agency answers a rapid review's information request",
                self.provide_information,
            ),
            agency(
                "grade-audit-case", GradeAuditCase, "agency_id", "An agency grades a sampled case in an audit round", self.grade_audit_case
            ),
            business_unit("raise-action", RaiseAction, "Raise an action", self.raise_action),
            business_unit("update-action", UpdateActionProgress, "Record progress on an action for its owner", self.update_action),
            business_unit(
                "complete-action", CompleteAction, "Record an action completed, with evidence, for its owner", self.complete_action
            ),
            business_unit(
                "sign-off-action", SignOffAction, "The safeguarding partners sign off a completed action at the Board", self.sign_off_action
            ),
            business_unit(
                "reject-action-evidence",
                RejectActionEvidence,
                "The partners reject an action's evidence and reopen it",
                self.reject_action_evidence,
            ),
            business_unit(
                "record-serious-incident",
                RecordSeriousIncident,
                "Record a serious incident the local authority became aware of",
                self.record_serious_incident,
            ),
            business_unit(
                "record-notification",
                RecordIncidentNotification,
                "Record the national panel, Ofsted or Secretary of State told",
                self.record_notification,
            ),
            business_unit(
                "change-rapid-review-due-date",
                ChangeRapidReviewDueDate,
                "Extend or override a rapid review's due date, with a reason",
                self.change_rapid_review_due_date,
            ),
            business_unit(
                "request-information",
                RequestAgencyInformation,
                "Request information from an agency for a rapid review",
                self.request_information,
            ),
            business_unit(
                "decide-rapid-review", DecideRapidReview, "Record the rapid review's decision and rationale", self.decide_rapid_review
            ),
            business_unit(
                "sign-off-rapid-review-decision",
                SignOffRapidReviewDecision,
                "The independent scrutineer signs off the decision",
                self.sign_off_rapid_review_decision,
                people=SCRUTINEER,
            ),
            business_unit(
                "record-national-panel-response",
                RecordNationalPanelResponse,
                "Record the National Panel's response to the rapid review's decision",
                self.record_national_panel_response,
            ),
            business_unit(
                "commission-review", CommissionReview, "Commission a CSPR, learning review or thematic review", self.commission_review
            ),
            business_unit("record-review-stage", RecordReviewStage, "Record a review stage completed", self.record_review_stage),
            business_unit(
                "change-review-due-date",
                ChangeReviewDueDate,
                "Extend or override a review's due date, with a reason",
                self.change_review_due_date,
            ),
            business_unit("sign-off-review", SignOffReview, "Sign off a review's final report", self.sign_off_review, people=SCRUTINEER),
            business_unit("publish-review", PublishReview, "Record a review published", self.publish_review),
            business_unit("open-audit-round", OpenAuditRound, "Open a multi-agency case file audit round", self.open_audit_round),
            business_unit("grade-audit-case", GradeAuditCase, "Record an agency's grading of a sampled case", self.grade_audit_case),
            business_unit("conclude-audit-round", ConcludeAuditRound, "Conclude an audit round", self.conclude_audit_round),
            business_unit("record-impact", RecordImpact, "Record a difference made, linked to what made it", self.record_impact),
        )
