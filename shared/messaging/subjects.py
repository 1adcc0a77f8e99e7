"""The subject and stream names: the event contract's addresses, in one place.

Everything lives under a namespace (default `scrutiny`) so that tests, and
several installations sharing one NATS server, never see each other.

- agency commands:   {ns}.{partnership}.cmd.{service}.{command}.{agency}
  (the agency's own id is the last token, so server permissions can pin it)
- operator commands: {ns}.{partnership}.cmd.{service}.{command}
- domain events:     {ns}.{partnership}.evt.{service}.{EventType}   (JetStream)
- dead letters:      {ns}.{partnership}.dlq.{service}                (JetStream)

Events and dead letters differ in the third token, so their streams' subjects
cannot overlap (JetStream refuses overlapping streams).
"""

from dataclasses import dataclass

SERVICES = ("section11", "events", "reviews", "reporting")


@dataclass(frozen=True)
class Subjects:
    namespace: str = "scrutiny"

    def agency_command(self, service: str, command: str, partnership: str = "*", agency: str = "*") -> str:
        return f"{self.namespace}.{partnership}.cmd.{service}.{command}.{agency}"

    def operator_command(self, service: str, command: str, partnership: str = "*") -> str:
        return f"{self.namespace}.{partnership}.cmd.{service}.{command}"

    def event(self, partnership: str, service: str, event_type: str) -> str:
        return f"{self.namespace}.{partnership}.evt.{service}.{event_type}"

    def events_of(self, service: str) -> str:
        return f"{self.namespace}.*.evt.{service}.>"

    def stream(self, service: str) -> str:
        return f"{self.namespace.upper()}_{service.upper()}"

    def deadletter(self, service: str, partnership: str = "_") -> str:
        return f"{self.namespace}.{partnership}.dlq.{service}"

    @property
    def deadletter_stream(self) -> str:
        return f"{self.namespace.upper()}_DEADLETTER"

    @property
    def deadletters(self) -> str:
        return f"{self.namespace}.*.dlq.>"

    @staticmethod
    def token(subject: str, index: int) -> str:
        return subject.split(".")[index]
