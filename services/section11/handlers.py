"""The Section 11 service's command handlers, its deadline rules, and the table that names them."""

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Protocol
from uuid import UUID, uuid5

from services.section11.domain import cycles, prompts, returns, submissions
from services.section11.domain.commands import (
    AmendReturn,
    AnswerPrompt,
    CarryForwardReturn,
    CloseAuditCycle,
    MarkSubmissionOverdue,
    ModerateScore,
    OpenAuditCycle,
    RecordPractitionerSurvey,
    SaveDraft,
    SendSubmissionReminder,
    SubmitReturn,
)
from services.section11.domain.cycles import CYCLE
from services.section11.domain.returns import RETURN
from shared import london
from shared.aggregate import of_stream
from shared.catalogue import DomainEvent
from shared.catalogue.events import AssuranceEventConcluded
from shared.catalogue.section11 import AuditCycleOpened, SubmissionReceived
from shared.clock import Clock
from shared.deadlines import Deadline, Settled
from shared.decisions import done_before
from shared.envelope import Envelope, Metadata
from shared.eventstore import EventStore
from shared.messaging.commands import CommandTable, agency, business_unit, table
from shared.partnerships import Partnerships
from shared.runner import Runner

SERVICE = "section11"


class ReturnCommand(Protocol):
    """A command on one agency's return in one cycle."""

    request_id: UUID
    agency_id: str
    cycle_id: str


def deadlines_for(envelope: Envelope) -> Sequence[Deadline | Settled]:
    """Which deadlines an event sets or settles (read by the deadline watcher)."""
    p = envelope.partnership_id
    match envelope.event:
        case AuditCycleOpened() as opened:
            out: list[Deadline | Settled] = []
            for agency in opened.agency_ids:
                stream = returns.stream_id(p, agency, opened.cycle_id)
                out += [
                    Deadline(stream, cycles.reminder_kind(days), cycles.reminder_at(opened.due_on, days), p)
                    for days in opened.reminder_days_before
                ]
                out.append(Deadline(stream, cycles.OVERDUE, cycles.overdue_from(opened.due_on), p))
            return out
        case SubmissionReceived():
            return [Settled(envelope.stream_id, cycles.OVERDUE)]
    return []


