from shared.eventstore.interface import ConcurrencyError, EventStore

__all__ = ["ConcurrencyError", "EventStore"]
