"""The reporting service's own records through its handlers, over in-memory stores:
indicator ratings backed by evidence, the yearly report's sign-off in the profile's
order, the risk register; and the commands' validation naming the field."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from services.reporting.domain.records import commands as c
from services.reporting.domain.records import risks as risk_domain
from services.reporting.handlers import ReportingHandlers
from services.section11.domain.commands import OpenAuditCycle
from services.section11.handlers import Section11Handlers
from shared.catalogue.reporting import (
    IndicatorRated,
    PartnersSignedOff,
    RiskReassessed,
    ScrutineerSignedOff,
    YearlyReportDrafted,
)
from shared.clock import ManualClock
from shared.envelope import Metadata
from shared.eventstore.memory import InMemoryEventStore
from shared.mapper import new_envelopes, parse_event
from shared.partnerships import Partnerships
from shared.profiles import FrameworkProfile, builtin_profiles, load_builtin
from shared.refusals import Refusal, parse_message

PROFILES = {p: load_builtin(p) for p in ("kent", "somerset", "north-lincolnshire")}
NOW = datetime(2027, 5, 10, 9, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def stores(clock: ManualClock) -> dict[str, InMemoryEventStore]:
    return {name: InMemoryEventStore(name, clock) for name in ("reporting_records", "section11", "events", "reviews")}


@pytest.fixture
def handlers(stores: dict[str, InMemoryEventStore], clock: ManualClock) -> ReportingHandlers:
    sources = {k: v for k, v in stores.items() if k != "reporting_records"}
    return ReportingHandlers(stores["reporting_records"], sources, Partnerships(PROFILES), clock)


def meta(partnership: str) -> Metadata:
    return Metadata(partnership_id=partnership, actor="business-unit", correlation_id=uuid4())


def command(model: type[Any], **fields: Any) -> Any:
    return parse_message(model, json.dumps({"request_id": str(uuid4())} | fields, default=str).encode())


async def refused(coro: Any) -> Refusal:
    with pytest.raises(Refusal) as caught:
        await coro
    return caught.value


# -- indicators ---------------------------------------------------------------------------


async def test_a_rating_cites_the_newest_event_of_each_record_it_names(
    handlers: ReportingHandlers, stores: dict[str, InMemoryEventStore], clock: ManualClock
) -> None:
    s11 = Section11Handlers(stores["section11"], Partnerships(PROFILES), clock)
    [opened] = await s11.open_cycle(OpenAuditCycle(request_id=uuid4(), cycle_id="2026-27", opened_on=date(2027, 5, 1)), meta("kent"))
    rate = command(
        c.RateIndicator, indicator_id="audits-lead-to-change", rating="moderate", rationale="Two audits changed practice",
        evidence=[{"kind": "s11-cycle", "id": "2026-27", "note": "returns from every partner"}], rated_on="2027-05-09",
        rated_by="Business team (invented)",
    )
    [rated] = await handlers.rate_indicator(rate, meta("kent"))
    event = rated.event
    assert isinstance(event, IndicatorRated)
    assert (event.tier_id, event.rating, event.previous_rating) == ("strategic", "moderate", None)
    assert event.indicator_text.startswith("Extent to which the Section 11 and multi-agency audits")
    [cited] = event.evidence
    assert (cited.stream_id, cited.event_id, cited.event_type, cited.store) == (
        "s11-cycle:kent:2026-27", str(opened.event_id), "AuditCycleOpened", "section11",
    )
    assert await handlers.rate_indicator(rate, meta("kent")) == [rated]  # the same request again: the same answer
    again = command(c.RateIndicator, **(rate.model_dump(mode="json", exclude={"request_id"}) | {"rating": "substantial"}))
    [second] = await handlers.rate_indicator(again, meta("kent"))
    assert second.event.previous_rating == "moderate"  # type: ignore[union-attr]


async def test_a_rating_without_its_evidence_on_record_is_refused_naming_the_reference(handlers: ReportingHandlers) -> None:
    rate = command(
        c.RateIndicator, indicator_id="audits-lead-to-change", rating="limited", rationale="r",
        evidence=[{"kind": "audit-round", "id": "maa-1"}], rated_on="2027-05-09", rated_by="BU",
    )
    refusal = await refused(handlers.rate_indicator(rate, meta("kent")))
    assert (refusal.code, refusal.field) == ("unknown_evidence", "evidence[0].id")
    unknown = command(c.RateIndicator, **(rate.model_dump(mode="json", exclude={"request_id"}) | {"indicator_id": "happiness"}))
    refusal = await refused(handlers.rate_indicator(unknown, meta("kent")))
    assert (refusal.code, refusal.field) == ("unknown_indicator", "indicator_id")
    assert "audits-lead-to-change" in refusal.message
    refusal = await refused(handlers.rate_indicator(rate, meta("somerset")))  # Somerset's profile has no tiers
    assert refusal.code == "unknown_indicator" and "no tiers of assurance" in refusal.message


@pytest.mark.parametrize(
    ("change", "field"),
    [({"rating": "Great!"}, "rating"), ({"evidence": []}, "evidence"), ({"evidence": [{"kind": "rumour", "id": "x"}]}, "evidence[0].kind"),
     ({"rated_on": "soon"}, "rated_on"), ({"colour": "red"}, "colour")],
)
def test_bad_input_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    body = {"request_id": str(uuid4()), "indicator_id": "x", "rating": "limited", "rationale": "r",
            "evidence": [{"kind": "review", "id": "r-1"}], "rated_on": "2027-01-01", "rated_by": "BU"} | change
    with pytest.raises(Refusal) as caught:
        parse_message(c.RateIndicator, json.dumps(body).encode())
    assert caught.value.field == field


# -- the yearly report --------------------------------------------------------------------


async def test_somerset_the_scrutineer_comments_and_signs_off_before_publication(handlers: ReportingHandlers) -> None:
    m = meta("somerset")
    [draft] = await handlers.draft_yearly_report(command(c.DraftYearlyReport, year=2026, summary="s", drafted_on="2027-04-02"), m)
    assert (draft.event.period_start, draft.event.scrutineer, draft.event.sign_off_by) == (date(2026, 4, 1), "signs_off", [])  # type: ignore[union-attr]
    publish = command(c.PublishYearlyReport, year=2026, published_on="2027-05-01")
    early = await refused(handlers.publish_yearly_report(publish, m))
    assert early.code == "out_of_order" and "the independent scrutineer's sign-off" in early.message
    sign = command(c.ScrutineerSignOffYearlyReport, year=2026, signed_off_by="Independent Scrutineer", signed_off_on="2027-04-20")
    assert (await refused(handlers.scrutineer_sign_off(sign, m))).code == "out_of_order"  # the comments come first
    [comment] = await handlers.comment_on_yearly_report(
        command(
            c.CommentOnYearlyReport, year=2026, comments="Clear on impact", commented_by="Independent Scrutineer", commented_on="2027-04-10"
        ),
        m,
    )
    assert comment.event.comments_to == "sscp-executive"  # type: ignore[union-attr]
    [signed] = await handlers.scrutineer_sign_off(sign, m)
    assert isinstance(signed.event, ScrutineerSignedOff)
    redraft = await refused(handlers.draft_yearly_report(command(c.DraftYearlyReport, year=2026, summary="v2", drafted_on="2027-04-21"), m))
    assert redraft.code == "signed_off"
    [published] = await handlers.publish_yearly_report(publish, m)
    assert published.event.publication == "SSCP website"  # type: ignore[union-attr]
    assert (
        await refused(handlers.publish_yearly_report(command(c.PublishYearlyReport, year=2026, published_on="2027-05-02"), m))
    ).code == "published"


async def test_north_lincolnshire_the_scrutineer_reviews_then_the_partners_sign_off(handlers: ReportingHandlers) -> None:
    m = meta("north-lincolnshire")
    await handlers.draft_yearly_report(command(c.DraftYearlyReport, year=2026, summary="s", drafted_on="2027-04-02"), m)
    partners = command(
        c.PartnersSignOffYearlyReport,
        year=2026,
        group_id="safeguarding-partners",
        signatories=["DCS (invented)"],
        signed_off_on="2027-04-25",
    )
    early = await refused(handlers.partners_sign_off(partners, m))
    assert early.code == "out_of_order" and "review of version 1" in early.message
    wrong = command(
        c.PartnersSignOffYearlyReport, year=2026, group_id="childrens-mars-board", signatories=["Chair"], signed_off_on="2027-04-25"
    )
    assert (await refused(handlers.partners_sign_off(wrong, m))).field == "group_id"
    not_theirs = command(c.ScrutineerSignOffYearlyReport, year=2026, signed_off_by="ISO", signed_off_on="2027-04-20")
    assert (await refused(handlers.scrutineer_sign_off(not_theirs, m))).code == "not_the_scrutineers"
    await handlers.comment_on_yearly_report(
        command(c.CommentOnYearlyReport, year=2026, comments="c", commented_by="ISO", commented_on="2027-04-10"), m
    )
    # A new version after the comments: the scrutineer reviews it again before the partners sign.
    await handlers.draft_yearly_report(command(c.DraftYearlyReport, year=2026, summary="v2", drafted_on="2027-04-12"), m)
    assert (await refused(handlers.partners_sign_off(partners, m))).code == "out_of_order"
    await handlers.comment_on_yearly_report(
        command(c.CommentOnYearlyReport, year=2026, comments="ok", commented_by="ISO", commented_on="2027-04-14"), m
    )
    [signed] = await handlers.partners_sign_off(partners, m)
    assert isinstance(signed.event, PartnersSignedOff) and signed.event.version == 2 and signed.event.outstanding == []
    assert await handlers.partners_sign_off(partners, m) == [signed]  # resent: the first answer
    again = command(c.PartnersSignOffYearlyReport, **partners.model_dump(mode="json", exclude={"request_id"}))
    assert (await refused(handlers.partners_sign_off(again, m))).code == "already_signed_off"
    await handlers.publish_yearly_report(command(c.PublishYearlyReport, year=2026, published_on="2027-04-30"), m)


async def test_kent_no_scrutineer_part_and_steps_not_dated_before_the_last(handlers: ReportingHandlers) -> None:
    m = meta("kent")
    assert (await refused(handlers.comment_on_yearly_report(
        command(c.CommentOnYearlyReport, year=2026, comments="c", commented_by="IS", commented_on="2027-04-10"), m))).code == "not_drafted"
    future = await refused(handlers.draft_yearly_report(command(c.DraftYearlyReport, year=2026, summary="s", drafted_on="2027-06-01"), m))
    assert (future.code, future.field) == ("in_the_future", "drafted_on")
    await handlers.draft_yearly_report(command(c.DraftYearlyReport, year=2026, summary="s", drafted_on="2027-04-02"), m)
    assert (
        await refused(
            handlers.comment_on_yearly_report(
                command(c.CommentOnYearlyReport, year=2026, comments="c", commented_by="IS", commented_on="2027-04-10"), m
            )
        )
    ).code == "no_scrutineer_part"
    sign = {"year": 2026, "group_id": "lead-safeguarding-partners", "signatories": ["Chief Constable (invented)"]}
    backdated = await refused(handlers.partners_sign_off(command(c.PartnersSignOffYearlyReport, **sign, signed_off_on="2027-04-01"), m))
    assert (backdated.code, backdated.field) == ("too_early", "signed_off_on")
    await handlers.partners_sign_off(command(c.PartnersSignOffYearlyReport, **sign, signed_off_on="2027-04-03"), m)
    await handlers.publish_yearly_report(command(c.PublishYearlyReport, year=2026, published_on="2027-04-04"), m)


async def test_a_profile_with_no_yearly_report_refuses_a_draft(handlers: ReportingHandlers, stores: dict[str, InMemoryEventStore]) -> None:
    handlers.partnerships["calderdale"] = load_builtin("calderdale")
    refusal = await refused(
        handlers.draft_yearly_report(command(c.DraftYearlyReport, year=2026, summary="s", drafted_on="2027-04-02"), meta("calderdale"))
    )
    assert refusal.code == "no_yearly_report"


async def test_kent_s_two_yearly_reports_each_have_their_own_lifecycle(
    handlers: ReportingHandlers, stores: dict[str, InMemoryEventStore]
) -> None:
    m = meta("kent")
    annual = {"year": 2026}  # no report named: the profile's first, the KSCMP Annual Report
    saa = {"year": 2026, "report_id": "scrutiny-assurance-audit-report"}
    [one] = await handlers.draft_yearly_report(command(c.DraftYearlyReport, **annual, summary="The year", drafted_on="2027-04-02"), m)
    [two] = await handlers.draft_yearly_report(command(c.DraftYearlyReport, **saa, summary="Audits", drafted_on="2027-04-03"), m)
    assert (one.stream_id, one.event.report_id, one.event.name) == (
        "yearly-report:kent:kscmp-annual-report:2026",
        "kscmp-annual-report",
        "KSCMP Annual Report",
    )
    assert (two.stream_id, two.event.report_id, two.event.version) == (
        "yearly-report:kent:scrutiny-assurance-audit-report:2026",
        "scrutiny-assurance-audit-report",
        1,
    )
    assert two.event.sign_off_by == ["kscmp-executive"] and not two.event.publish
    # Each its own signatories: the Executive signs the sub-group's report, not the annual report.
    executive = {"group_id": "kscmp-executive", "signatories": ["Chair (invented)"], "signed_off_on": "2027-04-05"}
    assert (
        await refused(handlers.partners_sign_off(command(c.PartnersSignOffYearlyReport, **annual, **executive), m))
    ).code == "not_a_signatory"
    [signed] = await handlers.partners_sign_off(command(c.PartnersSignOffYearlyReport, **saa, **executive), m)
    assert isinstance(signed.event, PartnersSignedOff) and signed.event.outstanding == []
    assert (
        await refused(handlers.publish_yearly_report(command(c.PublishYearlyReport, **saa, published_on="2027-04-06"), m))
    ).code == "not_published"
    unknown = await refused(
        handlers.draft_yearly_report(command(c.DraftYearlyReport, year=2026, report_id="nope", summary="s", drafted_on="2027-04-02"), m)
    )
    assert (unknown.code, unknown.field) == ("unknown_yearly_report", "report_id")


async def test_a_yearly_report_begun_in_the_old_stream_goes_on_there(
    handlers: ReportingHandlers, stores: dict[str, InMemoryEventStore]
) -> None:
    # Recorded (v1, no report id) when a profile had one yearly report: `yearly-report:{partnership}:{year}`.
    v1 = parse_event("YearlyReportDrafted", 1, {
        "year": 2026, "name": "Children's MARS arrangements annual report", "period_start": "2026-04-01", "period_end": "2027-03-31",
        "version": 1, "summary": "s", "compiled_by": "Safeguarding partners", "drafted_on": "2027-04-02", "scrutineer": "reviews",
        "scrutineer_before_publication": True, "sign_off_by": ["safeguarding-partners"], "publish": True, "publication": "",
    })
    assert isinstance(v1, YearlyReportDrafted) and v1.report_id == ""  # upcast: the profile's first
    store, m = stores["reporting_records"], meta("north-lincolnshire")
    await store.append("yearly-report:north-lincolnshire:2026", 0, new_envelopes("yearly-report:north-lincolnshire:2026", 0, [v1], m, NOW))
    [comment] = await handlers.comment_on_yearly_report(
        command(c.CommentOnYearlyReport, year=2026, comments="c", commented_by="ISO", commented_on="2027-04-10"), m)
    assert (comment.stream_id, comment.event.report_id, comment.event.version) == ("yearly-report:north-lincolnshire:2026", "", 1)
    named = command(
        c.CommentOnYearlyReport, year=2026, report_id="annual-report", comments="again", commented_by="ISO", commented_on="2027-04-11"
    )
    [again] = await handlers.comment_on_yearly_report(named, m)
    assert again.stream_id == "yearly-report:north-lincolnshire:2026"
    assert await store.read_stream("yearly-report:north-lincolnshire:annual-report:2026") == []


# -- the risk register --------------------------------------------------------------------

RISK = {
    "risk_id": "data-sharing",
    "title": "Agencies do not share data for the dashboard",
    "description": "d",
    "owner": "kscmp-executive",
    "inherent": {"likelihood": 4, "impact": 4},
    "current": {"likelihood": 3, "impact": 4},
    "target": {"likelihood": 2, "impact": 3},
    "controls": ["Data sharing agreement"],
    "recorded_on": "2027-05-01",
    "review_on": "2027-08-01",
}


async def test_a_risk_is_recorded_reassessed_and_closed(handlers: ReportingHandlers) -> None:
    m = meta("kent")
    [recorded] = await handlers.record_risk(command(c.RecordRisk, **RISK), m)
    assert recorded.event.current.score == 12  # type: ignore[union-attr]
    [reassessed] = await handlers.reassess_risk(command(
        c.ReassessRisk, risk_id="data-sharing", current={"likelihood": 2, "impact": 4}, reassessed_on="2027-05-09",
        review_on="2027-09-01", note="Agreement signed by two partners", owner="kent-police",
    ), m)
    assert isinstance(reassessed.event, RiskReassessed)
    assert (reassessed.event.previous.score, reassessed.event.current.score, reassessed.event.target.score) == (12, 8, 6)
    assert reassessed.event.owner == "kent-police"
    await handlers.close_risk(command(c.CloseRisk, risk_id="data-sharing", closed_on="2027-05-10", reason="Dashboard live"), m)
    closed = await refused(handlers.close_risk(command(c.CloseRisk, risk_id="data-sharing", closed_on="2027-05-10", reason="again"), m))
    assert (closed.code, closed.field) == ("closed", "risk_id")


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"owner": "the-board"}, "unknown_owner", "owner"),
        ({"current": {"likelihood": 5, "impact": 5}}, "above_inherent", "current"),
        ({"target": {"likelihood": 5, "impact": 4}}, "above_inherent", "target"),
        ({"review_on": "2027-05-01"}, "review_not_after", "review_on"),
        ({"recorded_on": "2027-06-01", "review_on": "2027-07-01"}, "in_the_future", "recorded_on"),
    ],
)
async def test_a_risk_is_refused_naming_the_field(handlers: ReportingHandlers, change: dict[str, Any], code: str, field: str) -> None:
    refusal = await refused(handlers.record_risk(command(c.RecordRisk, **(RISK | change)), meta("kent")))
    assert (refusal.code, refusal.field) == (code, field)


@given(likelihood=st.integers(-3, 12), impact=st.integers(-3, 12))
def test_a_rating_off_the_five_by_five_matrix_is_refused_naming_its_field(likelihood: int, impact: int) -> None:
    # The command takes 1 to 10; the profile's matrix (Kent's: 5 x 5, the default) says how high.
    body = RISK | {
        "request_id": str(uuid4()),
        "inherent": {"likelihood": 5, "impact": 5},
        "current": {"likelihood": likelihood, "impact": impact},
    }
    on_the_matrix = 1 <= likelihood <= 5 and 1 <= impact <= 5
    try:
        events = risk_domain.decide_record(
            risk_domain.Risk(), parse_message(c.RecordRisk, json.dumps(body).encode()), PROFILES["kent"], date(2027, 5, 10)
        )
    except Refusal as refusal:
        assert not on_the_matrix and refusal.field in ("current.likelihood", "current.impact")
        return
    assert on_the_matrix and events[0].current.likelihood == likelihood  # type: ignore[attr-defined]


def own_scales() -> Any:
    """Kent's profile with three levels of assurance of its own and a 4 x 4 risk matrix."""
    data = yaml.safe_load(builtin_profiles()["kent"].read_text(encoding="utf-8"))
    data["reporting"]["assurance_levels"] = [
        {"id": "assured", "name": "Assured"},
        {"id": "partly-assured", "name": "Partly assured"},
        {"id": "not-assured", "name": "Not assured"},
    ]
    data["reporting"]["risk_matrix"] = {"likelihood": 4, "impact": 4, "bands": [
        {"name": "Tolerable", "from_score": 1, "colour": "green"}, {"name": "Intolerable", "from_score": 9, "colour": "red"},
    ]}
    return FrameworkProfile.model_validate(data)


