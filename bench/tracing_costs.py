"""What tracing adds per operation, in-process (CPU time, steadier than throughputs on a busy machine): a gateway
request's span, an event's envelope, a log line; tracing off, on at the default sampling ratio, and on for every
trace. Spans go through the batch processor to an exporter that encodes them as the OTLP exporter does
(protobuf) and drops them: the export's CPU is counted (it is spent in the same process, off the request path),
not the network's.

    HUB_ENV=test .venv/bin/python bench/tracing_costs.py [repetitions]
"""
import json
import logging
import sys
import time

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from hubkit import correlation, envelope, logs, tracing


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
    formatter = logs.JsonFormatter("gateway")
    record = logging.makeLogRecord({"msg": "POST %s 201", "args": ("/x",), "levelname": "INFO", "name": "access"})
    results = {}
    for label, ratio in (("off", None), ("on, ratio 0.1", 0.1), ("on, ratio 1", 1.0)):
        tracing.uninstall()
        if ratio is not None:
            tracing.install("bench", EncodingOnly(), ratio=ratio, batch=True)
        cpu_us(request_span, 1000)  # warm up
        results[label] = {"request_span_and_event_us": cpu_us(request_span, repetitions),
                          "event_alone_us": cpu_us(lambda n: envelope.make_event(
                              **{**EVENT, "correlation_id": "req"}), repetitions),
                          "log_line_us": cpu_us(lambda n: log_line(formatter, record), repetitions)}
    tracing.uninstall()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
