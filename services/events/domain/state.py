"""One assurance event's state, folded from its stream: pure evolve.

Over 300 lines because it is one fold: every event an assurance event's stream can hold
(the nine kinds' lifecycle, and the one lifecycle every other activity kind now shares)
evolves the same state, and splitting the `evolve` by event would split one match over
modules that must agree on every field."""

from dataclasses import dataclass, replace
from datetime import date

from shared.aggregate import Aggregate
from shared.catalogue import DomainEvent
from shared.catalogue import activities as a
from shared.catalogue import events as e
from shared.planner import EventFacts


def stream_id(partnership_id: str, assurance_event_id: str) -> str:
    return f"assurance-event:{partnership_id}:{assurance_event_id}"


STREAM_PREFIX = "assurance-event:"


@dataclass(frozen=True)
class Milestone:
    milestone_id: str
    name: str
    due_on: date
    responsible: str = ""
    met_on: date | None = None
    missed: bool = False


@dataclass(frozen=True)
class Case:
    case_ref: str
    audited_by: tuple[str, ...] = ()
    practitioners_met: bool = False


@dataclass(frozen=True)
class Forum:
    forum: str
    held_on: date
    attendance: int
    waiting_list: bool


@dataclass(frozen=True)
class PeerTerms:
    scope: str
    reciprocal: bool
    direction: str
    peer_area: str
    days_on_site: int


@dataclass(frozen=True)
class AssuranceEvent:
    proposed: bool = False
    assurance_event_id: str = ""
    activity_type: str = ""
    kind: str = ""
    title: str = ""
    agency_id: str | None = None
    theme: str | None = None
    planned_for: str | None = None
    lead_role: str = ""
    reports_to: str = ""
    endorsers: tuple[str, ...] = ()
    endorsed: tuple[str, ...] = ()
    fully_endorsed: bool = False
    report_agreers: tuple[str, ...] = ()
    recused_partner: str | None = None
    contributing_agencies: tuple[str, ...] = ()
    commissioned_by_agency: bool = False
    concerns: tuple[str, ...] = ()
    taken_up: bool | None = None
    first_scheduled_on: date | None = None
    scheduled_on: date | None = None
    milestones: tuple[Milestone, ...] = ()
    cancelled: bool = False
    held_on: date | None = None
    panel_agencies: tuple[str, ...] = ()
    days_on_site: int | None = None
    feedback_given: bool = False
    findings_recorded: bool = False
    strengths: tuple[str, ...] = ()
    areas_for_development: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    report_version: int = 0
    report_agreed_by: tuple[str, ...] = ()
    report_agreed: bool = False
    distribution: tuple[str, ...] = ()
    outcome: str | None = None
    concluded: bool = False
    cases: tuple[Case, ...] = ()
    desktop_review: bool = False
    surveys_returned: bool = False
    stars: int | None = None
    stars_out_of: int | None = None
    newsletter: bool = False
    forums: tuple[Forum, ...] = ()
    views_gathered: bool = False
    survey_recipients: int | None = None
    survey_responses: int | None = None
    evaluation: tuple[tuple[str, float], ...] = ()
    evaluation_completed_percent: float | None = None
    strategic_feedback: bool = False
    practitioners_told: bool = False
    terms: PeerTerms | None = None
    # -- the lifecycle every other activity runs (shared.catalogue.activities) -----------
    planned: bool = False
    audiences: tuple[str, ...] = ()
    slips: int = 0
    missed: bool = False
    output: str | None = None
    figures: tuple[tuple[str, float], ...] = ()
    presented_on: date | None = None
    presented_to: str | None = None
    disseminated: tuple[str, ...] = ()

    @property
    def open(self) -> bool:
        return self.proposed and not self.cancelled and not self.concluded and not self.missed

    @property
    def status(self) -> str:
        """The furthest step reached, in the words reporting uses."""
        if self.concluded:
            return "concluded"
        if self.cancelled:
            return "cancelled"
        if self.missed:
            return "missed"
        for reached, name in (
            (self.presented_on is not None, "presented"),
            (self.output is not None, "output-received"),
            (self.report_version > 0, "report-drafted"),
            (self.findings_recorded, "findings-recorded"),
            (self.held_on is not None, "held"),
            (self.scheduled_on is not None, "scheduled"),
            (self.fully_endorsed, "endorsed"),
        ):
            if reached:
                return name
        return "proposed" if self.proposed else "unknown"

    def milestone(self, milestone_id: str) -> Milestone | None:
        return next((m for m in self.milestones if m.milestone_id == milestone_id), None)

    def case(self, case_ref: str) -> Case | None:
        return next((c for c in self.cases if c.case_ref == case_ref), None)

    @property
    def pending_milestones(self) -> list[Milestone]:
        return [m for m in self.milestones if m.met_on is None]


