"""Who is told of what: the events people must act on, each turned into a notice for an
audience by role and agency (pure; the notifier adapter finds the people).

One rule per event type, `RULES`: its default audience and how its notice reads. A
notice says what is due, where, and links to the front-door page or form that settles
it. It is written only from ids, dates and the profile's own names: never an event's
free text (a title, what was asked, a reason), never a case reference or an incident,
review or audit id, so nothing in a message can name or point at a child.

The audiences:
  agency-lead   the leads of the agency the event names (its owner, the agency asked)
  partner       the statutory partners the event names (those whose endorsement or
                agreement is awaited; a recused partner never), or all three when it
                names none
  scrutineer, business-unit, board-member
                everyone holding that role in the partnership

A profile may say who is told of each event (`notifications.tell`, shared/profiles/
notifications.py): its list of audiences replaces the default; the agency and the
partners named stay the event's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from shared.catalogue import DomainEvent
from shared.catalogue import events as ev
from shared.catalogue import reporting as rp
from shared.catalogue import reviews as rv
from shared.catalogue import section11 as s11
from shared.roles import Role

AGENCY_LEAD, PARTNER, SCRUTINEER, BUSINESS_UNIT = "agency-lead", "partner", "scrutineer", "business-unit"
AUDIENCES = (BUSINESS_UNIT, AGENCY_LEAD, PARTNER, SCRUTINEER, "board-member")
REVIEW_TYPES = {"cspr": "Child safeguarding practice review", "learning-review": "Learning review",
                "thematic-review": "Thematic review"}


@dataclass(frozen=True)
class Told:
    """Everyone holding `role` in the partnership, or only those whose grant's scope (an
    agency lead's agency, a partner's statutory partner) is in `scopes`."""

    role: Role
    scopes: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Proposal:
    """What the notifier remembers of an assurance event's proposal, for its later notices."""

    activity_type: str
    agency_id: str | None
    report_agreers: tuple[str, ...]


@dataclass(frozen=True)
class Words:
    """The partnership and the profile's names for ids (agencies, partners, activities)."""

    partnership_id: str
    partnership: str
    names: Mapping[str, str]

    def of(self, key: str | None) -> str:
        return self.names.get(key or "", key or "")


@dataclass(frozen=True)
class Draft:
    """A notice before its audience is settled: the agencies and partners the event names
    (`partners` None: it names none, so a partner audience is all three)."""

    subject: str
    lines: tuple[str, ...]
    link: str
    agencies: tuple[str, ...] = ()
    partners: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Notice:
    kind: str  # the event type it came from
    subject: str
    lines: tuple[str, ...]
    link: str
    told: tuple[Told, ...]

    @property
    def body(self) -> str:
        return "\n\n".join(self.lines)


@dataclass(frozen=True)
class Rule:
    audiences: tuple[str, ...]
    draft: Callable[[Any, Words, Proposal | None], Draft | None]


def day(d: date) -> str:
    return d.strftime("%-d %B %Y")


def form(words: Words, service: str, token: str, **prefill: str) -> str:
    return f"/p/{words.partnership_id}/do/{service}/{token}" + (f"?{urlencode(prefill)}" if prefill else "")


# -- the rules, event by event -------------------------------------------------------------


def _s11_reminder(e: s11.SubmissionReminderSent, w: Words, _: Proposal | None) -> Draft:
    return Draft(f"Section 11 return due {day(e.due_on)}: {w.of(e.agency_id)}",
                 (f"The Section 11 return of {w.of(e.agency_id)} for cycle {e.cycle_id} is due on {day(e.due_on)}.",
                  "Complete and submit it on the platform."),
                 f"/p/{w.partnership_id}/return/{e.agency_id}", agencies=(e.agency_id,))


def _s11_overdue(e: s11.SubmissionOverdue, w: Words, _: Proposal | None) -> Draft:
    return Draft(f"Section 11 return overdue: {w.of(e.agency_id)}",
                 (f"The Section 11 return of {w.of(e.agency_id)} for cycle {e.cycle_id} was due on {day(e.due_on)} "
                  "and has not been submitted.", "Submit it on the platform as soon as you can."),
                 f"/p/{w.partnership_id}/return/{e.agency_id}", agencies=(e.agency_id,))


def _action(late: bool) -> Callable[[Any, Words, Proposal | None], Draft]:
    def draft(e: rv.ActionReminderSent | rv.ActionOverdue, w: Words, _: Proposal | None) -> Draft:
        when = f"was due on {day(e.due_on)} and is overdue" if late else f"is due on {day(e.due_on)}"
        return Draft(f"Action {'overdue' if late else 'due ' + day(e.due_on)}: {e.action_id} ({w.of(e.owner_agency_id)})",
                     (f"Action {e.action_id}, owned by {w.of(e.owner_agency_id)}, {when}.",
                      "Record its progress, or its completion with the evidence, on the platform."),
                     form(w, "reviews", "update-action", action_id=e.action_id), agencies=(e.owner_agency_id,))
    return draft


