"""faststream's AsyncAPI 3.0 document of the wired services, completed for agencies' developers.

Channel keys follow the subjects: `cmd.{service}.{command}` (business unit),
`cmd.{service}.{command}.agency` (an agency, its id the subject's last token),
`evt.{service}.{EventType}`, `out.{EventType}` (the copy addressed to an agency),
`dlq.{service}`, `consumer.{durable}` (the services' own JetStream consumers)
and `reply` (the requester's inbox).

One module, over 300 lines, because it is one document: the plan of channels and
messages, the schemas and the ordering are built in turn and each step reads the last.
"""

import asyncio
import importlib.metadata
from dataclasses import dataclass, field
from typing import Any

from faststream.nats import NatsBroker, NatsRouter
from faststream.specification import AsyncAPI
from faststream.specification.asyncapi.utils import ref
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from services.contract import REGENERATE
from services.contract import models as m
from services.contract.standins import NAMESPACE, rows_by_subject, wire_services
from services.events.domain.commands import ShowPlanner
from shared.catalogue import DomainEvent, registered_event_types
from shared.messaging.commands import CommandRow
from shared.messaging.outcomes import naming_fields, outcome_subject
from shared.messaging.subjects import SERVICES, Subjects

# Request subscribers that parse their message themselves instead of through the gateway.
QUERIES: dict[tuple[str, str], tuple[type[BaseModel], type[BaseModel]]] = {
    ("events", "planner"): (ShowPlanner, m.PlannerAnswer),
}
ORDER = ("cmd", "commands", "out", "evt", "dlq", "consumer", "reply")

INFO = f"""\
The messages of the scrutiny platform on NATS, generated from the services by
`{REGENERATE}`.

- Subjects start with the namespace `{NAMESPACE}` (`SCRUTINY_NAMESPACE` changes it)
  and the partnership's id. An agency's commands end in its own id: its
  credentials let it publish only there, and subscribe only to its replies
  (inbox prefix `_INBOX.{{agency}}`) and to `{NAMESPACE}.*.out.{{agency}}.>`.
- Every command is a NATS request answered on the reply subject with `Accepted`
  or `Refused`. Each carries a `request_id` the sender chooses: sending the same
  request again (after a timeout, say) is safe and gets the first answer.
- Events are stored in JetStream (`{NAMESPACE.upper()}_{{SERVICE}}`); refused messages
  in `{NAMESPACE.upper()}_DEADLETTER` with their reason.

docs/integrating.md walks an agency through it."""


@dataclass
class Message:
    name: str
    summary: str
    payload: type[BaseModel] | dict[str, Any]
    headers: dict[str, Any] | None = None
    # Commands are documented as the services read them; replies and events as they are sent.
    mode: str = "serialization"
    content_type: str = "application/json"


@dataclass
class Channel:
    key: str
    summary: str
    address: str
    messages: list[str]
    description: str | None = None
    parameters: tuple[str, ...] = ("partnership",)
    replies: list[str] = field(default_factory=list)


@dataclass
class Plan:
    channels: dict[str, Channel] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    # Models a raw payload schema refers to, documented as sent.
    referred: set[type[BaseModel]] = field(default_factory=set)

    def event(self, event: type[DomainEvent]) -> str:
        self.referred.update((event, m.EventEnvelope))
        return self.message(event.event_type, _doc(event), m.event_message(event), m.EVENT_HEADERS)

    def message(
        self, name: str, summary: str, payload: type[BaseModel] | dict[str, Any],
        headers: dict[str, Any] | None = None, mode: str = "serialization",
    ) -> str:
        known = self.messages.setdefault(name, Message(name, summary, payload, headers, mode))
        if known.payload is not payload and known.payload != payload:
            raise RuntimeError(f"two different models are both called {name}")
        return name


def _doc(cls: type) -> str:
    return " ".join((cls.__doc__ or cls.__name__).split())


CATALOGUE = "shared.catalogue."
# Catalogue modules of a service's events that are not named after it: the front door's
# records of people and the scrutineer's workspace are the reporting service's (its store,
# its streams); the lifecycle of every other activity is the events service's.
PUBLISHED_AS = {"people": "reporting", "scrutiny": "reporting", "activities": "events"}


def _service_of(event: type[DomainEvent]) -> str:
    module = event.__module__.rsplit(".", 1)[-1]
    service = PUBLISHED_AS.get(module, module)
    if service not in SERVICES:
        raise RuntimeError(f"{event.__name__} is declared in {event.__module__}, not a service's catalogue module")
    return service


