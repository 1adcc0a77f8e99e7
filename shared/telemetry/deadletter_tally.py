"""Dead letters waiting, by code: a service's tally of its own parked messages.

Counted from the stream itself (the record, whoever parked a letter and whenever), not
from this process's counter: each sample reads only what was added to `{NS}_DEADLETTER`
since the last one (an ephemeral consumer from the next sequence, headers only, the
service's own subjects), so a sample is one `stream_info` when nothing arrived.

A letter waits until a replay record says it was replayed (`accepted` or `republished`,
as `scrutiny deadletters` marks it) or until the stream drops it (90 days, or the size
bound). Letters are held as two compact arrays (sequence, code index), 10 bytes each, so
a full stream of small letters costs tens of megabytes, not a dict per letter.
"""

from array import array
from bisect import bisect_left
from collections import Counter

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from shared.messaging.deadletter_admin import DONE, OUTCOME_HEADER, REPLAYED_TOKEN
from shared.messaging.deadletters import CODE_HEADER, REPLAY_OF_HEADER
from shared.messaging.subjects import Subjects
from shared.telemetry.codes import OTHER, bounded_code
from shared.telemetry.metrics import DEAD_LETTERS_WAITING
from shared.telemetry.sampling import Probe

_GONE = -1
PAGE = 256


class DeadLetterTally:
    def __init__(self, js: JetStreamContext, subjects: Subjects, service: str) -> None:
        self._js = js
        self._subjects = subjects
        self._service = service
        self._seen = 0  # the last stream sequence read
        self._seqs = array("q")
        self._codes = array("h")  # index into _labels, or _GONE once replayed
        self._labels: list[str] = []
        self.waiting: Counter[str] = Counter()

    def probe(self) -> Probe:
        return Probe("dead_letters", f"dead_letters:{self._service}", self.sample)

    async def sample(self) -> None:
        await self.refresh()
        # "other" always, at 0 if need be: the service has a series from its first sample, so
        # an alert comparing the waiting now with 10 minutes ago sees its first dead letter.
        for code in {*self.waiting, *self._labels, OTHER}:
            DEAD_LETTERS_WAITING.labels(self._service, code).set(self.waiting[code])

    async def refresh(self) -> None:
        stream = self._subjects.deadletter_stream
        try:
            state = (await self._js.stream_info(stream)).state
        except NotFoundError:
            return
        self._forget_before(state.first_seq)
        if state.last_seq <= self._seen:
            return
        ns, service = self._subjects.namespace, self._service
        config = ConsumerConfig(
            ack_policy=AckPolicy.NONE,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=max(self._seen + 1, state.first_seq, 1),
            headers_only=True,
            mem_storage=True,
            inactive_threshold=30.0,
            filter_subjects=[f"{ns}.*.dlq.{service}", f"{ns}.*.dlq.{service}.{REPLAYED_TOKEN}"],
        )
        sub = await self._js.pull_subscribe(f"{ns}.*.dlq.{service}", stream=stream, config=config)
        try:
            remaining = (await sub.consumer_info()).num_pending
            while remaining > 0:
                batch = await sub.fetch(min(remaining, PAGE), timeout=5)
                for msg in batch:
                    self._note(msg.metadata.sequence.stream, msg.subject, dict(msg.headers or {}))
                remaining -= len(batch)
        finally:
            await sub.unsubscribe()
        self._seen = max(self._seen, state.last_seq)

    def _note(self, seq: int, subject: str, headers: dict[str, str]) -> None:
        if seq <= self._seen:
            return
        if subject.endswith(f".{REPLAYED_TOKEN}"):
            if headers.get(OUTCOME_HEADER) in DONE:
                self._replayed(int(headers.get(REPLAY_OF_HEADER) or 0))
        else:
            code = bounded_code(headers.get(CODE_HEADER))
            if code not in self._labels:
                self._labels.append(code)  # bounded: known codes and "other"
            self._seqs.append(seq)
            self._codes.append(self._labels.index(code))
            self.waiting[code] += 1
        self._seen = seq

    def _replayed(self, seq: int) -> None:
        at = bisect_left(self._seqs, seq)
        if at < len(self._seqs) and self._seqs[at] == seq and self._codes[at] != _GONE:
            self.waiting[self._labels[self._codes[at]]] -= 1
            self._codes[at] = _GONE

    def _forget_before(self, first_seq: int) -> None:
        """The letters the stream has dropped (older than its bounds) wait no more."""
        cut = bisect_left(self._seqs, first_seq)
        if not cut:
            return
        for index in self._codes[:cut]:
            if index != _GONE:
                self.waiting[self._labels[index]] -= 1
        del self._seqs[:cut]
        del self._codes[:cut]
