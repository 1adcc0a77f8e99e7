"""The Section 11 service's command handlers, its deadline rules, and the table that names them."""

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from uuid import NAMESPACE_URL, UUID, uuid5

from services.section11.domain import cycles, returns, submissions
from services.section11.domain.commands import (
    AmendReturn,
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
from shared import london
from shared.catalogue import DomainEvent
from shared.catalogue.section11 import AuditCycleOpened, SubmissionReceived
from shared.clock import Clock
from shared.deadlines import WATCHER, Deadline, Settled
from shared.decisions import already_done, decide_and_append, fold, request_key
from shared.envelope import Envelope, Metadata
from shared.eventstore import EventStore
from shared.messaging.commands import CommandTable, agency, business_unit, table
from shared.partnerships import Partnerships
from shared.refusals import Refusal

SERVICE = "section11"


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


class _Read:
    """The store, with one stream's history already read: `decide_and_append`'s first
    read of that stream gets it, any later read (a retry after a conflict) reads again."""

    def __init__(self, store: EventStore, stream_id: str, history: list[Envelope]) -> None:
        self._store, self._stream_id, self._history = store, stream_id, history

    async def read_stream(self, stream_id: str) -> list[Envelope]:
        if stream_id == self._stream_id and self._history is not None:
            history, self._history = self._history, None
            return history
        return await self._store.read_stream(stream_id)

    async def append(self, stream_id: str, expected_version: int, envelopes: Sequence[Envelope]) -> list[Envelope]:
        return await self._store.append(stream_id, expected_version, envelopes)


@dataclass
class Section11Handlers:
    store: EventStore
    partnerships: Partnerships
    clock: Clock

    async def _cycle(self, partnership_id: str, cycle_id: str) -> cycles.Cycle:
        history = await self.store.read_stream(cycles.stream_id(partnership_id, cycle_id))
        return fold(cycles.Cycle(), cycles.evolve, (e.event for e in history))

    async def _cycle_and_return(self, partnership_id: str, agency_id: str, cycle_id: str) -> tuple[cycles.Cycle, _Read]:
        """The cycle, and the store with the return's history read in the same round
        (the store coalesces reads issued together into one query)."""
        stream_id = returns.stream_id(partnership_id, agency_id, cycle_id)
        cycle_history, history = await asyncio.gather(
            self.store.read_stream(cycles.stream_id(partnership_id, cycle_id)), self.store.read_stream(stream_id)
        )
        return fold(cycles.Cycle(), cycles.evolve, (e.event for e in cycle_history)), _Read(self.store, stream_id, history)

    async def _return(self, partnership_id: str, agency_id: str, cycle_id: str) -> returns.Return:
        history = await self.store.read_stream(returns.stream_id(partnership_id, agency_id, cycle_id))
        return fold(returns.Return(), returns.evolve, (e.event for e in history))

    async def _on_return(
        self,
        metadata: Metadata,
        agency_id: str,
        cycle_id: str,
        decide: Callable[[returns.Return], Sequence[DomainEvent]],
        request_id: UUID,
        occurred_at: datetime | None = None,
        store: EventStore | _Read | None = None,
    ) -> list[Envelope]:
        return await decide_and_append(
            store or self.store,  # type: ignore[arg-type]
            returns.stream_id(metadata.partnership_id, agency_id, cycle_id),
            initial=returns.Return(),
            evolve=returns.evolve,
            decide=decide,
            metadata=metadata,
            occurred_at=occurred_at or self.clock.now(),
            request_id=request_id,
        )

    # -- the business unit ----------------------------------------------------

    async def open_cycle(self, command: OpenAuditCycle, metadata: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(metadata.partnership_id)
        return await decide_and_append(
            self.store,
            cycles.stream_id(metadata.partnership_id, command.cycle_id),
            initial=cycles.Cycle(),
            evolve=cycles.evolve,
            decide=lambda state: cycles.decide_open(state, command, profile),
            metadata=metadata,
            occurred_at=self.clock.now(),
            request_id=command.request_id,
        )

    async def close_cycle(self, command: CloseAuditCycle, metadata: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(metadata.partnership_id)
        cycle = await self._cycle(metadata.partnership_id, command.cycle_id)
        # Peer challenge is decided from every return at the moment of closing.
        all_returns = {a: await self._return(metadata.partnership_id, a, command.cycle_id) for a in cycle.agency_ids}
        submitted = {a: r for a, r in all_returns.items() if r.submitted}
        return await decide_and_append(
            self.store,
            cycles.stream_id(metadata.partnership_id, command.cycle_id),
            initial=cycles.Cycle(),
            evolve=cycles.evolve,
            decide=lambda state: cycles.decide_close(state, command, profile, submitted),
            metadata=metadata,
            occurred_at=self.clock.now(),
            request_id=command.request_id,
        )

    async def moderate(self, command: ModerateScore, metadata: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(metadata.partnership_id)
        return await self._on_return(
            metadata, command.agency_id, command.cycle_id,
            lambda state: submissions.decide_moderation(state, command, profile), command.request_id,
        )

    async def record_survey(self, command: RecordPractitionerSurvey, metadata: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(metadata.partnership_id)
        cycle, store = await self._cycle_and_return(metadata.partnership_id, command.agency_id, command.cycle_id)
        return await self._on_return(
            metadata, command.agency_id, command.cycle_id,
            lambda state: submissions.decide_survey(state, cycle, command, profile), command.request_id, store=store,
        )

    # -- agencies -------------------------------------------------------------

    async def save_draft(self, command: SaveDraft, metadata: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(metadata.partnership_id)
        cycle = await self._cycle(metadata.partnership_id, command.cycle_id)
        return await self._on_return(
            metadata, command.agency_id, command.cycle_id,
            lambda state: submissions.decide_draft(state, cycle, command, profile), command.request_id,
        )

    async def carry_forward(self, command: CarryForwardReturn, metadata: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(metadata.partnership_id)
        cycle = await self._cycle(metadata.partnership_id, command.cycle_id)
        previous = await self._return(metadata.partnership_id, command.agency_id, command.from_cycle_id)
        return await self._on_return(
            metadata, command.agency_id, command.cycle_id,
            lambda state: submissions.decide_carry_forward(state, cycle, previous, command, profile),
            command.request_id,
        )

    async def submit(self, command: SubmitReturn, metadata: Metadata) -> list[Envelope]:
        """One return, many partnerships: every target is checked before any is
        recorded, then each partnership gets its own SubmissionReceived."""
        targets = [(metadata.partnership_id, command.cycle_id)] + [
            (t.partnership_id, t.cycle_id) for t in command.also_submit_to
        ]
        today = london.today(self.clock)
        decisions = []
        read: _Read | None = None
        for index, (partnership, cycle_id) in enumerate(targets):
            where = "" if index == 0 else f"also_submit_to[{index - 1}]."
            if partnership not in self.partnerships:
                raise Refusal("unknown_partnership", f"{partnership!r} is not a partnership on this platform", f"{where}partnership_id")
            if any(p == partnership for p, _ in targets[:index]):
                # Checked here: found while recording, the first partnership would already hold the return.
                raise Refusal("duplicate_partnership", f"the return already goes to {partnership!r}", f"{where}partnership_id")
            profile = self.partnerships.profile(partnership)
            if len(targets) == 1:
                cycle, read = await self._cycle_and_return(partnership, command.agency_id, cycle_id)
            else:
                cycle = await self._cycle(partnership, cycle_id)
            others = [p for p, _ in targets if p != partnership]

            def decide(state: returns.Return, profile=profile, cycle=cycle, cycle_id=cycle_id, others=others) -> list[DomainEvent]:
                return submissions.decide_submit(
                    state, cycle, command, profile,
                    cycle_id=cycle_id, submission_id=str(command.request_id), today=today, also_submitted_to=others,
                )

            request_id = command.request_id if index == 0 else uuid5(command.request_id, partnership)
            if len(targets) == 1:  # nothing to check ahead: decide_and_append decides and refuses
                decisions.append((partnership, cycle_id, decide, request_id))
                break
            history = await self.store.read_stream(returns.stream_id(partnership, command.agency_id, cycle_id))
            if not already_done(history, request_key(request_id, metadata.model_copy(update={"partnership_id": partnership}))):
                try:
                    decide(fold(returns.Return(), returns.evolve, (e.event for e in history)))
                except Refusal as refusal:
                    if index == 0:
                        raise
                    field = refusal.field if refusal.field and refusal.field.startswith("answers") else f"{where}{refusal.field or 'partnership_id'}"
                    raise Refusal(refusal.code, f"for partnership {partnership!r}: {refusal.message}", field) from None
            decisions.append((partnership, cycle_id, decide, request_id))
        recorded: list[Envelope] = []
        for partnership, cycle_id, decide, request_id in decisions:
            on_behalf = metadata.model_copy(update={"partnership_id": partnership})
            recorded += await self._on_return(on_behalf, command.agency_id, cycle_id, decide, request_id, store=read)
        return recorded

    async def amend(self, command: AmendReturn, metadata: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(metadata.partnership_id)
        cycle = await self._cycle(metadata.partnership_id, command.cycle_id)
        return await self._on_return(
            metadata, command.agency_id, command.cycle_id,
            lambda state: submissions.decide_amend(state, cycle, command, profile), command.request_id,
        )

    # -- the deadline watcher -------------------------------------------------

    async def on_deadline(self, deadline: Deadline) -> Sequence[Envelope]:
        _, partnership, agency, cycle_id = deadline.stream_id.split(":")
        metadata = Metadata(
            partnership_id=partnership, actor=WATCHER, correlation_id=uuid5(NAMESPACE_URL, deadline.stream_id)
        )
        cycle = await self._cycle(partnership, cycle_id)
        # The deadline, not the moment the watcher noticed it, is when this happened:
        # that is what makes a replay raise the same event on the same date.
        request_id = deadline.key
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
        return await self._on_return(metadata, agency, cycle_id, decide, request_id, occurred_at=deadline.due_at)

    def commands(self) -> CommandTable:
        """Every command this service accepts: who sends it, on which subject, and who handles it."""
        return table(
            SERVICE,
            agency("save-draft", SaveDraft, "agency_id", "Save a draft of the return (never reported to the partnership)", self.save_draft),
            agency("carry-forward", CarryForwardReturn, "agency_id", "Start this cycle's draft from an earlier cycle's submitted answers", self.carry_forward),
            agency(
                "submit", SubmitReturn, "agency_id", "Submit the return, to this partnership and any others named", self.submit,
                partnerships=lambda command: [
                    (target.partnership_id, f"also_submit_to[{index}].partnership_id")
                    for index, target in enumerate(command.also_submit_to)
                ],
            ),
            agency("amend", AmendReturn, "agency_id", "Amend a submitted return, with a reason", self.amend),
            business_unit("open-cycle", OpenAuditCycle, "Open a Section 11 cycle for the profile's agencies", self.open_cycle),
            business_unit("close-cycle", CloseAuditCycle, "Close a cycle (and schedule peer challenge where the profile runs it)", self.close_cycle),
            business_unit("moderate", ModerateScore, "Record a scrutiny panel's moderated score of a domain", self.moderate),
            business_unit("record-survey", RecordPractitionerSurvey, "Record a practitioner survey result for an agency", self.record_survey),
        )
