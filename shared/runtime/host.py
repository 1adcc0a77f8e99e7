"""Runs one service process: its pool and broker live for the process's lifespan."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
from faststream.nats import NatsBroker, NatsMessage, NatsRouter
from nats.js import JetStreamContext

from shared.clock import Clock, SystemClock
from shared.config import Settings
from shared.eventstore.heads import HeadSigner
from shared.eventstore.postgres import PostgresEventStore
from shared.eventstore.signing import ChainKey
from shared.messaging.commands import CommandTable
from shared.messaging.deadletters import DeadLetters
from shared.messaging.gateway import RequestGateway
from shared.messaging.lane import CommandLane
from shared.messaging.limits import AgencyLimits
from shared.messaging.on_behalf import person_secret
from shared.messaging.permissions import Permissions
from shared.messaging.routing import service_broker, service_router
from shared.messaging.streams import ensure_streams
from shared.messaging.subjects import Subjects
from shared.outbox import OutboxRelay
from shared.partnerships import Partnerships
from shared.personal_data import ensure_schema as ensure_key_tables
from shared.profiles.loader import load_builtin, load_profile
from shared.runtime.demo_clock import catch_up, clock_bucket, clock_subject, shared_clock
from shared.runtime.operations import Operations
from shared.telemetry.sampling import Probe

log = logging.getLogger(__name__)

Task = Callable[[], Awaitable[None]]


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Skip asyncpg's RESET ALL round trip on every release: no scrutiny code sets
    session state (locks and settings are transaction-scoped)."""


def load_partnerships(names: list[str]) -> Partnerships:
    profiles = [
        load_profile(n) if n.endswith((".yaml", ".yml", ".toml")) else load_builtin(n)
        for n in names
    ]
    return Partnerships({p.id: p for p in profiles})


