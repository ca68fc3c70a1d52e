"""An OTLP/HTTP traces endpoint for the bench: takes what the platform exports with HUB_TRACING=otlp, counts the
requests, bytes and spans, and keeps nothing (a collector on another machine would bear that cost, not the hub's)."""
import gzip
import http.server
import threading

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (ExportTraceServiceRequest,
                                                                       ExportTraceServiceResponse)

ANSWER = ExportTraceServiceResponse().SerializeToString()


class TraceSink:
    def __init__(self):
        self.requests = self.bytes = self.spans = 0
        self._lock = threading.Lock()
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                size = len(body)
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                request = ExportTraceServiceRequest.FromString(body)
                spans = sum(len(scope.spans) for resource in request.resource_spans for scope in resource.scope_spans)
                with sink._lock:
                    sink.requests, sink.bytes, sink.spans = sink.requests + 1, sink.bytes + size, sink.spans + spans
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(ANSWER)))
                self.end_headers()
                self.wfile.write(ANSWER)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def totals(self) -> dict:
        with self._lock:
            return {"export_requests": self.requests, "bytes": self.bytes, "spans": self.spans}

    def close(self):
        self.server.shutdown()
        self.server.server_close()
