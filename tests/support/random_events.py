"""Events of every type in the catalogue, made at random from their fields' types, with ids
drawn from small pools so that later events meet the rows earlier ones made (and some meet
none): for showing two ways of applying events agree on whatever sequence comes.

Each event goes to the stream its ids name (`assurance-event:{partnership}:{id}`, `review:...`),
as the services write them. An event whose projection inserts without ON CONFLICT is made
only once per key (the live path would refuse the second, as the domain never sends it)."""

from __future__ import annotations

import random
import types
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from shared.catalogue import DomainEvent
from shared.catalogue.registry import _classes

PARTNERSHIPS = ("kent", "somerset")
_POOLED = ("case_ref", "period", "due_month", "year", "agency_id", "partner_id", "domain_id", "milestone_id")
# Created once per key: the live path inserts their row without ON CONFLICT.
_ONCE = {"ActionRaised": ("actions", "action_id"), "AssuranceEventProposed": ("lifecycle", "assurance_event_id"),
         "ActivityPlanned": ("lifecycle", "assurance_event_id"), "AssuranceEventConcluded": ("concluded", "assurance_event_id")}


def _value(annotation: Any, name: str, rng: random.Random) -> Any:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _value(args[0], name, rng)
    if origin in (Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        if len(options) < len(args) and rng.random() < 0.3:
            return None
        return _value(rng.choice(options), name, rng)
    if origin is Literal:
        return rng.choice(args)
    if origin in (list, set, frozenset):
        return [_value(args[0], name, rng) for _ in range(rng.randint(0, 3))]
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_value(args[0], name, rng) for _ in range(rng.randint(0, 3)))
        return tuple(_value(a, name, rng) for a in args)
    if origin is dict:
        return {_value(args[0], f"{name}_key", rng): _value(args[1], name, rng) for _ in range(rng.randint(0, 3))}
    if annotation is str:
        if name.endswith("_id") or name in _POOLED or name.endswith("_key"):
            return f"{name.removesuffix('_id')}-{rng.randint(1, 3)}"
        return rng.choice(["alpha", "beta gamma", "practice review", "children and families"])
    if annotation is bool:
        return rng.random() < 0.5
    if annotation is int:
        return rng.randint(1, 5)
    if annotation is float:
        return rng.choice([0.5, 1.0, 2.25, 40.0])
    if annotation is date:
        return date(2027, 1, 4) + timedelta(days=rng.randint(0, 90))
    if annotation is datetime:
        return datetime(2027, 1, 4, 9, tzinfo=UTC) + timedelta(hours=rng.randint(0, 2000))
    if annotation is uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _model(annotation, rng)
    if annotation is Any:
        return rng.choice(["alpha", 1, None])
    raise TypeError(f"no values for {annotation!r} ({name})")


def _model(cls: type[BaseModel], rng: random.Random) -> BaseModel | None:
    for _ in range(20):
        fields = {
            name: _value(field.annotation, name, rng)
            for name, field in cls.model_fields.items()
            if field.is_required() or rng.random() < 0.7
        }
        try:
            return cls(**fields)
        except ValidationError:
            continue
    return None


def stream_of(event: DomainEvent, partnership: str) -> str:
    """The stream the services would append it to, from the ids it carries."""
    e = event
    for field, prefix in (("assurance_event_id", "assurance-event"), ("action_id", "action"), ("incident_id", "incident"),
                          ("review_id", "review"), ("audit_id", "audit")):
        if isinstance(getattr(e, field, None), str):
            return f"{prefix}:{partnership}:{getattr(e, field)}"
    cycle, agency = getattr(e, "cycle_id", None), getattr(e, "agency_id", None)
    if isinstance(cycle, str) and isinstance(agency, str):
        return f"s11-return:{partnership}:{agency}:{cycle}"
    if isinstance(cycle, str):
        return f"s11-cycle:{partnership}:{cycle}"
    return f"{e.event_type}:{partnership}:x"


def random_events(count: int, seed: int) -> list[tuple[str, str, DomainEvent]]:
    """(partnership, stream, event) for about `count` events of every type, in a random order."""
    rng = random.Random(seed)
    classes = sorted(_classes.values(), key=lambda c: c.event_type)
    made: list[tuple[str, str, DomainEvent]] = []
    once: set[tuple[str, str, str]] = set()
    while len(made) < count:
        cls = rng.choice(classes)
        event = _model(cls, rng)
        if event is None:
            continue
        partnership = rng.choice(PARTNERSHIPS)
        if cls.__name__ in _ONCE:
            table, field = _ONCE[cls.__name__]
            key = (table, partnership, getattr(event, field))
            if key in once:
                continue
            once.add(key)
            if cls.__name__ == "AssuranceEventConcluded":  # it makes a lifecycle row if there is none
                once.add(("lifecycle", partnership, getattr(event, field)))
        made.append((partnership, stream_of(event, partnership), event))  # type: ignore[arg-type]
    return made
