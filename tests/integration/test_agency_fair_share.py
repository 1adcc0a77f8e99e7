"""One agency cannot crowd out another: over its rate, its requests are answered
`rate_limited` at once (not parked, nothing stored), while another agency is served
(security review, finding 5)."""

from collections.abc import AsyncIterator

import pytest

from shared.clock import ManualClock
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
    import nats

    from shared.runtime.nats_auth import MAX_PAYLOAD, SERVER_INCLUDE, NatsAuth
    from shared.runtime.nats_server import EmbeddedNats

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
