"""Which class answers to which event type, and how old payloads are upcast."""

from collections.abc import Callable
from typing import Any, TypeVar

from shared.catalogue.base import DomainEvent

E = TypeVar("E", bound=type[DomainEvent])
Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]

_classes: dict[str, type[DomainEvent]] = {}
# (event type, from version) -> function returning the payload at from version + 1
_upcasters: dict[tuple[str, int], Upcaster] = {}


class UnknownEventType(LookupError):
    def __init__(self, event_type: str) -> None:
        super().__init__(f"unknown event type {event_type!r}: not in the catalogue")
        self.event_type = event_type


def registered(cls: E) -> E:
    """Class decorator: declare an event in the catalogue (once, by type name)."""
    name = cls.event_type
    if name in _classes and _classes[name] is not cls:
        raise ValueError(f"event type {name!r} is declared twice")
    _classes[name] = cls
    return cls


def upcaster(event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Declare how a payload at `from_version` becomes one at `from_version + 1`."""

    def register(fn: Upcaster) -> Upcaster:
        _upcasters[(event_type, from_version)] = fn
        return fn

    return register


def event_class(event_type: str) -> type[DomainEvent]:
    try:
        return _classes[event_type]
    except KeyError:
        raise UnknownEventType(event_type) from None


def registered_event_types() -> dict[str, type[DomainEvent]]:
    return dict(_classes)


def upcast(event_type: str, schema_version: int, payload: Payload) -> Payload:
    """Bring a stored payload up to the class's current schema version."""
    target = event_class(event_type).schema_version
    if schema_version > target:
        raise ValueError(
            f"{event_type} v{schema_version} is newer than this code knows (v{target})"
        )
    version = schema_version
    while version < target:
        step = _upcasters.get((event_type, version))
        if step is None:
            raise ValueError(f"no upcaster for {event_type} from v{version} to v{version + 1}")
        payload = step(payload)
        version += 1
    return payload
