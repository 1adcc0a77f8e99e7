"""A SubmissionReceived stored at v1 (domains rated directly) still reads, as v2."""

from shared.catalogue.registry import upcast
from shared.catalogue.section11 import SubmissionReceived
from shared.mapper import parse_event


def test_a_v1_submission_is_read_as_v2_with_no_answers_and_not_late() -> None:
    v1 = {
        "submission_id": "s-1", "agency_id": "nlc-housing", "cycle_id": "2025-26",
        "domain_ratings": {"culture-and-challenge": 2}, "submitted_by": "lead",
    }
    assert SubmissionReceived.schema_version == 2
    event = parse_event("SubmissionReceived", 1, dict(v1))
    assert isinstance(event, SubmissionReceived)
    assert (event.domain_ratings, event.answers, event.late, event.due_on) == ({"culture-and-challenge": 2}, {}, False, None)
    assert upcast("SubmissionReceived", 1, dict(v1))["also_submitted_to"] == []