@dataclass
class Section11Handlers:
    store: EventStore
    partnerships: Partnerships
    clock: Clock

    @property
    def runner(self) -> Runner:
        return Runner(self.store, self.clock)

    async def _cycle(self, partnership_id: str, cycle_id: str) -> cycles.Cycle:
        return await self.runner.state(CYCLE, partnership_id, cycle_id) or CYCLE.initial

    async def _return(self, partnership_id: str, agency_id: str, cycle_id: str) -> returns.Return:
        return await self.runner.state(RETURN, partnership_id, returns.key(agency_id, cycle_id)) or RETURN.initial

    async def _cycle_and_return(self, partnership_id: str, agency_id: str, cycle_id: str) -> tuple[cycles.Cycle, list[Envelope]]:
        """The cycle, and the return's history read in the same round (the store coalesces
        reads issued together into one query)."""
        cycle_history, history = await asyncio.gather(
            self.runner.read(CYCLE, partnership_id, cycle_id), self.runner.read(RETURN, partnership_id, returns.key(agency_id, cycle_id))
        )
        return CYCLE.fold(e.event for e in cycle_history), history

    async def _on_return(
        self, metadata: Metadata, command: ReturnCommand, decide: Callable[[returns.Return], Sequence[DomainEvent]],
        history: list[Envelope] | None = None,
    ) -> list[Envelope]:
        return await self.runner.run(
            RETURN, returns.key(command.agency_id, command.cycle_id), metadata, command.request_id,
            lambda state, today: decide(state), history=history,
        )

    # -- the business unit ----------------------------------------------------

    async def open_cycle(self, command: OpenAuditCycle, metadata: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(metadata.partnership_id)
        return await self.runner.run(
            CYCLE, command.cycle_id, metadata, command.request_id, lambda state, today: cycles.decide_open(state, command, profile)
        )

    async def close_cycle(self, command: CloseAuditCycle, metadata: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(metadata.partnership_id)
        cycle = await self._cycle(metadata.partnership_id, command.cycle_id)
        # Peer challenge is decided from every return at the moment of closing.
        all_returns = {a: await self._return(metadata.partnership_id, a, command.cycle_id) for a in cycle.agency_ids}
        submitted = {a: r for a, r in all_returns.items() if r.submitted}
        return await self.runner.run(
            CYCLE, command.cycle_id, metadata, command.request_id,
            lambda state, today: cycles.decide_close(state, command, profile, submitted),
        )

    async def moderate(self, command: ModerateScore, metadata: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(metadata.partnership_id)
        return await self._on_return(metadata, command, lambda state: submissions.decide_moderation(state, command, profile))

    async def record_survey(self, command: RecordPractitionerSurvey, metadata: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(metadata.partnership_id)
        cycle, history = await self._cycle_and_return(metadata.partnership_id, command.agency_id, command.cycle_id)
        return await self._on_return(
            metadata, command, lambda state: submissions.decide_survey(state, cycle, command, profile), history
        )

    # -- findings of assurance events, put to the agency in its next return ------

    async def on_assurance_event_concluded(self, envelope: Envelope) -> list[Envelope]:
        """The event's areas for development about its agency become prompts in that agency's
        next return (once, however often the event is delivered: the request id is the event's)."""
        concluded = envelope.event
        assert isinstance(concluded, AssuranceEventConcluded)
        if concluded.agency_id is None or not concluded.areas_for_development:
            return []
        profile = self.partnerships.profile(envelope.partnership_id)
        metadata = Metadata(partnership_id=envelope.partnership_id, actor=envelope.actor, correlation_id=envelope.correlation_id,
                            causation_id=envelope.event_id, trace_context=envelope.trace_context)
        return await self.runner.run(
            prompts.PROMPTS, concluded.agency_id, metadata, uuid5(envelope.event_id, "section11-prompts"),
            lambda state, today: prompts.decide_from_findings(state, concluded, profile),
        )

    async def answer_prompt(self, command: AnswerPrompt, metadata: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(metadata.partnership_id)
        cycle = await self._cycle(metadata.partnership_id, command.cycle_id)
        return await self.runner.run(
            prompts.PROMPTS, command.agency_id, metadata, command.request_id,
            lambda state, today: prompts.decide_answer(state, command, cycle, profile),
        )

    # -- agencies -------------------------------------------------------------

    async def save_draft(self, command: SaveDraft, metadata: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(metadata.partnership_id)
        cycle = await self._cycle(metadata.partnership_id, command.cycle_id)
        return await self._on_return(metadata, command, lambda state: submissions.decide_draft(state, cycle, command, profile))

    async def carry_forward(self, command: CarryForwardReturn, metadata: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(metadata.partnership_id)
        cycle = await self._cycle(metadata.partnership_id, command.cycle_id)
        previous = await self._return(metadata.partnership_id, command.agency_id, command.from_cycle_id)
        return await self._on_return(
            metadata, command, lambda state: submissions.decide_carry_forward(state, cycle, previous, command, profile)
        )

    async def _target(
        self, partnership: str, cycle_id: str, command: SubmitReturn, metadata: Metadata, *, alone: bool
    ) -> tuple[submissions.Target, list[Envelope], UUID]:
        """One partnership a return goes to, read (cycle and return in one round), with the
        request id it is recorded under there. `alone`: the only one, decided as it is
        recorded, so its state is not folded ahead."""
        primary = partnership == metadata.partnership_id
        request_id = command.request_id if primary else uuid5(command.request_id, partnership)
        if partnership not in self.partnerships:
            return submissions.Target(partnership, cycle_id, None, CYCLE.initial, RETURN.initial, False), [], request_id
        cycle, history = await self._cycle_and_return(partnership, command.agency_id, cycle_id)
        if alone:
            return (
                submissions.Target(partnership, cycle_id, self.partnerships[partnership], cycle, RETURN.initial, False),
                history,
                request_id,
            )
        done = bool(done_before(history, request_id, metadata.model_copy(update={"partnership_id": partnership})))
        state = RETURN.fold(e.event for e in history)
        return submissions.Target(partnership, cycle_id, self.partnerships[partnership], cycle, state, done), history, request_id

    async def submit(self, command: SubmitReturn, metadata: Metadata) -> list[Envelope]:
        """One return, many partnerships: every target is checked before any is
        recorded, then each partnership gets its own SubmissionReceived."""
        wanted = [(metadata.partnership_id, command.cycle_id), *((t.partnership_id, t.cycle_id) for t in command.also_submit_to)]
        alone = len(wanted) == 1
        read = [await self._target(*wanted[0], command, metadata, alone=True)] if alone else await asyncio.gather(
            *(self._target(p, c, command, metadata, alone=False) for p, c in wanted)
        )
        today, submission_id = london.today(self.clock), str(command.request_id)
        targets = [target for target, _, _ in read]
        submissions.check_every_target(command, targets, submission_id=submission_id, today=today)
        recorded: list[Envelope] = []
        for target, history, request_id in read:
            others = [t.partnership_id for t in targets if t is not target]

            def decide(
                state: returns.Return, today: date, target: submissions.Target = target, others: list[str] = others
            ) -> list[DomainEvent]:
                return submissions.decide_submit(
                    state, target.cycle, command, target.profile,  # type: ignore[arg-type]  # checked above
                    cycle_id=target.cycle_id, submission_id=submission_id, today=today, also_submitted_to=others,
                )

            on_behalf = metadata.model_copy(update={"partnership_id": target.partnership_id})
            recorded += await self.runner.run(
                RETURN, returns.key(command.agency_id, target.cycle_id), on_behalf, request_id, decide, history=history
            )
        return recorded

    async def amend(self, command: AmendReturn, metadata: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(metadata.partnership_id)
        cycle = await self._cycle(metadata.partnership_id, command.cycle_id)
        return await self._on_return(metadata, command, lambda state: submissions.decide_amend(state, cycle, command, profile))

    # -- the deadline watcher -------------------------------------------------

    async def on_deadline(self, deadline: Deadline) -> Sequence[Envelope]:
        found = of_stream(deadline.stream_id, {RETURN.prefix: RETURN})
        if found is None:
            return []
        _, partnership, key = found
        agency, cycle_id = key.split(":", 1)
        cycle = await self._cycle(partnership, cycle_id)
        decide: Callable[[returns.Return], Sequence[DomainEvent]]
        if deadline.kind == cycles.OVERDUE:
            overdue = MarkSubmissionOverdue(agency_id=agency, cycle_id=cycle_id, deadline=deadline.due_at)
            decide = partial(submissions.decide_overdue, cycle=cycle, command=overdue)
        elif deadline.kind.startswith("submission-reminder-"):
            days = int(deadline.kind.rsplit("-", 1)[1])
            reminder = SendSubmissionReminder(agency_id=agency, cycle_id=cycle_id, days_before=days, deadline=deadline.due_at)
            decide = partial(submissions.decide_reminder, cycle=cycle, command=reminder)
        else:
            return []
        return await self.runner.raise_due(RETURN, key, deadline, decide)

    def commands(self) -> CommandTable:
        """Every command this service accepts: who sends it, on which subject, and who handles it."""
        return table(
            SERVICE,
            agency("save-draft", SaveDraft, "agency_id", "Save a draft of the return (never reported to the partnership)", self.save_draft),
            agency(
                "carry-forward",
                CarryForwardReturn,
                "agency_id",
                "Start this cycle's draft from an earlier cycle's submitted answers",
                self.carry_forward,
            ),
            agency(
                "submit",
                SubmitReturn,
                "agency_id",
                "Submit the return, to this partnership and any others named",
                self.submit,
                partnerships=lambda command: [
                    (target.partnership_id, f"also_submit_to[{index}].partnership_id")
                    for index, target in enumerate(command.also_submit_to)
                ],
            ),
            agency("amend", AmendReturn, "agency_id", "Amend a submitted return, with a reason", self.amend),
            agency(
                "answer-prompt",
                AnswerPrompt,
                "agency_id",
                "Answer a prompt in the return: an assurance event's finding about the agency",
                self.answer_prompt,
            ),
            business_unit("open-cycle", OpenAuditCycle, "Open a Section 11 cycle for the profile's agencies", self.open_cycle),
            business_unit(
                "close-cycle", CloseAuditCycle, "Close a cycle (and schedule peer challenge where the profile runs it)", self.close_cycle
            ),
            business_unit("moderate", ModerateScore, "Record a scrutiny panel's moderated score of a domain", self.moderate),
            business_unit(
                "record-survey", RecordPractitionerSurvey, "Record a practitioner survey result for an agency", self.record_survey
            ),
        )
