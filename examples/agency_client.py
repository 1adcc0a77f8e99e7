#!/usr/bin/env python3
"""An agency's client for the scrutiny platform, written with nothing but nats-py.

It connects with the credentials file `scrutiny agency add` wrote for the agency,
listens for the outcomes addressed to it, submits its Section 11 return to a
cycle the partnership's business unit has opened, reports progress on one of
its actions, and waits until it has heard the outcome of everything it sent.

    pip install nats-py
    python agency_client.py --url nats://127.0.0.1:PORT --credentials humberside-police.json \\
        --submit 2026-27 --answers answers.json \\
        --update-action act-7 --progress "Draft policy out to partners" --percent 50 \\
        --by "Force safeguarding lead"

    python agency_client.py --url ... --credentials ... --listen 0     # print outcomes until Ctrl-C

`answers.json` maps each standard of the partnership's profile to its answer:
`{"lg-senior-lead": {"rating": 3, "narrative": "...", "evidence": ["minutes.pdf"]}, ...}`.

What it shows (docs/integrating.md explains each):
- commands go to `{ns}.{partnership}.cmd.{service}.{command}.{agency}`, as requests;
- the connection's inbox prefix is `_INBOX.{agency}`: the only place the agency
  may receive replies (the server refuses it any other);
- each command carries a `request_id`; after a timeout, or a refusal coded
  `conflict` or `unavailable`, the same request is sent again with the same
  id, so it is never recorded twice;
- outcomes arrive on `{ns}.{partnership}.out.{agency}.{EventType}`, at least
  once: repeats are dropped by `event_id`.

Exit status: 0 when everything was accepted and its outcomes heard, 1 when a
command was refused or never answered, 2 when an outcome did not arrive in time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import nats
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as RequestTimeout

RETRYABLE = {"conflict", "unavailable"}  # send the same request again: nothing was wrong with it
Outcome = dict[str, Any]


class Refused(Exception):
    def __init__(self, command: str, error: dict[str, Any]) -> None:
        super().__init__(f"{command} refused: {error['code']} ({error.get('field') or '-'}): {error['message']}")
        self.error = error


class AgencyClient:
    def __init__(self, nc: nats.NATS, credentials: dict[str, Any], partnership: str) -> None:
        self.nc = nc
        self.agency = credentials["agency_id"]
        self.namespace = credentials["namespace"]
        self.partnership = partnership

    @classmethod
    async def connect(cls, url: str, credentials: dict[str, Any], partnership: str | None = None) -> AgencyClient:
        """`credentials`: the JSON of the file `scrutiny agency add` wrote."""
        partnerships = credentials["partnerships"]
        if partnership is None:
            if len(partnerships) != 1:
                raise SystemExit(f"the agency belongs to {partnerships}: choose one with --partnership")
            partnership = partnerships[0]

        async def report(error: Exception) -> None:  # e.g. a permissions violation
            print(f"error from the server: {error}", flush=True)

        connecting = nats.connect(
            url,
            user=credentials["user"],
            password=credentials["password"],
            inbox_prefix=credentials["inbox_prefix"],  # replies may only come to _INBOX.{agency}
            error_cb=report,
            max_reconnect_attempts=-1,  # once connected, ride out a server restart
            name=f"agency-{credentials['agency_id']}",
        )
        try:
            nc = await asyncio.wait_for(connecting, 15)
        except TimeoutError:
            raise SystemExit(f"could not connect to {url} as {credentials['user']}: check the URL and credentials") from None
        return cls(nc, credentials, partnership)

    def subject(self, service: str, command: str) -> str:
        return f"{self.namespace}.{self.partnership}.cmd.{service}.{command}.{self.agency}"

    async def request(self, service: str, command: str, body: dict[str, Any], *, attempts: int = 6) -> dict[str, Any]:
        """Send a command; on no answer, or a retryable refusal, send the very same request again."""
        body = {"request_id": str(uuid.uuid4())} | body
        data = json.dumps(body).encode()
        pause = 0.5
        for _ in range(attempts):
            try:
                reply = json.loads((await self.nc.request(self.subject(service, command), data, timeout=5)).data)
            except (RequestTimeout, NoRespondersError):
                reply = None
            if reply is not None and not (reply["status"] == "refused" and reply["error"]["code"] in RETRYABLE):
                if reply["status"] == "refused":
                    raise Refused(command, reply["error"])
                return reply
            print(f"{command}: no answer yet, sending request {body['request_id']} again", flush=True)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 8)
        raise Refused(command, {"code": "no_answer", "message": f"no answer after {attempts} attempts; "
                                f"send request {body['request_id']} again later"})

    async def submit_return(self, cycle_id: str, answers: dict[str, Any], submitted_by: str) -> dict[str, Any]:
        return await self.request("section11", "submit", {
            "agency_id": self.agency, "cycle_id": cycle_id, "answers": answers, "submitted_by": submitted_by,
        })

    async def update_action(self, action_id: str, progress: str, updated_by: str, percent: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "action_id": action_id, "owner_agency_id": self.agency, "progress": progress, "updated_by": updated_by,
        }
        if percent is not None:
            body["percent_complete"] = percent
        return await self.request("reviews", "update-action", body)

    async def listen(self, on_outcome: Callable[[Outcome], Awaitable[None]]) -> None:
        """Hear every outcome addressed to this agency, in any of its partnerships, once each."""
        seen: set[str] = set()

        async def receive(msg: Any) -> None:
            outcome = json.loads(msg.data)
            if outcome["event_id"] not in seen:
                seen.add(outcome["event_id"])
                await on_outcome(outcome)

        await self.nc.subscribe(f"{self.namespace}.*.out.{self.agency}.>", cb=receive)
        await self.nc.flush()  # the subscription is in place before anything is sent


def _describe(outcome: Outcome) -> str:
    payload = outcome["payload"]
    detail = " ".join(
        f"{key}={payload[key]}" for key in ("cycle_id", "action_id", "domain_id", "due_on", "late") if key in payload
    )
    return f"outcome {outcome['partnership_id']} {outcome['event_type']} {outcome['event_id']} {detail}".rstrip()


async def run(args: argparse.Namespace, credentials: dict[str, Any], answers: dict[str, Any] | None) -> int:
    client = await AgencyClient.connect(args.url, credentials, args.partnership)
    print(f"connected as {client.agency} to {client.partnership}", flush=True)
    heard: set[str] = set()
    everything_heard = asyncio.Event()
    expected: set[str] = set()

    async def on_outcome(outcome: Outcome) -> None:
        print(_describe(outcome), flush=True)
        heard.add(outcome["event_id"])
        if expected and expected <= heard:
            everything_heard.set()

    await client.listen(on_outcome)
    print(f"listening on {client.namespace}.*.out.{client.agency}.>", flush=True)
    try:
        replies = []
        if args.submit and answers is not None:
            replies.append(("submit", await client.submit_return(args.submit, answers, args.by)))
        if args.update_action:
            replies.append(("update-action", await client.update_action(args.update_action, args.progress, args.by, args.percent)))
    except Refused as refusal:
        print(refusal, flush=True)
        await client.nc.close()
        return 1
    for command, reply in replies:
        events = ", ".join(f"{e['event_type']} {e['event_id']}" for e in reply["events"])
        print(f"accepted {command}: {events}", flush=True)
        expected.update(e["event_id"] for e in reply["events"])
    if expected <= heard:
        everything_heard.set()
    status = 0
    try:
        if expected:
            await asyncio.wait_for(everything_heard.wait(), args.listen or None)
            print(f"heard the outcome of everything sent ({len(expected)} events)", flush=True)
        elif args.listen:
            await asyncio.sleep(args.listen)
        else:
            await asyncio.Event().wait()  # listen until interrupted
    except TimeoutError:
        print(f"missing outcomes: {sorted(expected - heard)}", flush=True)
        status = 2
    await client.nc.close()
    return status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the platform's NATS URL (printed by `scrutiny up`)")
    parser.add_argument("--credentials", required=True, type=Path, help="the file `scrutiny agency add` wrote")
    parser.add_argument("--partnership", help="which partnership (needed when the agency has several)")
    parser.add_argument("--submit", metavar="CYCLE", help="submit the Section 11 return to this open cycle")
    parser.add_argument("--answers", type=Path, help="JSON file: each standard's answer")
    parser.add_argument("--update-action", metavar="ACTION", help="report progress on this action of the agency's")
    parser.add_argument("--progress", help="the progress to report")
    parser.add_argument("--percent", type=int, help="percent complete")
    parser.add_argument("--by", default="Safeguarding lead", help="who is sending (a role, never a child)")
    parser.add_argument("--listen", type=float, default=30, help="seconds to wait for outcomes (0: until Ctrl-C)")
    args = parser.parse_args()
    if args.submit and not args.answers:
        parser.error("--submit needs --answers")
    if args.update_action and not args.progress:
        parser.error("--update-action needs --progress")
    credentials = json.loads(args.credentials.read_text())
    answers = json.loads(args.answers.read_text()) if args.answers else None
    try:
        sys.exit(asyncio.run(run(args, credentials, answers)))
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
