"""Child safeguarding practice reviews, learning and thematic reviews: commissioned from the
decision, stages with dates, slippage warned before and raised after, sign-off and publication."""

from __future__ import annotations

from datetime import date

import pytest

from services.reviews.domain.commands import (
    ChangeReviewDueDate,
    CommissionReview,
    DecideRapidReview,
    PublishReview,
    RecordNationalPanelResponse,
    RecordReviewStage,
    RecordSeriousIncident,
    SignOffRapidReviewDecision,
    SignOffReview,
)
from shared.catalogue.reviews import (
    NationalPanelResponded,
    ReviewCommissioned,
    ReviewSignatureRecorded,
    ReviewSignedOff,
)
from shared.profiles import load_builtin
from shared.refusals import Refusal
from tests.unit.test_reviews_support import NL, Harness, london, types, utc, variant

CSPR = {
    "review_id": "cspr-1", "review_type": "cspr", "incident_id": "si-1", "author": "Independent reviewer (invented)",
    "terms_of_reference": "How agencies shared information about neglect", "commissioned_on": "2027-01-20",
}


async def refusal(h: Harness, command: type, **body: object) -> Refusal:
    with pytest.raises(Refusal) as refused:
        await h.send(command, **body)
    return refused.value


async def decided(h: Harness, outcome: str = "local-cspr") -> None:
    await h.send(
        RecordSeriousIncident,
        incident_id="si-1",
        case_ref="case-7f3a",
        aware_on="2026-12-17",
        child_looked_after=False,
        panel_notified_on="2026-12-18",
        recorded_by="bu",
    )
    h.clock.set(utc(2027, 1, 11))
    await h.send(
        DecideRapidReview,
        incident_id="si-1",
        outcome=outcome,
        rationale="Learning for the partnership",
        decided_on="2027-01-11",
        decided_by="partners",
    )
    h.clock.set(utc(2027, 1, 20))


async def test_a_cspr_is_due_six_months_from_the_decision_and_slips_past_it() -> None:
    h = Harness(utc(2026, 12, 18))
    await decided(h)
    [commissioned] = await h.send(CommissionReview, **CSPR)
    event = commissioned.event
    assert isinstance(event, ReviewCommissioned)
    assert (event.starts_on, event.months, event.due_on, event.warn_on) == (date(2027, 1, 11), 6, date(2027, 7, 11), date(2027, 6, 13))
    assert (event.case_ref, event.sign_off_by) == ("case-7f3a", "executive")
    assert await h.pending() == {"review-slippage-warning": london(2027, 6, 13), "review-overdue": london(2027, 7, 12)}

    await h.send(RecordReviewStage, review_id="cspr-1", stage="terms-of-reference-agreed", completed_on="2027-01-20")
    [warned] = await h.at(london(2027, 6, 13, 9))
    assert warned.event_type == "ReviewSlippageWarned" and warned.occurred_at == london(2027, 6, 13)
    [slipped] = await h.at(london(2027, 7, 20))
    assert slipped.event_type == "ReviewSlipped" and slipped.occurred_at == london(2027, 7, 12)

    [signed] = await h.send(
        SignOffReview, review_id="cspr-1", signed_off_as="executive", signatory="Safeguarding partners", signed_off_on="2027-07-20"
    )
    assert signed.event.within_timescale is False  # type: ignore[attr-defined]
    [published] = await h.send(
        PublishReview,
        review_id="cspr-1",
        published_on="2027-07-20",
        link="https://example.org/cspr-1",
        themes=["neglect", "information sharing"],
    )
    assert published.event_type == "ReviewPublished"


async def test_signing_off_in_time_settles_both_clocks() -> None:
    h = Harness(utc(2026, 12, 18))
    await decided(h)
    await h.send(CommissionReview, **CSPR)
    await h.send(SignOffReview, review_id="cspr-1", signed_off_as="executive", signatory="partners", signed_off_on="2027-01-20")
    assert await h.pending() == {}
    assert await h.at(london(2027, 8, 1)) == []


async def test_a_cspr_needs_a_decision_to_hold_one() -> None:
    h = Harness(utc(2026, 12, 18))
    with pytest.raises(Refusal) as refused:
        await h.send(CommissionReview, **(CSPR | {"incident_id": None}))
    assert (refused.value.code, refused.value.field) == ("decision_needed", "incident_id")
    with pytest.raises(Refusal) as refused:
        await h.send(CommissionReview, **CSPR)
    assert (refused.value.code, refused.value.field) == ("unknown_incident", "incident_id")
    await decided(h, outcome="no-further-review")
    with pytest.raises(Refusal) as refused:
        await h.send(CommissionReview, **CSPR)
    assert (refused.value.code, refused.value.field) == ("not_the_decision", "incident_id")