async def test_ratings_and_risks_are_on_the_profile_s_own_scales(
    handlers: ReportingHandlers, stores: dict[str, InMemoryEventStore], clock: ManualClock
) -> None:
    handlers.partnerships["kent"] = own_scales()
    s11 = Section11Handlers(stores["section11"], Partnerships(PROFILES), clock)
    await s11.open_cycle(OpenAuditCycle(request_id=uuid4(), cycle_id="2026-27", opened_on=date(2027, 5, 1)), meta("kent"))
    rate = {"indicator_id": "audits-lead-to-change", "rationale": "r", "evidence": [{"kind": "s11-cycle", "id": "2026-27"}],
            "rated_on": "2027-05-09", "rated_by": "BU"}
    [rated] = await handlers.rate_indicator(command(c.RateIndicator, **rate, rating="partly-assured"), meta("kent"))
    assert rated.event.rating == "partly-assured"  # type: ignore[union-attr]
    off = await refused(handlers.rate_indicator(command(c.RateIndicator, **rate, rating="substantial"), meta("kent")))
    assert (off.code, off.field) == ("unknown_level", "rating") and "assured, partly-assured, not-assured" in off.message
    four = RISK | {
        "inherent": {"likelihood": 4, "impact": 4},
        "current": {"likelihood": 3, "impact": 4},
        "target": {"likelihood": 2, "impact": 2},
    }
    await handlers.record_risk(command(c.RecordRisk, **four), meta("kent"))
    five = RISK | {"risk_id": "other", "inherent": {"likelihood": 5, "impact": 4}}
    off = await refused(handlers.record_risk(command(c.RecordRisk, **five), meta("kent")))
    assert (off.code, off.field) == ("off_the_matrix", "inherent.likelihood") and "1 to 4" in off.message


def test_the_command_side_domain_imports_no_infrastructure() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, importlib, pkgutil, services.reporting.domain as d\n"
        "for m in pkgutil.walk_packages(d.__path__, 'services.reporting.domain.'): importlib.import_module(m.name)\n"
        "print(','.join(sorted(n for n in ('faststream', 'nats', 'asyncpg', 'opentelemetry') if n in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
