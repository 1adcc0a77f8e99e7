"""Who is told of what (domain/people/notices.py), how messages leave (delivery.py), and the
SMTP URL (adapters/people/postman.py): pure, no servers."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import get_args

import pytest

from services.reporting.adapters.people.postman import Smtp
from services.reporting.domain.people import delivery
from services.reporting.domain.people.notices import (
    RULES,
    Proposal,
    Told,
    Words,
    notice_for,
    proposal_of,
)
from shared.catalogue.events import (
    AssuranceEventProposed,
    AssuranceReportDrafted,
    PreparationMilestoneMissed,
)
from shared.catalogue.reviews import (
    ActionOverdue,
    AgencyInformationRequested,
    RapidReviewDecided,
    ReviewSlipped,
)
from shared.catalogue.section11 import SubmissionReminderSent
from shared.profiles.notifications import NotifiedEvent
from shared.roles import Role

WORDS = Words("nl", "North Lincolnshire", {"humberside-police": "Humberside Police", "council": "North Lincolnshire Council",
                                           "agency-specific-assurance-event": "Agency specific assurance event"})
CHILD = re.compile(r"case-[0-9a-f]+|Jayden|si-\d|cspr-\d")


def test_the_profile_lists_exactly_the_events_the_notifier_tells_of() -> None:
    assert set(get_args(NotifiedEvent)) == set(RULES)


def test_agency_events_go_to_that_agency_s_leads_with_a_link_to_settle_them() -> None:
    reminder = notice_for(SubmissionReminderSent(agency_id="humberside-police", cycle_id="2026-27", due_on=date(2026, 11, 30),
                                                 days_before=7), WORDS)
    assert reminder is not None and reminder.told == (Told(Role.AGENCY_LEAD, ("humberside-police",)),)
    assert reminder.subject == "Section 11 return due 30 November 2026: Humberside Police"
    assert reminder.link == "/p/nl/return/humberside-police"
    overdue = notice_for(ActionOverdue(action_id="act-7", owner_agency_id="humberside-police", due_on=date(2026, 11, 20)), WORDS)
    assert overdue is not None and overdue.told == (Told(Role.AGENCY_LEAD, ("humberside-police",)),)
    assert overdue.link == "/p/nl/do/reviews/update-action?action_id=act-7"


def test_an_endorsement_is_awaited_of_the_partners_named_never_the_recused_one() -> None:
    proposed = AssuranceEventProposed(
        assurance_event_id="ase-1",
        activity_type="agency-specific-assurance-event",
        kind="agency-specific",
        title="Title typed by a person",
        agency_id="humberside-police",
        proposed_by="business-unit",
        proposer_role="business-unit",
        lead_role="x",
        reports_to="g",
        endorsers=["council", "ccg", "humberside-police"],
        recused_partner="humberside-police",
        report_agreers=["council", "humberside-police"],
    )
    notice = notice_for(proposed, WORDS)
    assert notice is not None and notice.told == (Told(Role.PARTNER, ("council", "ccg")),)
    assert "Title typed" not in notice.subject + notice.body  # a person's free text is never copied
    assert notice.subject == "Endorsement awaited: Agency specific assurance event for Humberside Police"
    assert proposal_of(proposed).report_agreers == ("council",)
    unendorsed = proposed.model_copy(update={"endorsers": ["humberside-police"]})
    assert notice_for(unendorsed, WORDS) is None  # nothing awaited of anyone
    drafted = AssuranceReportDrafted(assurance_event_id="ase-1", version=2, drafted_by_role="bu", author="A person", summary="s")
    agree = notice_for(drafted, WORDS, proposal_of(proposed))
    assert agree is not None and agree.told == (Told(Role.PARTNER, ("council",)),)
    everyone = notice_for(drafted, WORDS, Proposal("agency-specific-assurance-event", None, ()))
    assert everyone is not None and everyone.told == (Told(Role.PARTNER, None),)


def test_the_scrutineer_only_where_the_event_names_a_sign_off() -> None:
    decided = RapidReviewDecided(
        incident_id="si-1",
        case_ref="case-7f3a",
        outcome="local-cspr",
        rationale="r",
        decided_on=date(2027, 1, 11),
        decided_by="p",
        due_on=date(2027, 1, 12),
        within_timescale=True,
        scrutineer_sign_off_required=True,
    )
    notice = notice_for(decided, WORDS)
    assert notice is not None and notice.told == (Told(Role.SCRUTINEER),)
    assert notice_for(decided.model_copy(update={"scrutineer_sign_off_required": False}), WORDS) is None


def test_no_notice_carries_a_case_reference_or_a_child_s_words() -> None:
    events = [
        RapidReviewDecided(
            incident_id="si-1",
            case_ref="case-7f3a",
            outcome="local-cspr",
            rationale="Jayden's family",
            decided_on=date(2027, 1, 11),
            decided_by="p",
            due_on=date(2027, 1, 12),
            within_timescale=True,
            scrutineer_sign_off_required=True,
        ),
        AgencyInformationRequested(
            incident_id="si-1",
            information_request_id="ir-1",
            agency_id="humberside-police",
            requested="Chronology of Jayden (case-7f3a)",
            due_on=date(2026, 12, 30),
        ),
        ReviewSlipped(review_id="cspr-2027-01", review_type="cspr", due_on=date(2027, 7, 11)),
        PreparationMilestoneMissed(assurance_event_id="ase-1", milestone_id="m1", name="Case files audited", due_on=date(2027, 1, 1)),
    ]
    for event in events:
        notice = notice_for(event, WORDS)
        assert notice is not None
        assert not CHILD.search(notice.subject + notice.body), (event.event_type, notice.subject, notice.body)


def test_the_profile_may_say_who_is_told() -> None:
    event = ActionOverdue(action_id="act-7", owner_agency_id="humberside-police", due_on=date(2026, 11, 20))
    notice = notice_for(event, WORDS, tell={"ActionOverdue": ["agency-lead", "business-unit"]})
    assert notice is not None and notice.told == (Told(Role.AGENCY_LEAD, ("humberside-police",)), Told(Role.BUSINESS_UNIT))
    assert notice_for(event, WORDS, tell={"ActionOverdue": []}) is None


def test_retries_back_off_and_give_up_after_about_two_days() -> None:
    assert [delivery.retry_after(n) for n in (1, 2, 3)] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert delivery.retry_after(20) == delivery.LONGEST_WAIT
    waited = sum((delivery.retry_after(n) for n in range(1, delivery.MAX_ATTEMPTS)), timedelta())
    assert timedelta(days=1.5) < waited < timedelta(days=2.5)
    assert delivery.gives_up(delivery.MAX_ATTEMPTS) and not delivery.gives_up(delivery.MAX_ATTEMPTS - 1)


def test_a_digest_is_due_from_five_in_the_afternoon_london_time() -> None:
    def due(*moment: int) -> tuple[date, str]:
        day, cutoff = delivery.digest_due(datetime(*moment, tzinfo=UTC))
        return day, cutoff.astimezone(UTC).strftime("%d %H:%M")

    assert due(2026, 11, 23, 16, 59) == (date(2026, 11, 22), "22 17:00")  # yesterday's, if it has not gone
    assert due(2026, 11, 23, 17, 0) == (date(2026, 11, 23), "23 17:00")  # GMT
    assert due(2026, 7, 1, 15, 59) == (date(2026, 6, 30), "30 16:00")  # 16:59 BST
    assert due(2026, 7, 1, 16, 0) == (date(2026, 7, 1), "01 16:00")
    assert due(2026, 7, 1, 23, 30) == (date(2026, 7, 1), "01 16:00")  # past midnight in London: still the 1st's


def test_the_smtp_url() -> None:
    smtp = Smtp.from_url("smtp://user%40org:p%2Fss@mail.example.org:587?from=noreply@example.org&starttls=1&timeout=10")
    assert (smtp.host, smtp.port, smtp.username, smtp.password) == ("mail.example.org", 587, "user@org", "p/ss")
    assert (smtp.sender, smtp.start_tls, smtp.use_tls, smtp.timeout) == ("noreply@example.org", True, False, 10.0)
    tls = Smtp.from_url("smtps://mail.example.org?from=noreply@example.org")
    assert (tls.port, tls.use_tls, tls.start_tls, tls.username) == (465, True, False, None)
    assert Smtp.from_url("smtp://localhost?from=a@b").port == 25
    for bad in ("http://mail.example.org?from=a@b", "smtp://mail.example.org", "smtp://?from=a@b"):
        with pytest.raises(ValueError):
            Smtp.from_url(bad)
