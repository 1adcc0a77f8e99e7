"""The learning hub cycle (Hertfordshire): a newsletter on the theme, local forums
with their attendance, children's and families' views, a survey for those who could
not attend and its responses, the forums' evaluation, feedback presented to the
strategic group, and the strategic group's feedback to practitioners, which closes it.

The hub counts as held on the day of its first forum."""

from datetime import date

from services.events.domain.commands import (
    FeedBackToPractitioners,
    IssueNewsletter,
    PresentStrategicFeedback,
    RecordChildrenAndFamiliesViews,
    RecordForumEvaluation,
    RecordLearningForum,
    RecordSurveyResponses,
    SendPractitionerSurvey,
)
from services.events.domain.rules import (
    FIELD,
    activity_of,
    agreed_actions,
    concluded,
    require_kind,
    require_not_after,
    require_open,
)
from services.events.domain.state import AssuranceEvent
from shared.catalogue import DomainEvent
from shared.catalogue import events as e
from shared.profiles.activities import LearningHubRules
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal

KIND = "learning_hub"


def _hub(state: AssuranceEvent, profile: FrameworkProfile, part: str | None, step: str) -> LearningHubRules:
    require_open(state)
    require_kind(state, {KIND}, step)
    rules = activity_of(profile, state.activity_type).learning_hub or LearningHubRules()
    if part is not None and part not in rules.parts:
        raise Refusal("not_applicable", f"this learning hub has no {part.replace('_', ' ')} (parts: {', '.join(rules.parts)})", FIELD)
    if state.scheduled_on is None:
        raise Refusal("not_scheduled", "schedule the learning hub before recording its cycle", FIELD)
    if state.strategic_feedback and step != "feedback to practitioners":
        raise Refusal("cycle_closing", "strategic feedback has been presented; the cycle is closing", FIELD)
    return rules


def refuse_direct_hold(state: AssuranceEvent) -> None:
    if state.kind == KIND:
        raise Refusal("not_applicable", "a learning hub is held when its first forum is recorded", FIELD)


def decide_newsletter(state: AssuranceEvent, command: IssueNewsletter, profile: FrameworkProfile, today: date) -> list[DomainEvent]:
    _hub(state, profile, "newsletter", "a newsletter")
    if state.newsletter:
        raise Refusal("already_recorded", "the newsletter was already issued", FIELD)
    require_not_after(command.issued_on, today, "issued_on")
    return [
        e.NewsletterIssued(
            assurance_event_id=state.assurance_event_id, issued_on=command.issued_on, pages=command.pages,
            sections=command.sections, contributors=command.contributors, distributed_to=command.distributed_to,
        )
    ]


def decide_forum(state: AssuranceEvent, command: RecordLearningForum, profile: FrameworkProfile, today: date) -> list[DomainEvent]:
    _hub(state, profile, "forums", "a forum")
    if any(f.forum == command.forum for f in state.forums):
        raise Refusal("already_recorded", f"the {command.forum} forum was already recorded", "forum")
    require_not_after(command.held_on, today, "held_on")
    events: list[DomainEvent] = [
        e.LearningForumHeld(
            assurance_event_id=state.assurance_event_id, forum=command.forum, held_on=command.held_on,
            attendance=command.attendance, waiting_list=command.waiting_list,
        )
    ]
    if state.held_on is None:
        events.append(e.AssuranceEventHeld(assurance_event_id=state.assurance_event_id, held_on=command.held_on))
    return events


def decide_views(
    state: AssuranceEvent, command: RecordChildrenAndFamiliesViews, profile: FrameworkProfile, today: date
) -> list[DomainEvent]:
    _hub(state, profile, "children_and_families_views", "children's and families' views")
    if state.views_gathered:
        raise Refusal("already_recorded", "the views were already recorded", FIELD)
    require_not_after(command.gathered_on, today, "gathered_on")
    return [
        e.ChildrenAndFamiliesViewsGathered(
            assurance_event_id=state.assurance_event_id, gathered_on=command.gathered_on,
            young_people=command.young_people, method=command.method, themes=command.themes,
        )
    ]


def decide_survey_sent(
    state: AssuranceEvent, command: SendPractitionerSurvey, profile: FrameworkProfile, today: date
) -> list[DomainEvent]:
    _hub(state, profile, "survey", "a survey")
    if state.survey_recipients is not None:
        raise Refusal("already_recorded", "the survey was already sent", FIELD)
    require_not_after(command.sent_on, today, "sent_on")
    return [e.PractitionerSurveySent(assurance_event_id=state.assurance_event_id, sent_on=command.sent_on, recipients=command.recipients)]