def _information(late: bool) -> Callable[[Any, Words, Proposal | None], Draft]:
    def draft(e: rv.AgencyInformationRequested | rv.AgencyInformationOverdue, w: Words, _: Proposal | None) -> Draft:
        when = f"was due on {day(e.due_on)} and has not been answered" if late else f"is due by {day(e.due_on)}"
        return Draft(f"Information {'overdue' if late else 'requested'}: {w.of(e.agency_id)}, due {day(e.due_on)}",
                     (f"A rapid review asked {w.of(e.agency_id)} for information, which {when}.",
                      "What is asked is on the platform; answer it there."),
                     form(w, "reviews", "provide-information", incident_id=e.incident_id,
                          information_request_id=e.information_request_id), agencies=(e.agency_id,))
    return draft


def _proposed(e: ev.AssuranceEventProposed, w: Words, _: Proposal | None) -> Draft | None:
    awaited = tuple(p for p in e.endorsers if p != e.recused_partner)
    if not awaited:
        return None
    what = w.of(e.activity_type) + (f" for {w.of(e.agency_id)}" if e.agency_id else "")
    return Draft(f"Endorsement awaited: {what}",
                 (f"{w.of(e.proposed_by)} proposed a {what}.", "Your endorsement, as a safeguarding partner, is awaited."),
                 form(w, "events", "endorse", assurance_event_id=e.assurance_event_id), partners=awaited)


def _drafted(e: ev.AssuranceReportDrafted, w: Words, proposal: Proposal | None) -> Draft:
    what = (w.of(proposal.activity_type) + (f" for {w.of(proposal.agency_id)}" if proposal.agency_id else "")
            if proposal else "an assurance event")
    agreers = proposal.report_agreers if proposal else None
    return Draft(f"Report agreement awaited: {what}",
                 (f"Version {e.version} of the report of {what} is drafted.", "Your agreement to its distribution is awaited."),
                 form(w, "events", "agree-report", assurance_event_id=e.assurance_event_id, version=str(e.version)),
                 partners=agreers or None)


def _rapid_review_decided(e: rv.RapidReviewDecided, w: Words, _: Proposal | None) -> Draft | None:
    if not e.scrutineer_sign_off_required:
        return None
    return Draft(f"Rapid review decision awaits your sign-off ({day(e.decided_on)})",
                 (f"A rapid review decision was made on {day(e.decided_on)} and needs the independent scrutineer's sign-off.",),
                 form(w, "reviews", "sign-off-rapid-review-decision", incident_id=e.incident_id))


def _yearly_drafted(e: rp.YearlyReportDrafted, w: Words, _: Proposal | None) -> Draft | None:
    if not e.scrutineer_before_publication:
        return None
    return Draft(f"Yearly report {e.year} to {e.year + 1} awaits your comments and sign-off",
                 (f"Version {e.version} of the yearly report for {e.year} to {e.year + 1} was drafted on {day(e.drafted_on)}.",
                  "Your comments and sign-off are awaited before it is published."),
                 f"/p/{w.partnership_id}/reports/yearly/{e.report_id + '/' if e.report_id else ''}{e.year}")


def _milestone_missed(e: ev.PreparationMilestoneMissed, w: Words, _: Proposal | None) -> Draft:
    return Draft(f"Milestone missed: {e.name} (due {day(e.due_on)})",
                 (f"The preparation milestone \u201c{e.name}\u201d of an assurance event was due on {day(e.due_on)} "
                  "and is not recorded as done.",),
                 form(w, "events", "meet-milestone", assurance_event_id=e.assurance_event_id, milestone_id=e.milestone_id))


def _review(late: bool) -> Callable[[Any, Words, Proposal | None], Draft]:
    def draft(e: rv.ReviewSlippageWarned | rv.ReviewSlipped, w: Words, _: Proposal | None) -> Draft:
        kind = REVIEW_TYPES.get(e.review_type, e.review_type)
        state = f"passed its due date, {day(e.due_on)}, without" if late else f"is due on {day(e.due_on)} and has not"
        return Draft(f"{kind} {'overdue' if late else 'slipping'}: due {day(e.due_on)}",
                     (f"A {kind.lower()} {state} its final report signed off.",),
                     f"/p/{w.partnership_id}#reviews")
    return draft


