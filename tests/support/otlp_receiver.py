"""An OTLP/HTTP trace receiver, run by the suite as a process of its own: the platform's
services export to it as they would to a collector (`OTEL_EXPORTER_OTLP_ENDPOINT`).

    python -m tests.support.otlp_receiver OUT.jsonl

It listens on a free loopback port (printed on its first line of output), decodes each
`POST /v1/traces` (protobuf, as the OTLP exporter sends it) and appends one JSON line per
span to OUT.jsonl: service, name, trace and span ids, parent, linked trace ids, attributes.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Lock

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

_lock = Lock()


def _value(any_value: object) -> object:
    kind = any_value.WhichOneof("value")  # type: ignore[attr-defined]
    return getattr(any_value, kind) if kind else None


def _spans(request: ExportTraceServiceRequest) -> list[dict[str, object]]:
    out = []
    for resource_spans in request.resource_spans:
        resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                out.append({
                    "service": resource.get("service.name"),
                    "name": span.name,
                    "trace_id": span.trace_id.hex(),
                    "span_id": span.span_id.hex(),
                    "parent_span_id": span.parent_span_id.hex() or None,
                    "links": [link.trace_id.hex() for link in span.links],
                    "attributes": {a.key: str(_value(a.value)) for a in span.attributes},
                })
    return out


def main() -> None:
    out = Path(sys.argv[1])

    class Receive(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path != "/v1/traces":
                self.send_error(404)
                return
            request = ExportTraceServiceRequest()
            request.ParseFromString(body)
            with _lock, out.open("a") as file:
                for span in _spans(request):
                    file.write(json.dumps(span) + "\n")
            answer = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receive)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