def _redate(current: tuple[Milestone, ...], due: list[e.MilestoneDue]) -> tuple[Milestone, ...]:
    """The milestones after a (re)scheduling: those re-dated get their new day (and
    a missed one is pending again against it); those done keep their record."""
    new = {m.milestone_id: m for m in due}
    kept = [
        replace(m, due_on=new[m.milestone_id].due_on, missed=False) if m.milestone_id in new else m
        for m in current
    ]
    known = {m.milestone_id for m in current}
    added = [
        Milestone(m.milestone_id, m.name, m.due_on, m.responsible) for m in due if m.milestone_id not in known
    ]
    return tuple(kept + added)


def _with_milestone(state: AssuranceEvent, milestone_id: str, **changes: object) -> AssuranceEvent:
    return replace(
        state,
        milestones=tuple(
            replace(m, **changes) if m.milestone_id == milestone_id else m for m in state.milestones  # type: ignore[arg-type]
        ),
    )


def _with_case(state: AssuranceEvent, case_ref: str, **changes: object) -> AssuranceEvent:
    return replace(
        state,
        cases=tuple(replace(c, **changes) if c.case_ref == case_ref else c for c in state.cases),  # type: ignore[arg-type]
    )


def evolve(state: AssuranceEvent, event: DomainEvent) -> AssuranceEvent:
    match event:
        case e.AssuranceEventProposed() as p:
            return replace(
                state, proposed=True, assurance_event_id=p.assurance_event_id, activity_type=p.activity_type,
                kind=p.kind, title=p.title, agency_id=p.agency_id, theme=p.theme, planned_for=p.planned_for,
                lead_role=p.lead_role, reports_to=p.reports_to, endorsers=tuple(p.endorsers),
                fully_endorsed=not p.endorsers, report_agreers=tuple(p.report_agreers),
                recused_partner=p.recused_partner, contributing_agencies=tuple(p.contributing_agencies),
                commissioned_by_agency=p.commissioned_by_agency,
            )
        case e.CallInConcernAdded(domain_id=domain):
            return replace(state, concerns=(*state.concerns, domain))
        case e.EndorsementGiven(partner_id=partner):
            return replace(state, endorsed=(*state.endorsed, partner))
        case e.AssuranceEventEndorsed():
            return replace(state, fully_endorsed=True)
        case e.InspectionTakenUp():
            return replace(state, taken_up=True)
        case e.InspectionDeclined():
            return replace(state, taken_up=False)
        case e.AssuranceEventScheduled(scheduled_on=day, milestones=due):
            return replace(
                state, scheduled_on=day, first_scheduled_on=state.first_scheduled_on or day,
                milestones=_redate(state.milestones, due),
            )
        case e.AssuranceEventRescheduled(scheduled_on=day, milestones=due):
            return replace(state, scheduled_on=day, milestones=_redate(state.milestones, due))
        case e.AssuranceEventCancelled():
            return replace(state, cancelled=True)
        case e.PreparationMilestoneMet(milestone_id=mid, met_on=met_on):
            return _with_milestone(state, mid, met_on=met_on)
        case e.PreparationMilestoneMissed(milestone_id=mid):
            return _with_milestone(state, mid, missed=True)
        case e.AssuranceEventHeld() as h:
            agencies = tuple(dict.fromkeys(m.agency_id for m in h.panel if m.agency_id))
            return replace(state, held_on=h.held_on, panel_agencies=agencies, days_on_site=h.days_on_site)
        case e.ImmediateFeedbackGiven():
            return replace(state, feedback_given=True)
        case e.FindingsRecorded() as f:
            return replace(
                state, findings_recorded=True, strengths=tuple(f.strengths),
                areas_for_development=tuple(f.areas_for_development),
            )
        case e.ActionAgreed(action_id=action_id):
            return replace(state, actions=(*state.actions, action_id))
        case e.AssuranceReportDrafted(version=version):
            return replace(state, report_version=version, report_agreed_by=())
        case e.ReportAgreementGiven(partner_id=partner):
            return replace(state, report_agreed_by=(*state.report_agreed_by, partner or "business-unit"))
        case e.AssuranceReportAgreed(distribution=distribution):
            return replace(state, report_agreed=True, distribution=tuple(distribution))
        case e.OutcomeRecorded(outcome=outcome):
            return replace(state, outcome=outcome)
        case e.AssuranceEventConcluded() as c:
            return replace(
                state, concluded=True, held_on=state.held_on or c.held_on,
                assurance_event_id=state.assurance_event_id or c.assurance_event_id,
                activity_type=state.activity_type or c.activity_type, title=state.title or c.title,
                agency_id=state.agency_id or c.agency_id, theme=state.theme or c.theme,
            )
        case e.CaseSelected(case_ref=case_ref):
            return replace(state, cases=(*state.cases, Case(case_ref)))
        case e.CaseAuditRecorded(case_ref=case_ref, agency_id=agency):
            case = state.case(case_ref)
            audited = case.audited_by if case else ()
            return _with_case(state, case_ref, audited_by=(*audited, agency))
        case e.PractitionersMet(case_ref=case_ref):
            return _with_case(state, case_ref, practitioners_met=True)
        case e.DesktopReviewCompleted():
            return replace(state, desktop_review=True)
        case e.InspectionSurveysReturned():
            return replace(state, surveys_returned=True)
        case e.StarRatingAwarded(stars=stars, out_of=out_of):
            return replace(state, stars=stars, stars_out_of=out_of)
        case e.NewsletterIssued():
            return replace(state, newsletter=True)
        case e.LearningForumHeld() as f:
            return replace(state, forums=(*state.forums, Forum(f.forum, f.held_on, f.attendance, f.waiting_list)))
        case e.ChildrenAndFamiliesViewsGathered():
            return replace(state, views_gathered=True)
        case e.PractitionerSurveySent(recipients=recipients):
            return replace(state, survey_recipients=recipients)
        case e.PractitionerSurveyResponsesReceived(responses=responses):
            return replace(state, survey_responses=responses)
        case e.ForumEvaluationRecorded() as ev:
            return replace(
                state, evaluation=tuple(sorted(ev.agreed_percent.items())),
                evaluation_completed_percent=ev.completed_percent,
            )
        case e.StrategicFeedbackPresented():
            return replace(state, strategic_feedback=True)
        case e.PractitionersToldOfActions():
            return replace(state, practitioners_told=True)
        case e.PeerReviewTermsAgreed() as t:
            return replace(state, terms=PeerTerms(t.scope, t.reciprocal, t.direction, t.peer_area, t.days_on_site))
    return _evolve_activity(state, event)


