"""Command handlers over the in-memory store and a manual clock: streams, idempotence, deadlines.

The Section 11 handlers are tested in test_section11_handlers.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from services.events.domain.commands import ConcludeAssuranceEvent
from services.events.domain.state import stream_id as assurance_event_stream
from services.events.handlers import EventsHandlers
from services.reviews.domain import actions
from services.reviews.domain.commands import MarkActionOverdue, RaiseAction
from services.reviews.handlers import ReviewsHandlers, deadlines_for
from services.section11.domain.commands import OpenAuditCycle, SubmitReturn
from services.section11.handlers import Section11Handlers
from shared.catalogue.events import AssuranceEventConcluded
from shared.catalogue.reviews import ActionOverdue, ActionRaised
from shared.clock import ManualClock
from shared.deadlines import WATCHER, Deadline
from shared.envelope import Metadata
from shared.eventstore.memory import InMemoryEventStore
from shared.london import LONDON
from shared.partnerships import Partnerships
from shared.profiles import load_builtin
from shared.refusals import Refusal
from tests.support.returns import answers

NL = "north-lincolnshire"
PROFILE = load_builtin(NL)
AGENCY = "nlc-housing"
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def store(clock: ManualClock) -> InMemoryEventStore:
    return InMemoryEventStore("test", clock=clock)


@pytest.fixture
def partnerships() -> Partnerships:
    return Partnerships({NL: PROFILE})


def meta(actor: str = f"agency:{AGENCY}", partnership: str = NL) -> Metadata:
    return Metadata(partnership_id=partnership, actor=actor, correlation_id=uuid4())


@pytest.fixture
def section11(store: InMemoryEventStore, partnerships: Partnerships, clock: ManualClock) -> Section11Handlers:
    return Section11Handlers(store, partnerships, clock)


# -- Reviews: actions and their deadlines --------------------------------------------------


@pytest.fixture
def reviews(store: InMemoryEventStore, partnerships: Partnerships, clock: ManualClock) -> ReviewsHandlers:
    return ReviewsHandlers(store, partnerships, clock)


def raise_command(due_on: date, action_id: str = "act-1", request_id: UUID | None = None) -> RaiseAction:
    return RaiseAction(
        request_id=request_id or uuid4(),
        action_id=action_id,
        title="Refresh the escalation policy",
        owner_agency_id=AGENCY,
        due_on=due_on,
        source_type="risk-flag",
        source_id="rf-1",
        raised_by="business unit",
    )


async def test_raising_an_action_appends_action_raised(
    reviews: ReviewsHandlers, store: InMemoryEventStore
) -> None:
    [raised] = await reviews.raise_action(raise_command(date(2026, 6, 30)), meta("operator"))
    assert raised.stream_id == actions.stream_id(NL, "act-1") == f"action:{NL}:act-1"
    assert isinstance(raised.event, ActionRaised)
    assert raised.event.due_on == date(2026, 6, 30)
    assert raised.occurred_at == T0
    assert await store.read_stream(raised.stream_id) == [raised]


async def test_raising_an_action_twice_is_refused(reviews: ReviewsHandlers) -> None:
    await reviews.raise_action(raise_command(date(2026, 6, 30)), meta("operator"))
    with pytest.raises(Refusal) as raised:
        await reviews.raise_action(raise_command(date(2026, 7, 30)), meta("operator"))
    assert (raised.value.code, raised.value.field) == ("already_raised", "action_id")


async def test_an_action_on_an_unknown_agency_is_refused(reviews: ReviewsHandlers) -> None:
    command = raise_command(date(2026, 6, 30)).model_copy(update={"owner_agency_id": "nobody"})
    with pytest.raises(Refusal) as raised:
        await reviews.raise_action(command, meta("operator"))
    assert (raised.value.code, raised.value.field) == ("unknown_agency", "owner_agency_id")


async def test_resending_the_same_raise_action_is_safe(reviews: ReviewsHandlers) -> None:
    command = raise_command(date(2026, 6, 30))
    first = await reviews.raise_action(command, meta("operator"))
    assert await reviews.raise_action(command, meta("operator")) == first


@pytest.mark.parametrize(
    ("due_on", "deadline_utc"),
    [
        # British Summer Time: midnight in London is 23:00 UTC the day before
        (date(2026, 6, 30), datetime(2026, 6, 30, 23, 0, tzinfo=UTC)),
        # Greenwich Mean Time: midnight in London is midnight UTC
        (date(2026, 12, 18), datetime(2026, 12, 19, 0, 0, tzinfo=UTC)),
        # due the day before the clocks go forward (29 March 2026): still GMT at midnight
        (date(2026, 3, 28), datetime(2026, 3, 29, 0, 0, tzinfo=UTC)),
        # due the day before the clocks go back (25 October 2026): still BST at midnight
        (date(2026, 10, 24), datetime(2026, 10, 24, 23, 0, tzinfo=UTC)),
    ],
)
async def test_deadline_is_the_start_of_the_day_after_due_in_london(
    reviews: ReviewsHandlers, due_on: date, deadline_utc: datetime
) -> None:
    [raised] = await reviews.raise_action(raise_command(due_on), meta("operator"))
    [deadline] = [d for d in deadlines_for(raised) if d.kind == actions.OVERDUE]  # not the reminder
    assert isinstance(deadline, Deadline)
    assert deadline.stream_id == raised.stream_id
    assert deadline.kind == actions.OVERDUE
    assert deadline.partnership_id == NL
    assert deadline.due_at == deadline_utc
    assert deadline.due_at.tzinfo is not None
    local = deadline.due_at.astimezone(LONDON)
    assert (local.date(), local.hour, local.minute) == (due_on + timedelta(days=1), 0, 0)


async def test_other_events_set_no_deadlines(section11: Section11Handlers) -> None:
    opened = await section11.open_cycle(
        OpenAuditCycle(request_id=uuid4(), cycle_id="2026", opened_on=date(2026, 6, 1)), meta("business-unit")
    )
    submit = SubmitReturn.model_validate(
        {
            "request_id": uuid4(), "agency_id": AGENCY, "cycle_id": "2026",
            "answers": answers(PROFILE, {"culture-and-challenge": 1}), "submitted_by": "lead",
        }
    )
    done = await section11.submit(submit, meta())
    assert len(opened + done) == 4
    assert all(deadlines_for(e) == [] for e in opened + done)


async def test_on_deadline_appends_action_overdue_at_the_deadline_once(
    reviews: ReviewsHandlers, store: InMemoryEventStore, clock: ManualClock
) -> None:
    [raised] = await reviews.raise_action(raise_command(date(2026, 6, 30)), meta("operator"))
    [deadline] = [d for d in deadlines_for(raised) if d.kind == actions.OVERDUE]  # not the reminder
    assert isinstance(deadline, Deadline)
    clock.set(datetime(2026, 7, 3, 14, 27, tzinfo=UTC))  # the watcher noticed days late

    [overdue] = await reviews.on_deadline(deadline)
    assert isinstance(overdue.event, ActionOverdue)
    assert overdue.event == ActionOverdue(action_id="act-1", owner_agency_id=AGENCY, due_on=date(2026, 6, 30))
    assert overdue.occurred_at == deadline.due_at
    assert overdue.occurred_at != clock.now()
    assert overdue.recorded_at == clock.now()
    assert overdue.actor == WATCHER
    assert overdue.stream_id == raised.stream_id and overdue.stream_version == 2

    clock.advance(timedelta(hours=1))
    assert await reviews.on_deadline(deadline) == [overdue]  # the same answer, nothing appended
    assert [type(e.event) for e in await store.read_stream(raised.stream_id)] == [ActionRaised, ActionOverdue]


async def test_on_deadline_is_deterministic_across_stores(clock: ManualClock, partnerships: Partnerships) -> None:
    """A replay (a fresh store, the same history) raises the same overdue event id."""
    ids = []
    for _ in range(2):
        store = InMemoryEventStore("replay", clock=clock)
        handlers = ReviewsHandlers(store, partnerships, clock)
        request = UUID(int=42)
        [raised] = await handlers.raise_action(raise_command(date(2026, 6, 30), request_id=request), meta("operator"))
        [deadline] = [d for d in deadlines_for(raised) if d.kind == actions.OVERDUE]  # not the reminder
        assert isinstance(deadline, Deadline)
        [overdue] = await handlers.on_deadline(deadline)
        ids.append(overdue.event_id)
    assert ids[0] == ids[1]


async def test_on_deadline_of_another_kind_does_nothing(
    reviews: ReviewsHandlers, store: InMemoryEventStore
) -> None:
    deadline = Deadline(actions.stream_id(NL, "act-1"), "something-else", T0, NL)
    assert await reviews.on_deadline(deadline) == []
    assert await store.head() == 0


async def test_on_deadline_of_an_action_never_raised_does_nothing(
    reviews: ReviewsHandlers, store: InMemoryEventStore
) -> None:
    deadline = Deadline(actions.stream_id(NL, "ghost"), actions.OVERDUE, T0, NL)
    assert await reviews.on_deadline(deadline) == []
    assert await store.head() == 0


async def test_mark_overdue_directly_uses_the_command_deadline(reviews: ReviewsHandlers) -> None:
    await reviews.raise_action(raise_command(date(2026, 6, 30)), meta("operator"))
    moment = datetime(2026, 7, 1, 0, 0, tzinfo=LONDON)
    [overdue] = await reviews.mark_overdue(MarkActionOverdue(action_id="act-1", deadline=moment), meta(WATCHER))
    assert overdue.occurred_at == moment


def test_reviews_table_names_its_commands(reviews: ReviewsHandlers) -> None:
    assert {RaiseAction: reviews.raise_action}.items() <= reviews.commands().handlers().items()
    assert MarkActionOverdue not in reviews.commands().handlers()  # the watcher's own: on no subject


# -- Assurance events --------------------------------------------------------------------


def conclude_command(**overrides: object) -> ConcludeAssuranceEvent:
    values: dict[str, object] = {
        "request_id": uuid4(),
        "assurance_event_id": "ae-1",
        "activity_type": "agency-call-in",
        "title": "Call-in: housing",
        "held_on": date(2026, 5, 20),
        "agency_id": AGENCY,
        "strengths": ["clear escalation"],
        "recorded_by": "business unit",
    }
    return ConcludeAssuranceEvent.model_validate(values | overrides)


@pytest.fixture
def events_handlers(store: InMemoryEventStore, partnerships: Partnerships, clock: ManualClock) -> EventsHandlers:
    return EventsHandlers(store, partnerships, clock)


async def test_concluding_an_assurance_event(events_handlers: EventsHandlers) -> None:
    [done] = await events_handlers.conclude(conclude_command(), meta("operator"))
    assert done.stream_id == assurance_event_stream(NL, "ae-1")
    assert isinstance(done.event, AssuranceEventConcluded)
    assert done.event.activity_type == "agency-call-in"
    assert done.event.strengths == ["clear escalation"]


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"activity_type": "no-such-activity"}, "unknown_activity_type", "activity_type"),
        ({"agency_id": "no-such-agency"}, "unknown_agency", "agency_id"),
    ],
)
async def test_concluding_refusals(
    events_handlers: EventsHandlers, overrides: dict[str, object], code: str, field: str
) -> None:
    with pytest.raises(Refusal) as raised:
        await events_handlers.conclude(conclude_command(**overrides), meta("operator"))
    assert (raised.value.code, raised.value.field) == (code, field)


async def test_a_partnership_wide_event_needs_no_agency(events_handlers: EventsHandlers) -> None:
    [done] = await events_handlers.conclude(
        conclude_command(agency_id=None, activity_type="thematic-assurance-event"), meta("operator")
    )
    assert isinstance(done.event, AssuranceEventConcluded) and done.event.agency_id is None


async def test_concluding_twice_is_refused(events_handlers: EventsHandlers) -> None:
    await events_handlers.conclude(conclude_command(), meta("operator"))
    with pytest.raises(Refusal) as raised:
        await events_handlers.conclude(conclude_command(), meta("operator"))
    assert raised.value.code == "already_concluded"
