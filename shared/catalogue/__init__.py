"""The versioned catalogue of domain events, declared once for every service.

Importing this package registers every event class with the registry, so the
mapper can turn a stored or wire payload back into its typed event.
"""

from shared.catalogue import activities as _activities  # noqa: F401  (registers the events)
from shared.catalogue import events as _events  # noqa: F401
from shared.catalogue import people as _people  # noqa: F401
from shared.catalogue import reporting as _reporting  # noqa: F401
from shared.catalogue import reviews as _reviews  # noqa: F401
from shared.catalogue import scrutiny as _scrutiny  # noqa: F401
from shared.catalogue import section11 as _section11  # noqa: F401
from shared.catalogue.base import DomainEvent
from shared.catalogue.registry import (
    UnknownEventType,
    event_class,
    registered_event_types,
    upcast,
)

__all__ = ["DomainEvent", "UnknownEventType", "event_class", "registered_event_types", "upcast"]
