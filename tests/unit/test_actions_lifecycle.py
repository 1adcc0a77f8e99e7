"""An action's whole life over the in-memory store: raised, reminded, updated (appended, never
overwritten), overdue, completed with evidence, rejected and reopened, completed, signed off;
only its owner may update it; malformed commands are refused naming the field."""

from __future__ import annotations

import json
from datetime import date
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.reviews.domain.commands import (
    CompleteAction,
    MarkActionOverdue,
    RaiseAction,
    RejectActionEvidence,
    SignOffAction,
    UpdateActionProgress,
)
from shared.catalogue.reviews import ActionCompleted, ActionRaised, ActionReopened
from shared.messaging.commands import Sender
from shared.refusals import Refusal, parse_message
from tests.unit.test_reviews_support import Harness, london, types, utc, variant

OWNER = "humberside-police"
RAISE = {
    "action_id": "act-1", "title": "Refresh the escalation policy", "owner_agency_id": OWNER, "due_on": "2026-11-30",
    "source_type": "review", "source_id": "cspr-1", "raised_by": "Business unit (invented)",
}
PARTNERS = ["north-lincolnshire-council", "north-lincolnshire-ccg", "humberside-police"]
EVIDENCE = [{"description": "Revised policy approved by the force", "link": "https://example.org/policy-v2"}]


async def test_the_whole_life_of_an_action() -> None:
    h = Harness(utc(2026, 11, 2))
    [raised] = await h.send(RaiseAction, **RAISE)
    assert isinstance(raised.event, ActionRaised) and raised.event.remind_on == date(2026, 11, 16)

    [reminded] = await h.at(utc(2026, 11, 16, 8))
    assert reminded.event_type == "ActionReminderSent" and reminded.occurred_at == london(2026, 11, 16)
    first = await h.send(
        UpdateActionProgress,
        actor=f"agency:{OWNER}",
        action_id="act-1",
        owner_agency_id=OWNER,
        progress="Draft policy written",
        percent_complete=40,
        updated_by="Safeguarding lead",
    )
    second = await h.send(
        UpdateActionProgress,
        actor=f"agency:{OWNER}",
        action_id="act-1",
        owner_agency_id=OWNER,
        progress="Consulting partners",
        updated_by="Safeguarding lead",
    )
    assert [e.event.update_number for e in first + second] == [1, 2]  # type: ignore[attr-defined]

    [overdue] = await h.at(utc(2026, 12, 2))
    assert overdue.event_type == "ActionOverdue" and overdue.occurred_at == london(2026, 12, 1)
    with pytest.raises(Refusal) as refused:
        await h.send(CompleteAction, action_id="act-1", owner_agency_id=OWNER, completed_on="2026-12-02", evidence=[], completed_by="lead")
    assert (refused.value.code, refused.value.field) == ("invalid_field", "evidence")
    [completed] = await h.send(
        CompleteAction, action_id="act-1", owner_agency_id=OWNER, completed_on="2026-12-02", evidence=EVIDENCE, completed_by="lead"
    )
    assert isinstance(completed.event, ActionCompleted) and completed.event.on_time is False
    with pytest.raises(Refusal) as refused:
        await h.send(UpdateActionProgress, action_id="act-1", owner_agency_id=OWNER, progress="more", updated_by="lead")
    assert refused.value.code == "awaiting_sign_off"

    h.clock.set(utc(2026, 12, 10))
    rejected, reopened = await h.send(
        RejectActionEvidence,
        action_id="act-1",
        meeting_on="2026-12-10",
        reason="The policy is not yet in use: show an audit of its use",
        due_on="2027-02-26",
    )
    assert rejected.event_type == "ActionEvidenceRejected" and rejected.event.group_id == "childrens-mars-board"  # type: ignore[attr-defined]
    assert isinstance(reopened.event, ActionReopened) and reopened.event.remind_on == date(2027, 2, 12)
    assert await h.pending() == {"action-overdue": london(2027, 2, 27), "action-reminder": london(2027, 2, 12)}

    await h.send(UpdateActionProgress, action_id="act-1", owner_agency_id=OWNER, progress="Dip sample of 20 referrals", updated_by="lead")
    h.clock.set(utc(2027, 2, 1))
    await h.send(
        CompleteAction,
        action_id="act-1",
        owner_agency_id=OWNER,
        completed_on="2027-02-01",
        evidence=EVIDENCE + [{"description": "Dip sample: 19 of 20 followed the policy"}],
        completed_by="lead",
    )
    assert await h.pending() == {}
    with pytest.raises(Refusal) as refused:
        await h.send(SignOffAction, action_id="act-1", meeting_on="2027-02-01", partners=PARTNERS[:2])
    assert (refused.value.code, refused.value.field) == ("partners_missing", "partners")
    [signed] = await h.send(SignOffAction, action_id="act-1", meeting_on="2027-02-01", partners=PARTNERS)
    assert signed.event_type == "ActionSignedOff"
    assert await h.at(utc(2027, 6, 1)) == []

    history = types(await h.store.read_stream(raised.stream_id))
    assert history == [
        "ActionRaised", "ActionReminderSent", "ActionProgressUpdated", "ActionProgressUpdated", "ActionOverdue",
        "ActionCompleted", "ActionEvidenceRejected", "ActionReopened", "ActionProgressUpdated", "ActionCompleted", "ActionSignedOff",
    ]