async def test_where_the_scrutineer_signs_off_decisions_a_cspr_waits_for_it() -> None:
    h = Harness(
        utc(2026, 12, 18), variant(reviews={"rapid_review_decision_signed_off_by_scrutineer": True, "cspr_signed_off_by": "scrutineer"})
    )
    await decided(h)
    with pytest.raises(Refusal) as refused:
        await h.send(CommissionReview, **CSPR)
    assert refused.value.code == "decision_not_signed_off"
    await h.send(
        SignOffRapidReviewDecision, incident_id="si-1", signed_off_by="Independent Scrutineer (invented)", signed_off_on="2027-01-12"
    )
    [commissioned] = await h.send(CommissionReview, **CSPR)
    assert commissioned.event.sign_off_by == "scrutineer"  # type: ignore[attr-defined]
    with pytest.raises(Refusal) as refused:
        await h.send(SignOffReview, review_id="cspr-1", signed_off_as="executive", signatory="x", signed_off_on="2027-01-20")
    assert (refused.value.code, refused.value.field) == ("wrong_signatory", "signed_off_as")


async def test_somerset_a_cspr_waits_for_the_national_panel_and_the_executive_or_the_scrutineer_signs_it_off() -> None:
    # "Commissioned by SSCP following recommendation to Executive following rapid review ... which must be
    # endorsed by National Panel"; "Executive (or Independent Scrutineer) to sign off final report".
    somerset = load_builtin("somerset")
    h = Harness(utc(2026, 12, 18), somerset.model_copy(update={"id": NL}))
    early = await refusal(h, RecordNationalPanelResponse, incident_id="si-1", endorsed=True, responded_on="2027-01-12")
    assert early.code == "not_decided"
    await decided(h)
    await h.send(
        SignOffRapidReviewDecision, incident_id="si-1", signed_off_by="Independent Scrutineer (invented)", signed_off_on="2027-01-12"
    )
    waiting = await refusal(h, CommissionReview, **CSPR)
    assert (waiting.code, waiting.field) == ("panel_endorsement_needed", "incident_id")
    [responded] = await h.send(
        RecordNationalPanelResponse, incident_id="si-1", endorsed=True, responded_on="2027-01-15", note="Local review agreed"
    )
    assert isinstance(responded.event, NationalPanelResponded) and responded.event.outcome == "local-cspr"
    assert (
        await refusal(h, RecordNationalPanelResponse, incident_id="si-1", endorsed=True, responded_on="2027-01-16")
    ).code == "already_responded"
    [commissioned] = await h.send(CommissionReview, **CSPR)
    assert commissioned.event.signatories == ["executive", "scrutineer"]  # type: ignore[attr-defined]
    [signed] = await h.send(
        SignOffReview,
        review_id="cspr-1",
        signed_off_as="scrutineer",
        signatory="Independent Scrutineer (invented)",
        signed_off_on="2027-01-20",
    )
    assert signed.event.signed_off_as == "scrutineer"  # type: ignore[attr-defined]
    await h.send(CommissionReview, **(CSPR | {"review_id": "cspr-2"}))
    await h.send(SignOffReview, review_id="cspr-2", signed_off_as="executive", signatory="SSCP Executive", signed_off_on="2027-01-20")
    await h.send(CommissionReview, **(CSPR | {"review_id": "cspr-3"}))
    wrong = await refusal(h, SignOffReview, review_id="cspr-3", signed_off_as="subgroup", signatory="x", signed_off_on="2027-01-20")
    assert (wrong.code, wrong.field) == ("wrong_signatory", "signed_off_as") and "the executive or the scrutineer" in wrong.message


async def test_a_cspr_the_national_panel_did_not_endorse_is_not_commissioned() -> None:
    h = Harness(utc(2026, 12, 18), variant(reviews={"cspr_endorsed_by_national_panel": True}))
    await decided(h)
    await h.send(
        RecordNationalPanelResponse, incident_id="si-1", endorsed=False, responded_on="2027-01-15", note="A national review instead"
    )
    refused = await refusal(h, CommissionReview, **CSPR)
    assert refused.code == "panel_endorsement_needed" and "has not endorsed it" in refused.message


async def test_learning_and_thematic_reviews_are_lighter() -> None:
    h = Harness(utc(2027, 3, 1), variant(reviews={"learning_review_months": 4, "review_slippage_warning_days": 0}))
    [learning] = await h.send(
        CommissionReview,
        review_id="lr-1",
        review_type="learning-review",
        theme="Bruising in non-mobile babies",
        author="SPLIG",
        terms_of_reference="Two cases below the CSPR threshold",
        commissioned_on="2027-03-01",
    )
    assert (learning.event.due_on, learning.event.warn_on, learning.event.sign_off_by) == (date(2027, 7, 1), None, "subgroup")  # type: ignore[attr-defined]
    assert await h.pending() == {"review-overdue": london(2027, 7, 2)}
    [thematic] = await h.send(
        CommissionReview,
        review_id="tr-1",
        review_type="thematic-review",
        theme="Neglect",
        author="SPLIG",
        terms_of_reference="Neglect across the pathway",
        commissioned_on="2027-03-01",
    )
    assert thematic.event.due_on == date(2027, 9, 1)  # type: ignore[attr-defined]
    with pytest.raises(Refusal) as refused:
        await h.send(PublishReview, review_id="lr-1", published_on="2027-03-01", link="https://example.org/lr", themes=["x"])
    assert refused.value.code == "not_signed_off"