def _events() -> dict[str, list[type[DomainEvent]]]:
    by_service: dict[str, list[type[DomainEvent]]] = {}
    for event_type in sorted(registered_event_types()):
        cls = registered_event_types()[event_type]
        if not cls.__module__.startswith(CATALOGUE):
            continue  # declared by a test (the registry is process-wide); not part of the contract
        by_service.setdefault(_service_of(cls), []).append(cls)
    return by_service


async def _collect() -> tuple[NatsBroker, dict[str, CommandRow[Any]]]:
    """The wired broker, and the command row behind each request subject."""
    wired = await wire_services()
    return wired.broker, rows_by_subject(wired.tables)


def _plan_subscribers(
    broker: NatsBroker, rows: dict[str, CommandRow[Any]], plan: Plan, events: dict[str, list[type[DomainEvent]]]
) -> None:
    """Name each service subscriber's channel after its subject; learn each request's command."""
    for sub in broker.subscribers:
        config = sub.specification.config
        subject, title = config.subject, config.title_ or ""
        tokens = subject.split(".")
        if getattr(sub, "stream", None) is not None:
            durable = sub.extra_options["durable"]
            source = tokens[3]
            key = f"consumer.{durable}"
            messages = [plan.event(e) for e in events[source]]
            channel = Channel(key, title, _address(tokens), messages)
        elif tokens[1] == "commands":  # {ns}.commands.{service}: the service's table, for the front door
            key = f"commands.{tokens[2]}"
            plan.message(m.CommandTableAnswer.__name__, _doc(m.CommandTableAnswer), m.CommandTableAnswer)
            messages = [plan.message(m.DescribeCommands.__name__, _doc(m.DescribeCommands), m.DescribeCommands)]
            channel = Channel(key, title, subject, messages, "A query of the platform's own: it records nothing.", (),
                              [m.CommandTableAnswer.__name__])
        else:
            service, command = tokens[3], tokens[4]
            agency = len(tokens) == 6
            key = f"cmd.{service}.{command}" + (".agency" if agency else "")
            row = rows.get(subject)
            if row is not None:
                model, replies = row.command, ["Accepted", "Refused"]
                pinned = f"`{row.pinned}`"
                note = (
                    f"Sent by the agency named by the last token; {pinned} must be that agency." if agency else "Sent by the business unit."
                )
            elif (service, command) in QUERIES:
                model, answer = QUERIES[(service, command)]
                replies, note = [answer.__name__, "Refused"], "A query: it records nothing."
                plan.message(answer.__name__, _doc(answer), answer)
            else:
                raise RuntimeError(
                    f"the subscriber of {subject} is no row of a command table: add it to its service's "
                    "table, or name its model in services/contract/document.py QUERIES"
                )
            messages = [plan.message(model.__name__, _doc(model), model, mode="validation")]
            params = ("partnership", "agency") if agency else ("partnership",)
            channel = Channel(key, title, _address(tokens, agency=agency), messages, note, params, replies)
        if key in plan.channels:
            raise RuntimeError(f"two subscribers would document the same channel {key} ({subject})")
        plan.channels[key] = channel
        config.title_ = key  # faststream keys channels and operations by title


def _address(tokens: list[str], *, agency: bool = False, agency_at: int | None = None) -> str:
    out = list(tokens)
    out[1] = "{partnership}"
    if agency:
        out[-1] = "{agency}"
    if agency_at is not None:
        out[agency_at] = "{agency}"
    return ".".join(out)


def _plan_publishers(plan: Plan, events: dict[str, list[type[DomainEvent]]]) -> NatsRouter:
    """The events the outbox relay publishes, their copies to agencies, and the dead letters."""
    subjects = Subjects(NAMESPACE)
    router = NatsRouter()
    naming = naming_fields()
    plan.messages["DeadLetter"] = Message(
        "DeadLetter", _doc(m.DeadLetter), {"type": "string", "format": "binary", "description": "The original bytes, as sent"},
        m.DEAD_LETTER_HEADERS, content_type="application/octet-stream",
    )
    for service in SERVICES:
        for event in events.get(service, []):
            name = plan.event(event)
            subject = subjects.event("*", service, event.event_type)
            key = f"evt.{service}.{event.event_type}"
            plan.channels[key] = Channel(
                key, f"{event.event_type}, published by {service}", _address(subject.split(".")), [name],
                f"Stored in the JetStream stream {subjects.stream(service)}.",
            )
            router.publisher(subject, title=key)
            if fields := naming.get(event.event_type):
                out = outcome_subject(NAMESPACE, "*", "*", event.event_type)
                key = f"out.{event.event_type}"
                plan.channels[key] = Channel(
                    key, f"{event.event_type}, to each agency it names", _address(out.split("."), agency_at=3), [name],
                    "A copy of the event for each agency named by " + ", ".join(f"`{f}`" for f in fields)
                    + "; not stored: subscribe while connected, and drop repeats by `event_id`.",
                    ("partnership", "agency"),
                )
                router.publisher(out, title=key)
        key = f"dlq.{service}"
        subject = subjects.deadletter(service, "*")
        plan.channels[key] = Channel(
            key, f"Messages {service} refused or could not process", _address(subject.split(".")), ["DeadLetter"],
            f"Stored in {subjects.deadletter_stream}; partnership `_` when the subject named none.",
        )
        router.publisher(subject, title=key)
    return router


