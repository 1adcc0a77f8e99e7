"""The lifecycle every other activity runs (issue 16 item 1), through the events service's
handlers over the in-memory store: planned from the profile → held, slipped or missed →
output received → presented to its group (concluding it, actions raised) → disseminated;
and every activity of every shipped profile runs somewhere, none refused outright."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.events.domain import commands as c
from services.events.domain.activities import runs_its_own_lifecycle
from services.events.handlers import EventsHandlers
from shared.catalogue import activities as a
from shared.catalogue import events as e
from shared.planner import RUN_ELSEWHERE, RUN_HERE
from shared.profiles import load_builtin
from shared.profiles.loader import builtin_profiles
from tests.unit.test_assurance_flow import Flow, kinds

SOMERSET = load_builtin("somerset")
START = datetime(2025, 4, 1, 9, tzinfo=UTC)


def flow() -> Flow:
    return Flow(SOMERSET, START)


async def test_a_family_follow_up_call_round_from_plan_to_dissemination() -> None:
    f = flow()
    [planned] = await f.send(
        c.PlanActivity, assurance_event_id="calls-2025-04", activity_type="family-follow-up-calls", due_on="2025-04-30"
    )
    p = planned.event
    assert isinstance(p, a.ActivityPlanned)
    activity = SOMERSET.activity("family-follow-up-calls")
    assert (p.owner, p.reports_to, p.kind) == (activity.lead_role, activity.reports_to, "family_feedback")
    assert p.title.endswith("2025-04")
    not_yet = await f.refused(
        c.ReceiveActivityOutput, assurance_event_id="calls-2025-04", output="figures", received_on="2025-04-01", figures={"calls": 6}
    )
    assert not_yet.code == "not_held"
    f.move_to(date(2025, 5, 2))
    assert kinds(await f.send(c.HoldActivity, assurance_event_id="calls-2025-04", held_on="2025-04-29")) == ["ActivityHeld"]
    no_figures = await f.refused(c.ReceiveActivityOutput, assurance_event_id="calls-2025-04", output="figures", received_on="2025-05-01")
    assert (no_figures.code, no_figures.field) == ("figures_required", "figures")
    await f.send(c.ReceiveActivityOutput, assurance_event_id="calls-2025-04", output="figures", received_on="2025-05-01",
                 figures={"calls-made": 6, "families-reached": 5}, summary="Families valued the contact.")
    bad_group = await f.refused(c.PresentActivity, assurance_event_id="calls-2025-04", presented_on="2025-05-02",
                                presented_by="Business unit manager", group_id="nowhere")
    assert (bad_group.code, bad_group.field) == ("unknown_group", "group_id")
    bad_level = await f.refused(c.PresentActivity, assurance_event_id="calls-2025-04", presented_on="2025-05-02",
                                presented_by="Business unit manager", assurance_level="splendid")
    assert (bad_level.code, bad_level.field) == ("unknown_level", "assurance_level")
    level = SOMERSET.reporting.assurance_levels[0].id
    agency = SOMERSET.agencies[0].id
    presented = await f.send(c.PresentActivity, assurance_event_id="calls-2025-04", presented_on="2025-05-02",
                             presented_by="Business unit manager", assurance_level=level, key_messages=["Calls reach families"],
                             actions=[{"title": "Share the call script", "owner_agency_id": agency, "due_on": "2025-06-30"}])
    assert kinds(presented) == ["ActivityPresented", "ActionAgreed", "AssuranceEventConcluded"]
    done = presented[-1].event
    assert isinstance(done, e.AssuranceEventConcluded)
    assert done.figures == {"calls-made": 6, "families-reached": 5} and done.reports_to == activity.reports_to
    assert done.actions == ["calls-2025-04-a1"]
    # No audience named by the profile for this one: the business unit names who it went to.
    none = await f.refused(c.DisseminateActivity, assurance_event_id="calls-2025-04", method="bulletin", disseminated_on="2025-05-02")
    assert (none.code, none.field) == ("audiences_required", "audiences")
    out = await f.send(c.DisseminateActivity, assurance_event_id="calls-2025-04", method="bulletin", disseminated_on="2025-05-02",
                       audiences=["Practitioners"], reached=120)
    assert kinds(out) == ["ActivityDisseminated"]


async def test_an_activity_slips_with_its_reason_or_is_missed() -> None:
    f = flow()
    await f.send(c.PlanActivity, assurance_event_id="dash-q1", activity_type="data-dashboard", due_on="2025-06-30")
    earlier = await f.refused(c.SlipActivity, assurance_event_id="dash-q1", to_date="2025-06-01", reason="x")
    assert (earlier.code, earlier.field) == ("not_later", "to_date")
    [slipped] = await f.send(c.SlipActivity, assurance_event_id="dash-q1", to_date="2025-07-31", reason="Data late from one agency")
    assert isinstance(slipped.event, a.ActivitySlipped) and slipped.event.from_date == date(2025, 6, 30)
    state = await f.stream("dash-q1")
    assert [x.event_type for x in state] == ["ActivityPlanned", "ActivitySlipped"]
    await f.send(c.PlanActivity, assurance_event_id="dash-q2", activity_type="data-dashboard", due_on="2025-09-30")
    [missed] = await f.send(c.MissActivity, assurance_event_id="dash-q2", reason="Analyst post vacant")
    assert isinstance(missed.event, a.ActivityMissed)
    f.move_to(date(2025, 10, 1))
    assert (await f.refused(c.HoldActivity, assurance_event_id="dash-q2", held_on="2025-09-30")).code == "missed"


async def test_the_reasons_and_key_messages_are_sealed_fields() -> None:
    from shared.catalogue.personal import Personal

    for cls, fields in ((a.ActivitySlipped, ["reason"]), (a.ActivityMissed, ["reason"]),
                        (a.ActivityPresented, ["key_messages"]), (a.ActivityOutputReceived, ["summary"]),
                        (a.ActivityDisseminated, ["feedback"])):
        for name in fields:
            markers = [m for m in cls.model_fields[name].metadata if isinstance(m, Personal)]
            assert markers and markers[0].subject == "assurance_event_id", (cls, name)


async def test_kinds_with_richer_rules_are_pointed_to_them() -> None:
    f = flow()
    s11 = await f.refused(c.PlanActivity, assurance_event_id="s11", activity_type="section-11-audit", due_on="2025-06-30")
    assert (s11.code, s11.field) == ("run_elsewhere", "activity_type")
    los = await f.refused(c.PlanActivity, assurance_event_id="los", activity_type="safeguarding-conversations", due_on="2025-06-30")
    assert los.code == "propose_instead"
    other = await f.refused(c.ProposeAssuranceEvent, assurance_event_id="p", activity_type="exception-reports", title="Exceptions")
    assert other.code == "plan_instead"


@pytest.mark.parametrize("profile_id", sorted(builtin_profiles()))
async def test_every_activity_of_every_shipped_profile_runs_somewhere(profile_id: str) -> None:
    profile = load_builtin(profile_id)
    f = Flow(profile, START)
    handlers: EventsHandlers = f.handlers
    assert handlers is not None
    for index, activity in enumerate(profile.activities):
        if activity.kind in RUN_HERE or activity.kind in RUN_ELSEWHERE:
            continue
        assert runs_its_own_lifecycle(activity.kind)
        [planned] = await f.send(c.PlanActivity, assurance_event_id=f"act-{index}", activity_type=activity.id, due_on="2025-04-01")
        assert planned.event_type == "ActivityPlanned"
        await f.send(c.HoldActivity, assurance_event_id=f"act-{index}", held_on="2025-04-01")


def test_the_guide_shows_every_activity_of_every_profile_and_is_current() -> None:
    from shared.profiles import activity_docs

    assert activity_docs.main(["--check"]) == 0
    text = activity_docs.GUIDE.read_text(encoding="utf-8")
    for profile_id in builtin_profiles():
        for activity in load_builtin(profile_id).activities:
            assert f"(`{activity.id}`)" in text, (profile_id, activity.id)


async def test_a_concluded_assurance_events_learning_is_disseminated_to_the_profiles_audiences() -> None:
    from tests.unit.test_assurance_flow import PROFILE as NL

    f = Flow(NL, datetime(2019, 6, 3, 9, tzinfo=UTC))
    await f.send(c.ProposeAssuranceEvent, assurance_event_id="los-1", activity_type="line-of-sight", title="Line of sight", theme="neglect")
    early = await f.refused(c.DisseminateActivity, assurance_event_id="los-1", method="briefing", disseminated_on="2019-06-03")
    assert early.code == "not_concluded"
    await f.send(c.ConcludeAssuranceEvent, assurance_event_id="los-2", activity_type="line-of-sight", title="Line of sight: May",
                 held_on="2019-05-15", theme="neglect", strengths=["Clear plans"], recorded_by="Business unit")
    before = await f.refused(c.DisseminateActivity, assurance_event_id="los-2", method="briefing", disseminated_on="2019-05-01")
    assert before.field == "disseminated_on"
    [out] = await f.send(c.DisseminateActivity, assurance_event_id="los-2", method="training", disseminated_on="2019-06-03", reached=45,
                         feedback="Practitioners asked for a follow-up session")
    assert isinstance(out.event, a.ActivityDisseminated)
    assert out.event.audiences == [NL.activity("line-of-sight").dissemination] and out.event.reached == 45
