"""Section 11 command handlers over the in-memory store and a manual clock:
streams, idempotence, several partnerships, and the deadline watcher's rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.section11.domain import cycles, returns
from services.section11.domain.commands import (
    AmendReturn,
    AnswerPrompt,
    CarryForwardReturn,
    CloseAuditCycle,
    Command,
    ModerateScore,
    OpenAuditCycle,
    RecordPractitionerSurvey,
    SaveDraft,
    SubmitReturn,
)
from services.section11.handlers import Section11Handlers, deadlines_for
from shared.catalogue.section11 import (
    AuditCycleClosed,
    AuditCycleOpened,
    CallInProposed,
    DraftSaved,
    PeerChallengeWorkshopScheduled,
    RiskCleared,
    RiskFlagged,
    SubmissionAmended,
    SubmissionOverdue,
    SubmissionReceived,
    SubmissionReminderSent,
)
from shared.clock import ManualClock
from shared.deadlines import WATCHER, Deadline, Settled
from shared.decisions import event_ids_for, request_key
from shared.envelope import Envelope, Metadata
from shared.eventstore.memory import InMemoryEventStore
from shared.london import LONDON
from shared.messaging.commands import Sender
from shared.partnerships import Partnerships
from shared.profiles import load_builtin
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal
from tests.support.returns import answers

NL = "north-lincolnshire"
OTHER = "test-shire"
PROFILE = load_builtin(NL)
AGENCY = "nlc-housing"
CYCLE = "2026-27"
T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
DUE = date(2026, 9, 22)
CULTURE = "culture-and-challenge"
RETURN = returns.stream_id(NL, AGENCY, CYCLE)


def other_profile() -> FrameworkProfile:
    document = PROFILE.model_dump() | {"id": OTHER, "name": "Test-shire Safeguarding Children Partnership (invented)"}
    document["section11"]["peer_challenge"] = {"within_months": 12}
    return FrameworkProfile.model_validate(document)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def store(clock: ManualClock) -> InMemoryEventStore:
    return InMemoryEventStore("section11", clock=clock)


@pytest.fixture
def handlers(store: InMemoryEventStore, clock: ManualClock) -> Section11Handlers:
    return Section11Handlers(store, Partnerships({NL: PROFILE, OTHER: other_profile()}), clock)


def meta(actor: str = f"agency:{AGENCY}", partnership: str = NL) -> Metadata:
    return Metadata(partnership_id=partnership, actor=actor, correlation_id=uuid4())


def operator(partnership: str = NL) -> Metadata:
    return meta("business-unit", partnership)


def open_command(**overrides: Any) -> OpenAuditCycle:
    return OpenAuditCycle.model_validate(
        {"request_id": uuid4(), "cycle_id": CYCLE, "opened_on": T0.date(), "due_on": DUE} | overrides
    )


def submit_command(by_domain: dict[str, int] | None = None, default: int = 3, **overrides: Any) -> SubmitReturn:
    return SubmitReturn.model_validate(
        {
            "request_id": uuid4(),
            "agency_id": AGENCY,
            "cycle_id": CYCLE,
            "answers": answers(PROFILE, by_domain, default),
            "submitted_by": "Safeguarding lead (invented)",
        }
        | overrides
    )


def amend_command(by_domain: dict[str, int], default: int = 3) -> AmendReturn:
    return AmendReturn(
        request_id=uuid4(), agency_id=AGENCY, cycle_id=CYCLE, answers=answers(PROFILE, by_domain, default),  # type: ignore[arg-type]
        reason="Escalation policy re-issued and audited", amended_by="Safeguarding lead (invented)",
    )


def kinds(envelopes: list[Envelope]) -> list[type]:
    return [type(e.event) for e in envelopes]


@pytest.fixture
async def cycle(handlers: Section11Handlers) -> list[Envelope]:
    return await handlers.open_cycle(open_command(), operator())


# -- opening, submitting, idempotence -----------------------------------------------------------


async def test_opening_a_cycle_appends_to_the_cycle_stream(
    handlers: Section11Handlers, store: InMemoryEventStore
) -> None:
    command = open_command(due_on=None)
    [opened] = await handlers.open_cycle(command, operator())
    assert opened.stream_id == cycles.stream_id(NL, CYCLE) == f"s11-cycle:{NL}:{CYCLE}"
    assert isinstance(opened.event, AuditCycleOpened)
    assert opened.event.due_on == T0.date() + timedelta(days=PROFILE.section11.submission_window_days)
    assert len(opened.event.agency_ids) == len(PROFILE.agencies)
    key = request_key(command.request_id, operator())  # the request as the business unit's
    assert (opened.occurred_at, opened.actor, opened.event_id) == (T0, "business-unit", event_ids_for(key, 1)[0])
    assert await store.read_stream(opened.stream_id) == [opened]
    with pytest.raises(Refusal) as raised:
        await handlers.open_cycle(open_command(), operator())
    assert (raised.value.code, raised.value.field) == ("cycle_exists", "cycle_id")


async def test_a_submission_appends_to_the_return_stream(
    handlers: Section11Handlers, store: InMemoryEventStore, cycle: list[Envelope]
) -> None:
    command = submit_command({CULTURE: 2})
    metadata = meta()
    done = await handlers.submit(command, metadata)
    assert RETURN == f"s11-return:{NL}:{AGENCY}:{CYCLE}"
    assert await store.read_stream(RETURN) == done
    assert kinds(done) == [SubmissionReceived, RiskFlagged]
    assert [e.stream_version for e in done] == [1, 2]
    assert [e.position for e in done] == [2, 3]
    assert [e.event_id for e in done] == event_ids_for(request_key(command.request_id, metadata), 2)
    received = done[0].event
    assert isinstance(received, SubmissionReceived)
    assert (received.submission_id, received.due_on, received.late, received.also_submitted_to) == (
        str(command.request_id), DUE, False, [],
    )
    for envelope in done:
        assert envelope.occurred_at == T0
        assert envelope.metadata == metadata


async def test_the_same_request_twice_returns_the_first_answer_and_appends_nothing(
    handlers: Section11Handlers, store: InMemoryEventStore, clock: ManualClock, cycle: list[Envelope]
) -> None:
    command = submit_command({CULTURE: 1})
    first = await handlers.submit(command, meta())
    assert kinds(first) == [SubmissionReceived, RiskFlagged, CallInProposed]
    clock.advance(timedelta(minutes=1))
    again = await handlers.submit(command, meta())
    assert again == first  # not "already submitted", and not a fresh decision against today's state
    assert await store.head() == 4


async def test_a_resend_after_a_later_change_still_returns_the_first_answer(
    handlers: Section11Handlers, store: InMemoryEventStore, cycle: list[Envelope]
) -> None:
    request = submit_command({CULTURE: 2})
    first = await handlers.submit(request, meta())
    amended = await handlers.amend(amend_command({}), meta())
    assert kinds(amended) == [SubmissionAmended, RiskCleared]
    head = await store.head()
    assert await handlers.submit(request, meta()) == first
    assert await store.head() == head


async def test_every_command_is_idempotent_by_its_request_id(
    handlers: Section11Handlers, store: InMemoryEventStore, cycle: list[Envelope]
) -> None:
    sent: list[tuple[Any, Any, Metadata, list[Envelope]]] = []

    async def send(handler: Any, command: Any, metadata: Metadata) -> None:
        answer = await handler(command, metadata)
        assert answer
        sent.append((handler, command, metadata, answer))

    part = dict(list(answers(PROFILE).items())[:3])
    await send(handlers.save_draft, SaveDraft(request_id=uuid4(), agency_id=AGENCY, cycle_id=CYCLE, answers=part, saved_by="Lead"), meta())  # type: ignore[arg-type]
    await send(handlers.submit, submit_command(), meta())
    await send(handlers.amend, amend_command({CULTURE: 2}), meta())
    await send(handlers.moderate, ModerateScore(
        request_id=uuid4(), agency_id=AGENCY, cycle_id=CYCLE, domain_id=CULTURE, moderated_rating=3,
        rationale="Audit evidence is strong", moderated_by="Scrutiny panel",
    ), operator())
    await send(handlers.record_survey, RecordPractitionerSurvey(
        request_id=uuid4(), agency_id=AGENCY, cycle_id=CYCLE, survey_id="s-1", statement="I can escalate a concern",
        agree_percent=40, respondents=12,
    ), operator())
    await send(handlers.close_cycle, CloseAuditCycle(request_id=uuid4(), cycle_id=CYCLE, closed_on=DUE), operator())
    head = await store.head()
    for handler, command, metadata, first in sent:
        assert await handler(command, metadata) == first, type(command).__name__
    assert await store.head() == head


# -- risk flags ---------------------------------------------------------------------------------


async def test_a_risk_flag_is_raised_then_cleared(handlers: Section11Handlers, cycle: list[Envelope]) -> None:
    raised = await handlers.submit(submit_command({CULTURE: 2}), meta())
    assert kinds(raised) == [SubmissionReceived, RiskFlagged]
    cleared = await handlers.amend(amend_command({CULTURE: 4}), meta())
    assert kinds(cleared) == [SubmissionAmended, RiskCleared]
    assert [e.stream_version for e in cleared] == [3, 4]
    assert isinstance(cleared[1].event, RiskCleared) and cleared[1].event.rating == 4


async def test_a_refused_submission_appends_nothing(
    handlers: Section11Handlers, store: InMemoryEventStore, cycle: list[Envelope]
) -> None:
    with pytest.raises(Refusal) as raised:
        await handlers.submit(submit_command(answers={"astrology": {"rating": 3}}), meta())
    assert (raised.value.code, raised.value.field) == ("unknown_standard", "answers.astrology")
    assert await store.head() == 1


# -- one return, several partnerships --------------------------------------------------------------


async def test_a_return_sent_to_two_partnerships_lands_in_each(
    handlers: Section11Handlers, store: InMemoryEventStore, cycle: list[Envelope]
) -> None:
    await handlers.open_cycle(open_command(cycle_id="ts-2026"), operator(OTHER))
    command = submit_command({CULTURE: 2}, also_submit_to=[{"partnership_id": OTHER, "cycle_id": "ts-2026"}])
    done = await handlers.submit(command, meta())
    assert [(e.stream_id, e.event_type) for e in done] == [
        (RETURN, "SubmissionReceived"), (RETURN, "RiskFlagged"),
        (returns.stream_id(OTHER, AGENCY, "ts-2026"), "SubmissionReceived"),
        (returns.stream_id(OTHER, AGENCY, "ts-2026"), "RiskFlagged"),
    ]
    assert [e.partnership_id for e in done] == [NL, NL, OTHER, OTHER]
    ours, theirs = done[0].event, done[2].event
    assert isinstance(ours, SubmissionReceived) and isinstance(theirs, SubmissionReceived)
    assert (ours.cycle_id, ours.also_submitted_to) == (CYCLE, [OTHER])
    assert (theirs.cycle_id, theirs.also_submitted_to) == ("ts-2026", [NL])
    assert len({e.event_id for e in done}) == 4
    assert await handlers.submit(command, meta()) == done
    assert await store.head() == 6


@pytest.mark.parametrize(
    ("target", "code", "field"),
    [
        ({"partnership_id": "atlantis", "cycle_id": CYCLE}, "unknown_partnership", "also_submit_to[0].partnership_id"),
        ({"partnership_id": OTHER, "cycle_id": "2030-31"}, "unknown_cycle", "also_submit_to[0].cycle_id"),
        ({"partnership_id": NL, "cycle_id": CYCLE}, "duplicate_partnership", "also_submit_to[0].partnership_id"),
        ({"partnership_id": NL, "cycle_id": "2025-26"}, "duplicate_partnership", "also_submit_to[0].partnership_id"),
    ],
)
async def test_a_bad_second_partnership_refuses_the_whole_return(
    handlers: Section11Handlers, store: InMemoryEventStore, cycle: list[Envelope],
    target: dict[str, str], code: str, field: str,
) -> None:
    await handlers.open_cycle(open_command(), operator(OTHER))
    head = await store.head()
    with pytest.raises(Refusal) as raised:
        await handlers.submit(submit_command(also_submit_to=[target]), meta())
    assert (raised.value.code, raised.value.field) == (code, field)
    assert await store.head() == head  # checked everywhere before recorded anywhere
    assert kinds(await handlers.submit(submit_command(), meta())) == [SubmissionReceived]


async def test_an_unknown_partnership_is_refused(handlers: Section11Handlers, store: InMemoryEventStore) -> None:
    with pytest.raises(Refusal) as raised:
        await handlers.submit(submit_command(), meta(partnership="nowhere"))
    assert (raised.value.code, raised.value.field) == ("unknown_partnership", "partnership_id")
    assert await store.head() == 0


def one_of_each() -> list[Command]:
    part = {"lg-senior-lead": {"rating": 3}}
    ids = {"request_id": uuid4(), "agency_id": AGENCY, "cycle_id": CYCLE}
    return [
        open_command(),
        CloseAuditCycle(request_id=uuid4(), cycle_id=CYCLE, closed_on=DUE),
        SaveDraft.model_validate(ids | {"answers": part, "saved_by": "Lead"}),
        CarryForwardReturn.model_validate(ids | {"from_cycle_id": "2025-26", "saved_by": "Lead"}),
        submit_command(),
        amend_command({CULTURE: 2}),
        AnswerPrompt.model_validate(ids | {"prompt_id": "ase-1-1", "answer": "Done", "answered_by": "Lead"}),
        ModerateScore.model_validate(
            ids | {"domain_id": CULTURE, "moderated_rating": 2, "rationale": "No evidence", "moderated_by": "Panel"}
        ),
        RecordPractitionerSurvey.model_validate(
            ids | {"survey_id": "s-1", "statement": "I escalate", "agree_percent": 50, "respondents": 3}
        ),
    ]


@pytest.mark.parametrize("command", one_of_each(), ids=lambda c: type(c).__name__)
async def test_every_command_for_an_unknown_partnership_is_refused(
    handlers: Section11Handlers, store: InMemoryEventStore, command: Command
) -> None:
    handler: Any = handlers.commands().handlers()[type(command)]
    with pytest.raises(Refusal) as raised:
        await handler(command, meta(partnership="nowhere"))
    assert raised.value.code == "unknown_partnership"
    assert await store.head() == 0


def test_the_table_lists_every_command_and_every_subject(handlers: Section11Handlers) -> None:
    table = handlers.commands().handlers()
    assert set(table) == set(Command.__subclasses__())
    assert {(row.sender.value, row.token) for row in handlers.commands()} == {
        ("agency", "save-draft"), ("agency", "carry-forward"), ("agency", "submit"), ("agency", "amend"),
        ("agency", "answer-prompt"),
        ("business-unit", "open-cycle"), ("business-unit", "close-cycle"), ("business-unit", "moderate"),
        ("business-unit", "record-survey"),
    }
    assert all(row.pinned == "agency_id" for row in handlers.commands().by_sender(Sender.AGENCY))
    assert table == {
        OpenAuditCycle: handlers.open_cycle,
        CloseAuditCycle: handlers.close_cycle,
        SaveDraft: handlers.save_draft,
        CarryForwardReturn: handlers.carry_forward,
        SubmitReturn: handlers.submit,
        AmendReturn: handlers.amend,
        AnswerPrompt: handlers.answer_prompt,
        ModerateScore: handlers.moderate,
        RecordPractitionerSurvey: handlers.record_survey,
    }
    assert {type(c) for c in one_of_each()} == set(table)


# -- drafts, carry forward, closing ------------------------------------------------------------------


async def test_a_carried_forward_draft_is_submitted_in_the_new_cycle(
    handlers: Section11Handlers, store: InMemoryEventStore
) -> None:
    await handlers.open_cycle(open_command(cycle_id="2025-26"), operator())
    await handlers.submit(submit_command({CULTURE: 2}, cycle_id="2025-26"), meta())
    await handlers.open_cycle(open_command(), operator())
    carry = CarryForwardReturn(request_id=uuid4(), agency_id=AGENCY, cycle_id=CYCLE, from_cycle_id="2025-26", saved_by="Lead")
    [draft] = await handlers.carry_forward(carry, meta())
    assert draft.stream_id == RETURN
    assert isinstance(draft.event, DraftSaved) and draft.event.carried_forward_from == "2025-26"
    done = await handlers.submit(submit_command(answers=None), meta())
    assert kinds(done) == [SubmissionReceived, RiskFlagged]


async def test_closing_schedules_peer_challenge_from_submitted_returns_only(
    handlers: Section11Handlers, clock: ManualClock
) -> None:
    await handlers.open_cycle(open_command(agency_ids=[AGENCY, "humberside-police", "nlc-licensing"]), operator(OTHER))
    await handlers.submit(submit_command({CULTURE: 2}), meta(partnership=OTHER))
    await handlers.submit(submit_command(default=4, agency_id="humberside-police"), meta("agency:humberside-police", OTHER))
    draft = SaveDraft.model_validate(
        {"request_id": uuid4(), "agency_id": "nlc-licensing", "cycle_id": CYCLE, "answers": answers(PROFILE, default=1), "saved_by": "Lead"}
    )
    await handlers.save_draft(draft, meta("agency:nlc-licensing", OTHER))  # a draft is never a finding
    closed, *workshops = await handlers.close_cycle(
        CloseAuditCycle(request_id=uuid4(), cycle_id=CYCLE, closed_on=date(2026, 10, 10)), operator(OTHER)
    )
    assert isinstance(closed.event, AuditCycleClosed)
    assert all(isinstance(w.event, PeerChallengeWorkshopScheduled) for w in workshops)
    development = [w.event for w in workshops if w.event.purpose == "development"]  # type: ignore[attr-defined]
    assert [(w.domain_id, w.agency_ids, w.hold_by) for w in development] == [  # type: ignore[attr-defined]
        (CULTURE, [AGENCY], date(2027, 10, 10))
    ]
    assert {tuple(w.event.agency_ids) for w in workshops if w.event.purpose == "good_practice"} == {  # type: ignore[attr-defined]
        ("humberside-police",)
    }
    with pytest.raises(Refusal) as raised:
        await handlers.submit(submit_command(agency_id="nlc-licensing", answers=None), meta("agency:nlc-licensing", OTHER))
    assert (raised.value.code, raised.value.field) == ("cycle_closed", "cycle_id")


@pytest.mark.parametrize(
    ("now", "late"),
    [
        (datetime(2026, 9, 22, 22, 59, tzinfo=UTC), False),  # 23:59 on the due date in London (BST)
        (datetime(2026, 9, 22, 23, 0, tzinfo=UTC), True),  # already the next day in London
    ],
)
async def test_lateness_is_judged_by_the_date_in_london(
    handlers: Section11Handlers, clock: ManualClock, cycle: list[Envelope], now: datetime, late: bool
) -> None:
    clock.set(now)
    [received] = await handlers.submit(submit_command(), meta())
    assert isinstance(received.event, SubmissionReceived) and received.event.late is late


# -- deadlines --------------------------------------------------------------------------------------------


async def test_opening_a_cycle_sets_reminders_and_an_overdue_deadline_per_agency(handlers: Section11Handlers) -> None:
    agencies = [AGENCY, "humberside-police"]
    [opened] = await handlers.open_cycle(open_command(agency_ids=agencies), operator())
    london = LONDON
    assert deadlines_for(opened) == [
        deadline
        for agency in agencies
        for deadline in (
            Deadline(returns.stream_id(NL, agency, CYCLE), "submission-reminder-7", datetime(2026, 9, 15, 9, 0, tzinfo=london), NL),
            Deadline(returns.stream_id(NL, agency, CYCLE), "submission-reminder-2", datetime(2026, 9, 20, 9, 0, tzinfo=london), NL),
            Deadline(returns.stream_id(NL, agency, CYCLE), cycles.OVERDUE, datetime(2026, 9, 23, 0, 0, tzinfo=london), NL),
        )
    ]
    for deadline in deadlines_for(opened):
        assert isinstance(deadline, Deadline) and deadline.due_at.tzinfo is not None


async def test_a_submission_settles_the_overdue_deadline_and_nothing_else_schedules(
    handlers: Section11Handlers, cycle: list[Envelope]
) -> None:
    done = await handlers.submit(submit_command({CULTURE: 1}), meta())
    assert deadlines_for(done[0]) == [Settled(RETURN, cycles.OVERDUE)]
    assert all(deadlines_for(e) == [] for e in done[1:])
    assert kinds(done[1:]) == [RiskFlagged, CallInProposed]


def overdue_deadline(agency: str = AGENCY, partnership: str = NL) -> Deadline:
    return Deadline(returns.stream_id(partnership, agency, CYCLE), cycles.OVERDUE, cycles.overdue_from(DUE), partnership)


def reminder_deadline(days: int) -> Deadline:
    return Deadline(RETURN, cycles.reminder_kind(days), cycles.reminder_at(DUE, days), NL)


async def test_on_deadline_marks_a_return_overdue_once_at_the_deadline(
    handlers: Section11Handlers, store: InMemoryEventStore, clock: ManualClock, cycle: list[Envelope]
) -> None:
    deadline = overdue_deadline()
    clock.set(datetime(2026, 9, 25, 14, 27, tzinfo=UTC))  # the watcher noticed days late
    [overdue] = await handlers.on_deadline(deadline)
    assert overdue.event == SubmissionOverdue(agency_id=AGENCY, cycle_id=CYCLE, due_on=DUE)
    assert overdue.occurred_at == deadline.due_at != clock.now()
    assert overdue.recorded_at == clock.now()
    assert (overdue.actor, overdue.partnership_id, overdue.stream_id) == (WATCHER, NL, RETURN)
    clock.advance(timedelta(hours=1))
    assert await handlers.on_deadline(deadline) == [overdue]  # the same answer, nothing appended
    assert kinds(await store.read_stream(RETURN)) == [SubmissionOverdue]
    # Submitted late: received, marked late.
    [received] = await handlers.submit(submit_command(), meta())
    assert isinstance(received.event, SubmissionReceived) and received.event.late


async def test_on_deadline_sends_each_reminder_once_at_its_moment(
    handlers: Section11Handlers, store: InMemoryEventStore, clock: ManualClock, cycle: list[Envelope]
) -> None:
    clock.set(datetime(2026, 9, 21, tzinfo=UTC))
    [week] = await handlers.on_deadline(reminder_deadline(7))
    assert week.event == SubmissionReminderSent(agency_id=AGENCY, cycle_id=CYCLE, due_on=DUE, days_before=7)
    assert week.occurred_at == datetime(2026, 9, 15, 8, 0, tzinfo=UTC)
    assert await handlers.on_deadline(reminder_deadline(7)) == [week]
    [two] = await handlers.on_deadline(reminder_deadline(2))
    assert isinstance(two.event, SubmissionReminderSent) and two.event.days_before == 2
    assert kinds(await store.read_stream(RETURN)) == [SubmissionReminderSent, SubmissionReminderSent]


async def test_on_deadline_raises_nothing_once_the_return_is_submitted(
    handlers: Section11Handlers, store: InMemoryEventStore, cycle: list[Envelope]
) -> None:
    await handlers.submit(submit_command(), meta())
    head = await store.head()
    for deadline in (reminder_deadline(7), reminder_deadline(2), overdue_deadline()):
        assert await handlers.on_deadline(deadline) == []
    assert await store.head() == head


async def test_on_deadline_after_the_cycle_closed_sends_no_reminder(
    handlers: Section11Handlers, cycle: list[Envelope]
) -> None:
    await handlers.close_cycle(CloseAuditCycle(request_id=uuid4(), cycle_id=CYCLE, closed_on=date(2026, 9, 10)), operator())
    assert await handlers.on_deadline(reminder_deadline(2)) == []
    assert kinds(list(await handlers.on_deadline(overdue_deadline()))) == [SubmissionOverdue]  # still never returned


async def test_on_deadline_of_another_kind_or_an_unopened_cycle_does_nothing(
    handlers: Section11Handlers, store: InMemoryEventStore
) -> None:
    assert await handlers.on_deadline(Deadline(RETURN, "something-else", T0, NL)) == []
    assert await handlers.on_deadline(overdue_deadline()) == []  # no cycle was opened
    assert await store.head() == 0


async def test_on_deadline_is_deterministic_across_stores(clock: ManualClock) -> None:
    """A replay (a fresh store, the same history) raises the same event ids on the same dates."""
    raised: list[list[tuple[UUID, datetime]]] = []
    for _ in range(2):
        store = InMemoryEventStore("replay", clock=clock)
        replay = Section11Handlers(store, Partnerships({NL: PROFILE}), clock)
        [opened] = await replay.open_cycle(open_command(request_id=UUID(int=42), agency_ids=[AGENCY]), operator())
        due = [d for d in deadlines_for(opened) if isinstance(d, Deadline)]
        raised.append([(e.event_id, e.occurred_at) for d in due for e in await replay.on_deadline(d)])
        clock.advance(timedelta(days=3))
    assert raised[0] == raised[1] and len(raised[0]) == 3
