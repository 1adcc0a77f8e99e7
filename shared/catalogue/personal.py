"""The marker of personal data in an event's payload (what `shared.personal_data` seals).

    submitted_by: Annotated[str, Personal()]                  # the value names a person
    summary: Annotated[str, Personal(subject="case_ref")]     # about the case (the family) in case_ref
    progress: Annotated[str, Typed("updated_by")]             # free text the person in updated_by typed
    rationale: Annotated[str, Typed("decided_by", case="case_ref")]

A marked field (text, or a list of texts) is stored encrypted with the key of its data
subject, so deleting that key erases it everywhere without rewriting the history. The
event's field names and JSON shapes do not change: a sealed value is still a string.

Free text a person types (`Typed`) is sealed under two keys at once, so that deleting
either erases it: the case's (where the event names one) or else the record's (its
stream), and the key of the person who typed it (where the event names them). Erasing
the person, the case, or the record (a case's erasure reaches the records opened about
it) makes the text unreadable.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Personal:
    """`subject`: the payload field holding the subject's pseudonymous reference (a case
    reference names a family); None when the value itself names the subject (a
    practitioner's name), whose key is then found from the name as recorded.

    `typed`: free text a person typed (made by `Typed`), sealed under the case's key
    (`subject`; the record's, its stream, where the event names no case) and the key of the
    person named in the first of the `by` fields the event fills."""

    subject: str | None = None
    by: tuple[str, ...] = ()
    typed: bool = False


def Typed(*by: str, case: str | None = None) -> Personal:  # noqa: N802 - read as a marker, like Personal()
    """Free text a person types: sealed under the case's (or record's) key and its author's."""
    return Personal(subject=case, by=by, typed=True)
