"""The front door's way to the services: their command tables, and a person's command.

The tables are asked for over NATS (`{ns}.commands.{service}`, shared/messaging/describe.py)
and kept once answered. A person's command goes on the very subject an agency's system or
the business unit's tools would use, with the person's signed header
(shared/messaging/on_behalf.py): the service records the person's account id as the
actor, and judges the command as it judges every other.
"""

from __future__ import annotations

import json
from typing import Any

from nats.aio.client import Client
from nats.errors import NoRespondersError, TimeoutError

from services.reporting.domain.people.policy import Row
from shared.messaging.describe import describe_subject
from shared.messaging.on_behalf import PERSON_HEADER, sign
from shared.messaging.subjects import SERVICES, Subjects

ASK_TIMEOUT = 2.0
SEND_TIMEOUT = 15.0


class ServiceAway(Exception):
    """A service did not answer: the person is told to try again, nothing is lost."""


class CommandTables:
    def __init__(self, nc: Client, subjects: Subjects, own: dict[str, Any] | None = None) -> None:
        self.nc = self._nc = nc  # the front door's connection (its operations page asks health too)
        self.subjects = self._subjects = subjects
        self._tables: dict[str, list[Row]] = {}
        if own is not None:
            self._tables[own["service"]] = [Row.of(own["service"], r) for r in own["rows"]]

    async def rows(self, service: str) -> list[Row]:
        if service not in self._tables:
            try:
                msg = await self._nc.request(describe_subject(self._subjects.namespace, service), b"", timeout=ASK_TIMEOUT)
            except (TimeoutError, NoRespondersError):
                raise ServiceAway(f"the {service} service is not answering; try again in a moment") from None
            described = json.loads(msg.data)
            self._tables[service] = [Row.of(service, r) for r in described["rows"]]
        return self._tables[service]

    async def all_rows(self) -> list[Row]:
        out: list[Row] = []
        for service in SERVICES:
            try:
                out += await self.rows(service)
            except ServiceAway:
                continue
        return out

    async def row(self, service: str, token: str, sender: str | None = None) -> Row | None:
        if service not in SERVICES:
            return None
        for row in await self.rows(service):
            if row.token == token and (sender is None or row.sender == sender):
                return row
        return None


class CommandSender:
    def __init__(self, nc: Client, subjects: Subjects, secret: bytes | None) -> None:
        self._nc = nc
        self._subjects = subjects
        self._secret = secret

    async def send(self, row: Row, partnership_id: str, payload: dict[str, Any], account_id: str,
                   agency_id: str | None = None) -> dict[str, Any]:
        """The service's answer: {"status": "accepted", ...} or {"status": "refused", "error": {...}}."""
        if row.by_agency:
            subject = self._subjects.agency_command(row.service, row.token, partnership_id, agency_id or "")
        else:
            subject = self._subjects.operator_command(row.service, row.token, partnership_id)
        if not self._secret:
            raise ServiceAway("this installation cannot send for people yet (no person secret loaded)")
        body = json.dumps(payload).encode()
        headers = {PERSON_HEADER: sign(self._secret, account_id, subject, body)}
        try:
            msg = await self._nc.request(subject, body, timeout=SEND_TIMEOUT, headers=headers)
        except (TimeoutError, NoRespondersError):
            raise ServiceAway(f"the {row.service} service did not answer; send the form again (it is safe to)") from None
        return json.loads(msg.data)
