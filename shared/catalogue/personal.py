"""The marker of personal data in an event's payload (what `shared.personal_data` seals).

    submitted_by: Annotated[str, Personal()]                  # the value names a person
    summary: Annotated[str, Personal(subject="case_ref")]     # about the case (the family) in case_ref

A marked field (text, or a list of texts) is stored encrypted with the key of its data
subject, so deleting that key erases it everywhere without rewriting the history. The
event's field names and JSON shapes do not change: a sealed value is still a string.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Personal:
    """`subject`: the payload field holding the subject's pseudonymous reference (a case
    reference names a family); None when the value itself names the subject (a
    practitioner's name), whose key is then found from the name as recorded."""

    subject: str | None = None
