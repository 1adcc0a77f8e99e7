"""The base of every domain event: a frozen fact, named in the past tense."""

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class DomainEvent(BaseModel):
    """A fact that happened. Subclasses set `event_type` and `schema_version`.

    `schema_version` moves on when the payload's shape changes; older stored
    payloads are brought up to date by the registry's upcasters before they
    are parsed, so history is never rewritten.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
