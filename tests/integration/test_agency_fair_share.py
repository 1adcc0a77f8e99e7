"""One agency cannot crowd out another: over its rate, its requests are answered
`rate_limited` at once (not parked, nothing stored), while another agency is served
(security review, finding 5)."""

import json
from collections.abc import AsyncIterator

import nats
import pytest

from shared.clock import ManualClock
from shared.runtime.nats_auth import (
    AGENCY_MAX_CONNECTIONS,
    AGENCY_MAX_SUBSCRIPTIONS,
    MAX_PAYLOAD,
    SERVER_INCLUDE,
    NatsAuth,
)
from shared.runtime.nats_server import EmbeddedNats
from shared.waiting import eventually
from tests.support.platform import CYCLE, RunningPlatform, running_platform
from tests.support.platform import test_settings as settings_for

pytestmark = pytest.mark.integration


@pytest.fixture
async def strict(nats_url: str, database: str, namespace: str, clock: ManualClock) -> AsyncIterator[RunningPlatform]:
    settings = settings_for(nats_url, database, namespace).model_copy(update={"agency_rate_per_second": 0.001, "agency_burst": 3})
    async with running_platform(settings, clock) as running:
        yield running


async def test_an_agency_over_its_rate_is_refused_at_once_and_another_is_served(strict: RunningPlatform) -> None:
    platform = strict
    await platform.open_cycle()
    body = {"cycle_id": CYCLE, "answers": {}, "saved_by": "Safeguarding lead (invented)"}
    answers = [await platform.command("section11", "save-draft", body | {"agency_id": "humberside-police"}, agency="humberside-police")
               for _ in range(5)]
    codes = [a["status"] if a["status"] == "accepted" else a["error"]["code"] for a in answers]
    assert codes == ["accepted"] * 3 + ["rate_limited"] * 2, answers
    other = await platform.command("section11", "save-draft", body | {"agency_id": "nlc-housing"}, agency="nlc-housing")
    assert other["status"] == "accepted"
    assert await platform.count("SELECT count(*) FROM section11.events WHERE event_type = 'DraftSaved'") == 4


async def test_the_embedded_server_refuses_a_huge_message_before_any_service(tmp_path) -> None:  # noqa: ANN001
    """The embedded NATS server's max_payload (shared/runtime/nats_auth.py) is what a client is told."""
    auth = NatsAuth(tmp_path)
    auth.write_config()
    server = EmbeddedNats(tmp_path, extra_config=SERVER_INCLUDE)
    url = auth.service_url(server.start())
    try:
        nc = await nats.connect(url)
        try:
            assert nc.max_payload == MAX_PAYLOAD
            with pytest.raises(nats.errors.MaxPayloadError):
                await nc.publish("anything", b"x" * (MAX_PAYLOAD + 1))
        finally:
            await nc.close()
    finally:
        server.stop()


async def test_an_agency_has_at_most_its_connections_and_subscriptions_and_another_is_unaffected(tmp_path) -> None:  # noqa: ANN001
    """Security review, finding 5 (low): any number of connections and subscriptions per agency.
    Each agency is an account on the embedded server with limits (shared/runtime/nats_auth.py)."""
    ns, partnership, greedy, other = "limits", "north-lincolnshire", "humberside-police", "nlc-housing"
    auth = NatsAuth(tmp_path)
    for agency in (greedy, other):
        auth.add_agency(agency, [partnership], namespace=ns)
    auth.write_config(serving=[partnership])
    server = EmbeddedNats(tmp_path, extra_config=SERVER_INCLUDE)
    url = server.start()
    held: list[nats.NATS] = []

    async def connect(agency: str, **options: object) -> nats.NATS:
        document = json.loads(auth.agency_file(agency).read_text())
        nc = await nats.connect(url, user=document["user"], password=document["password"], inbox_prefix=document["inbox_prefix"],
                                allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=5, **options)  # type: ignore[arg-type]
        held.append(nc)
        return nc

    async def answered(nc: nats.NATS, agency: str) -> bytes:
        return (await nc.request(f"{ns}.{partnership}.cmd.section11.save-draft.{agency}", b"{}", timeout=5)).data

    try:
        services = await nats.connect(auth.service_url(url))
        held.append(services)

        async def respond(msg: object) -> None:
            await msg.respond(b"answered")  # type: ignore[attr-defined]

        await services.subscribe(f"{ns}.*.cmd.*.*.*", cb=respond)
        await services.flush()

        for _ in range(AGENCY_MAX_CONNECTIONS):
            await connect(greedy)
        with pytest.raises(nats.errors.Error, match="maximum account active connections exceeded"):
            await connect(greedy)
        assert await answered(await connect(other), other) == b"answered"  # another agency connects and is answered

        # Subscriptions: the agency's whole account holds at most its limit.
        await held[1].close()
        errors: list[str] = []

        async def noted(error: Exception) -> None:
            errors.append(str(error))

        greedy_nc = await connect(greedy, error_cb=noted)
        for i in range(AGENCY_MAX_SUBSCRIPTIONS):
            await greedy_nc.subscribe(f"_INBOX.{greedy}.sub.{i}")
        await greedy_nc.flush()
        assert errors == []
        await greedy_nc.subscribe(f"_INBOX.{greedy}.sub.one-too-many")

        async def refused() -> bool:
            if greedy_nc.is_connected:
                await greedy_nc.flush()  # the server's -ERR is read with the next round trip
            said = [*errors, str(greedy_nc.last_error or "")]
            return any("maximum subscriptions exceeded" in e.lower() for e in said)

        await eventually(refused, timeout=10, what="the server refusing the subscription over the limit")
        other_nc = await connect(other)
        for i in range(10):
            await other_nc.subscribe(f"_INBOX.{other}.sub.{i}")
        assert await answered(other_nc, other) == b"answered"
    finally:
        for nc in held:
            if not nc.is_closed:
                await nc.close()
        server.stop()
