"""A yearly report's lifecycle: drafted, the independent scrutineer's written comments
and sign-off, each signing group's sign-off, published. A profile names its yearly
reports (`reporting.yearly_reports`, Kent two); who takes part in each comes from its
rules and is recorded in the draft; a step out of order is refused. One stream per
report and year: `yearly-report:{partnership}:{report_id}:{year}`. The first report of a
profile, begun when a profile had one yearly report, goes on in its old stream
`yearly-report:{partnership}:{year}`, its events naming the report "" (see `keys`)."""

from dataclasses import dataclass, replace
from datetime import date

from services.reporting.domain.records.checks import not_after_today, not_before
from services.reporting.domain.records.commands import (
    CommentOnYearlyReport,
    DraftYearlyReport,
    PartnersSignOffYearlyReport,
    PublishYearlyReport,
    ScrutineerSignOffYearlyReport,
)
from shared.aggregate import Aggregate
from shared.catalogue import DomainEvent
from shared.catalogue.reporting import (
    PartnersSignedOff,
    ScrutineerCommented,
    ScrutineerSignedOff,
    YearlyReportDrafted,
    YearlyReportPublished,
)
from shared.profiles.reporting import YearlyReport
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal


def key(report_id: str, year: int) -> str:
    """The stream key of a report's year; "" (the first report, as recorded before a profile could name several): the year alone."""
    return f"{report_id}:{year}" if report_id else str(year)


def stream_id(partnership_id: str, report_id: str, year: int) -> str:
    return f"yearly-report:{partnership_id}:{key(report_id, year)}"


def rules_for(profile: FrameworkProfile, report_id: str | None) -> YearlyReport:
    """The rules of the yearly report a command names (none: the profile's first)."""
    rules = profile.reporting.yearly(report_id)
    if rules is not None:
        return rules
    if not report_id:
        raise Refusal("no_yearly_report", f"the {profile.id} profile sets out no yearly report", "year")
    named = ", ".join(r.id for r in profile.reporting.yearly_reports) or "none"
    raise Refusal(
        "unknown_yearly_report", f"the {profile.id} profile names no yearly report {report_id!r} (it names: {named})", "report_id"
    )


def keys(profile: FrameworkProfile, report_id: str | None, year: int) -> list[tuple[str, str]]:
    """(stream key, report id its events carry) where the report's year may be, in order:
    its own stream, then for the profile's first report the old stream of the year."""
    rules = rules_for(profile, report_id)
    first = profile.reporting.yearly_report
    return [(key(rules.id, year), rules.id)] + ([(key("", year), "")] if first is not None and rules.id == first.id else [])


def period_of(rules: YearlyReport, year: int) -> tuple[date, date]:
    """The partnership's reporting year: April to March, unless the profile's period says
    it is the calendar year (a profile that names no period gets April to March)."""
    text = rules.period.lower()
    if "calendar" in text or "january" in text:
        return date(year, 1, 1), date(year, 12, 31)
    return date(year, 4, 1), date(year + 1, 3, 31)


def period_label(start: date, end: date) -> str:
    return str(start.year) if start.year == end.year else f"{start.year}/{end.year % 100:02d}"


@dataclass(frozen=True)
class YearlyState:
    report_id: str = ""
    year: int = 0
    version: int = 0
    name: str = ""
    scrutineer: str = "none"
    before_publication: bool = False
    signers: tuple[str, ...] = ()
    publish: bool = True
    publication: str = ""
    comments_to: str | None = None
    commented_version: int = 0
    scrutineer_signed: bool = False
    signed: tuple[str, ...] = ()
    published: bool = False
    last_on: date | None = None
    """The date of the latest step."""

    @property
    def drafted(self) -> bool:
        return self.version > 0

    @property
    def outstanding(self) -> list[str]:
        return [g for g in self.signers if g not in self.signed]


def evolve(state: YearlyState, event: DomainEvent) -> YearlyState:
    match event:
        case YearlyReportDrafted() as e:
            return replace(
                state, report_id=e.report_id, year=e.year, version=e.version, name=e.name, scrutineer=e.scrutineer,
                before_publication=e.scrutineer_before_publication, signers=tuple(e.sign_off_by), publish=e.publish,
                publication=e.publication, comments_to=e.scrutineer_comments_to, last_on=e.drafted_on,
            )
        case ScrutineerCommented() as e:
            return replace(state, commented_version=e.version, last_on=e.commented_on)
        case ScrutineerSignedOff() as e:
            return replace(state, scrutineer_signed=True, last_on=e.signed_off_on)
        case PartnersSignedOff() as e:
            return replace(state, signed=(*state.signed, e.group_id), last_on=e.signed_off_on)
        case YearlyReportPublished() as e:
            return replace(state, published=True, last_on=e.published_on)
    return state


def _require_draft(state: YearlyState, year: int) -> None:
    if not state.drafted:
        raise Refusal("not_drafted", f"there is no draft of the {year} yearly report", "year")
    if state.published:
        raise Refusal("published", f"the {year} {state.name} is published; nothing more can be recorded on it", "year")


def _on(day: date, state: YearlyState, today: date, field: str) -> None:
    not_after_today(day, today, field)
    if state.last_on is not None:
        not_before(day, state.last_on, field, "the report's previous step")


def _scrutineer_missing(state: YearlyState) -> str | None:
    """The scrutineer's step that must come before the partners' sign-off and publication."""
    if not state.before_publication:
        return None
    if state.scrutineer == "signs_off" and not state.scrutineer_signed:
        return "the independent scrutineer's sign-off"
    if state.scrutineer == "reviews" and state.commented_version != state.version:
        return f"the independent scrutineer's review of version {state.version}"
    return None


