"""Which agencies an event is addressed to: the outcome copies the relay publishes."""

import json

from shared.catalogue import registered_event_types
from shared.messaging.outcomes import (
    AGENCY_FIELDS,
    addressees,
    naming_fields,
    outcome_subject,
    outcomes_for,
)


def test_an_event_is_addressed_to_each_agency_it_names_once() -> None:
    assert addressees("SubmissionReceived", json.dumps({"agency_id": "humberside-police"})) == ["humberside-police"]
    assert addressees("ActionRaised", {"owner_agency_id": "humberside-police", "action_id": "act-7"}) == ["humberside-police"]
    opened = {"cycle_id": "2026-27", "agency_ids": ["humberside-police", "east-midlands-ambulance-service", "humberside-police"]}
    assert addressees("AuditCycleOpened", json.dumps(opened).encode()) == ["humberside-police", "east-midlands-ambulance-service"]


def test_an_event_naming_no_agency_is_not_even_parsed() -> None:
    assert "AuditCycleClosed" not in naming_fields()
    assert addressees("AuditCycleClosed", b"not json at all") == []


def test_an_absent_or_unsafe_agency_id_addresses_no_one() -> None:
    cases = [None, "", "police.>", "*", "humberside police", 7]
    for value in cases:
        assert addressees("SubmissionReceived", {"agency_id": value}) == [], value


def test_every_event_type_declaring_an_agency_field_is_addressed() -> None:
    declaring = {t for t, cls in registered_event_types().items() if set(AGENCY_FIELDS) & set(cls.model_fields)}
    assert set(naming_fields()) == declaring
    assert {"SubmissionReminderSent", "SubmissionOverdue", "RiskFlagged", "ActionOverdue", "ActionRaised"} <= declaring


def test_the_subjects() -> None:
    assert outcome_subject("scrutiny", "kent", "kent-police", "RiskFlagged") == "scrutiny.kent.out.kent-police.RiskFlagged"
    assert outcomes_for("scrutiny", "kent-police") == "scrutiny.*.out.kent-police.>"
    assert outcomes_for("scrutiny", "kent-police", "kent") == "scrutiny.kent.out.kent-police.>"
