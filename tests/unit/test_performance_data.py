"""Performance data (issue 17 item 1), pure: the profile's indicators, periods by frequency,
values in the unit's range, the supplier's own indicators only, and the early warnings a
value raises (crossing the threshold; declining for the profile's number of periods);
then the view the dashboard, board pack and reports read, and the handlers over an
in-memory store (all of a batch or none)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from services.reporting.adapters.indicator_files import Unreadable, read_values
from services.reporting.domain.records import performance as perf
from services.reporting.domain.records.commands import (
    IndicatorValue,
    RecordIndicatorValue,
    RecordIndicatorValues,
)
from services.reporting.domain.views.board_pack_exceptions import (
    Names,
    Window,
    performance_exceptions,
)
from services.reporting.domain.views.performance import ValueRow, WarningRow, build_performance
from services.reporting.handlers import ReportingHandlers
from shared.catalogue.reporting import IndicatorEarlyWarningRaised, IndicatorValueRecorded
from shared.clock import ManualClock
from shared.envelope import Metadata
from shared.eventstore.memory import InMemoryEventStore
from shared.partnerships import Partnerships
from shared.profiles import load_builtin
from shared.profiles.errors import ProfileError
from shared.profiles.loader import parse_profile
from shared.refusals import Refusal

CALDERDALE = load_builtin("calderdale")
TODAY = date(2027, 5, 10)
CSC = "cmbc-childrens-social-care"
RE_REFERRALS = "re-referrals-12-months"  # percent, lower is better, monthly, threshold 25
ASSESSMENTS = "assessments-within-45-days"  # percent, higher is better, monthly, threshold 80


def decide(state: perf.PerformanceState, rows: list[tuple[str, str, float]], agency: str | None = CSC) -> list:
    values = [IndicatorValue(indicator_id=i, period=p, value=v) for i, p, v in rows]
    return perf.decide_values(state, agency, values, CALDERDALE, TODAY)


def fold(events: list) -> perf.PerformanceState:
    return perf.PERFORMANCE.fold(events)


def refused(state: perf.PerformanceState, rows: list[tuple[str, str, float]], agency: str | None = CSC) -> Refusal:
    with pytest.raises(Refusal) as caught:
        decide(state, rows, agency)
    return caught.value


# -- the profile ------------------------------------------------------------------------------


def test_the_shipped_frameworks_with_performance_data_declare_indicators() -> None:
    for profile_id in ("calderdale", "kent", "somerset"):
        section = load_builtin(profile_id).reporting.performance
        assert len(section.indicators) >= 5 and section.comparators
        assert all(i.threshold is not None or i.declining_periods for i in section.indicators)
    kent = load_builtin("kent").reporting.performance
    assert {i.tier for i in kent.indicators} == {"operational", "strategic"}
    assert {i.element for i in CALDERDALE.reporting.performance.indicators} == {"quantitative"}


def _with_indicator(**changes: object) -> dict:
    data = yaml.safe_load(open("shared/profiles/data/calderdale.yaml").read())
    data["reporting"]["performance"]["indicators"][0].update(changes)
    return data


@pytest.mark.parametrize(("changes", "where"), [
    ({"supplied_by": "no-such-agency"}, "supplied_by"),
    ({"element": "no-such-element"}, "element"),
    ({"tier": "no-such-tier"}, "tier"),
    ({"comparators": {"wales": 20.0}}, "comparators"),
    ({"threshold": 140}, "threshold"),
])
def test_a_profile_naming_what_it_lacks_is_refused_at_the_field(changes: dict, where: str) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile(yaml.safe_dump(_with_indicator(**changes)))
    assert where in str(caught.value)


# -- periods ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("period", "frequency", "start"), [
    ("2027-03", "monthly", date(2027, 3, 1)),
    ("2026-Q4", "quarterly", date(2026, 10, 1)),
    ("2026-27", "yearly", date(2026, 4, 1)),
    ("1999-00", "yearly", date(1999, 4, 1)),
])
def test_a_period_is_written_as_its_frequency_says(period: str, frequency: str, start: date) -> None:
    index, first = perf.period_index(period, frequency)  # type: ignore[misc]
    assert first == start and perf.period_of(index, frequency) == period


@pytest.mark.parametrize(("period", "frequency"), [
    ("2027-13", "monthly"), ("2027-Q1", "monthly"), ("2027-03", "quarterly"), ("2027-Q5", "quarterly"),
    ("2026-28", "yearly"), ("2026", "yearly"), ("March 2027", "monthly"),
])
def test_a_period_not_of_the_frequency_is_none(period: str, frequency: str) -> None:
    assert perf.period_index(period, frequency) is None


def test_wrong_period_for_the_frequency_is_refused_naming_the_row_and_field() -> None:
    refusal = refused(fold([]), [(RE_REFERRALS, "2027-03", 20.0), ("repeat-child-protection-plans", "2027-03", 20.0)])
    assert refusal.code == "wrong_period" and refusal.field == "values.1.period"
    assert "quarterly" in str(refusal) and "YYYY-Qn" in str(refusal)


def test_a_period_not_yet_begun_is_refused() -> None:
    refusal = refused(fold([]), [(RE_REFERRALS, "2027-06", 20.0)])
    assert (refusal.code, refusal.field) == ("period_not_begun", "values.0.period")


# -- values -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("indicator", "value", "agency"), [
    (RE_REFERRALS, 100.5, CSC), (RE_REFERRALS, -1.0, CSC), ("missing-episodes", 2.5, "west-yorkshire-police"),
    ("missing-episodes", -3, "west-yorkshire-police"),
])
def test_a_value_outside_the_units_range_is_refused(indicator: str, value: float, agency: str) -> None:
    refusal = refused(fold([]), [(indicator, "2027-03", value)], agency)
    assert (refusal.code, refusal.field) == ("out_of_range", "values.0.value")


def test_an_unknown_indicator_is_refused_listing_the_known() -> None:
    refusal = refused(fold([]), [("no-such-indicator", "2027-03", 1.0)])
    assert (refusal.code, refusal.field) == ("unknown_indicator", "values.0.indicator_id")
    assert RE_REFERRALS in str(refusal)


def test_an_agency_cannot_supply_another_agencys_indicator() -> None:
    refusal = refused(fold([]), [(RE_REFERRALS, "2027-03", 20.0)], agency="west-yorkshire-police")
    assert (refusal.code, refusal.field) == ("not_supplier", "values.0.indicator_id")


def test_the_business_unit_supplies_for_any_agency() -> None:
    events = decide(fold([]), [(RE_REFERRALS, "2027-03", 20.0), ("missing-episodes", "2027-03", 40)], agency=None)
    assert [e.agency_id for e in events] == [CSC, "west-yorkshire-police"]


def test_two_values_for_one_period_in_one_request_are_refused() -> None:
    refusal = refused(fold([]), [(RE_REFERRALS, "2027-03", 20.0), (RE_REFERRALS, "2027-03", 21.0)])
    assert (refusal.code, refusal.field) == ("duplicate_value", "values.1.period")


def test_a_value_sent_again_corrects_it_and_an_unchanged_one_records_nothing() -> None:
    state = fold(decide(fold([]), [(RE_REFERRALS, "2027-03", 20.0)]))
    assert decide(state, [(RE_REFERRALS, "2027-03", 20.0)]) == []
    [corrected] = decide(state, [(RE_REFERRALS, "2027-03", 21.0)])
    assert isinstance(corrected, IndicatorValueRecorded) and corrected.previous_value == 20.0


# -- early warnings ---------------------------------------------------------------------------


def warnings_of(events: list) -> list[IndicatorEarlyWarningRaised]:
    return [e for e in events if isinstance(e, IndicatorEarlyWarningRaised)]


def test_crossing_the_threshold_warns_once_at_the_crossing() -> None:
    events = decide(fold([]), [(RE_REFERRALS, "2027-01", 22.0), (RE_REFERRALS, "2027-02", 26.0), (RE_REFERRALS, "2027-03", 20.0)])
    [warning] = warnings_of(events)
    assert (warning.reason, warning.period, warning.threshold, warning.raised_to) == ("threshold", "2027-02", 25, "cscp-executive")
    assert warning.series == [("2027-01", 22.0), ("2027-02", 26.0)]
    # Staying beyond it is no new crossing; leaving it and crossing again is.
    again = decide(fold(events), [(RE_REFERRALS, "2027-04", 27.0)])
    assert [(w.reason, w.period) for w in warnings_of(again)] == [("threshold", "2027-04")]
    assert warnings_of(decide(fold([*events, *again]), [(RE_REFERRALS, "2027-05", 28.0)])) == []


def test_staying_beyond_the_threshold_does_not_warn_again() -> None:
    events = decide(fold([]), [(ASSESSMENTS, "2027-01", 78.0), (ASSESSMENTS, "2027-02", 79.0)])
    assert [w.period for w in warnings_of(events)] == ["2027-01"]  # higher is better: below 80 is beyond


def test_a_value_equal_to_the_threshold_is_within_it() -> None:
    assert warnings_of(decide(fold([]), [(RE_REFERRALS, "2027-01", 25.0)])) == []


def test_declining_for_the_profiles_number_of_periods_warns() -> None:
    # Calderdale: 3 declining periods; lower is better, so a rise is a decline.
    rows = [(RE_REFERRALS, "2026-10", 18.0), (RE_REFERRALS, "2026-11", 19.0), (RE_REFERRALS, "2026-12", 20.0)]
    assert warnings_of(decide(fold([]), rows)) == []
    events = decide(fold([]), [*rows, (RE_REFERRALS, "2027-01", 21.5), (RE_REFERRALS, "2027-02", 22.0)])
    [warning] = warnings_of(events)
    assert (warning.reason, warning.period, warning.declining_periods) == ("declining", "2027-01", 3)
    assert [p for p, _ in warning.series] == ["2026-10", "2026-11", "2026-12", "2027-01"]


def test_a_gap_or_an_improvement_breaks_the_run() -> None:
    rows = [
        (RE_REFERRALS, "2026-09", 18.0),
        (RE_REFERRALS, "2026-10", 19.0),
        (RE_REFERRALS, "2026-12", 20.0),
        (RE_REFERRALS, "2027-01", 21.0),
    ]
    assert warnings_of(decide(fold([]), rows)) == []
    rows = [
        (RE_REFERRALS, "2026-10", 18.0),
        (RE_REFERRALS, "2026-11", 19.0),
        (RE_REFERRALS, "2026-12", 17.0),
        (RE_REFERRALS, "2027-01", 18.0),
    ]
    assert warnings_of(decide(fold([]), rows)) == []


def test_an_indicator_may_set_its_own_number_of_declining_periods() -> None:
    somerset = load_builtin("somerset")  # the profile says 2
    rows = [IndicatorValue(indicator_id="strategy-discussions-police", period=p, value=v)
            for p, v in (("2026-Q2", 97.0), ("2026-Q3", 96.0), ("2026-Q4", 95.0))]
    [warning] = warnings_of(perf.decide_values(fold([]), "avon-and-somerset-constabulary", rows, somerset, TODAY))
    assert (warning.reason, warning.period, warning.declining_periods) == ("declining", "2026-Q4", 2)


def test_a_warning_already_raised_for_a_period_is_not_raised_again_on_correction() -> None:
    events = decide(fold([]), [(RE_REFERRALS, "2027-01", 22.0), (RE_REFERRALS, "2027-02", 26.0)])
    assert warnings_of(decide(fold(events), [(RE_REFERRALS, "2027-02", 27.0)])) == []


# -- the view and the board pack ----------------------------------------------------------------


def _rows(events: list) -> tuple[list[ValueRow], list[WarningRow]]:
    at = datetime(2027, 4, 2, 10, tzinfo=UTC)
    values, warnings = [], []
    for n, e in enumerate(events, start=1):
        if isinstance(e, IndicatorValueRecorded):
            values.append(ValueRow(e.indicator_id, e.period, e.period_start, e.value, e.previous_value, e.agency_id, at, f"ev{n}", n))
        else:
            warnings.append(WarningRow(e.indicator_id, e.indicator_name, e.agency_id, e.period, e.value, e.reason, e.threshold,
                                       e.declining_periods, tuple(e.series), e.raised_to, at, f"ev{n}", n))
    return values, warnings


def test_the_view_gives_each_series_its_trend_status_and_comparators() -> None:
    events = decide(fold([]), [(RE_REFERRALS, "2027-01", 22.0), (RE_REFERRALS, "2027-02", 26.0)])
    view = build_performance(CALDERDALE, *_rows(events))
    series = next(s for s in view.series if s.id == RE_REFERRALS)
    assert [p.period for p in series.points] == ["2027-01", "2027-02"]
    assert (series.trend, series.status) == ("declining", "beyond threshold")
    assert series.comparators == (("Statistical neighbours", 21.8), ("England", 22.4))
    assert "26.0% in 2027-02" in series.headline() and "England 22.4%" in series.headline()
    assert len(view.warnings) == 1 and view.raised_to == "CSCP Executive"
    untouched = next(s for s in view.series if s.id == "missing-episodes")
    assert (untouched.status, untouched.trend) == ("no data", None)


def test_the_board_packs_exceptions_carry_the_warnings_of_the_window() -> None:
    events = decide(fold([]), [(RE_REFERRALS, "2027-01", 22.0), (RE_REFERRALS, "2027-02", 26.0)])
    view = build_performance(CALDERDALE, *_rows(events))
    [line] = performance_exceptions(view, Window(date(2027, 3, 1), date(2027, 5, 1)), Names.of(CALDERDALE))
    assert line.kind == "Early warning" and line.new and "beyond the early-warning threshold of 25.0%" in line.detail
    [still] = performance_exceptions(view, Window(date(2027, 4, 20), date(2027, 5, 1)), Names.of(CALDERDALE))
    assert not still.new and still.detail.startswith("still:")


# -- the handlers ------------------------------------------------------------------------------


@pytest.fixture
def handlers() -> ReportingHandlers:
    clock = ManualClock(datetime(2027, 5, 10, 9, tzinfo=UTC))
    stores = {name: InMemoryEventStore(name, clock) for name in ("reporting_records", "section11", "events", "reviews")}
    sources = {k: v for k, v in stores.items() if k != "reporting_records"}
    return ReportingHandlers(stores["reporting_records"], sources, Partnerships({"calderdale": CALDERDALE}), clock)


def meta(actor: str) -> Metadata:
    return Metadata(partnership_id="calderdale", actor=actor, correlation_id=uuid4())


async def test_a_batch_with_one_bad_row_records_nothing(handlers: ReportingHandlers) -> None:
    bad = RecordIndicatorValues(request_id=uuid4(), values=[
        IndicatorValue(indicator_id=RE_REFERRALS, period="2027-01", value=22.0),
        IndicatorValue(indicator_id=RE_REFERRALS, period="2027-02", value=122.0),
    ])
    with pytest.raises(Refusal) as caught:
        await handlers.record_indicator_values(bad, meta("business-unit"))
    assert caught.value.field == "values.1.value"
    assert await handlers.store.read_stream(perf.stream_id("calderdale")) == []


async def test_one_value_refused_names_its_own_field(handlers: ReportingHandlers) -> None:
    one = RecordIndicatorValue(request_id=uuid4(), agency_id=CSC, indicator_id=RE_REFERRALS, period="2027-Q1", value=20.0)
    with pytest.raises(Refusal) as caught:
        await handlers.record_indicator_value(one, meta(f"agency:{CSC}"))
    assert (caught.value.code, caught.value.field) == ("wrong_period", "period")
    ok = RecordIndicatorValue(request_id=uuid4(), agency_id=CSC, indicator_id=RE_REFERRALS, period="2027-04", value=27.0)
    envelopes = await handlers.record_indicator_value(ok, meta(f"agency:{CSC}"))
    assert [e.event_type for e in envelopes] == ["IndicatorValueRecorded", "IndicatorEarlyWarningRaised"]


# -- property tests and the file reader ---------------------------------------------------------


@given(st.integers(min_value=1900 * 12, max_value=2200 * 12), st.sampled_from(["monthly", "quarterly", "yearly"]))
def test_every_period_reads_back_as_itself(index: int, frequency: str) -> None:
    index = index if frequency == "monthly" else index // 12 if frequency == "yearly" else index // 3
    period = perf.period_of(index, frequency)
    assert perf.period_index(period, frequency)[0] == index  # type: ignore[index]


@given(st.text(max_size=12))
def test_any_text_is_a_period_or_refused_naming_the_field(period: str) -> None:
    indicator = CALDERDALE.reporting.performance.indicator(RE_REFERRALS)
    assert indicator is not None
    try:
        perf.check_period(indicator, period, TODAY, "values.0.period")
    except Refusal as refusal:
        assert refusal.field == "values.0.period" and refusal.code in ("wrong_period", "period_not_begun")


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9))
def test_a_percentage_outside_0_to_100_is_refused_and_inside_recorded(value: float) -> None:
    rows = [IndicatorValue(indicator_id=RE_REFERRALS, period="2027-01", value=value)]
    if 0 <= value <= 100:
        assert perf.decide_values(fold([]), CSC, rows, CALDERDALE, TODAY)[0].value == value
    else:
        with pytest.raises(Refusal) as caught:
            perf.decide_values(fold([]), CSC, rows, CALDERDALE, TODAY)
        assert caught.value.code == "out_of_range"


def test_a_file_is_read_row_by_row_naming_each_bad_line() -> None:
    text = (
        "\ufeffIndicator ID,Period,Value,Note\n"
        "re-referrals-12-months,2027-01,21.5%,x\n\n,2027-02,3\nre-referrals-12-months,,3\nre-referrals-12-months,2027-03,n/a\n"
    )
    read = read_values(text.encode(), "values.csv")
    assert read.values == [{"indicator_id": RE_REFERRALS, "period": "2027-01", "value": 21.5}] and read.lines == [2]
    assert read.problems == ["Line 4: no indicator_id", "Line 5: no period", "Line 6: the value 'n/a' is not a number"]


def test_an_excel_month_typed_as_a_date_is_the_month() -> None:
    import io
    from datetime import datetime as dt

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["indicator_id", "period", "value"])
    book.active.append([RE_REFERRALS, dt(2027, 2, 1), 22])
    data = io.BytesIO()
    book.save(data)
    assert read_values(data.getvalue(), "values.xlsx").values == [{"indicator_id": RE_REFERRALS, "period": "2027-02", "value": 22.0}]


@pytest.mark.parametrize(("data", "why"), [
    (b"", "empty"), (b"indicator,value\nx,1\n", "missing: period"), (b"indicator_id,period,value\n", "no values"),
    (b"\xff\xfe\x00bad", "neither an Excel workbook"), (b"PK\x03\x04not really a zip", "not an Excel workbook"),
])
def test_a_file_that_cannot_be_read_is_refused_whole(data: bytes, why: str) -> None:
    with pytest.raises(Unreadable) as caught:
        read_values(data, "values.csv")
    assert why in str(caught.value)
