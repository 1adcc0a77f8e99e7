"""The dashboard's tables, from its `Dashboard` view (pure): the heat map, the Section 11
tables, the reviews, the action tracker, the assurance events, the planner and the
performance data. Each
title is the table's heading on the page; "Event id" and "Position" name the event
behind each row, as the page's trace does."""

from services.reporting.domain.views import Dashboard

from .table import Table, TableSpec, Value, joined, yes

TRACE = ["Event id", "Position"]
BUCKET_ORDER = ["overdue", "due soon", "awaiting sign-off", "open", "signed off"]
"""The action tracker's buckets in the order the page lists them."""


def _agency(d: Dashboard, agency_id: str | None) -> str:
    return d.agency_names.get(agency_id, agency_id) if agency_id else ""


def _domain(d: Dashboard, domain_id: str | None, empty: str = "") -> str:
    return d.domain_names.get(domain_id, domain_id) if domain_id else empty


def heatmap(d: Dashboard) -> Table:
    """Agencies × domains: each domain's rating (moderated where the panel moderated), its
    level, and the self-score against the moderated one where they differ."""
    heads = ["Agency", "Return", "Cycle"]
    for _, name in d.heatmap.domains:
        heads += [name, f"{name}: level", f"{name}: self → moderated"]
    rows = []
    for r in d.heatmap.rows:
        row: list[Value] = [r.agency_name, r.status, r.cycle_id]
        for c in r.cells:
            moderated = ""
            if c.moderated_rating is not None:
                moderated = f"self {c.self_rating} → moderated {c.moderated_rating}" + (f" (gap {c.gap:+d})" if c.gap else "")
            row += [c.rating, c.label, moderated]
        rows.append(row)
    return HEATMAP.table(heads, rows)


def risk_flags(d: Dashboard) -> Table:
    return RISK_FLAGS.table(
        ["Agency", "Domain", "Rating", "Reason", "Raised", *TRACE],
        [[_agency(d, f.agency_id), _domain(d, f.domain_id), f.rating, f.reason, f.raised_at, f.event_id, f.position]
         for f in d.risk_flags],
    )


def late_returns(d: Dashboard) -> Table:
    return LATE_RETURNS.table(
        ["Agency", "Cycle", "Due", "Status", "Submitted", "Reminders", *TRACE],
        [[_agency(d, r.agency_id), r.cycle_id, r.due_on, r.status, r.submitted_at, r.reminders, r.event_id, r.position]
         for r in d.section11.late_returns],
    )


def confidence_gaps(d: Dashboard) -> Table:
    return CONFIDENCE_GAPS.table(
        ["Agency", "Cycle", "Domain", "Self-score", "Practitioners agreeing (%)", "Why", *TRACE],
        [[_agency(d, g.agency_id), g.cycle_id, _domain(d, g.domain_id, "all domains"), g.self_rating, g.agree_percent,
          g.reason, g.event_id, g.position] for g in d.section11.confidence_gaps],
    )


def call_ins(d: Dashboard) -> Table:
    return CALL_INS.table(
        ["Agency", "Cycle", "Domain", "Rating", "Why", *TRACE],
        [[_agency(d, c.agency_id), c.cycle_id, _domain(d, c.domain_id), c.rating, c.reason, c.event_id, c.position]
         for c in d.section11.call_ins],
    )


def workshops(d: Dashboard) -> Table:
    return WORKSHOPS.table(
        ["Workshop", "Cycle", "Domain", "Purpose", "Agencies", "Agency names", "Hold by", "Event id"],
        [[w.workshop_id, w.cycle_id, _domain(d, w.domain_id), w.purpose.replace("_", " "), len(w.agency_ids),
          joined([_agency(d, a) for a in w.agency_ids]), w.hold_by, w.event_id] for w in d.section11.workshops],
    )


def amendments(d: Dashboard) -> Table:
    return AMENDMENTS.table(
        ["Agency", "Cycle", "Standards changed", "Reason", "When", *TRACE],
        [[_agency(d, a.agency_id), a.cycle_id, joined(a.standards, ", "), a.reason, a.amended_at, a.event_id, a.position]
         for a in d.section11.amendments],
    )


def reviews(d: Dashboard) -> Table:
    heads = ["Review", "Review id", "Title", "Case", "Starts", "Counted in", "Due", "Due date moved because",
             "Left", "Overdue", "Status", "Outcome", "Closed", "Late", "Clock set by (event id)", "Position", "Last event id"]
    rows: list[list[Value]] = []
    for c in d.reviews.clocks if d.reviews else []:
        r = c.row
        rows.append([c.kind_name, r.review_id, r.title, r.case_ref, r.starts_on, c.counted_in, r.due_on, r.change_reason,
                     c.days_left, yes(c.overdue), r.status, r.outcome, r.closed_on, yes(r.late), r.event_id, r.position,
                     r.last_event_id])
    return REVIEWS.table(heads, rows)


