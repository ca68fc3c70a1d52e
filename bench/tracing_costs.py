"""What tracing adds per operation, in-process (CPU time, steadier than throughputs on a busy machine): a whole
gateway request (Flask's test client: its hooks, the access log line, the context a call would carry), a request's
span with the event it causes, an event's envelope, a log line; tracing off, on at the default sampling ratio, and on for every
trace. Spans go through the batch processor to an exporter that encodes them as the OTLP exporter does
(protobuf) and drops them: the export's CPU is counted (it is spent in the same process, off the request path),
not the network's.

    HUB_ENV=test .venv/bin/python bench/tracing_costs.py [repetitions]
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()  # as the gateway and the services run

import io  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans  # noqa: E402
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult  # noqa: E402

from hubkit import correlation, envelope, logs, tracing  # noqa: E402


class EncodingOnly(SpanExporter):
    def export(self, spans):
        encode_spans(spans).SerializePartialToString()
        return SpanExportResult.SUCCESS


EVENT = dict(type="petition_signed", version=1, producer="petitions", subject={"kind": "petition", "id": "p-1"},
             payload={"petition_id": "p-1", "count": 1}, causation_id="req")


def request_span(number: int):
    request_id = correlation.new_id()
    span = tracing.start_chain("POST /api/v1/petitions/<petition_id>/signatures", request_id,
                               {"http.request.method": "POST", "http.route": "/api/v1/petitions/<petition_id>/signatures"})
    token = tracing.activate(span)
    context = tracing.current_traceparent()  # remote._context
    envelope.make_event(**{**EVENT, "correlation_id": request_id})
    tracing.deactivate(token)
    tracing.end(span)
    return context


def log_line(formatter, record):
    return formatter.format(record)


def gateway_client():
    """A gateway app with one route that answers the context a call to a service would carry."""
    os.environ.setdefault("HUB_SERVICES", "accounts")
    os.environ.setdefault("HUB_TRUST_DEV_SEED", "0" * 32)
    from flask import jsonify

    from gateway import remote
    from gateway.app import create_app
    from gateway.config import Settings
    app = create_app(Settings(secret_key="bench", environment="test"))

    @app.post("/api/v1/petitions/<petition_id>/bench")
    def answer(petition_id):
        return jsonify(remote._context()), 201
    client = app.test_client()
    return lambda number: client.post("/api/v1/petitions/p-1/bench")


def cpu_us(function, repetitions: int) -> float:
    """CPU of this process (the batch processor's thread included) per call, once what was queued is exported."""
    started = time.process_time()
    for number in range(repetitions):
        function(number)
    if tracing._provider is not None:
        tracing._provider.force_flush()
    return round((time.process_time() - started) / repetitions * 1e6, 2)


def main():
    repetitions = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    logs.configure("gateway")
    logging.getLogger().handlers[0].setStream(io.StringIO())  # the access log lines are written, then dropped
    formatter = logs.JsonFormatter("gateway")
    record = logging.makeLogRecord({"msg": "POST %s 201", "args": ("/x",), "levelname": "INFO", "name": "access"})
    results = {}
    for _ in range(3):  # interleaved, the least of three kept: a busy machine only ever adds
        for label, ratio in (("off", None), ("on, ratio 0.1", 0.1), ("on, ratio 1", 1.0)):
            tracing.uninstall()
            if ratio is not None:
                tracing.install("bench", EncodingOnly(), ratio=ratio, batch=True)
            cpu_us(request_span, 1000)  # warm up
            gateway = gateway_client()
            cpu_us(gateway, 300)
            measured = {"gateway_request_us": cpu_us(gateway, max(1, repetitions // 5)),
                        "request_span_and_event_us": cpu_us(request_span, repetitions),
                        "event_alone_us": cpu_us(lambda n: envelope.make_event(
                            **{**EVENT, "correlation_id": "req"}), repetitions),
                        "log_line_us": cpu_us(lambda n: log_line(formatter, record), repetitions)}
            kept = results.setdefault(label, measured)
            for name, value in measured.items():
                kept[name] = min(kept[name], value)
    tracing.uninstall()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