async def test_stages_come_from_the_profile_once_each_with_dates() -> None:
    h = Harness(utc(2027, 3, 1))
    await h.send(
        CommissionReview,
        review_id="tr-1",
        review_type="thematic-review",
        theme="Neglect",
        author="SPLIG",
        terms_of_reference="t",
        commissioned_on="2027-03-01",
    )
    await h.send(RecordReviewStage, review_id="tr-1", stage="information-gathered", completed_on="2027-03-01")
    cases = [
        ({"stage": "horoscope-read", "completed_on": "2027-03-01"}, "unknown_stage", "stage"),
        ({"stage": "information-gathered", "completed_on": "2027-03-01"}, "stage_recorded", "stage"),
        ({"stage": "draft-report", "completed_on": "2027-02-01"}, "date_too_early", "completed_on"),
        ({"stage": "draft-report", "completed_on": "2027-03-02"}, "date_in_future", "completed_on"),
    ]
    for body, code, field in cases:
        with pytest.raises(Refusal) as refused:
            await h.send(RecordReviewStage, review_id="tr-1", **body)
        assert (refused.value.code, refused.value.field) == (code, field)


async def test_a_review_extension_moves_both_clocks_and_needs_a_reason() -> None:
    h = Harness(utc(2026, 12, 18))
    await decided(h)
    await h.send(CommissionReview, **CSPR)
    await h.at(london(2027, 7, 13))
    with pytest.raises(Refusal) as refused:
        await h.send(ChangeReviewDueDate, review_id="cspr-1", change="extension", due_on="2027-09-30", agreed_by="partners")
    assert refused.value.field == "reason"
    [changed] = await h.send(
        ChangeReviewDueDate,
        review_id="cspr-1",
        change="extension",
        due_on="2027-09-30",
        reason="Criminal trial; the National Panel agreed",
        agreed_by="partners",
    )
    assert changed.event.warn_on == date(2027, 9, 2)  # type: ignore[attr-defined]
    assert types(await h.at(london(2027, 10, 2))) == ["ReviewSlippageWarned", "ReviewSlipped"]


async def test_a_profile_may_have_its_signatories_sign_off_jointly() -> None:
    # The profile names several signatories of a thematic review and says they sign jointly: every
    # one signs, the last signature is the sign-off, and only then may the review be published.
    jointly = variant(reviews={"thematic_review_signed_off_by": ["subgroup", "scrutineer"], "signed_off_jointly": ["thematic-review"]})
    h = Harness(utc(2027, 3, 1), jointly)
    [commissioned] = await h.send(
        CommissionReview,
        review_id="tr-1",
        review_type="thematic-review",
        theme="Neglect",
        author="SPLIG",
        terms_of_reference="t",
        commissioned_on="2027-03-01",
    )
    assert commissioned.event.jointly is True  # type: ignore[attr-defined]
    [first] = await h.send(
        SignOffReview,
        review_id="tr-1",
        signed_off_as="scrutineer",
        signatory="Independent Scrutineer (invented)",
        signed_off_on="2027-03-01",
    )
    assert isinstance(first.event, ReviewSignatureRecorded) and first.event.outstanding == ["subgroup"]
    again = await refusal(h, SignOffReview, review_id="tr-1", signed_off_as="scrutineer", signatory="x", signed_off_on="2027-03-01")
    assert (again.code, again.field) == ("already_signed", "signed_off_as")
    early = await refusal(h, PublishReview, review_id="tr-1", published_on="2027-03-01", link="https://example.org/tr", themes=["x"])
    assert early.code == "not_signed_off"
    wrong = await refusal(h, SignOffReview, review_id="tr-1", signed_off_as="executive", signatory="x", signed_off_on="2027-03-01")
    assert "the subgroup and the scrutineer" in wrong.message
    [signed] = await h.send(SignOffReview, review_id="tr-1", signed_off_as="subgroup", signatory="SPLIG chair", signed_off_on="2027-03-01")
    assert isinstance(signed.event, ReviewSignedOff) and signed.event.signed_jointly_by == ["scrutineer", "subgroup"]
    with pytest.raises(ValueError, match="two or more signatories"):
        variant(reviews={"signed_off_jointly": ["learning-review"]}).reviews.model_validate(
            variant(reviews={"signed_off_jointly": ["learning-review"]}).reviews.model_dump())
