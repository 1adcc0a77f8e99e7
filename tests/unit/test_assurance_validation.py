"""Malformed messages to the assurance events service are refused with the field named;
the domain stays pure; the profile's activity rules load with their defaults."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.events.domain import commands as c
from services.events.handlers import EventsHandlers
from shared.eventstore.memory import InMemoryEventStore
from shared.profiles.activities import ActivityType
from shared.refusals import Refusal, parse_message
from tests.unit.test_assurance_flow import PROFILE, learning_hub_data, learning_hub_profile

VALID_PROPOSAL: dict[str, Any] = {
    "request_id": str(uuid4()),
    "assurance_event_id": "thematic-neglect",
    "activity_type": "thematic-assurance-event",
    "title": "Thematic assurance event: neglect",
    "theme": "neglect",
    "partner_id": "north-lincolnshire-ccg",
    "role": "safeguarding_partner",
    "planned_for": "2019-02",
}

WRONG = st.one_of(
    st.none(), st.integers(), st.floats(allow_nan=False), st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.text(max_size=5).map(lambda s: "UPPER " + s),
)


@settings(max_examples=200, deadline=None)
@given(field=st.sampled_from(sorted(VALID_PROPOSAL)), value=WRONG)
def test_a_bad_field_is_refused_by_name(field: str, value: object) -> None:
    document = VALID_PROPOSAL | {field: value}
    if value is None and field in {"partner_id", "planned_for", "theme"}:
        return  # optional: a business unit's proposal, no planner month, no theme
    if isinstance(value, str) and field in {"title", "theme"}:
        return  # free text
    with pytest.raises(Refusal) as raised:
        parse_message(c.ProposeAssuranceEvent, json.dumps(document).encode())
    assert raised.value.code == "invalid_field"
    assert raised.value.field is not None and raised.value.field.split(".")[0].split("[")[0] == field


@settings(max_examples=100, deadline=None)
@given(extra=st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12))
def test_unknown_fields_are_refused(extra: str) -> None:
    if extra in VALID_PROPOSAL or extra in c.ProposeAssuranceEvent.model_fields:
        return
    with pytest.raises(Refusal) as raised:
        parse_message(c.ProposeAssuranceEvent, json.dumps(VALID_PROPOSAL | {extra: 1}).encode())
    assert raised.value.field == extra


@pytest.mark.parametrize("command", [row.command for row in EventsHandlers(InMemoryEventStore("events"), None, None).commands()])  # type: ignore[arg-type]
def test_every_command_needs_its_request_id_and_event(command: type) -> None:
    with pytest.raises(Refusal) as raised:
        parse_message(command, b"{}")
    assert raised.value.field in {"request_id", "assurance_event_id"}


def test_bad_panel_and_action_fields_are_named() -> None:
    base = {"request_id": str(uuid4()), "assurance_event_id": "ase-1"}
    with pytest.raises(Refusal) as panel:
        parse_message(c.RecordEventHeld, json.dumps(base | {"held_on": "2019-03-20", "panel": [{"role": "mayor", "title": "x"}]}).encode())
    assert panel.value.field == "panel[0].role"
    with pytest.raises(Refusal) as action:
        parse_message(c.RecordFindings, json.dumps(base | {"actions": [{"title": "t", "owner_agency_id": "x", "due_on": "soon"}]}).encode())
    assert action.value.field == "actions[0].due_on"
    with pytest.raises(Refusal) as stars:
        parse_message(
            c.DraftReport, json.dumps(base | {"role": "young_inspectors", "author": "YI", "summary": "s", "star_rating": "five"}).encode()
        )
    assert stars.value.field == "star_rating"


def test_the_domain_imports_no_infrastructure() -> None:
    probe = (
        "import sys, importlib, pkgutil, services.events.domain as d\n"
        "for m in pkgutil.walk_packages(d.__path__, 'services.events.domain.'): importlib.import_module(m.name)\n"
        "print(','.join(sorted(n for n in ('faststream', 'nats', 'asyncpg', 'opentelemetry') if n in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


# -- the profile's activity rules -----------------------------------------------------------


def test_kind_gives_the_rules_a_profile_does_not_state() -> None:
    minimal = {
        "id": "x",
        "name": "X",
        "description": "d",
        "cadence": {"count": 1, "per_months": 12},
        "lead_role": "ISO",
        "reports_to": "board",
    }
    young = ActivityType.model_validate(minimal | {"kind": "young_inspectors"})
    assert (young.subject, young.report_drafted_by, young.star_rating.max_stars) == ("agency", "young_inspectors", 5)  # type: ignore[union-attr]
    hub = ActivityType.model_validate(minimal | {"kind": "learning_hub"})
    assert hub.learning_hub is not None and not hub.report_required and hub.subject == "theme"
    other = ActivityType.model_validate(minimal)
    assert (other.subject, other.report_required, other.immediate_feedback) == ("any", True, False)
    stated = ActivityType.model_validate(minimal | {"kind": "call_in", "report_required": True})
    assert stated.report_required


def test_north_lincolnshire_states_its_rules() -> None:
    ase = PROFILE.activity("agency-specific-assurance-event")
    assert (ase.immediate_feedback, ase.report_distribution, ase.report_drafted_by) == (True, "subject_agency", "independent_scrutineer")
    assert ase.report_agreers() == ase.endorsed_by
    los = PROFILE.activity("line-of-sight")
    assert (los.cases_per_event, los.case_audits_before_panel) == (5, True)
    young = PROFILE.activity("young-inspectors")
    assert young.agency_may_decline and young.star_rating is not None
    assert PROFILE.activity("peer-review").peer_review is not None
    assert PROFILE.planner_period is not None and (PROFILE.planner_period.start, PROFILE.planner_period.months) == ("2018-11", 24)


def test_a_learning_hub_profile_checks_its_group_and_planner_period() -> None:
    from shared.profiles.schema import FrameworkProfile

    assert learning_hub_profile().activity("learning-hub").learning_hub.forums_planned == 5  # type: ignore[union-attr]
    data = learning_hub_data()
    data["activities"][-1]["learning_hub"]["strategic_group"] = "nobody"
    data["activities"][-1]["report_agreed_by"] = ["ofsted"]
    data["planner_period"] = {"start": "2019-01", "months": 12}
    with pytest.raises(ValueError) as raised:
        FrameworkProfile.model_validate(data)
    message = str(raised.value)
    assert "unknown group 'nobody'" in message
    assert "unknown statutory partner 'ofsted'" in message
    assert "outside the planner period" in message
