"""The business unit's task list: what is overdue, what falls due within a week, and what
awaits a decision, each linking to the form that settles it (pure, from the dashboard's view).

The figures are the dashboard's own (an overdue action is the action tracker's overdue
action), so the list and every page agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from services.reporting.domain.views.dashboard import Dashboard

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Task:
    text: str
    href: str
    status: str
    hint: str = ""
    tag_class: str = ""


@dataclass
class TaskGroup:
    title: str
    tag_class: str
    items: list[Task] = field(default_factory=list)


def _form(partnership: str, service: str, token: str, **prefill: str) -> str:
    return f"/p/{partnership}/do/{service}/{token}" + (f"?{urlencode(prefill)}" if prefill else "")


def _day(d: date) -> str:
    return d.strftime("%-d %b %Y")


def tasks(view: Dashboard, today: date) -> list[TaskGroup]:
    p = view.partnership_id
    agency = view.agency_names.get
    overdue = TaskGroup("Overdue", "govuk-tag--red")
    due = TaskGroup("Due within a week", "govuk-tag--yellow")
    decide = TaskGroup("Awaiting a decision", "govuk-tag--blue")

    for action in view.actions:
        name = f"Action: {action.title} ({agency(action.owner_agency_id, action.owner_agency_id)})"
        if action.status == "overdue":
            overdue.items.append(Task(name, _form(p, "reviews", "update-action", action_id=action.action_id,
                                                  owner_agency_id=action.owner_agency_id),
                                      "Overdue", f"Was due {_day(action.due_on)}", "govuk-tag--red"))
        elif action.status == "open" and action.due_on <= today + WEEK:
            due.items.append(Task(name, _form(p, "reviews", "update-action", action_id=action.action_id,
                                              owner_agency_id=action.owner_agency_id),
                                  "Due", f"Due {_day(action.due_on)}", "govuk-tag--yellow"))
        elif action.status == "awaiting-sign-off":
            decide.items.append(Task(name, _form(p, "reviews", "sign-off-action", action_id=action.action_id),
                                     "Sign-off", "Completed with evidence: for the partners' sign-off at the Board", "govuk-tag--blue"))

    for row in view.heatmap.rows:
        if row.status == "overdue":
            overdue.items.append(Task(f"Section 11 return: {row.agency_name}", f"/p/{p}/agency/{row.agency_id}", "Overdue",
                                      f"Cycle {row.cycle_id}", "govuk-tag--red"))
        elif row.status == "submitted" and row.cycle_id:
            for (domain_id, domain_name), cell in zip(view.heatmap.domains, row.cells, strict=False):
                if cell.self_rating is not None and cell.moderated_rating is None:
                    decide.items.append(Task(
                        f"Moderate: {row.agency_name}, {domain_name}",
                        _form(p, "section11", "moderate", agency_id=row.agency_id, cycle_id=row.cycle_id, domain_id=domain_id),
                        "Moderation", f"Self-assessed {cell.self_rating}", "govuk-tag--blue"))

    if view.assurance is not None:
        names = view.assurance.activity_names
        for m in view.assurance.milestones:
            link = _form(p, "events", "meet-milestone", assurance_event_id=m.assurance_event_id, milestone_id=m.milestone_id)
            if m.status == "missed":
                overdue.items.append(
                    Task(f"Milestone: {m.name} ({m.title})", link, "Missed", f"Was due {_day(m.due_on)}", "govuk-tag--red")
                )
            elif m.status == "pending" and m.due_on <= today + WEEK:
                due.items.append(Task(f"Milestone: {m.name} ({m.title})", link, "Due", f"Due {_day(m.due_on)}", "govuk-tag--yellow"))
        for event in view.assurance.in_progress:
            for partner in event.outstanding_endorsements:
                decide.items.append(Task(
                    f"Endorsement: {event.title or names.get(event.activity_type, event.activity_type)}",
                    _form(p, "events", "endorse", assurance_event_id=event.assurance_event_id, partner_id=partner),
                    "Endorsement", f"Awaiting {partner}", "govuk-tag--blue"))

    if view.reviews is not None:
        for clock in view.reviews.clocks:
            if clock.days_left is None:
                continue
            text = f"{clock.kind_name}: {clock.row.title}"
            if clock.overdue:
                overdue.items.append(
                    Task(text, f"/p/{p}#reviews", "Overdue", f"{-clock.days_left} {clock.counted_in} late", "govuk-tag--red")
                )
            elif clock.days_left <= 5:
                due.items.append(Task(text, f"/p/{p}#reviews", "Due", f"{clock.days_left} {clock.counted_in} left", "govuk-tag--yellow"))
        for request in view.reviews.information_requests:
            if request.late:
                overdue.items.append(Task(f"Information request to {agency(request.agency_id, request.agency_id)}", f"/p/{p}#reviews",
                                          "Overdue", f"Was due {_day(request.due_on)}", "govuk-tag--red"))
    return [overdue, due, decide]


def next_for_agency(view: Dashboard, agency_id: str, today: date) -> list[Task]:
    """An agency lead's next steps: its actions open or overdue, information asked of it."""
    p = view.partnership_id
    out = []
    for action in view.actions:
        if action.owner_agency_id != agency_id or action.status not in ("open", "overdue"):
            continue
        late = action.status == "overdue"
        out.append(Task(f"Update your action: {action.title}",
                        _form(p, "reviews", "update-action", action_id=action.action_id),
                        "Overdue" if late else "Open", f"{'Was due' if late else 'Due'} {_day(action.due_on)}",
                        "govuk-tag--red" if late else ""))
    if view.reviews is not None:
        for request in view.reviews.information_requests:
            if request.agency_id == agency_id and request.status == "requested":
                out.append(Task("Answer a rapid review's request for information",
                                _form(p, "reviews", "provide-information", incident_id=request.incident_id,
                                      information_request_id=request.information_request_id),
                                "Late" if request.late else "Asked", f"Due {_day(request.due_on)}",
                                "govuk-tag--red" if request.late else ""))
    return out


def next_for_partner(view: Dashboard, partner_id: str) -> list[Task]:
    """A partner's next steps: events awaiting its endorsement."""
    if view.assurance is None:
        return []
    names = view.assurance.activity_names
    return [
        Task(f"Endorse: {event.title or names.get(event.activity_type, event.activity_type)}",
             _form(view.partnership_id, "events", "endorse", assurance_event_id=event.assurance_event_id),
             "Awaiting you", "", "govuk-tag--blue")
        for event in view.assurance.in_progress
        if partner_id in event.outstanding_endorsements
    ]
