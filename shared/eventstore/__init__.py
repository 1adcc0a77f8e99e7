from shared.eventstore.interface import ConcurrencyError, DuplicateEventIdError, EventStore

__all__ = ["ConcurrencyError", "DuplicateEventIdError", "EventStore"]
