"""The action plan's rows as the reports' tests write them: one action, by the record it
came from and when it was raised (and signed off), in the one row type of the actions table."""

from datetime import date

from services.reporting.domain.views.actions import ActionRow


def linked_action(
    action_id: str, title: str, owner_agency_id: str, due_on: date, status: str, source_type: str, source_id: str,
    raised_on: date, event_id: str, position: int, last_event_id: str | None = None, signed_off_on: date | None = None,
) -> ActionRow:
    return ActionRow(
        action_id, title, owner_agency_id, due_on, status, f"{source_type}: {source_id}", event_id, position, None,
        last_event_id=last_event_id, source_type=source_type, source_id=source_id, raised_on=raised_on,
        signed_off_on=signed_off_on,
    )