def decide_draft(
    state: YearlyState, command: DraftYearlyReport, profile: FrameworkProfile, today: date, report_id: str | None = None,
) -> list[DomainEvent]:
    """`report_id`: the id its events carry (its stream's: "" in the old stream of the first report)."""
    rules = rules_for(profile, command.report_id)
    if state.published:
        raise Refusal("published", f"the {command.year} {state.name} is published", "year")
    if state.scrutineer_signed or state.signed:
        raise Refusal("signed_off", f"version {state.version} is signed off; it can no longer be redrafted", "year")
    start, end = period_of(rules, command.year)
    not_after_today(command.drafted_on, today, "drafted_on")
    not_before(command.drafted_on, start, "drafted_on", "the start of the year it reports on")
    if state.last_on is not None:
        not_before(command.drafted_on, state.last_on, "drafted_on", "the previous draft")
    return [
        YearlyReportDrafted(
            report_id=rules.id if report_id is None else report_id,
            year=command.year,
            name=rules.name,
            period_start=start,
            period_end=end,
            version=state.version + 1,
            summary=command.summary,
            compiled_by=command.compiled_by or rules.compiled_by or "Business unit",
            drafted_on=command.drafted_on,
            scrutineer=rules.scrutineer,
            scrutineer_before_publication=rules.scrutineer_before_publication,
            scrutineer_comments_to=rules.scrutineer_comments_to,
            sign_off_by=list(rules.signed_off_by),
            publish=rules.published,
            publication=rules.publication,
        )
    ]


def decide_comment(state: YearlyState, command: CommentOnYearlyReport, profile: FrameworkProfile, today: date) -> list[DomainEvent]:
    _require_draft(state, command.year)
    if state.scrutineer == "none":
        raise Refusal("no_scrutineer_part", f"the {profile.id} profile gives the independent scrutineer no part in the {state.name}")
    if state.scrutineer_signed:
        raise Refusal("signed_off", f"the independent scrutineer has signed version {state.version} off")
    _on(command.commented_on, state, today, "commented_on")
    return [
        ScrutineerCommented(
            report_id=state.report_id, year=command.year,
            version=state.version,
            comments=command.comments,
            comments_to=state.comments_to,
            commented_by=command.commented_by,
            commented_on=command.commented_on,
        )
    ]


def decide_scrutineer_sign_off(state: YearlyState, command: ScrutineerSignOffYearlyReport, today: date) -> list[DomainEvent]:
    _require_draft(state, command.year)
    if state.scrutineer != "signs_off":
        part = "has no part in it" if state.scrutineer == "none" else "reviews it but does not sign it off"
        raise Refusal("not_the_scrutineers", f"the independent scrutineer {part} (the profile's yearly report rules)")
    if state.scrutineer_signed:
        raise Refusal("already_signed_off", f"the independent scrutineer has signed version {state.version} off")
    if state.commented_version != state.version:
        raise Refusal("out_of_order", f"the independent scrutineer's written comments on version {state.version} come before the sign-off")
    _on(command.signed_off_on, state, today, "signed_off_on")
    return [
        ScrutineerSignedOff(
            report_id=state.report_id, year=command.year, version=state.version, signed_off_by=command.signed_off_by,
            signed_off_on=command.signed_off_on, outstanding=state.outstanding,
        )
    ]


def decide_partners_sign_off(state: YearlyState, command: PartnersSignOffYearlyReport, today: date) -> list[DomainEvent]:
    _require_draft(state, command.year)
    if command.group_id not in state.signers:
        named = ", ".join(state.signers) or "no group besides the scrutineer"
        raise Refusal("not_a_signatory", f"{command.group_id!r} does not sign off the {state.name} (signed off by: {named})", "group_id")
    if command.group_id in state.signed:
        raise Refusal("already_signed_off", f"{command.group_id!r} has signed version {state.version} off", "group_id")
    if missing := _scrutineer_missing(state):
        raise Refusal("out_of_order", f"{missing} comes before {command.group_id!r} signs it off")
    _on(command.signed_off_on, state, today, "signed_off_on")
    return [
        PartnersSignedOff(
            report_id=state.report_id,
            year=command.year,
            version=state.version,
            group_id=command.group_id,
            signatories=list(command.signatories),
            signed_off_on=command.signed_off_on,
            outstanding=[g for g in state.outstanding if g != command.group_id],
        )
    ]


def decide_publish(state: YearlyState, command: PublishYearlyReport, profile: FrameworkProfile, today: date) -> list[DomainEvent]:
    _require_draft(state, command.year)
    if not state.publish:
        raise Refusal("not_published", f"the {profile.id} profile says the {state.name} is not published")
    missing = [m for m in [_scrutineer_missing(state)] if m] + [f"sign-off by {g!r}" for g in state.outstanding]
    if missing:
        raise Refusal("out_of_order", f"the {state.name} cannot be published before " + "; ".join(missing))
    _on(command.published_on, state, today, "published_on")
    return [
        YearlyReportPublished(
            report_id=state.report_id, year=command.year, version=state.version, published_on=command.published_on,
            publication=state.publication, link=command.link,
        )
    ]


# A yearly report of one year, through its sign-off (`yearly-report:{partnership}:{key}`).
YEARLY_REPORT = Aggregate("yearly-report", YearlyState(), evolve)
