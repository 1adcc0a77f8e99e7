"""The steps particular to each kind of activity: line of sight cases, young inspectors,
the learning hub, peer review terms and call-ins from Section 11."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import NAMESPACE_URL, uuid4, uuid5

import pytest

from services.events.domain import commands as c
from services.events.domain.call_ins import call_in_id
from shared.catalogue import events as e
from shared.catalogue.section11 import CallInProposed
from shared.envelope import Envelope, Metadata
from shared.mapper import new_envelopes
from shared.profiles import load_builtin
from tests.unit.test_assurance_flow import (
    CCG,
    COUNCIL,
    NL,
    PARTNERS,
    POLICE,
    Flow,
    kinds,
    learning_hub_profile,
    propose_and_endorse,
)

CASES = ["case-7f3a", "case-19bd", "case-a2c4", "case-5e61", "case-c0de"]


# -- line of sight ----------------------------------------------------------------------


async def line_of_sight(flow: Flow, ev: str = "los-1") -> None:
    await propose_and_endorse(flow, ev, "line-of-sight", endorsers=PARTNERS, theme="neglect")
    await flow.send(c.ScheduleAssuranceEvent, assurance_event_id=ev, scheduled_on="2019-05-15")


async def test_line_of_sight_takes_exactly_five_cases_and_refuses_a_sixth() -> None:
    flow = Flow()
    await line_of_sight(flow)
    for ref in CASES:
        await flow.send(c.SelectCase, assurance_event_id="los-1", case_ref=ref, agencies_involved=["nlc-childrens-social-care"])
    sixth = await flow.refused(c.SelectCase, assurance_event_id="los-1", case_ref="case-6666")
    assert (sixth.code, sixth.field) == ("too_many_cases", "case_ref")
    assert "exactly 5 cases; 5 already selected" in sixth.message
    again = await flow.refused(c.SelectCase, assurance_event_id="los-1", case_ref=CASES[0])
    assert again.code == "case_already_selected"


async def test_the_panel_needs_five_audited_cases_and_findings_need_practitioners_met() -> None:
    flow = Flow()
    await line_of_sight(flow)
    flow.move_to(date(2019, 5, 15))
    panel = [{"role": "independent_scrutineer", "title": "ISO"}]
    await flow.send(c.SelectCase, assurance_event_id="los-1", case_ref=CASES[0])
    short = await flow.refused(c.RecordEventHeld, assurance_event_id="los-1", held_on="2019-05-15", panel=panel)
    assert short.code == "cases_incomplete"
    for ref in CASES[1:]:
        await flow.send(c.SelectCase, assurance_event_id="los-1", case_ref=ref)
    for ref in CASES[:4]:
        await flow.send(c.RecordCaseAudit, assurance_event_id="los-1", case_ref=ref, agency_id="humberside-police",
                        auditor_role="Detective Sergeant (invented)", summary="Good information sharing")
    unaudited = await flow.refused(c.RecordEventHeld, assurance_event_id="los-1", held_on="2019-05-15", panel=panel)
    assert unaudited.code == "case_audits_missing" and CASES[4] in unaudited.message
    await flow.send(c.RecordCaseAudit, assurance_event_id="los-1", case_ref=CASES[4], agency_id="general-practitioners",
                    auditor_role="Named GP (invented)", summary="Late sharing of a missed appointment")
    await flow.send(c.RecordEventHeld, assurance_event_id="los-1", held_on="2019-05-15", panel=panel)
    late_audit = await flow.refused(c.RecordCaseAudit, assurance_event_id="los-1", case_ref=CASES[0], agency_id="general-practitioners",
                                    auditor_role="GP", summary="late")
    assert late_audit.code == "panel_already_held"
    for ref in CASES[:4]:
        await flow.send(
            c.RecordPractitionersMet, assurance_event_id="los-1", case_ref=ref, practitioner_roles=["Social worker", "Health visitor"]
        )
    unmet = await flow.refused(c.RecordFindings, assurance_event_id="los-1", strengths=["x"])
    assert unmet.code == "practitioners_not_met"
    await flow.send(c.RecordPractitionersMet, assurance_event_id="los-1", case_ref=CASES[4], practitioner_roles=["School nurse"])
    done = await flow.send(c.RecordFindings, assurance_event_id="los-1", strengths=["Best practice: ..."],
                           actions=[{"title": "Strategic: joint neglect training", "owner_agency_id": COUNCIL, "due_on": "2019-12-31"}])
    assert kinds(done) == ["FindingsRecorded", "ActionAgreed"]
    more = await flow.send(
        c.AgreeActions,
        assurance_event_id="los-1",
        actions=[{"title": "GP flags", "owner_agency_id": "general-practitioners", "due_on": "2019-10-31"}],
    )
    assert isinstance(more[0].event, e.ActionAgreed) and more[0].event.action_id == "los-1-a2"


@pytest.mark.parametrize("ref", ["Jane Smith", "case 7f3a", "CASE-7F3A", "case-", "7f3a", "case-7f3a-jones"])
async def test_a_case_must_be_a_pseudonymous_reference(ref: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        c.SelectCase.model_validate({"request_id": uuid4(), "assurance_event_id": "los-1", "case_ref": ref})


# -- young inspectors -------------------------------------------------------------------


async def test_young_inspectors_award_a_star_rating_in_a_report_written_by_young_people() -> None:
    flow = Flow()
    ev = "yi-emas"
    await flow.send(c.ProposeAssuranceEvent, assurance_event_id=ev, activity_type="young-inspectors",
                    title="Young inspectors visit: ambulance service", agency_id="east-midlands-ambulance-service")
    untaken = await flow.refused(c.ScheduleAssuranceEvent, assurance_event_id=ev, scheduled_on="2019-03-01")
    assert untaken.code == "take_up_unconfirmed"
    impostor = await flow.refused(c.AnswerInspectionOffer, assurance_event_id=ev, agency_id=POLICE, accepted=True)
    assert (impostor.code, impostor.field) == ("not_the_agency", "agency_id")
    await flow.send(c.AnswerInspectionOffer, assurance_event_id=ev, agency_id="east-midlands-ambulance-service", accepted=True)
    await flow.send(c.ScheduleAssuranceEvent, assurance_event_id=ev, scheduled_on="2019-03-01")
    flow.move_to(date(2019, 3, 1))
    panel = [{"role": "young_inspectors", "title": "Young inspectors team"}]
    early = await flow.refused(c.RecordEventHeld, assurance_event_id=ev, held_on="2019-03-01", panel=panel)
    assert early.code == "desktop_review_missing"
    await flow.send(c.RecordDesktopReview, assurance_event_id=ev, completed_on="2019-02-20", covered=["website", "social media"])
    assert (await flow.refused(c.RecordEventHeld, assurance_event_id=ev, held_on="2019-03-01", panel=panel)).code == "surveys_missing"
    await flow.send(c.RecordInspectionSurveys, assurance_event_id=ev, staff_responses=41, service_user_responses=17)
    await flow.send(c.RecordEventHeld, assurance_event_id=ev, held_on="2019-03-01", panel=panel, young_people_took_part=True)
    await flow.send(
        c.RecordFindings,
        assurance_event_id=ev,
        role="young_inspectors",
        strengths=["Friendly crews"],
        areas_for_development=["Leaflets for teenagers"],
    )
    by_officer = await flow.refused(
        c.DraftReport, assurance_event_id=ev, role="independent_scrutineer", author="ISO", summary="s", star_rating=4
    )
    assert by_officer.code == "wrong_role"
    off_scale = await flow.refused(
        c.DraftReport, assurance_event_id=ev, role="young_inspectors", author="Young inspectors team", summary="s", star_rating=6
    )
    assert (off_scale.code, off_scale.field) == ("star_rating_off_scale", "star_rating")
    missing = await flow.refused(c.DraftReport, assurance_event_id=ev, role="young_inspectors", author="Young inspectors team", summary="s")
    assert missing.code == "star_rating_required"
    drafted = await flow.send(
        c.DraftReport, assurance_event_id=ev, role="young_inspectors", author="Young inspectors team", summary="We liked ...", star_rating=4
    )
    assert kinds(drafted) == ["AssuranceReportDrafted", "StarRatingAwarded"]
    stars = drafted[1].event
    assert isinstance(stars, e.StarRatingAwarded) and (stars.stars, stars.out_of, stars.agency_id) == (
        4,
        5,
        "east-midlands-ambulance-service",
    )
    partner = await flow.refused(c.AgreeReport, assurance_event_id=ev, partner_id=CCG, representative="x")
    assert partner.code == "not_an_agreer"
    done = await flow.send(c.AgreeReport, assurance_event_id=ev, role="business_unit", representative="Business manager (invented)")
    assert kinds(done) == ["ReportAgreementGiven", "AssuranceReportAgreed", "AssuranceEventConcluded"]
    concluded = done[-1].event
    assert isinstance(concluded, e.AssuranceEventConcluded) and concluded.star_rating == 4


async def test_an_agency_may_decline_young_inspectors() -> None:
    flow = Flow()
    await flow.send(
        c.ProposeAssuranceEvent, assurance_event_id="yi-2", activity_type="young-inspectors", title="YI", agency_id="nlc-housing"
    )
    declined = await flow.send(c.AnswerInspectionOffer, assurance_event_id="yi-2", agency_id="nlc-housing", accepted=False)
    assert kinds(declined) == ["InspectionDeclined", "AssuranceEventCancelled"]


# -- learning hub -----------------------------------------------------------------------


async def test_a_learning_hub_cycle_and_its_figures() -> None:
    flow = Flow(learning_hub_profile(), datetime(2019, 1, 7, 9, tzinfo=UTC))
    ev = "hub-knife-crime"
    await flow.send(
        c.ProposeAssuranceEvent,
        assurance_event_id=ev,
        activity_type="learning-hub",
        title="Learning hub: gangs and knife crime",
        theme="gangs and knife crime",
    )
    await flow.send(c.ScheduleAssuranceEvent, assurance_event_id=ev, scheduled_on="2019-02-04")
    flow.move_to(date(2019, 4, 1))
    hold = await flow.refused(
        c.RecordEventHeld, assurance_event_id=ev, held_on="2019-03-01", panel=[{"role": "business_unit", "title": "x"}]
    )
    assert hold.code == "not_applicable"
    await flow.send(
        c.IssueNewsletter, assurance_event_id=ev, issued_on="2019-02-04", pages=6, sections=["The problem", "The local picture"]
    )
    first = await flow.send(
        c.RecordLearningForum, assurance_event_id=ev, forum="North", held_on="2019-02-25", attendance=52, waiting_list=True
    )
    assert kinds(first) == ["LearningForumHeld", "AssuranceEventHeld"]
    for forum, day, n in [("South", "2019-02-26", 41), ("East", "2019-02-27", 47), ("West", "2019-02-28", 44)]:
        assert kinds(
            await flow.send(c.RecordLearningForum, assurance_event_id=ev, forum=forum, held_on=day, attendance=n, waiting_list=True)
        ) == ["LearningForumHeld"]
    early = await flow.refused(c.PresentStrategicFeedback, assurance_event_id=ev, presented_on="2019-03-20", summary="s")
    assert early.code == "cycle_incomplete" and "forums (4 of 5)" in early.message
    await flow.send(c.RecordLearningForum, assurance_event_id=ev, forum="Central", held_on="2019-03-01", attendance=41, waiting_list=True)
    await flow.send(c.RecordChildrenAndFamiliesViews, assurance_event_id=ev, gathered_on="2019-02-15", young_people=4, method="Focus group")
    too_many = await flow.refused(c.RecordSurveyResponses, assurance_event_id=ev, responses=33)
    assert too_many.code == "survey_not_sent"
    await flow.send(c.SendPractitionerSurvey, assurance_event_id=ev, sent_on="2019-02-04", recipients=395)
    await flow.send(c.RecordSurveyResponses, assurance_event_id=ev, responses=33)
    unknown = await flow.refused(c.RecordForumEvaluation, assurance_event_id=ev, agreed_percent={"liked-lunch": 99})
    assert (unknown.code, unknown.field) == ("unknown_question", "agreed_percent.liked-lunch")
    await flow.send(c.RecordForumEvaluation, assurance_event_id=ev, completed_percent=17,
                    agreed_percent={"met-objectives": 90, "better-understanding": 92, "able-to-contribute": 87, "too-short": 38})
    await flow.send(
        c.RecordFindings,
        assurance_event_id=ev,
        strengths=["Engagement: every forum had a waiting list"],
        areas_for_development=["Only 17% completed the evaluation"],
    )
    await flow.send(
        c.PresentStrategicFeedback, assurance_event_id=ev, presented_on="2019-03-20", summary="Themes: information sharing, communication"
    )
    done = await flow.send(c.FeedBackToPractitioners, assurance_event_id=ev, fed_back_on="2019-03-29", actions_taken=["Pathways leaflet"],
                           actions=[{"title": "Publish referral pathways", "owner_agency_id": COUNCIL, "due_on": "2019-06-30"}])
    assert kinds(done) == ["PractitionersToldOfActions", "ActionAgreed", "AssuranceEventConcluded"]
    concluded = done[-1].event
    assert isinstance(concluded, e.AssuranceEventConcluded)
    assert concluded.held_on == date(2019, 2, 25)
    assert concluded.figures == {
        "forums_held": 5, "attendance": 225, "forums_with_waiting_lists": 5, "survey_recipients": 395,
        "survey_responses": 33, "survey_response_percent": 8.4, "evaluation_completed_percent": 17,
        "able-to-contribute_percent": 87, "better-understanding_percent": 92, "met-objectives_percent": 90,
        "too-short_percent": 38,
    }


# -- peer review ------------------------------------------------------------------------


async def test_a_peer_review_needs_terms_of_reference_before_it_is_scheduled() -> None:
    flow = Flow()
    ev = "peer-2019"
    await propose_and_endorse(flow, ev, "peer-review", endorsers=PARTNERS)
    no_terms = await flow.refused(c.ScheduleAssuranceEvent, assurance_event_id=ev, scheduled_on="2019-09-10")
    assert no_terms.code == "terms_not_agreed"
    no_days = await flow.refused(
        c.AgreeTermsOfReference,
        assurance_event_id=ev,
        scope="Partnership arrangements",
        reciprocal=True,
        direction="received",
        peer_area="A neighbouring partnership",
    )
    assert (no_days.code, no_days.field) == ("days_on_site_required", "days_on_site")
    [terms] = await flow.send(
        c.AgreeTermsOfReference,
        assurance_event_id=ev,
        scope="Partnership arrangements",
        reciprocal=True,
        direction="received",
        peer_area="A neighbouring partnership",
        days_on_site=2,
        team_roles=["Scrutineer", "Police inspector"],
    )
    assert isinstance(terms.event, e.PeerReviewTermsAgreed) and terms.event.days_on_site == 2
    await flow.send(c.ScheduleAssuranceEvent, assurance_event_id=ev, scheduled_on="2019-09-10")
    flow.move_to(date(2019, 9, 11))
    [held] = await flow.send(
        c.RecordEventHeld, assurance_event_id=ev, held_on="2019-09-10", panel=[{"role": "peer_reviewer", "title": "Peer scrutineer"}]
    )
    assert isinstance(held.event, e.AssuranceEventHeld) and held.event.days_on_site == 2


# -- call-ins from Section 11 -----------------------------------------------------------


def call_in_envelope(domain: str = "culture-and-challenge", agency: str = "nlc-housing") -> Envelope:
    event = CallInProposed(agency_id=agency, cycle_id="2019-20", domain_id=domain, rating=1, reason=f"{domain} rated Inadequate")
    meta = Metadata(partnership_id=NL, actor="agency:x", correlation_id=uuid4())
    [envelope] = new_envelopes(
        f"s11-return:{NL}:{agency}:2019-20", 0, [event], meta, datetime(2019, 1, 20, tzinfo=UTC), [uuid5(NAMESPACE_URL, domain + agency)]
    )
    return envelope


async def test_a_call_in_from_section11_is_proposed_once_and_gathers_concerns() -> None:
    flow = Flow()
    envelope = call_in_envelope()
    first = await flow.handlers.on_call_in_proposed(envelope)
    assert kinds(first) == ["AssuranceEventProposed", "CallInConcernAdded"]
    proposed = first[0].event
    assert isinstance(proposed, e.AssuranceEventProposed)
    assert proposed.assurance_event_id == call_in_id("2019-20", "nlc-housing") == "call-in-2019-20-nlc-housing"
    assert (proposed.activity_type, proposed.proposed_by, proposed.source_event_id) == (
        "agency-call-in",
        "section11",
        str(envelope.event_id),
    )
    assert await flow.handlers.on_call_in_proposed(envelope) == first  # redelivered: nothing new
    second = await flow.handlers.on_call_in_proposed(call_in_envelope("leadership-and-governance"))
    assert kinds(second) == ["CallInConcernAdded"]
    assert len(await flow.stream("call-in-2019-20-nlc-housing")) == 3

    ev = proposed.assurance_event_id
    for partner in PARTNERS:
        await flow.send(c.EndorseAssuranceEvent, assurance_event_id=ev, partner_id=partner, representative="Lead (invented)")
    await flow.send(c.ScheduleAssuranceEvent, assurance_event_id=ev, scheduled_on="2019-02-11")
    flow.move_to(date(2019, 2, 11))
    await flow.send(
        c.RecordEventHeld,
        assurance_event_id=ev,
        held_on="2019-02-11",
        panel=[{"role": "safeguarding_partner", "title": "DCS", "partner_id": COUNCIL}],
    )
    no_report = await flow.refused(c.DraftReport, assurance_event_id=ev, role="independent_scrutineer", author="ISO", summary="s")
    assert no_report.code == "no_report"
    done = await flow.send(c.RecordOutcome, assurance_event_id=ev, outcome="Assured by the housing service's plan", assured=True,
                           actions=[{"title": "Quarterly update to the Board", "owner_agency_id": "nlc-housing", "due_on": "2019-05-31"}])
    assert kinds(done) == ["OutcomeRecorded", "ActionAgreed", "AssuranceEventConcluded"]

    # a later flag in the same cycle opens the next call-in
    third = await flow.handlers.on_call_in_proposed(call_in_envelope("performance-and-outcomes"))
    assert third[0].stream_id.endswith(":call-in-2019-20-nlc-housing-2")


async def test_a_call_in_proposed_where_the_profile_has_no_call_in_activity_is_let_pass() -> None:
    # An event recorded before the profile dropped its call-ins: nothing to propose, nothing refused (no dead letter).
    kent = load_builtin("kent")
    flow = Flow(kent)
    event = CallInProposed(
        agency_id="kent-police", cycle_id="2026-27", domain_id=kent.section11.domains[0].id, rating=1, reason="rated Not met"
    )
    meta = Metadata(partnership_id=kent.id, actor="agency:kent-police", correlation_id=uuid4())
    [envelope] = new_envelopes(f"s11-return:{kent.id}:kent-police:2026-27", 0, [event], meta, datetime(2026, 11, 20, tzinfo=UTC), [uuid4()])
    assert await flow.handlers.on_call_in_proposed(envelope) == []


def test_long_call_in_ids_stay_short_enough_for_commands() -> None:
    long = call_in_id("2019-20", "rotherham-doncaster-and-south-humber-nhs-foundation-trust-children")
    assert len(long) <= 60 and long.startswith("call-in-2019-20-")
    assert call_in_id("2019-20", "rotherham-doncaster-and-south-humber-nhs-foundation-trust-children", 2) == f"{long}-2"


async def test_a_partner_proposes_a_call_in_and_the_police_need_not_stand_aside() -> None:
    flow = Flow()
    await flow.send(c.ProposeAssuranceEvent, assurance_event_id="ci-police", activity_type="agency-call-in", title="Call-in: police",
                    agency_id=POLICE, partner_id=COUNCIL, role="safeguarding_partner", reason="Missing children")
    # the profile recuses a partner only for agency-specific events
    done = await flow.send(c.EndorseAssuranceEvent, assurance_event_id="ci-police", partner_id=POLICE, representative="ACC (invented)")
    assert kinds(done) == ["EndorsementGiven"]
    unknown = await flow.refused(c.EndorseAssuranceEvent, assurance_event_id="ci-police", partner_id="ofsted", representative="HMI")
    assert (unknown.code, unknown.field) == ("unknown_partner", "partner_id")
    twice = await flow.refused(c.EndorseAssuranceEvent, assurance_event_id="ci-police", partner_id=POLICE, representative="ACC (invented)")
    assert twice.code == "already_endorsed"
    assert CCG in (await flow.refused(c.ScheduleAssuranceEvent, assurance_event_id="ci-police", scheduled_on="2019-03-01")).message


# -- pop-up case discussions, and another partnership's profile --------------------------


async def test_a_pop_up_case_discussion_needs_no_endorsement_and_closes_on_its_outcome() -> None:
    flow = Flow()
    ev = "popup-1"
    [proposed] = await flow.send(c.ProposeAssuranceEvent, assurance_event_id=ev, activity_type="pop-up-case-discussion",
                                 title="Pop-up: barriers to a strategy meeting", partner_id=POLICE, role="safeguarding_partner",
                                 lead_role="Humberside Police (ISO unavailable)")
    assert isinstance(proposed.event, e.AssuranceEventProposed) and proposed.event.endorsers == []
    assert proposed.event.reports_to == "splig"
    for ref in CASES[:2]:
        await flow.send(c.SelectCase, assurance_event_id=ev, case_ref=ref)
    await flow.send(c.ScheduleAssuranceEvent, assurance_event_id=ev, scheduled_on="2019-01-09")
    flow.move_to(date(2019, 1, 9))
    await flow.send(c.RecordEventHeld, assurance_event_id=ev, held_on="2019-01-09", panel=[
        {"role": "safeguarding_partner", "title": "Detective Inspector (invented)", "partner_id": POLICE},
        {"role": "safeguarding_partner", "title": "Team manager (invented)", "partner_id": COUNCIL},
    ])
    done = await flow.send(c.RecordOutcome, assurance_event_id=ev, outcome="Strategy meeting convened; escalation route agreed")
    assert kinds(done) == ["OutcomeRecorded", "AssuranceEventConcluded"]


async def test_somerset_safeguarding_conversations_take_one_case() -> None:
    from shared.profiles import load_builtin

    flow = Flow(load_builtin("somerset"))
    ev = "conversation-2020-q1"
    await flow.send(c.ProposeAssuranceEvent, assurance_event_id=ev, activity_type="safeguarding-conversations",
                    title="Safeguarding conversation", theme="early help")
    await flow.send(c.SelectCase, assurance_event_id=ev, case_ref="case-0a1b")
    second = await flow.refused(c.SelectCase, assurance_event_id=ev, case_ref="case-0a1c")
    assert second.code == "too_many_cases" and "exactly 1 case; 1 already selected" in second.message


async def test_hertfordshires_regional_peer_review_takes_its_days_on_site_from_the_profile() -> None:
    from shared.profiles import load_builtin

    flow = Flow(load_builtin("hertfordshire"))
    ev = "eastern-peer-review"
    await flow.send(
        c.ProposeAssuranceEvent, assurance_event_id=ev, activity_type="regional-peer-review", title="Eastern region peer review"
    )
    [terms] = await flow.send(c.AgreeTermsOfReference, assurance_event_id=ev, scope="The partnership", reciprocal=True,
                              direction="received", peer_area="Eastern region partnership")
    assert isinstance(terms.event, e.PeerReviewTermsAgreed)
    assert (terms.event.days_on_site, terms.event.focus) == (2, "The Partnership, not areas of practice.")
    wrong = await flow.refused(c.DraftReport, assurance_event_id=ev, role="independent_scrutineer", author="x", summary="s")
    assert wrong.code == "findings_missing"
