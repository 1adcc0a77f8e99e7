"""Reading a service's /metrics, /healthz and /readyz as Prometheus and an orchestrator would."""

import asyncio

from prometheus_client.parser import text_string_to_metric_families

Sample = tuple[str, str, dict[str, str], float]  # family, sample name, labels, value


async def get(url: str) -> tuple[int, str]:
    """GET over a plain socket (the endpoint speaks HTTP/1.0 and closes): status and body."""
    address, _, path = url.removeprefix("http://").partition("/")
    host, port = address.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host.strip("[]"), int(port))
    writer.write(f"GET /{path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n".encode())
    answer = await reader.read()
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode()


def samples(text: str) -> list[Sample]:
    """Every sample of a scrape."""
    return [(f.name, s.name, s.labels, s.value) for f in text_string_to_metric_families(text) for s in f.samples]


def value(scraped: list[Sample], name: str, **labels: str) -> float | None:
    """The sum of the samples named `name` with these labels; None when there are none."""
    found = [v for _, n, ls, v in scraped if n == name and labels.items() <= ls.items()]
    return sum(found) if found else None
