"""Per-agency credentials on the embedded NATS server with authorisation on.

The services connect as their own user; an agency connects as itself and the
server lets it publish only its own commands in its own partnerships, and read
only its replies and the outcomes addressed to it.
"""

import json
import stat
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import nats
import nats.errors
import pytest

from shared.clock import ManualClock
from shared.runtime.embedded import EmbeddedNats
from shared.runtime.nats_auth import SERVER_INCLUDE, NatsAuth
from shared.waiting import eventually
from tests.support import backends
from tests.support.platform import PARTNERSHIP, RunningPlatform, running_platform
from tests.support.platform import test_settings as platform_settings
from tests.support.returns import answers

pytestmark = pytest.mark.integration

POLICE = "humberside-police"
AMBULANCE = "east-midlands-ambulance-service"
OTHER_PARTNERSHIP = "somerset"  # served here, but neither agency belongs to it


@dataclass
class Secured:
    auth: NatsAuth
    server: EmbeddedNats
    namespace: str

    @property
    def service_url(self) -> str:
        return self.auth.service_url(self.server.url)


@dataclass
class Agency:
    nc: nats.NATS
    errors: list[str] = field(default_factory=list)

    async def violation(self, kind: str, subject: str) -> None:
        expected = f'permissions violation for {kind} to "{subject}"'.lower()  # nats-py lowers it all
        await eventually(lambda: any(expected in e for e in self.errors), timeout=5, what=f"{expected} in {self.errors}")


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[Secured]:
    namespace = backends.new_namespace()
    auth = NatsAuth(tmp_path)
    for agency in (POLICE, AMBULANCE):
        auth.add_agency(agency, [PARTNERSHIP], namespace=namespace)
    auth.write_config(serving=[PARTNERSHIP, OTHER_PARTNERSHIP])
    with EmbeddedNats(tmp_path, extra_config=SERVER_INCLUDE) as server:
        yield Secured(auth, server, namespace)


@pytest.fixture
async def platform(secured: Secured, database: str, clock: ManualClock) -> AsyncIterator[RunningPlatform]:
    settings = platform_settings(secured.service_url, database, secured.namespace).model_copy(
        update={"profiles": [PARTNERSHIP, OTHER_PARTNERSHIP]}
    )
    async with running_platform(settings, clock) as running:
        yield running


async def _connect(secured: Secured, agency: str, password: str | None = None) -> Agency:
    credentials = json.loads(secured.auth.agency_file(agency).read_text())
    connection = Agency(nc=None)  # type: ignore[arg-type]

    async def collect(error: Exception) -> None:
        connection.errors.append(str(error).lower())

    connection.nc = await nats.connect(
        secured.server.url, user=credentials["user"], password=password or credentials["password"],
        inbox_prefix=credentials["inbox_prefix"], error_cb=collect, max_reconnect_attempts=0,
    )
    return connection


def _submission(platform: RunningPlatform, agency: str, **extra: Any) -> bytes:
    profile = platform.hosts["section11"].partnerships.profile(PARTNERSHIP)
    body = {
        "request_id": str(uuid4()), "agency_id": agency, "cycle_id": "2026-27",
        "answers": answers(profile, {"culture-and-challenge": 2}), "submitted_by": "Safeguarding lead (invented)",
    } | extra
    return json.dumps(body).encode()


async def test_an_agency_submits_as_itself_and_hears_only_its_own_outcomes(
    secured: Secured, platform: RunningPlatform
) -> None:
    police = await _connect(secured, POLICE)
    heard: list[dict[str, Any]] = []

    async def hear(msg: Any) -> None:
        heard.append({"subject": msg.subject, **json.loads(msg.data)})

    await police.nc.subscribe(f"{secured.namespace}.*.out.{POLICE}.>", cb=hear)
    await police.nc.flush()
    assert (await platform.open_cycle())["status"] == "accepted"  # the business unit, as the services' user
    await platform.submit(AMBULANCE)  # another agency's return: none of the police's business

    subject = platform.subjects.agency_command("section11", "submit", PARTNERSHIP, POLICE)
    reply = json.loads((await police.nc.request(subject, _submission(platform, POLICE), timeout=10)).data)
    assert reply["status"] == "accepted", reply
    assert [e["event_type"] for e in reply["events"]] == ["SubmissionReceived", "RiskFlagged"]

    async def heard_its_return() -> bool:
        return {e["event_id"] for e in reply["events"]} <= {h["event_id"] for h in heard}

    await eventually(heard_its_return, what="the police to hear its submission and risk flag")
    assert [h["event_type"] for h in heard] == ["AuditCycleOpened", "SubmissionReceived", "RiskFlagged"]
    prefix = f"{secured.namespace}.{PARTNERSHIP}.out.{POLICE}."
    assert [h["subject"] for h in heard] == [prefix + h["event_type"] for h in heard]
    # The ambulance service's return was relayed between the cycle and the police's: never heard.
    assert all(POLICE in (h["payload"].get("agency_id"), *h["payload"].get("agency_ids", [])) for h in heard)

    impostor = json.loads((await police.nc.request(subject, _submission(platform, AMBULANCE), timeout=10)).data)
    assert impostor["error"]["code"] == "identity_mismatch"  # its own subject, another's name in the payload
    assert police.errors == []
    await police.nc.close()


