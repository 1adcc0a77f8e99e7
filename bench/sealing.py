"""The writer's Python for one event, by part: finding its personal texts, sealing them, and
linking the event into the hash chain (the bench's submission: 14 answers, 29 texts).

`python -m bench.sealing [--events N]` prints microseconds an event for each part. No
database: what it measures is the Python a group commit spends before its one statement
(docs/performance.md, "The next batch linked while one is written"). Run it from another
checkout's directory to compare old and new code in alternation.
"""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import UTC, datetime


class _Request:
    def __init__(self, envelopes: list) -> None:  # type: ignore[type-arg]
        self.stream_id = envelopes[0].stream_id
        self.expected_version = 0
        self.envelopes = envelopes


def main() -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from bench.append_vs_eventsourcing import _event
    from shared.envelope import Metadata
    from shared.eventstore.linking import link
    from shared.mapper import new_envelopes
    from shared.sealing import Sealing

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    events = parser.parse_args().events
    event, _ = _event()
    metadata = Metadata(partnership_id="north-lincolnshire", actor="bench", correlation_id=uuid.uuid4())
    now = datetime.now(UTC)
    appends = [new_envelopes(f"s11-return:bench:{n}", 0, [event], metadata, now) for n in range(events)]  # type: ignore[list-item]
    started = time.perf_counter()
    sealings = [Sealing(envelopes) for envelopes in appends]
    walked = time.perf_counter()
    keys = {s: (uuid.uuid4(), AESGCM.generate_key(256)) for s in set().union(*(s.subjects for s in sealings))}
    sealing_started = time.perf_counter()
    sealed = {k: v for s in sealings for k, v in s.seal(keys).items()}
    linking_started = time.perf_counter()
    link("bench", [_Request(envelopes) for envelopes in appends], {}, {}, {}, 0, sealed, now)
    done = time.perf_counter()
    per = 1e6 / events
    print(
        f"{events} events: find the texts {(walked - started) * per:.0f} µs an event,"
        f" seal them {(linking_started - sealing_started) * per:.0f} µs, link {(done - linking_started) * per:.0f} µs"
    )


if __name__ == "__main__":
    main()
