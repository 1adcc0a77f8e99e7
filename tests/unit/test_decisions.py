"""A resent request is answered with what it appended the first time: under today's ids
(scoped to its sender) and under the ids of the release before (data carried over), the
latter only where the events are that sender's (shared/decisions.py done_before)."""

from datetime import UTC, datetime
from uuid import uuid4, uuid5

from shared.catalogue.section11 import DraftSaved
from shared.decisions import done_before, event_ids_for, request_key
from shared.envelope import Metadata
from shared.mapper import new_envelopes

AT = datetime(2026, 11, 2, 9, tzinfo=UTC)


def _draft() -> DraftSaved:
    fields = DraftSaved.model_fields
    values = {"agency_id": "humberside-police", "cycle_id": "2026-27", "answers": {}, "saved_by": "Lead"}
    return DraftSaved(**{k: v for k, v in values.items() if k in fields})


def _metadata(actor: str, partnership: str = "north-lincolnshire") -> Metadata:
    return Metadata(partnership_id=partnership, actor=actor, correlation_id=uuid4())


def test_todays_ids_and_the_previous_releases_are_both_recognised_for_their_sender() -> None:
    request = uuid4()
    police = _metadata("agency:humberside-police")
    today = new_envelopes("s", 0, [_draft()], police, AT, event_ids_for(request_key(request, police), 1))
    assert done_before(today, request, police) == today
    legacy = new_envelopes("s", 0, [_draft()], police, AT, [uuid5(request, "0")])  # the release before
    assert done_before(legacy, request, police) == legacy


def test_the_previous_releases_ids_never_answer_another_sender() -> None:
    request = uuid4()
    police = _metadata("agency:humberside-police")
    legacy = new_envelopes("s", 0, [_draft()], police, AT, [uuid5(request, "0")])
    assert done_before(legacy, request, _metadata("agency:nlc-housing")) == []
    assert done_before(legacy, request, _metadata("agency:humberside-police", "kent")) == []