async def test_the_server_refuses_an_agency_anything_of_another_agency_or_partnership(
    secured: Secured, platform: RunningPlatform
) -> None:
    await platform.open_cycle()
    police = await _connect(secured, POLICE)
    ns = secured.namespace

    as_ambulance = platform.subjects.agency_command("section11", "submit", PARTNERSHIP, AMBULANCE)
    await police.nc.publish(as_ambulance, _submission(platform, AMBULANCE))
    await police.violation("publish", as_ambulance)
    in_somerset = platform.subjects.agency_command("section11", "submit", OTHER_PARTNERSHIP, POLICE)
    await police.nc.publish(in_somerset, _submission(platform, POLICE))
    await police.violation("publish", in_somerset)
    for forbidden in (
        platform.subjects.operator_command("section11", "open-cycle", PARTNERSHIP),  # the business unit's
        platform.subjects.event(PARTNERSHIP, "section11", "SubmissionReceived"),  # forging an event
        f"{ns}.{PARTNERSHIP}.out.{POLICE}.RiskCleared",  # forging an outcome
        "$JS.API.STREAM.NAMES",  # JetStream
    ):
        await police.nc.publish(forbidden, b"{}")
        await police.violation("publish", forbidden)

    for forbidden in (
        f"{ns}.*.out.{AMBULANCE}.>",  # another agency's outcomes
        f"{ns}.{OTHER_PARTNERSHIP}.out.{POLICE}.>",  # a partnership it was not given
        "_INBOX.>",  # everyone's replies
        f"_INBOX.{AMBULANCE}.>",
        f"{ns}.*.evt.section11.>",  # the partnership's events
        f"{ns}.*.cmd.>",  # other agencies' commands
    ):
        await police.nc.subscribe(forbidden)
        await police.violation("subscription", forbidden)

    # Its wildcard subscription is allowed, but the other partnership's copies never reach it.
    received: list[str] = []

    async def receive(msg: Any) -> None:
        received.append(msg.subject)

    await police.nc.subscribe(f"{ns}.*.out.{POLICE}.>", cb=receive)
    await police.nc.flush()

    async def heard_its_own() -> bool:
        # Both copies are sent again until its own arrives: core NATS delivers at most once,
        # and once in a fresh-clone run the single copy was not heard within the deadline.
        await platform.nc.publish(f"{ns}.{OTHER_PARTNERSHIP}.out.{POLICE}.RiskFlagged", b"{}")
        await platform.nc.publish(f"{ns}.{PARTNERSHIP}.out.{POLICE}.RiskFlagged", b"{}")
        await platform.nc.flush()
        return bool(received)

    await eventually(heard_its_own, interval=0.2, what="the police's own outcome")
    assert set(received) == {f"{ns}.{PARTNERSHIP}.out.{POLICE}.RiskFlagged"}  # never the other partnership's

    assert await platform.count("SELECT count(*) FROM section11.events") == 1  # only the cycle opened
    await police.nc.close()


async def test_an_agency_added_while_the_server_runs_connects_once_it_reloads(secured: Secured) -> None:
    newcomer = "british-transport-police"
    with pytest.raises((nats.errors.Error, OSError)):  # refused, or the socket closed on it first
        await nats.connect(secured.server.url, user=newcomer, password="guess", allow_reconnect=False)

    credentials = secured.auth.add_agency(newcomer, [PARTNERSHIP], namespace=secured.namespace)
    secured.auth.write_config()
    assert secured.server.reload()

    async def connects(password: str) -> bool:
        try:
            nc = await nats.connect(secured.server.url, user=newcomer, password=password, allow_reconnect=False)
        except (nats.errors.Error, OSError):  # refused, or the socket closed on it first
            return False
        await nc.close()
        return True

    await eventually(lambda: connects(credentials.password), what="the newcomer to be let in")
    rotated = secured.auth.add_agency(newcomer, [PARTNERSHIP], namespace=secured.namespace, rotate=True)
    secured.auth.write_config()
    secured.server.reload()
    await eventually(lambda: connects(rotated.password), what="the new password to work")
    assert not await connects(credentials.password)
    assert rotated.created_at == credentials.created_at


def test_credentials_are_private_and_name_only_the_agencys_subjects(secured: Secured) -> None:
    for path in (secured.auth.agency_file(POLICE), secured.auth.config_file, secured.auth.credentials_dir):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
    police = json.loads(secured.auth.agency_file(POLICE).read_text())
    ns = secured.namespace
    assert police["publish"] == [f"{ns}.{PARTNERSHIP}.cmd.*.*.{POLICE}"]
    assert police["subscribe"] == [f"_INBOX.{POLICE}.>", f"{ns}.*.out.{POLICE}.>"]
    config = secured.auth.config_file.read_text()
    assert f'"{ns}.{OTHER_PARTNERSHIP}.out.{POLICE}.>"' in config  # denied
    with pytest.raises(ValueError, match="cannot be an agency"):
        secured.auth.add_agency("scrutiny-services", [PARTNERSHIP], namespace=ns)
    with pytest.raises(ValueError, match="cannot be an agency"):
        secured.auth.add_agency("police.>", [PARTNERSHIP], namespace=ns)
