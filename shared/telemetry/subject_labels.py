"""Prometheus labels by subject template, never by the concrete subject.

faststream labels its per-message metrics with the subject a message arrived on or was
sent to. Concrete subjects carry a partnership, an agency and, for a reply, the
requester's inbox, which is new on every request: labelled as they are, an agency
sending requests with reply subjects of its choosing grew `/metrics` tenfold (security
review, finding 4). Each label is the subject's template instead: a bounded set, one per
kind of subject the platform serves or sends.
"""

from collections.abc import Callable, Sequence
from typing import Any

from faststream.nats.prometheus.provider import (
    BatchNatsMetricsSettingsProvider,
    NatsMetricsSettingsProvider,
)
from faststream.prometheus.middleware import PrometheusMiddleware
from nats.aio.msg import Msg
from prometheus_client import CollectorRegistry

# The tokens after `{ns}.{partnership}.` that say what a subject is, and which of the
# tokens after that name an agency (by position after the kind).
_KINDS = {"cmd": 3, "evt": None, "out": 1, "dlq": None}


def subject_template(subject: str) -> str:
    """`scrutiny.north-lincolnshire.cmd.section11.submit.humberside-police` ->
    `scrutiny.{partnership}.cmd.section11.submit.{agency}`; any inbox -> `_INBOX`."""
    if subject.startswith("_INBOX.") or subject == "_INBOX":
        return "_INBOX"
    tokens = subject.split(".")
    if len(tokens) < 3 or tokens[2] not in _KINDS:
        return subject if len(tokens) <= 3 else ".".join(tokens[:3]) + ".…"
    out = [tokens[0], "{partnership}", *tokens[2:]]
    agency_at = _KINDS[tokens[2]]
    if agency_at is not None and len(out) > 2 + agency_at:
        out[2 + agency_at] = "{agency}"
    return ".".join(out[:6])


class _Single(NatsMetricsSettingsProvider):
    def get_consume_attrs_from_message(self, msg: Any) -> Any:
        attrs = super().get_consume_attrs_from_message(msg)
        return attrs | {"destination_name": subject_template(attrs["destination_name"])}

    def get_publish_destination_name_from_cmd(self, cmd: Any) -> str:
        return subject_template(cmd.destination)


class _Batch(BatchNatsMetricsSettingsProvider):
    def get_consume_attrs_from_message(self, msg: Any) -> Any:
        attrs = super().get_consume_attrs_from_message(msg)
        return attrs | {"destination_name": subject_template(attrs["destination_name"])}

    def get_publish_destination_name_from_cmd(self, cmd: Any) -> str:
        return subject_template(cmd.destination)


def _provider(msg: Msg | Sequence[Msg] | None) -> Any:
    if isinstance(msg, Sequence):
        return _Batch()
    if isinstance(msg, Msg) or msg is None:
        return _Single()
    return None


def prometheus_middleware(registry: CollectorRegistry, app_name: str) -> Callable[..., Any]:
    """faststream's Prometheus middleware, labelled by subject template."""
    return PrometheusMiddleware(settings_provider_factory=_provider, registry=registry, app_name=app_name)  # type: ignore[return-value]
