"""Records of the other services that may be cited as evidence, and where each is kept.

A record is an event stream of another service (`{prefix}:{partnership}:{id}`, the
stream id every envelope carries). The handler reads the stream and hands its
newest event here; citing pins the rating to that event, so the rating names
exactly what was known when it was made."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.reporting.domain.records.commands import EvidenceRef
from shared.catalogue.reporting import EvidenceCited
from shared.refusals import Refusal

# kind -> (the store that holds it, its streams' prefix, what to call it)
KINDS: dict[str, tuple[str, str, str]] = {
    "s11-cycle": ("section11", "s11-cycle", "Section 11 cycle"),
    "assurance-event": ("events", "assurance-event", "assurance event"),
    "audit-round": ("reviews", "audit", "multi-agency audit round"),
    "review": ("reviews", "review", "review"),
    "incident": ("reviews", "incident", "serious incident and rapid review"),
    "action": ("reviews", "action", "action"),
    "impact": ("reviews", "impact", "impact log entry"),
}


def where(kind: str, partnership_id: str, record_id: str) -> tuple[str, str]:
    """The store and the stream id of a record."""
    store, prefix, _ = KINDS[kind]
    return store, f"{prefix}:{partnership_id}:{record_id}"


@dataclass(frozen=True)
class Newest:
    """The newest event of a cited record's stream."""

    event_id: str
    event_type: str
    position: int


def cite(
    refs: Sequence[EvidenceRef], partnership_id: str, newest: Mapping[tuple[str, str], Newest | None]
) -> list[EvidenceCited]:
    """`newest[(kind, id)]` is the record's newest event, or None when there is no such record."""
    cited: list[EvidenceCited] = []
    seen: set[tuple[str, str]] = set()
    for index, ref in enumerate(refs):
        key = (ref.kind, ref.id)
        if key in seen:
            raise Refusal("duplicate_evidence", f"{ref.kind} {ref.id!r} is cited twice", f"evidence[{index}].id")
        seen.add(key)
        found = newest.get(key)
        if found is None:
            raise Refusal(
                "unknown_evidence", f"there is no {KINDS[ref.kind][2]} {ref.id!r} in {partnership_id}", f"evidence[{index}].id"
            )
        store, stream_id = where(ref.kind, partnership_id, ref.id)
        cited.append(
            EvidenceCited(
                kind=ref.kind, record_id=ref.id, store=store, stream_id=stream_id, event_id=found.event_id,
                event_type=found.event_type, position=found.position, note=ref.note,
            )
        )
    return cited