def information_requests(d: Dashboard) -> Table:
    return INFORMATION_REQUESTS.table(
        ["Rapid review", "Request", "Agency", "Due", "Status", "Late", *TRACE, "Last event id"],
        [[q.incident_id, q.information_request_id, _agency(d, q.agency_id), q.due_on, q.status, yes(q.late),
          q.event_id, q.position, q.last_event_id] for q in (d.reviews.information_requests if d.reviews else [])],
    )


def gradings(d: Dashboard) -> Table:
    return GRADINGS.table(
        ["Round", "Case", "Agency", "Grade", *TRACE],
        [[g.audit_id, g.case_ref, _agency(d, g.agency_id), g.grade, g.event_id, g.position]
         for g in (d.reviews.gradings if d.reviews else [])],
    )


def concerns(d: Dashboard) -> Table:
    return CONCERNS.table(
        ["Round", "Case", "Raised by", "Escalated to", "When", *TRACE],
        [[c.audit_id, c.case_ref, _agency(d, c.raised_by_agency_id), _agency(d, c.escalated_to), c.occurred_at,
          c.event_id, c.position] for c in (d.reviews.concerns if d.reviews else [])],
    )


def impact(d: Dashboard) -> Table:
    return IMPACT.table(
        ["Recorded", "Difference made", "Evidence", "Made by", *TRACE],
        [[i.recorded_on, i.difference, i.evidence, joined([f"{k}: {', '.join(v)}" for k, v in i.links.items() if v]),
          i.event_id, i.position] for i in (d.reviews.impact if d.reviews else [])],
    )


def actions(d: Dashboard) -> Table:
    """The tracker's rows bucket by bucket, in the page's order (each action's bucket named)."""
    heads = ["Bucket", "Action", "Action id", "Owner", "Due", "Days to due", "Status", "Progress updates",
             "Percent complete", "Evidence rejected", "Source", "Raised (event id)", "Position", "Last event id"]
    t = d.action_tracker
    tracked = [(b, i.row, i.days_to_due) for b in BUCKET_ORDER for i in t.buckets.get(b, [])] if t else \
        [(a.status, a, None) for a in d.actions]
    rows: list[list[Value]] = [
        [bucket, a.title, a.action_id, _agency(d, a.owner_agency_id), a.due_on,
         days if a.status in ("open", "overdue") else None, a.status, a.progress_updates, a.percent_complete,
         a.rejections, a.source, a.event_id, a.position, a.last_event_id or a.overdue_event_id]
        for bucket, a, days in tracked
    ]
    return ACTIONS.table(heads, rows)


def in_progress(d: Dashboard) -> Table:
    names = d.assurance.activity_names if d.assurance else {}
    return IN_PROGRESS.table(
        ["Event", "Type", "Agency or theme", "Status", "Planned for", "First scheduled on", "Scheduled on", "Held on",
         "Still to endorse", *TRACE],
        [[e.title, names.get(e.activity_type, e.activity_type), _agency(d, e.agency_id) if e.agency_id else (e.theme or ""),
          e.status, e.planned_for, e.first_scheduled_on, e.scheduled_on, e.held_on,
          joined(e.outstanding_endorsements, ", "), e.event_id, e.position]
         for e in (d.assurance.in_progress if d.assurance else [])],
    )


def milestones_missed(d: Dashboard) -> Table:
    return MILESTONES.table(
        ["Event", "Milestone", "Responsible", "Due by", *TRACE],
        [[m.title, m.name, m.responsible, m.due_on, m.event_id, m.position] for m in (d.assurance.missed if d.assurance else [])],
    )


def concluded(d: Dashboard) -> Table:
    names = d.assurance.activity_names if d.assurance else {}
    return CONCLUDED.table(
        ["Held", "Event", "Type", "Stars", "Strengths", "Areas for development", "Actions agreed", "Outcome",
         "Report agreed for", "Figures", *TRACE],
        [[e.held_on, e.title, names.get(e.activity_type, e.activity_type), e.star_rating, joined(e.strengths),
          joined(e.areas_for_development), joined(e.actions, ", "), e.outcome, joined([_agency(d, a) for a in e.distribution], ", "),
          joined([f"{k.replace('_', ' ').replace('-', ' ')}: {round(v, 1):g}" for k, v in e.figures.items()]),
          e.event_id, e.position] for e in d.concluded_events],
    )


