"""Rolling reports' decisions (issue 16 item 3), pure: presented once per due month and
group, to a group that receives it, on the profile's levels of assurance; missed only
for a month that has come, and not once presented."""

from datetime import date
from uuid import uuid4

import pytest

from services.reporting.domain.records import rolling
from services.reporting.domain.records.commands import (
    PresentRollingReport,
    RecordRollingReportMissed,
)
from shared.catalogue.reporting import RollingReportMissed, RollingReportPresented
from shared.decisions import fold
from shared.profiles import load_builtin
from shared.refusals import Refusal

PROFILE = load_builtin("calderdale")
TODAY = date(2026, 11, 2)


def present(**fields: object) -> PresentRollingReport:
    body = {"request_id": uuid4(), "report_id": "private-fostering", "due_month": "2026-10", "group_id": "cscp-executive",
            "presented_on": "2026-10-20", "presented_by": "Service lead"} | fields
    return PresentRollingReport.model_validate(body)


def missed(**fields: object) -> RecordRollingReportMissed:
    body = {"request_id": uuid4(), "report_id": "private-fostering", "due_month": "2026-10", "group_id": "cscp-executive",
            "reason": "Author on leave"} | fields
    return RecordRollingReportMissed.model_validate(body)


def refused(decide: object, *args: object) -> Refusal:
    with pytest.raises(Refusal) as raised:
        decide(*args)  # type: ignore[operator]
    return raised.value


def test_presented_once_to_a_group_that_receives_it() -> None:
    state = rolling.RollingReports()
    [event] = rolling.decide_present(state, present(assurance_level="moderate", key_messages=["A"]), PROFILE, TODAY)
    assert isinstance(event, RollingReportPresented)
    assert (event.presentation_id, event.agency_id) == ("private-fostering-2026-10-cscp-executive", "cmbc-childrens-social-care")
    after = fold(state, rolling.evolve, [event])
    assert refused(rolling.decide_present, after, present(), PROFILE, TODAY).code == "already_presented"
    assert refused(rolling.decide_missed, after, missed(), PROFILE, TODAY).code == "already_presented"
    assert (refused(rolling.decide_present, state, present(report_id="nothing"), PROFILE, TODAY).field) == "report_id"
    wrong = refused(rolling.decide_present, state, present(group_id="quality-assurance-subgroup"), PROFILE, TODAY)
    assert (wrong.code, wrong.field) == ("not_a_receiver", "group_id")
    level = refused(rolling.decide_present, state, present(assurance_level="splendid"), PROFILE, TODAY)
    assert (level.code, level.field) == ("unknown_level", "assurance_level")
    late = refused(rolling.decide_present, state, present(presented_on="2026-11-03"), PROFILE, TODAY)
    assert late.field == "presented_on"


def test_missed_for_a_month_that_has_come() -> None:
    state = rolling.RollingReports()
    [event] = rolling.decide_missed(state, missed(), PROFILE, TODAY)
    assert isinstance(event, RollingReportMissed)
    after = fold(state, rolling.evolve, [event])
    assert refused(rolling.decide_missed, after, missed(), PROFILE, TODAY).code == "already_missed"
    assert rolling.decide_present(after, present(), PROFILE, TODAY)  # presented late, after all
    assert refused(rolling.decide_missed, state, missed(due_month="2026-12"), PROFILE, TODAY).field == "due_month"


def test_key_messages_and_reasons_are_sealed() -> None:
    from shared.catalogue.personal import Personal

    for cls, name in ((RollingReportPresented, "key_messages"), (RollingReportMissed, "reason"), (RollingReportPresented, "presented_by")):
        [marker] = [m for m in cls.model_fields[name].metadata if isinstance(m, Personal)]
        assert marker.typed == (name != "presented_by")
