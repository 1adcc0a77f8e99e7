"""The reporting service's command handlers (its own records: indicator ratings, the
values of the performance indicators, the yearly report's lifecycle, the risk register, and
the independent scrutineer's workspace in scrutiny_handlers.py) and the table that names them.

The performance indicators' values are reporting's own records, beside the key
indicators' ratings, because reporting owns the partnership's assurance of performance
(tiers, indicators, levels of assurance, the dashboard and the board pack's exceptions)
and the early warnings are read there; the events service runs assurance *activities*,
of which a value is none. Agencies send them as themselves (pinned to `agency_id`).

Its events are kept in their own store (schema `reporting_records`); an indicator's
evidence is looked up in the other services' stores, read-only."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar
from uuid import UUID

from services.reporting.domain.records import (
    indicators,
    meetings,
    performance,
    risks,
    rolling,
    yearly,
)
from services.reporting.domain.records.commands import (
    CloseRisk,
    CommentOnYearlyReport,
    DraftYearlyReport,
    IndicatorValue,
    PartnersSignOffYearlyReport,
    PresentRollingReport,
    PublishYearlyReport,
    RateIndicator,
    ReassessRisk,
    RecordIndicatorValue,
    RecordIndicatorValues,
    RecordMeetingHeld,
    RecordRisk,
    RecordRollingReportMissed,
    ScheduleMeeting,
    ScrutineerSignOffYearlyReport,
    YearlyReportCommand,
)
from services.reporting.domain.records.evidence import Newest, where
from services.reporting.scrutiny_handlers import ScrutinyHandlers
from shared.catalogue import DomainEvent
from shared.clock import Clock
from shared.envelope import Envelope, Metadata
from shared.eventstore import EventStore
from shared.messaging.commands import CommandTable, agency, business_unit, table
from shared.partnerships import Partnerships
from shared.roles import Role
from shared.runner import Runner

# The independent scrutineer may sign or comment from the front door (the event records who).
SCRUTINEER = ((Role.SCRUTINEER, None),)

SERVICE = "reporting"
S = TypeVar("S")


@dataclass
class ReportingHandlers(ScrutinyHandlers):
    store: EventStore
    """This service's own store."""
    sources: Mapping[str, EventStore]
    """The other services' stores by name, read to find the evidence an indicator cites."""
    partnerships: Partnerships
    clock: Clock

    @property
    def runner(self) -> Runner:
        return Runner(self.store, self.clock)

    async def _newest(self, kind: str, partnership_id: str, record_id: str) -> Newest | None:
        store, stream = where(kind, partnership_id, record_id)
        history = await self.sources[store].read_stream(stream)
        if not history:
            return None
        last = history[-1]
        return Newest(str(last.event_id), last.event_type, last.position or 0)

    # -- indicators ---------------------------------------------------------------------

    async def rate_indicator(self, c: RateIndicator, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        newest = {(r.kind, r.id): await self._newest(r.kind, m.partnership_id, r.id) for r in c.evidence}
        return await self.runner.run(
            indicators.INDICATOR, c.indicator_id, m, c.request_id, lambda s, today: indicators.decide_rate(s, c, profile, newest, today)
        )

    # -- performance data ---------------------------------------------------------------

    async def record_indicator_value(self, c: RecordIndicatorValue, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        row = IndicatorValue(indicator_id=c.indicator_id, period=c.period, value=c.value)
        return await self.runner.run(
            performance.PERFORMANCE, performance.KEY, m, c.request_id,
            lambda s, today: performance.decide_values(s, c.agency_id, [row], profile, today, lambda _, name: name),
        )

    async def record_indicator_values(self, c: RecordIndicatorValues, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self.runner.run(
            performance.PERFORMANCE, performance.KEY, m, c.request_id,
            lambda s, today: performance.decide_values(s, c.agency_id, c.values, profile, today),
        )

    # -- the yearly report --------------------------------------------------------------

    async def _yearly(
        self, c: YearlyReportCommand, m: Metadata, decide: Callable[[yearly.YearlyState, str, date], Sequence[DomainEvent]]
    ) -> list[Envelope]:
        """Decide on the report's year in its own stream, or (the profile's first report, begun
        when a profile had one yearly report) in the old stream of the year it was begun in."""
        profile = self.partnerships.profile(m.partnership_id)
        found = yearly.keys(profile, c.report_id, c.year)
        (key, report_id), history = found[0], None
        for candidate, carried in found:
            if recorded := await self.runner.read(yearly.YEARLY_REPORT, m.partnership_id, candidate):
                (key, report_id), history = (candidate, carried), recorded
                break
        return await self.runner.run(
            yearly.YEARLY_REPORT, key, m, c.request_id, lambda s, today: decide(s, report_id, today), history=history
        )

    async def draft_yearly_report(self, c: DraftYearlyReport, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self._yearly(c, m, lambda s, report_id, today: yearly.decide_draft(s, c, profile, today, report_id))

    async def comment_on_yearly_report(self, c: CommentOnYearlyReport, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self._yearly(c, m, lambda s, _, today: yearly.decide_comment(s, c, profile, today))

    async def scrutineer_sign_off(self, c: ScrutineerSignOffYearlyReport, m: Metadata) -> list[Envelope]:
        return await self._yearly(c, m, lambda s, _, today: yearly.decide_scrutineer_sign_off(s, c, today))

    async def partners_sign_off(self, c: PartnersSignOffYearlyReport, m: Metadata) -> list[Envelope]:
        return await self._yearly(c, m, lambda s, _, today: yearly.decide_partners_sign_off(s, c, today))

    async def publish_yearly_report(self, c: PublishYearlyReport, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self._yearly(c, m, lambda s, _, today: yearly.decide_publish(s, c, profile, today))

    # -- the risk register --------------------------------------------------------------

    async def _risk(
        self, risk_id: str, m: Metadata, request_id: UUID, decide: Callable[[risks.Risk, date], Sequence[DomainEvent]]
    ) -> list[Envelope]:
        return await self.runner.run(risks.RISK, risk_id, m, request_id, decide)

    async def record_risk(self, c: RecordRisk, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self._risk(c.risk_id, m, c.request_id, lambda s, today: risks.decide_record(s, c, profile, today))

    async def reassess_risk(self, c: ReassessRisk, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self._risk(c.risk_id, m, c.request_id, lambda s, today: risks.decide_reassess(s, c, profile, today))

    async def close_risk(self, c: CloseRisk, m: Metadata) -> list[Envelope]:
        self.partnerships.profile(m.partnership_id)
        return await self._risk(c.risk_id, m, c.request_id, lambda s, today: risks.decide_close(s, c, today))

    # -- rolling reports ----------------------------------------------------------------

    async def present_rolling_report(self, c: PresentRollingReport, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self.runner.run(
            rolling.ROLLING_REPORT, c.report_id, m, c.request_id, lambda s, today: rolling.decide_present(s, c, profile, today)
        )

    async def record_rolling_report_missed(self, c: RecordRollingReportMissed, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self.runner.run(
            rolling.ROLLING_REPORT, c.report_id, m, c.request_id, lambda s, today: rolling.decide_missed(s, c, profile, today)
        )

    # -- meetings -----------------------------------------------------------------------

    async def schedule_meeting(self, c: ScheduleMeeting, m: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(m.partnership_id)
        return await self.runner.run(
            meetings.MEETING, c.meeting_id, m, c.request_id, lambda s, today: meetings.decide_schedule(s, c, profile)
        )

    async def record_meeting_held(self, c: RecordMeetingHeld, m: Metadata) -> list[Envelope]:
        self.partnerships.profile(m.partnership_id)
        return await self.runner.run(meetings.MEETING, c.meeting_id, m, c.request_id, lambda s, today: meetings.decide_held(s, c, today))

    def commands(self) -> CommandTable:
        """Every command this service accepts (the business unit's, and an agency's performance
        data as itself): its subject token, title and handler."""
        return table(
            SERVICE,
            agency(
                "record-indicator-value",
                RecordIndicatorValue,
                "agency_id",
                "Supply a period's value of one of your agency's performance indicators",
                self.record_indicator_value,
            ),
            business_unit(
                "record-indicator-value",
                RecordIndicatorValue,
                "Record a period's value of a performance indicator for the agency that supplies it",
                self.record_indicator_value,
            ),
            agency(
                "record-indicator-values",
                RecordIndicatorValues,
                "agency_id",
                "Supply several values of your agency's performance indicators, all or none",
                self.record_indicator_values,
            ),
            business_unit(
                "record-indicator-values",
                RecordIndicatorValues,
                "Record several values of performance indicators, all or none",
                self.record_indicator_values,
            ),
            business_unit(
                "rate-indicator", RateIndicator, "Rate a key indicator of the profile's tiers, citing its evidence", self.rate_indicator
            ),
            business_unit(
                "draft-yearly-report", DraftYearlyReport, "Record a draft (or a new version) of the yearly report", self.draft_yearly_report
            ),
            business_unit(
                "comment-on-yearly-report",
                CommentOnYearlyReport,
                "The independent scrutineer's written comments on the draft",
                self.comment_on_yearly_report,
                people=SCRUTINEER,
            ),
            business_unit(
                "scrutineer-sign-off-yearly-report",
                ScrutineerSignOffYearlyReport,
                "The independent scrutineer signs the yearly report off",
                self.scrutineer_sign_off,
                people=SCRUTINEER,
            ),
            business_unit(
                "partners-sign-off-yearly-report",
                PartnersSignOffYearlyReport,
                "A group the profile names signs the yearly report off",
                self.partners_sign_off,
            ),
            business_unit("publish-yearly-report", PublishYearlyReport, "Record the yearly report published", self.publish_yearly_report),
            business_unit("record-risk", RecordRisk, "Enter a risk on the partnership's risk register", self.record_risk),
            business_unit(
                "reassess-risk", ReassessRisk, "Reassess a risk's current (and target) rating and set its next review", self.reassess_risk
            ),
            business_unit("close-risk", CloseRisk, "Close a risk on the register, with the reason", self.close_risk),
            business_unit(
                "schedule-meeting",
                ScheduleMeeting,
                "Put a meeting of one of the partnership's groups on its calendar",
                self.schedule_meeting,
            ),
            business_unit(
                "record-meeting-held", RecordMeetingHeld, "Record a meeting held, with its minutes and decisions", self.record_meeting_held
            ),
            business_unit(
                "present-rolling-report",
                PresentRollingReport,
                "Record a scheduled report presented to a group (by whom, meeting, assurance, key messages, document)",
                self.present_rolling_report,
            ),
            business_unit(
                "record-rolling-report-missed",
                RecordRollingReportMissed,
                "Record a scheduled report not presented to its group when due, and why",
                self.record_rolling_report_missed,
            ),
            *self.scrutiny_rows(),
        )