def _schemas(plan: Plan) -> tuple[dict[str, Any], dict[str, Any]]:
    """Payload refs by message name, and every schema under components/schemas."""
    models = [(msg.payload, msg.mode) for _, msg in sorted(plan.messages.items()) if isinstance(msg.payload, type)]
    models += [(model, "serialization") for model in sorted(plan.referred, key=lambda model: model.__name__)]
    refs, defs = models_json_schema(models, ref_template="#/components/schemas/{model}")  # type: ignore[arg-type]
    payloads = {
        msg.name: refs[(msg.payload, msg.mode)] if isinstance(msg.payload, type) else msg.payload  # type: ignore[index]
        for msg in plan.messages.values()
    }
    return payloads, defs.get("$defs", {})


def _rank(key: str) -> tuple[int, str]:
    return ORDER.index(key.split(".", 1)[0]), key


def build() -> dict[str, Any]:
    broker, rows = asyncio.run(_collect())
    plan = Plan()
    events = _events()
    _plan_subscribers(broker, rows, plan, events)
    broker.include_router(_plan_publishers(plan, events))
    raw = AsyncAPI(broker, title="scrutiny", schema_version="3.0.0").to_specification().to_jsonable()

    plan.message("Accepted", _doc(m.Accepted), m.Accepted)
    plan.message("Refused", _doc(m.Refused), m.Refused)
    plan.channels["reply"] = Channel(
        "reply", "The answer to a request", None,  # type: ignore[arg-type]  # address null: the requester's inbox
        sorted({r for c in plan.channels.values() for r in c.replies}),
        "Sent to the request's reply subject (your inbox, `_INBOX.{agency}.…` with agency credentials).", (),
    )
    payloads, schemas = _schemas(plan)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for key in sorted(plan.channels, key=_rank):
        channel = plan.channels[key]
        produced = raw["channels"].get(key, {})
        channels[key] = {
            "address": channel.address,
            "title": channel.summary,
            **({"description": channel.description} if channel.description else {}),
            "messages": {name: ref("components", "messages", name) for name in channel.messages},
            **({"parameters": {p: PARAMETERS[p] for p in channel.parameters}} if channel.parameters else {}),
            **({"bindings": produced["bindings"]} if "bindings" in produced else {}),
        }
        if key not in raw["operations"]:
            continue
        operation = {
            "action": raw["operations"][key]["action"],
            "channel": ref("channels", key),
            "summary": channel.summary,
            "messages": [ref("channels", key, "messages", name) for name in channel.messages],
        }
        if channel.replies:
            operation["reply"] = {
                "channel": ref("channels", "reply"),
                "messages": [ref("channels", "reply", "messages", name) for name in channel.replies],
            }
        operations[key] = operation
    missing = set(raw["channels"]) - set(channels)
    if missing:
        raise RuntimeError(f"faststream documented channels this generator did not plan: {sorted(missing)}")
    messages = {
        name: {
            "name": name,
            "title": name,
            "summary": msg.summary,
            "contentType": msg.content_type,
            "payload": payloads[name],
            **({"headers": msg.headers} if msg.headers else {}),
        }
        for name, msg in sorted(plan.messages.items())
    }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "scrutiny event contract", "version": importlib.metadata.version("scrutiny"), "description": INFO},
        "defaultContentType": "application/json",
        "servers": SERVERS,
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": SECURITY,
        },
    }


PARAMETERS = {
    "partnership": {"description": "The partnership's id (its profile's `id`, e.g. north-lincolnshire)"},
    "agency": {"description": "The agency's id in the partnership's profile (e.g. humberside-police)"},
}
SERVERS = {
    "partnership": {
        "host": "{host}",
        "protocol": "nats",
        "description": "The partnership's NATS server: `scrutiny up` prints its URL.",
        "variables": {"host": {"description": "host:port", "examples": ["nats.partnership.example:4222"]}},
        "security": [ref("components", "securitySchemes", "credentials")],
    }
}
SECURITY = {
    "credentials": {
        "type": "userPassword",
        "description": "The user and password of the credentials file `scrutiny agency add` writes "
        "(the platform's own services have a user of their own).",
    }
}
