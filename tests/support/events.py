"""Small builders of envelopes for store and projection tests."""

from datetime import UTC, datetime
from uuid import uuid4

from shared.catalogue.section11 import SubmissionReceived
from shared.envelope import Envelope, Metadata
from shared.mapper import new_envelopes

WHEN = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def metadata(partnership: str = "north-lincolnshire") -> Metadata:
    return Metadata(partnership_id=partnership, actor="agency:test", correlation_id=uuid4())


def submission(agency: str = "humberside-police", rating: int = 3) -> SubmissionReceived:
    return SubmissionReceived(
        submission_id=str(uuid4()),
        agency_id=agency,
        cycle_id="2026-27",
        domain_ratings={"leadership-and-governance": rating},
        submitted_by="lead (invented)",
    )


def envelopes(
    stream: str, after: int, count: int = 1, partnership: str = "north-lincolnshire"
) -> list[Envelope]:
    return new_envelopes(
        stream, after, [submission() for _ in range(count)], metadata(partnership), WHEN
    )