@dataclass
class ServiceHost:
    service: str
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    pool: asyncpg.Pool = field(init=False)
    broker: NatsBroker = field(init=False)
    js: JetStreamContext = field(init=False)
    subjects: Subjects = field(init=False)
    partnerships: Partnerships = field(init=False)
    # What verifies the `Scrutiny-Person` header of a request sent for a person (loaded at
    # connect); None (a stand-in host never connected) refuses every such request.
    person_secret: bytes | None = None
    # The platform's Ed25519 key (a file in the data directory, never in PostgreSQL): signs
    # the chain heads published to JetStream and the receipts in replies (loaded at connect).
    chain_key: ChainKey | None = None
    _background: list[Task] = field(default_factory=list)
    _signers: list[HeadSigner] = field(default_factory=list)
    _on_stop: list[Task] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _lanes: list[CommandLane] = field(default_factory=list)
    # Its sampled gauges and its /metrics, /healthz and /readyz (made at connect).
    operations: Operations = field(init=False)

    async def connect(self) -> None:
        if not self.settings.nats_url or not self.settings.database_url:
            raise RuntimeError(
                "SCRUTINY_NATS_URL and SCRUTINY_DATABASE_URL must be set for a service"
            )
        self.subjects = Subjects(self.settings.namespace)
        self.partnerships = load_partnerships(self.settings.profiles)
        self.pool = await asyncpg.create_pool(
            self.settings.database_url, min_size=2, max_size=20, reset=_keep_session
        )
        # The key tables first (made here unless the roles' set-up made them), then the
        # secret every gateway of this process verifies person headers with.
        await ensure_key_tables(self.pool)
        self.person_secret = await person_secret(self.pool)
        self.chain_key = ChainKey.of_platform(self.settings.data_dir, self.clock)
        self.broker = service_broker(
            self.service,
            # Several seed URLs, comma-separated, for a cluster whose first node may be down at
            # start; once connected the client also learns every node from the cluster itself.
            [url.strip() for url in self.settings.nats_url.split(",")],
            max_reconnect_attempts=-1,
            name=f"scrutiny-{self.service}",
        )
        await self.broker.connect()
        self.js = self.broker.connection.jetstream()
        await ensure_streams(self.js, self.subjects, self.settings.stream_replicas)
        health = service_router()

        @health.subscriber(f"{self.subjects.namespace}.health.{self.service}")
        async def answer_health(msg: NatsMessage) -> dict[str, str]:
            metrics = self.operations.url
            return {"service": self.service, "status": "ok"} | ({"metrics": metrics} if metrics else {})

        if self.settings.demo_clock:
            await self._follow_demo_clock(health)
        self.broker.include_router(health)
        self.operations = Operations(self)

    async def _follow_demo_clock(self, router: NatsRouter) -> None:
        """Run on the moment the demo holds the platform at, and move when it says (shared/runtime/demo_clock.py)."""
        kv = await clock_bucket(self.js, self.subjects, self.settings.stream_replicas)
        clock = await shared_clock(kv, self.clock)
        self.clock = clock

        @router.subscriber(clock_subject(self.subjects, self.service))
        async def answer_clock(msg: NatsMessage) -> dict[str, str]:
            return {"service": self.service, "now": (await catch_up(kv, clock)).isoformat()}

    def gateway(self, table: CommandTable) -> RequestGateway:
        """The request gateway for this service's command table; its agency rows are served
        by a `CommandLane` on the broker's connection once the service starts."""
        gateway = RequestGateway(
            self.service, DeadLetters(self.js, self.subjects, self.service), table,
            Permissions(self.partnerships, self.settings.data_dir), person_secret=self.person_secret,
            limits=AgencyLimits(self.settings.agency_in_flight, self.settings.agency_rate_per_second, self.settings.agency_burst),
            chain_key=self.chain_key, in_lane=True,
        )
        self._lanes.append(CommandLane(gateway, self.subjects))
        return gateway

    async def event_store(self) -> PostgresEventStore:
        """This service's event store, with its outbox relayed to JetStream in the background."""
        store = PostgresEventStore(self.pool, self.service, self.clock)
        await store.create_schema()
        relay = OutboxRelay(self.pool, self.service, self.js, self.subjects, nc=self.broker.connection)
        store.on_rows(relay.learn)  # its own commits published from memory, not read back
        store.on_committed(relay.wake)
        self.run_in_background(relay.run)
        self.sign_heads(store)
        self.on_stop(store.close)
        return store

    def sign_heads(self, store: PostgresEventStore) -> None:
        """Sign the heads of the store's chains into JetStream, after its appends and on a
        timer (`shared.eventstore.heads`): the tamper evidence PostgreSQL cannot rewrite."""
        if self.chain_key is not None:
            signer = HeadSigner(self.pool, store.schema, self.js, self.subjects, self.chain_key)
            store.on_committed(signer.wake)
            self.run_in_background(signer.run)
            self._signers.append(signer)

    def include_router(self, router: NatsRouter) -> None:
        self.broker.include_router(router)

    def run_in_background(self, task: Task) -> None:
        self._background.append(task)

    def on_stop(self, task: Task) -> None:
        self._on_stop.append(task)

    def watch(self, probe: Probe) -> None:
        """Sample `probe` with this process's gauges (`shared.telemetry.sampling`)."""
        self.operations.watch(probe)

    async def start(self) -> None:
        await self.operations.start()  # listening before it answers health: /readyz says when it is ready
        await self.broker.start()
        for lane in self._lanes:
            await lane.start(self.broker.connection)
        self._tasks = [asyncio.create_task(task()) for task in self._background]
        self.operations.started = True
        log.info("%s started", self.service)

    async def stop(self) -> None:
        await self.operations.stop()
        for lane in self._lanes:
            await lane.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for signer in self._signers:  # a last signature, so a stopped platform's heads cover all it recorded
            await signer.sign_last()
        await self.broker.stop()
        for task in reversed(self._on_stop):
            await task()
        await self.pool.close()