def _evolve_activity(state: AssuranceEvent, event: DomainEvent) -> AssuranceEvent:
    """The lifecycle every other activity runs: planned, slipped or missed, held, its output
    received, presented, disseminated."""
    match event:
        case a.ActivityPlanned() as p:
            return replace(
                state, proposed=True, planned=True, fully_endorsed=True, assurance_event_id=p.assurance_event_id,
                activity_type=p.activity_type, kind=p.kind, title=p.title, agency_id=p.agency_id, theme=p.theme,
                planned_for=f"{p.due_on.year:04d}-{p.due_on.month:02d}", lead_role=p.owner, reports_to=p.reports_to,
                scheduled_on=p.due_on, first_scheduled_on=p.due_on, audiences=tuple(p.audiences),
            )
        case a.ActivitySlipped(to_date=day):
            return replace(state, scheduled_on=day, slips=state.slips + 1)
        case a.ActivityMissed():
            return replace(state, missed=True)
        case a.ActivityHeld(held_on=day):
            return replace(state, held_on=day)
        case a.ActivityOutputReceived() as o:
            return replace(state, output=o.output, figures=tuple(sorted(o.figures.items())))
        case a.ActivityPresented() as p:
            return replace(state, presented_on=p.presented_on, presented_to=p.group_id)
        case a.ActivityDisseminated(method=method):
            return replace(state, disseminated=(*state.disseminated, method))
    return state


def facts_of(state: AssuranceEvent, event_id: str | None = None, position: int | None = None) -> EventFacts:
    """What the planner needs of an event's fold (`shared.planner`)."""
    return EventFacts(
        assurance_event_id=state.assurance_event_id, activity_type=state.activity_type, title=state.title,
        status=state.status, agency_id=state.agency_id, planned_for=state.planned_for,
        first_scheduled_on=state.first_scheduled_on, scheduled_on=state.scheduled_on, held_on=state.held_on,
        event_id=event_id, position=position,
    )


# The kind of stream every assurance activity is (`assurance-event:{partnership}:{id}`).
ASSURANCE_EVENT = Aggregate("assurance-event", AssuranceEvent(), evolve)
