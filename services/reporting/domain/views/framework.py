"""The framework a partnership works to, as its profile describes it, on the dashboard:
who leads assurance, its principles, the routes by which weak performance is raised early,
the duty to comply with information requests, who monitors the action plan, and the
figures it keeps with the document's baselines (pure)."""

from dataclasses import dataclass, field

from shared.profiles.schema import FrameworkProfile


@dataclass(frozen=True)
class EarlyWarningLine:
    name: str
    raised_to: str
    trigger: str


@dataclass(frozen=True)
class MeasureLine:
    name: str
    activity: str
    unit: str
    baseline: float | None
    baseline_note: str


@dataclass(frozen=True)
class FrameworkView:
    assurance_lead: str = ""
    principles: list[tuple[str, str]] = field(default_factory=list)
    early_warnings: list[EarlyWarningLine] = field(default_factory=list)
    information_basis: str = ""
    information_duty: str = ""
    information_consequence: str = ""
    actions_signed_off_by: str = ""
    actions_monitored_by: str = ""
    measures: list[MeasureLine] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.assurance_lead or self.principles or self.early_warnings or self.information_duty or self.measures)


def framework_view(profile: FrameworkProfile) -> FrameworkView:
    groups = {g.id: g.name for g in profile.groups}
    activities = {a.id: a.name for a in profile.activities}
    reporting = profile.reporting
    duty = reporting.information_requests
    monitor = profile.actions.monitored_by
    return FrameworkView(
        assurance_lead=profile.assurance_lead,
        principles=[(p.name, p.text) for p in reporting.principles],
        early_warnings=[
            EarlyWarningLine(w.name, groups.get(w.raised_to, w.raised_to), w.trigger) for w in reporting.early_warnings
        ],
        information_basis=duty.basis if duty else "",
        information_duty=duty.duty if duty else "",
        information_consequence=duty.consequence if duty else "",
        actions_signed_off_by=groups.get(profile.actions.signed_off_by, profile.actions.signed_off_by),
        actions_monitored_by=groups.get(monitor, monitor) if monitor else "",
        measures=[
            MeasureLine(m.name, activities.get(m.activity or "", ""), m.unit, m.baseline, m.baseline_note)
            for m in reporting.measures
        ],
    )
