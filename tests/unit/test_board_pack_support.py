"""A North Lincolnshire board pack built from invented area rows (no database): shared by
the board pack's unit tests and its rendering tests."""

from datetime import UTC, date, datetime

from services.reporting.domain.views import build_heatmap, build_tracker
from services.reporting.domain.views.actions import ActionRow, HistoryEntry
from services.reporting.domain.views.assurance_events import (
    AssuranceView,
    ConcludedEventRow,
    LifecycleRow,
    MilestoneRow,
)
from services.reporting.domain.views.board_pack import BoardPack, build_board_pack
from services.reporting.domain.views.board_pack_schedule import next_quarter, previous_meeting
from services.reporting.domain.views.dashboard import Dashboard, build_overview
from services.reporting.domain.views.planner import build_planner_view
from services.reporting.domain.views.reviews import (
    InformationRequestRow,
    ReviewClockRow,
    build_reviews_view,
)
from services.reporting.domain.views.section11 import ConfidenceGapRow as GapFlagged
from services.reporting.domain.views.section11 import RatingRow, ReturnRow, Section11View
from services.reporting.domain.views.section11 import RiskFlagRow as FlagRaised
from shared.planner import EventFacts
from shared.profiles import load_builtin

PROFILE = load_builtin("north-lincolnshire")
MEETING = date(2027, 1, 20)
SINCE = date(2026, 10, 20)
AS_OF = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
BOARD = "childrens-mars-board"


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=10, tzinfo=UTC)


def h(event_type: str, day: str, detail: str, n: int) -> HistoryEntry:
    return HistoryEntry(event_type, at(day), "business unit", detail, f"evt-{event_type.lower()}-{n}", n)


def returns() -> list[ReturnRow]:
    due = date(2026, 11, 1)
    return [
        ReturnRow("humberside-police", "2026-27", due, "late", at("2026-11-10"), 1, 0, "evt-late-police", 11),
        ReturnRow("nlc-housing", "2026-27", date(2026, 12, 1), "overdue", None, 2, 0, "evt-overdue-housing", 12),
        ReturnRow("national-probation-service", "2025-26", date(2026, 9, 1), "overdue", None, 2, 0, "evt-overdue-probation", 5),
        ReturnRow("east-midlands-ambulance-service", "2026-27", due, "submitted", at("2026-10-25"), 0, 0, "evt-ok-ambulance", 10),
        ReturnRow("thames-ambulance-service", "2026-27", date(2027, 2, 1), "due", None, 0, 0, "evt-due-thames", 13),
    ]


def flags() -> list[FlagRaised]:
    return [
        FlagRaised("humberside-police", "culture-and-challenge", 1, "inadequate", at("2026-11-10"), "evt-flag-police", 14),
        FlagRaised("nlc-housing", "leadership-and-governance", 2, "requires improvement", at("2026-08-01"), "evt-flag-housing", 3),
        FlagRaised("nlc-housing", "culture-and-challenge", 2, "requires improvement", at("2026-06-01"), "evt-flag-old", 2,
                   cleared_at=at("2026-07-01")),
    ]


def gaps() -> list[GapFlagged]:
    return [GapFlagged("east-midlands-ambulance-service", "culture-and-challenge", 4, 35.0, "survey disagrees",
                       at("2026-12-02"), "evt-gap-ambulance", 15)]


def actions() -> list[ActionRow]:
    return [
        ActionRow("act-1", "Audit strategy meeting attendance", "humberside-police", date(2026, 11, 1), "overdue",
                  "assurance-event: thematic-1", "evt-actionraised-1", 20, "evt-actionoverdue-2",
                  history=[h("ActionRaised", "2026-09-01", "raised", 1), h("ActionOverdue", "2026-11-02", "overdue", 2)]),
        ActionRow("act-2", "Refresh the escalation policy", "nlc-housing", date(2026, 8, 9), "overdue",
                  "assurance-event: thematic-1", "evt-actionraised-3", 21, "evt-actionoverdue-4",
                  history=[h("ActionRaised", "2026-07-01", "raised", 3), h("ActionOverdue", "2026-08-10", "overdue", 4)]),
        ActionRow("act-3", "Train front-line staff in neglect toolkit", "east-midlands-ambulance-service", date(2027, 2, 1),
                  "awaiting-sign-off", "assurance-event: thematic-1", "evt-actionraised-5", 22, None,
                  completed_event_id="evt-actioncompleted-6", last_position=6,
                  history=[h("ActionRaised", "2026-11-05", "raised", 5), h("ActionCompleted", "2026-12-10", "completed", 6)]),
        ActionRow("act-4", "Publish the learning brief", "humberside-police", date(2027, 3, 1), "open",
                  "assurance-event: thematic-1", "evt-actionraised-7", 23, None,
                  history=[h("ActionRaised", "2026-12-01", "raised", 7)]),
    ]