def _rapid_review_overdue(e: rv.RapidReviewOverdue, w: Words, _: Proposal | None) -> Draft:
    return Draft(f"Rapid review overdue: was due {day(e.due_on)}",
                 (f"A rapid review was due on {day(e.due_on)} and no decision is recorded.",), f"/p/{w.partnership_id}#reviews")


def _notification_overdue(e: rv.SeriousIncidentNotificationOverdue, w: Words, _: Proposal | None) -> Draft:
    told = ", ".join(o.replace("-", " ") for o in e.outstanding)
    return Draft(f"Serious incident notification overdue: due {day(e.notify_by)}",
                 (f"A serious incident was to be notified by {day(e.notify_by)}; still to be told: {told}.",),
                 f"/p/{w.partnership_id}#reviews")


def _audit_overdue(e: rv.AuditRoundOverdue, w: Words, _: Proposal | None) -> Draft:
    return Draft(f"Multi-agency audit round overdue: was due {day(e.due_on)}",
                 (f"A multi-agency case file audit round was due on {day(e.due_on)}, with {e.gradings} gradings recorded.",),
                 f"/p/{w.partnership_id}")


def _early_warning(e: rp.IndicatorEarlyWarningRaised, w: Words, _: Proposal | None) -> Draft:
    why = (f"its value for {e.period} crossed the early-warning threshold" if e.reason == "threshold"
           else f"it has declined {e.declining_periods} periods running, to {e.period}")
    to = f" It is raised to {w.of(e.raised_to)}." if e.raised_to else ""
    return Draft(f"Early warning: {e.indicator_name} ({w.of(e.agency_id)})",
                 (f"The performance indicator \u201c{e.indicator_name}\u201d, supplied by {w.of(e.agency_id)}: {why}.{to}",
                  "The series, its threshold and the comparators are on the agency's page."),
                 f"/p/{w.partnership_id}/agency/{e.agency_id}#indicator-{e.indicator_id}", agencies=(e.agency_id,))


RULES: dict[str, Rule] = {
    "SubmissionReminderSent": Rule((AGENCY_LEAD,), _s11_reminder),
    "SubmissionOverdue": Rule((AGENCY_LEAD,), _s11_overdue),
    "ActionReminderSent": Rule((AGENCY_LEAD,), _action(late=False)),
    "ActionOverdue": Rule((AGENCY_LEAD,), _action(late=True)),
    "AgencyInformationRequested": Rule((AGENCY_LEAD,), _information(late=False)),
    "AgencyInformationOverdue": Rule((AGENCY_LEAD,), _information(late=True)),
    "AssuranceEventProposed": Rule((PARTNER,), _proposed),
    "AssuranceReportDrafted": Rule((PARTNER,), _drafted),
    "RapidReviewDecided": Rule((SCRUTINEER,), _rapid_review_decided),
    "YearlyReportDrafted": Rule((SCRUTINEER,), _yearly_drafted),
    "PreparationMilestoneMissed": Rule((BUSINESS_UNIT,), _milestone_missed),
    "ReviewSlippageWarned": Rule((BUSINESS_UNIT,), _review(late=False)),
    "ReviewSlipped": Rule((BUSINESS_UNIT,), _review(late=True)),
    "RapidReviewOverdue": Rule((BUSINESS_UNIT,), _rapid_review_overdue),
    "SeriousIncidentNotificationOverdue": Rule((BUSINESS_UNIT,), _notification_overdue),
    "AuditRoundOverdue": Rule((BUSINESS_UNIT,), _audit_overdue),
    "IndicatorEarlyWarningRaised": Rule((BUSINESS_UNIT, AGENCY_LEAD), _early_warning),
}


def notice_for(event: DomainEvent, words: Words, proposal: Proposal | None = None,
               tell: Mapping[str, list[str]] | None = None) -> Notice | None:
    """The notice an event makes, and who is told (`tell`: the profile's audiences by event
    type, replacing the defaults); None when nobody need act on it."""
    rule = RULES.get(event.event_type)
    if rule is None:
        return None
    draft = rule.draft(event, words, proposal)
    if draft is None:
        return None
    audiences = tuple(tell[event.event_type]) if tell and event.event_type in tell else rule.audiences
    told = tuple(_told(audience, draft) for audience in audiences)
    if not told:
        return None
    return Notice(event.event_type, draft.subject, draft.lines, draft.link, told)


def _told(audience: str, draft: Draft) -> Told:
    role = Role(audience)
    if role is Role.AGENCY_LEAD:
        return Told(role, draft.agencies)
    if role is Role.PARTNER:
        return Told(role, draft.partners)
    return Told(role)


def proposal_of(event: ev.AssuranceEventProposed) -> Proposal:
    return Proposal(event.activity_type, event.agency_id,
                    tuple(p for p in event.report_agreers if p != event.recused_partner))