def decide_survey_responses(state: AssuranceEvent, command: RecordSurveyResponses, profile: FrameworkProfile) -> list[DomainEvent]:
    _hub(state, profile, "survey", "survey responses")
    if state.survey_recipients is None:
        raise Refusal("survey_not_sent", "record the survey as sent first", FIELD)
    if state.survey_responses is not None:
        raise Refusal("already_recorded", "the survey's responses were already recorded", FIELD)
    if command.responses > state.survey_recipients:
        raise Refusal("more_responses_than_recipients", f"the survey went to {state.survey_recipients}", "responses")
    return [e.PractitionerSurveyResponsesReceived(assurance_event_id=state.assurance_event_id, responses=command.responses)]


def decide_evaluation(state: AssuranceEvent, command: RecordForumEvaluation, profile: FrameworkProfile) -> list[DomainEvent]:
    rules = _hub(state, profile, "forums", "an evaluation")
    if not state.forums:
        raise Refusal("no_forums", "the evaluation follows the forums", FIELD)
    if state.evaluation:
        raise Refusal("already_recorded", "the evaluation was already recorded", FIELD)
    known = {q.id for q in rules.evaluation_questions}
    for question in command.agreed_percent:
        if known and question not in known:
            raise Refusal("unknown_question", f"{question!r} is not one of {sorted(known)}", f"agreed_percent.{question}")
    return [
        e.ForumEvaluationRecorded(
            assurance_event_id=state.assurance_event_id, completed_percent=command.completed_percent,
            agreed_percent=dict(command.agreed_percent),
        )
    ]


def decide_strategic_feedback(
    state: AssuranceEvent, command: PresentStrategicFeedback, profile: FrameworkProfile, today: date
) -> list[DomainEvent]:
    rules = _hub(state, profile, "strategic_feedback", "strategic feedback")
    missing = _missing_parts(state, rules)
    if missing:
        raise Refusal("cycle_incomplete", f"still to record: {', '.join(missing)}", FIELD)
    group = command.group_id or rules.strategic_group
    if group is None:
        raise Refusal("group_required", "the profile names no strategic group: name it", "group_id")
    if group not in {g.id for g in profile.groups}:
        raise Refusal("unknown_group", f"{group!r} is not a group of {profile.id}", "group_id")
    require_not_after(command.presented_on, today, "presented_on")
    return [
        e.StrategicFeedbackPresented(
            assurance_event_id=state.assurance_event_id, group_id=group, presented_on=command.presented_on,
            summary=command.summary,
        )
    ]


def decide_feed_back(
    state: AssuranceEvent, command: FeedBackToPractitioners, profile: FrameworkProfile, today: date
) -> list[DomainEvent]:
    rules = _hub(state, profile, None, "feedback to practitioners")
    if "strategic_feedback" in rules.parts and not state.strategic_feedback:
        raise Refusal("strategic_feedback_missing", "the strategic group hears the feedback first", FIELD)
    missing = _missing_parts(state, rules)
    if missing:
        raise Refusal("cycle_incomplete", f"still to record: {', '.join(missing)}", FIELD)
    require_not_after(command.fed_back_on, today, "fed_back_on")
    held_on = state.held_on or command.fed_back_on
    events: list[DomainEvent] = [
        e.PractitionersToldOfActions(
            assurance_event_id=state.assurance_event_id, fed_back_on=command.fed_back_on, actions_taken=command.actions_taken
        ),
        *agreed_actions(state, command.actions, profile, held_on),
    ]
    return [*events, concluded(state, events, figures(state))]


def _missing_parts(state: AssuranceEvent, rules: LearningHubRules) -> list[str]:
    missing = []
    if "newsletter" in rules.parts and not state.newsletter:
        missing.append("the newsletter")
    if "forums" in rules.parts and len(state.forums) < (rules.forums_planned or 1):
        missing.append(f"forums ({len(state.forums)} of {rules.forums_planned or 1})")
    if "children_and_families_views" in rules.parts and not state.views_gathered:
        missing.append("children's and families' views")
    if "survey" in rules.parts and state.survey_responses is None:
        missing.append("the survey and its responses")
    return missing


def figures(state: AssuranceEvent) -> dict[str, float]:
    """The cycle's figures: forums and attendance, survey reach and response, evaluation."""
    result: dict[str, float] = {}
    if state.forums:
        result["forums_held"] = len(state.forums)
        result["attendance"] = sum(f.attendance for f in state.forums)
        result["forums_with_waiting_lists"] = sum(1 for f in state.forums if f.waiting_list)
    if state.survey_recipients is not None:
        result["survey_recipients"] = state.survey_recipients
    if state.survey_responses is not None and state.survey_recipients:
        result["survey_responses"] = state.survey_responses
        result["survey_response_percent"] = round(100 * state.survey_responses / state.survey_recipients, 1)
    if state.evaluation_completed_percent is not None:
        result["evaluation_completed_percent"] = state.evaluation_completed_percent
    for question, share in state.evaluation:
        result[f"{question}_percent"] = share
    return result