def review_rows() -> list[ReviewClockRow]:
    cspr = ReviewClockRow(
        "cspr", "cspr-1", "Neglect of a young child", "case-7f3a", date(2026, 7, 1), date(2027, 1, 1), "months", "at-risk",
        None, None, None, None, "evt-cspr-commissioned", 30, "ReviewSlippageWarned", "evt-slip-warned", 31,
        [h("ReviewCommissioned", "2026-07-01", "commissioned", 30), h("ReviewSlippageWarned", "2026-12-04", "warned", 31)],
    )
    rapid = ReviewClockRow(
        "rapid-review", "inc-1", "Rapid review", "case-91bc", date(2026, 9, 10), date(2026, 10, 1), "working_days", "overdue",
        None, None, None, None, "evt-rr-opened", 32, "RapidReviewOverdue", "evt-rapidreviewoverdue-33", 33,
        [h("RapidReviewOpened", "2026-09-10", "opened", 32), h("RapidReviewOverdue", "2026-10-02", "overdue", 33)],
    )
    learning = ReviewClockRow(
        "learning-review", "lr-1", "Missed health appointments", "case-22de", date(2026, 6, 1), date(2027, 6, 1), "months",
        "open", None, None, None, None, "evt-lr", 34, "ReviewStageCompleted", "evt-lr-final", 35,
        [h("ReviewCommissioned", "2026-06-01", "commissioned", 34),
         h("ReviewStageCompleted", "2026-12-20", "stage final-report completed 20 Dec 2026", 35)],
    )
    return [cspr, rapid, learning]


def assurance() -> AssuranceView:
    drafted = LifecycleRow("thematic-2", "thematic-assurance-event", "Thematic event: exploitation", None, "exploitation",
                           "report-drafted", "2026-12", date(2026, 12, 3), date(2026, 12, 3), [], "evt-drafted", 40)
    missed = MilestoneRow("agency-3", "Agency event: housing", "nlc-housing", "s11-pack-out", "Section 11 pack sent",
                          "business unit", date(2026, 11, 19), "missed", None, at("2026-11-20"), "evt-milestone-missed", 41)
    scheduled = LifecycleRow("agency-9", "agency-specific-assurance-event", "Agency event: probation", "national-probation-service",
                             None, "scheduled", "2027-02", date(2027, 2, 10), None, [], "evt-scheduled-agency-9", 50,
                             first_scheduled_on=date(2027, 2, 10))
    return AssuranceView([drafted, scheduled], [missed], {a.id: a.name for a in PROFILE.activities})


def concluded() -> list[ConcludedEventRow]:
    return [ConcludedEventRow("agency-2", "agency-specific-assurance-event", "Agency event: police", date(2026, 11, 15),
                              "humberside-police", [], [], "evt-concluded-police", 42)]


def planner_facts() -> list[EventFacts]:
    return [EventFacts("agency-9", "agency-specific-assurance-event", "Agency event: probation", "scheduled",
                       agency_id="national-probation-service", planned_for="2027-02", first_scheduled_on=date(2027, 2, 10),
                       scheduled_on=date(2027, 2, 10), event_id="evt-scheduled-agency-9", position=50)]


def dashboard(as_of: datetime = AS_OF) -> Dashboard:
    ratings = [RatingRow("humberside-police", "2026-27", "culture-and-challenge", 1, None, None, "evt-late-police", 11),
               RatingRow("humberside-police", "2026-27", "leadership-and-governance", 3, 2, "panel", "evt-late-police", 11, "evt-mod")]
    action_rows = actions()
    return Dashboard(
        partnership_id=PROFILE.id, partnership_name=PROFILE.name, as_of=as_of,
        overview=build_overview(len(PROFILE.agencies), 2, 2, 2, action_rows, 1),
        heatmap=build_heatmap(PROFILE, ratings, returns()),
        actions=action_rows,
        concluded_events=concluded(),
        section11=Section11View(returns()),
        action_tracker=build_tracker(action_rows, as_of, PROFILE.actions.reminder_days_before),
        reviews=build_reviews_view(
            review_rows(),
            [InformationRequestRow("inc-1", "ir-1", "nlc-housing", date(2026, 12, 5), "overdue", True, "evt-ir", 36, "evt-ir-overdue")],
            [], [], [], as_of,
        ),
        assurance=assurance(),
        agency_names={a.id: a.name for a in PROFILE.agencies},
        domain_names={d.id: d.name for d in PROFILE.section11.domains},
    )


def pack(group: str = BOARD, since: date | None = SINCE, meeting: date = MEETING) -> BoardPack:
    start, months = next_quarter(meeting)
    planner = build_planner_view(PROFILE, planner_facts(), AS_OF.date(), start, months)
    return build_board_pack(
        PROFILE, group, meeting, previous_meeting(PROFILE, group, meeting, since), dashboard(), planner, flags(), gaps()
    )
