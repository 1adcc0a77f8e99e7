"""The dead-letter tally's bookkeeping, the registry of watched probes, and which
projection runners a host samples."""

from dataclasses import dataclass
from typing import Any

from shared.messaging.deadletter_admin import OUTCOME_HEADER
from shared.messaging.deadletters import CODE_HEADER, REPLAY_OF_HEADER
from shared.messaging.subjects import Subjects
from shared.projections import ProjectionRunner
from shared.telemetry.deadletter_tally import DeadLetterTally
from shared.telemetry.sampling import Probe, Sampler, watched

LETTER = "scrutiny.north-lincolnshire.dlq.section11"


def tally() -> DeadLetterTally:
    return DeadLetterTally(None, Subjects(), "section11")  # type: ignore[arg-type]  # no NATS: bookkeeping only


def test_letters_wait_until_replayed_or_dropped_by_the_stream() -> None:
    t = tally()
    t._note(1, LETTER, {CODE_HEADER: "invalid_json"})
    t._note(2, LETTER, {CODE_HEADER: "cycle_exists"})
    t._note(3, LETTER, {CODE_HEADER: "a code of no release"})
    t._note(4, LETTER, {CODE_HEADER: "invalid_json"})
    assert t.waiting == {"invalid_json": 2, "cycle_exists": 1, "other": 1}
    t._note(5, LETTER + ".replayed", {REPLAY_OF_HEADER: "2", OUTCOME_HEADER: "accepted"})
    t._note(6, LETTER + ".replayed", {REPLAY_OF_HEADER: "1", OUTCOME_HEADER: "refused", CODE_HEADER: "invalid_json"})
    t._note(7, LETTER + ".replayed", {REPLAY_OF_HEADER: "2", OUTCOME_HEADER: "accepted"})  # replayed again
    assert t.waiting == {"invalid_json": 2, "cycle_exists": 0, "other": 1}
    t._note(4, LETTER, {CODE_HEADER: "invalid_json"})  # read twice: counted once
    assert t.waiting["invalid_json"] == 2
    t._forget_before(4)  # the stream dropped 1 to 3 (age or size)
    assert t.waiting == {"invalid_json": 1, "cycle_exists": 0, "other": 0}
    assert list(t._seqs) == [4]


async def test_a_probe_is_sampled_by_the_host_of_its_pool_while_watched() -> None:
    pool, other = object(), object()
    sampled: list[str] = []

    async def sample() -> None:
        sampled.append("outbox")

    async def failing() -> None:
        raise ConnectionError("database away")

    sampler = Sampler("section11", pool, probes=[Probe("deadlines", "d", failing)])
    with watched(pool, Probe("outbox", "o", sample)), watched(other, Probe("outbox", "x", sample)):
        await sampler.sample_once()  # the failing probe does not stop the others
        assert sampled == ["outbox"]
    await sampler.sample_once()
    assert sampled == ["outbox"]


@dataclass
class _Notifications:
    notifier: Any


@dataclass
class _Wired:
    runner: Any
    notifications: _Notifications
    other: str = "x"


def test_the_live_projection_runners_are_those_bootstrap_returned() -> None:
    from services.runner import live_projections

    read_models = ProjectionRunner(None, "reporting", [], {})  # type: ignore[arg-type]
    notifier = ProjectionRunner(None, "reporting_notices", [], {})  # type: ignore[arg-type]
    assert list(live_projections(_Wired(read_models, _Notifications(notifier)))) == [read_models, notifier]
    assert list(live_projections(object())) == []