def planner(d: Dashboard) -> Table:
    """One row per planned slot, month by month, then each event held in addition to the plan."""
    heads = ["Month", "Activity", "Note", "Status", "Detail", "Event", "Held on", *TRACE]
    rows: list[list[Value]] = []
    p = d.planner
    for m in p.months if p else []:
        for s in m.planned:
            e = s.event
            rows.append([p.name(m.month), s.activity_name, s.note, s.status, s.detail, e.title if e else None,
                         e.held_on if e else None, e.event_id if e else None, e.position if e else None])
        for h in m.held:
            if not h.planned:
                e = h.event
                rows.append([p.name(m.month), h.activity_name, "", "held in addition to the plan", "",
                             e.title if e else None, h.held_on, e.event_id if e else None, e.position if e else None])
    return PLANNER.table(heads, rows)


def commitments(d: Dashboard) -> Table:
    p = d.planner
    return COMMITMENTS.table(
        [
            "Activity",
            "Cadence",
            "Committed in the period",
            "Planned",
            "Held",
            "Slipped",
            "Missed",
            "Due this month",
            "Agencies still to visit",
            "Agencies still to visit (names)",
        ],
        [
            [
                c.activity_name + (f" (with the {c.scrutineer})" if c.scrutineer else ""),
                c.cadence,
                c.committed if c.committed is not None else "as required",
                c.planned,
                c.held,
                c.slipped,
                c.missed,
                c.due,
                len(c.agencies_due) if c.agencies_due is not None else None,
                joined([p.agency_names.get(a, a) for a in c.agencies_due or []], ", "),
            ]
            for c in (p.commitments if p else [])
        ],
    )


def performance(d: Dashboard) -> Table:
    """Each performance indicator's latest value against its threshold and the comparators."""
    pv = d.performance
    names = pv.comparators if pv else []
    rows: list[list[Value]] = []
    for s in pv.series if pv else []:
        found = dict(s.comparators)
        rows.append([s.name, s.id, s.supplier, s.unit, s.better, s.latest.period if s.latest else None,
                     s.latest.value if s.latest else None, s.trend, s.threshold, s.status, *(found.get(c) for c in names)])
    return PERFORMANCE.table(
        ["Indicator", "Indicator id", "Supplied by", "Unit", "Polarity", "Latest period", "Latest value", "Trend", "Threshold",
         "Status", *names], rows,
    )


def performance_values(d: Dashboard) -> Table:
    """Every value of every series, oldest first, each with the event behind it."""
    pv = d.performance
    return PERFORMANCE_VALUES.table(
        ["Indicator", "Indicator id", "Period", "Value", "Beyond threshold", *TRACE],
        [[s.name, s.id, p.period, p.value, yes(p.beyond), p.event_id, p.position] for s in (pv.series if pv else []) for p in s.points],
    )


def _spec(name: str, title: str, build: object) -> TableSpec:
    return TableSpec(name, "dashboard", title, build)  # type: ignore[arg-type]


HEATMAP = _spec("heatmap", "Section 11 heat map", heatmap)
RISK_FLAGS = _spec("risk-flags", "Open risk flags (signatures of risk)", risk_flags)
LATE_RETURNS = _spec("late-returns", "Late and overdue Section 11 returns", late_returns)
CONFIDENCE_GAPS = _spec("confidence-gaps", "Confidence gaps (green self-scores challenged by practitioners' surveys)", confidence_gaps)
CALL_INS = _spec("call-ins", "Call-ins proposed by Section 11", call_ins)
WORKSHOPS = _spec("workshops", "Peer challenge workshops", workshops)
AMENDMENTS = _spec("amendments", "Amended returns (history kept)", amendments)
REVIEWS = _spec("reviews", "Reviews and their clocks", reviews)
INFORMATION_REQUESTS = _spec("information-requests", "Information requests", information_requests)
GRADINGS = _spec("audit-gradings", "Multi-agency case file audit gradings", gradings)
CONCERNS = _spec("audit-concerns", "Immediate safeguarding concerns escalated from audits", concerns)
IMPACT = _spec("impact", "Impact log", impact)
ACTIONS = _spec("actions", "Action tracker", actions)
IN_PROGRESS = _spec("assurance-in-progress", "Assurance events in progress", in_progress)
MILESTONES = _spec("milestones-missed", "Preparation milestones missed", milestones_missed)
CONCLUDED = _spec("concluded-events", "Concluded assurance events", concluded)
PLANNER = _spec("planner", "Scrutiny and assurance planner", planner)
COMMITMENTS = _spec("planner-commitments", "Scrutiny and assurance planner: commitments", commitments)
PERFORMANCE = _spec("performance", "Performance data", performance)
PERFORMANCE_VALUES = _spec("performance-values", "Performance data: every value", performance_values)

SPECS = [HEATMAP, RISK_FLAGS, LATE_RETURNS, CONFIDENCE_GAPS, CALL_INS, WORKSHOPS, AMENDMENTS, REVIEWS,
         INFORMATION_REQUESTS, GRADINGS, CONCERNS, IMPACT, ACTIONS, IN_PROGRESS, MILESTONES, CONCLUDED, PLANNER,
         COMMITMENTS, PERFORMANCE, PERFORMANCE_VALUES]
