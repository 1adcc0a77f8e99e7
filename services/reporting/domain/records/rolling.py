"""Rolling reports (issue 16 item 3): each report the profile schedules (`reporting.
rolling_reports`) is due to the groups that receive it at its cadence; the business unit
records it presented (by whom, at which meeting, its level of assurance, key messages,
document) or missed (and why), once per due month and group. One stream per report:
`rolling-report:{partnership}:{report_id}`."""

from dataclasses import dataclass, replace
from datetime import date

from services.reporting.domain.records.checks import not_after_today
from services.reporting.domain.records.commands import (
    PresentRollingReport,
    RecordRollingReportMissed,
)
from shared.aggregate import Aggregate
from shared.catalogue import DomainEvent
from shared.catalogue.reporting import RollingReportMissed, RollingReportPresented
from shared.profiles.reporting import RollingReport
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal


@dataclass(frozen=True)
class RollingReports:
    presented: frozenset[tuple[str, str]] = frozenset()
    """(due month, group) presented."""
    missed: frozenset[tuple[str, str]] = frozenset()


def evolve(state: RollingReports, event: DomainEvent) -> RollingReports:
    match event:
        case RollingReportPresented() as e:
            return replace(state, presented=state.presented | {(e.due_month, e.group_id)})
        case RollingReportMissed() as e:
            return replace(state, missed=state.missed | {(e.due_month, e.group_id)})
    return state


ROLLING_REPORT = Aggregate("rolling-report", RollingReports(), evolve)


def _report(profile: FrameworkProfile, report_id: str, group_id: str) -> RollingReport:
    report = next((r for r in profile.reporting.rolling_reports if r.id == report_id), None)
    if report is None:
        known = ", ".join(r.id for r in profile.reporting.rolling_reports) or "none"
        raise Refusal("unknown_report", f"{report_id!r} is not a report {profile.id} schedules (its reports: {known})", "report_id")
    if group_id not in report.received_by:
        raise Refusal("not_a_receiver", f"{report.name} goes to {', '.join(report.received_by)}, not {group_id!r}", "group_id")
    return report


def presentation_id(report_id: str, due_month: str, group_id: str) -> str:
    return f"{report_id}-{due_month}-{group_id}"


def decide_present(state: RollingReports, c: PresentRollingReport, profile: FrameworkProfile, today: date) -> list[DomainEvent]:
    report = _report(profile, c.report_id, c.group_id)
    if (c.due_month, c.group_id) in state.presented:
        raise Refusal("already_presented", f"{report.name} for {c.due_month} was already presented to {c.group_id}", "due_month")
    not_after_today(c.presented_on, today, "presented_on")
    if c.assurance_level is not None and profile.reporting.assurance_level(c.assurance_level) is None:
        levels = ", ".join(level.id for level in profile.reporting.assurance_levels)
        raise Refusal("unknown_level", f"{c.assurance_level!r} is not a level of assurance of {profile.id} ({levels})", "assurance_level")
    return [
        RollingReportPresented(
            report_id=c.report_id, presentation_id=presentation_id(c.report_id, c.due_month, c.group_id),
            due_month=c.due_month, group_id=c.group_id, presented_on=c.presented_on, presented_by=c.presented_by,
            meeting=c.meeting, assurance_level=c.assurance_level, key_messages=list(c.key_messages), document=c.document,
            agency_id=report.agency,
        )
    ]


def decide_missed(state: RollingReports, c: RecordRollingReportMissed, profile: FrameworkProfile, today: date) -> list[DomainEvent]:
    report = _report(profile, c.report_id, c.group_id)
    if (c.due_month, c.group_id) in state.presented:
        raise Refusal("already_presented", f"{report.name} for {c.due_month} was presented to {c.group_id}", "due_month")
    if (c.due_month, c.group_id) in state.missed:
        raise Refusal("already_missed", f"{report.name} for {c.due_month} is already recorded as missed", "due_month")
    if c.due_month > f"{today:%Y-%m}":
        raise Refusal("in_the_future", f"{c.due_month} has not come yet (today is {today})", "due_month")
    return [
        RollingReportMissed(
            report_id=c.report_id, presentation_id=presentation_id(c.report_id, c.due_month, c.group_id),
            due_month=c.due_month, group_id=c.group_id, reason=c.reason, agency_id=report.agency,
        )
    ]
