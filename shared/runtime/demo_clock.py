"""The clock a demo moves: one moment for the whole platform, kept in NATS.

With `SCRUTINY_DEMO_CLOCK` set (the `scrutiny demo` command sets it for the services it
starts) every service process runs on a `shared.clock.SharedClock`: the moment held in
the NATS key-value bucket `{NS}_CLOCK` (key `now`, one bucket per namespace), else its
own clock. The demo writes the next moment of its year there and asks each service on
`{ns}.clock.{service}` to read it; the service moves its clock (waking its deadline
watcher) and answers with the time it now reads, so the demo knows every process is on
the new moment before it sends the day's commands. An empty value hands the platform
back to its own clock. Time only moves forward: a service ignores a moment earlier than
its clock (`SharedClock.move_to`). A production platform never sets the setting and
never reads the bucket."""

from datetime import datetime

from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig
from nats.js.errors import BucketNotFoundError, KeyNotFoundError
from nats.js.kv import KeyValue

from shared.clock import Clock, SharedClock
from shared.messaging.subjects import Subjects

KEY = "now"


def bucket_name(subjects: Subjects) -> str:
    return f"{subjects.namespace.upper()}_CLOCK"


def clock_subject(subjects: Subjects, service: str) -> str:
    """Where a service answers the time it reads, once it has read the bucket again."""
    return f"{subjects.namespace}.clock.{service}"


async def clock_bucket(js: JetStreamContext, subjects: Subjects, replicas: int = 1) -> KeyValue:
    try:
        return await js.key_value(bucket_name(subjects))
    except BucketNotFoundError:
        return await js.create_key_value(KeyValueConfig(bucket=bucket_name(subjects), history=1, replicas=replicas))


async def read_moment(kv: KeyValue) -> datetime | None:
    """The moment the demo holds the platform at, or None (its own clock)."""
    try:
        entry = await kv.get(KEY)
    except KeyNotFoundError:
        return None
    text = (entry.value or b"").decode()
    return datetime.fromisoformat(text) if text else None


async def write_moment(kv: KeyValue, moment: datetime | None) -> None:
    """Hold the platform at `moment` (aware), or hand it back to its own clock (None)."""
    await kv.put(KEY, moment.isoformat().encode() if moment is not None else b"")


async def shared_clock(kv: KeyValue, base: Clock) -> SharedClock:
    """A service's clock: at the bucket's moment if the demo holds one, else `base`."""
    clock = SharedClock(base)
    moment = await read_moment(kv)
    if moment is not None:
        clock.start_at(moment)
    return clock


async def catch_up(kv: KeyValue, clock: SharedClock) -> datetime:
    """Read the bucket again and move to its moment (or hand back); the time now read."""
    clock.move_to(await read_moment(kv))
    return clock.now()