async def test_an_agency_updates_only_its_own_action() -> None:
    h = Harness(utc(2026, 11, 2))
    await h.send(RaiseAction, **RAISE)
    with pytest.raises(Refusal) as refused:
        await h.send(UpdateActionProgress, action_id="act-1", owner_agency_id="nlc-housing", progress="not mine", updated_by="x")
    assert (refused.value.code, refused.value.field) == ("not_owner", "owner_agency_id")
    with pytest.raises(Refusal) as refused:
        await h.send(UpdateActionProgress, action_id="act-404", owner_agency_id=OWNER, progress="?", updated_by="x")
    assert (refused.value.code, refused.value.field) == ("unknown_action", "action_id")


async def test_an_action_raised_inside_the_reminder_lead_gets_no_reminder() -> None:
    h = Harness(utc(2026, 11, 2))
    [raised] = await h.send(RaiseAction, **(RAISE | {"due_on": "2026-11-10"}))
    assert raised.event.remind_on is None  # type: ignore[attr-defined]
    assert await h.pending() == {"action-overdue": london(2026, 11, 11)}


async def test_no_reminder_where_the_profile_sets_no_lead_time() -> None:
    h = Harness(utc(2026, 11, 2), variant(actions={"reminder_days_before": 0}))
    [raised] = await h.send(RaiseAction, **RAISE)
    assert raised.event.remind_on is None  # type: ignore[attr-defined]


async def test_rejection_needs_a_reason_and_a_due_date_still_to_come() -> None:
    h = Harness(utc(2026, 11, 2))
    await h.send(RaiseAction, **(RAISE | {"due_on": "2026-11-20"}))
    with pytest.raises(Refusal) as refused:
        await h.send(RejectActionEvidence, action_id="act-1", meeting_on="2026-11-02", reason="x")
    assert refused.value.code == "not_completed"
    await h.send(
        CompleteAction, action_id="act-1", owner_agency_id=OWNER, completed_on="2026-11-02", evidence=EVIDENCE, completed_by="lead"
    )
    with pytest.raises(Refusal) as refused:
        await h.send(RejectActionEvidence, action_id="act-1", meeting_on="2026-11-02", reason=" ")
    assert refused.value.field == "reason"
    h.clock.set(utc(2026, 11, 25))
    with pytest.raises(Refusal) as refused:
        await h.send(RejectActionEvidence, action_id="act-1", meeting_on="2026-11-25", reason="Not enough")
    assert (refused.value.code, refused.value.field) == ("due_date_passed", "due_on")
    with pytest.raises(Refusal) as refused:
        await h.send(SignOffAction, action_id="act-1", meeting_on="2026-11-25", partners=[*PARTNERS[:2], "the-mayor"])
    assert (refused.value.code, refused.value.field) == ("not_a_partner", "partners[2]")


async def test_every_command_but_the_watchers_own_has_a_subject() -> None:
    h = Harness(utc(2026, 11, 2))
    table = h.handlers.commands()
    assert MarkActionOverdue not in table.handlers()  # raised by the watcher alone, on no subject
    row = table.row(Sender.AGENCY, "update-action")
    assert (row.command, row.pinned) == (UpdateActionProgress, "owner_agency_id")


# Any JSON object with a field set to a wrong kind of value is refused with that field named.
VALID_UPDATE = {
    "request_id": str(uuid4()),
    "action_id": "act-1",
    "owner_agency_id": OWNER,
    "progress": "ok",
    "percent_complete": 10,
    "updated_by": "lead",
}
BAD_VALUES = st.one_of(
    st.none(),
    st.integers(min_value=101),
    st.floats(allow_nan=True),
    st.lists(st.integers(), max_size=2),
    st.text(alphabet="ABC !?", min_size=0, max_size=5),
)


@settings(max_examples=150, deadline=None)
@given(field=st.sampled_from(sorted(VALID_UPDATE)), value=BAD_VALUES)
def test_malformed_progress_updates_name_the_field(field: str, value: object) -> None:
    body = VALID_UPDATE | {field: value}
    try:
        parse_message(UpdateActionProgress, json.dumps(body).encode())
    except Refusal as refusal:
        assert refusal.code == "invalid_field"
        assert refusal.field is not None and refusal.field.split(".")[0].split("[")[0] == field
    else:  # only values that are valid for the field get through
        assert field in {"progress", "updated_by", "percent_complete"} or value is None


@settings(max_examples=100, deadline=None)
@given(extra=st.text(alphabet="abcdefgh_", min_size=1, max_size=12).filter(lambda k: k not in VALID_UPDATE))
def test_unknown_fields_are_refused_by_name(extra: str) -> None:
    with pytest.raises(Refusal) as refused:
        parse_message(UpdateActionProgress, json.dumps(VALID_UPDATE | {extra: 1}).encode())
    assert refused.value.field == extra
