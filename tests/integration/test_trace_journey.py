"""One trace for a citizen's idea, from the click to the budget draft (docs/operations.md, "Traces").

The platform runs as processes with HUB_TRACING=otlp, every trace sampled, exporting over OTLP/HTTP to a receiver
inside this test, which keeps the spans in memory. A citizen submits an idea, routing suggests the budget, an agent
forwards it and, once the undo window passed, the budget drafts a project. A trace is a correlation chain: the
citizen's request span is the root, and everything done in the chain hangs from it, across RPC, the outbox, events
and consumers, including the forward taking effect later (an "emit idea_forwarded" span linked to the agent's
request, whose own trace holds the agent's call).
"""
import gzip
import hashlib
import http.server
import threading
import uuid
from pathlib import Path

import pytest
import requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (ExportTraceServiceRequest,
                                                                       ExportTraceServiceResponse)

from hubkit.testing import Platform, free_port
from tests.e2e.people import administrator, citizen, read_mail_link, wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SERVICES = {path.parent.name: path.parent for path in sorted(ROOT.glob("services/*/*/__main__.py"))
            if path.parent.name == path.parent.parent.name}
SERVER, PRODUCER, CONSUMER, INTERNAL = 2, 4, 5, 1  # the OTLP SpanKind numbers


class Receiver(http.server.BaseHTTPRequestHandler):
    """An OTLP/HTTP traces endpoint: keeps every span it is sent (as a small dict), answers as a collector does."""
    spans = []
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        request = ExportTraceServiceRequest.FromString(body)
        with Receiver.lock:
            for resource_spans in request.resource_spans:
                service = next(attribute.value.string_value for attribute in resource_spans.resource.attributes
                               if attribute.key == "service.name")
                for scope_spans in resource_spans.scope_spans:
                    Receiver.spans.extend(_kept(service, span) for span in scope_spans.spans)
        answer = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def _kept(service, span) -> dict:
    return {"service": service, "name": span.name, "kind": span.kind, "trace": span.trace_id.hex(),
            "span": span.span_id.hex(), "parent": span.parent_span_id.hex() or None,
            "links": [(link.trace_id.hex(), link.span_id.hex()) for link in span.links],
            "attributes": {attribute.key: attribute.value for attribute in span.attributes}}


@pytest.fixture(scope="module")
def collector():
    Receiver.spans = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


TRACED_ENV = {"HUB_TRACING": "otlp", "HUB_TRACE_SAMPLE_RATIO": "1", "OTEL_BSP_SCHEDULE_DELAY": "200",
              "ROUTING_UNDO_SECONDS": "1", "ROUTING_SWEEP_SECONDS": "0.5"}  # a forward takes effect in a second


@pytest.fixture(scope="module")
def hub(collector):
    platform = Platform(SERVICES, "sqlite", settings={
        **TRACED_ENV, "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{collector.server_address[1]}"})
    yield platform
    platform.stop()


def chain_ids(correlation_id: str) -> tuple:
    """hubkit.tracing.chain_ids, written out: the ids of a correlation chain's trace and of its root span."""
    digest = hashlib.sha256(correlation_id.encode()).digest()
    return digest[:16].hex(), digest[16:24].hex()


def spans_of(trace_id: str) -> list:
    with Receiver.lock:
        return [span for span in Receiver.spans if span["trace"] == trace_id]


def named(spans: list, service: str, name: str, kind: int) -> dict:
    found = [span for span in spans if (span["service"], span["name"], span["kind"]) == (service, name, kind)]
    assert found, f"no {kind} span {name!r} of {service}: {sorted((s['service'], s['name']) for s in spans)}"
    return found[0]


def test_a_citizens_idea_its_suggestion_the_agents_forward_and_the_budget_draft_are_one_trace(hub, collector):
    agent, author = administrator(hub).headers, citizen(hub, read_mail_link, "Tracee")
    cycle = requests.post(f"{hub.url}/api/v1/budget/cycles", headers=agent,
                          json={"title": "Budget participatif 2027", "paris_envelope": 1_000_000})
    assert cycle.status_code == 201, cycle.text
    click, forward = f"trace-click-{uuid.uuid4().hex[:12]}", f"trace-forward-{uuid.uuid4().hex[:12]}"
    submitted = requests.post(f"{hub.url}/api/v1/ideas", headers={**author.headers, "X-Request-ID": click}, json={
        "title": "Aménager un terrain de pétanque square Léon", "theme": "cadre_de_vie", "arrondissement": 18,
        "description": "Installer deux pistes et des bancs à l'ombre des platanes du square."})
    assert submitted.status_code == 201, submitted.text
    idea_id = submitted.json()["id"]
    inbox = f"{hub.url}/api/v1/routing/inbox/{idea_id}"
    assert wait_for(lambda: requests.get(inbox, headers=agent).status_code == 200, 20), "never reached the inbox"
    assert requests.get(inbox, headers=agent).json()["suggested_scheme"] == "budget"
    decided = requests.post(f"{inbox}/decisions", headers={**agent, "X-Request-ID": forward},
                            json={"action": "forward", "scheme": "budget", "message": "Complétez votre projet."})
    assert decided.status_code == 201, decided.text

    def drafted():
        carried = requests.get(f"{hub.url}/api/v1/budget/me/projects", headers=author.headers).json()["carried"]
        return [project for project in carried if project.get("origin_idea_id") == idea_id]
    assert wait_for(drafted, 30), "budget drafted no project from the forwarded idea"

    trace_id, root_span = chain_ids(click)
    consumer_name = "budget.draft_forwarded_idea"
    assert wait_for(lambda: any(span["name"] == consumer_name for span in spans_of(trace_id)), 15), \
        sorted({(span["service"], span["name"]) for span in spans_of(trace_id)})

    def settled():  # every span's parent exported too (a worker's span is sent when it ends, after its calls')
        spans = spans_of(trace_id)
        ids = {span["span"] for span in spans}
        return all(span["parent"] is None or span["parent"] in ids for span in spans)
    assert wait_for(settled, 15)
    trace = spans_of(trace_id)

    # the citizen's request is the root; the submission, its event, routing's suggestion ...
    request = named(trace, "gateway", "POST /api/v1/ideas", SERVER)
    assert request["span"] == root_span and request["parent"] is None
    submit = named(trace, "ideas", "ideas.submit_idea", SERVER)
    published = named(trace, "ideas", "publish idea_submitted", PRODUCER)
    suggestion = named(trace, "routing", "routing.receive_idea", CONSUMER)
    assert submit["parent"] == request["span"] and published["parent"] == submit["span"]
    assert suggestion["parent"] == published["span"]
    # ... the agent's forward taking effect, linked to the agent's request (the root of a trace of its own) ...
    forward_trace, forward_root = chain_ids(forward)
    emitted = named(trace, "routing", "emit idea_forwarded", INTERNAL)
    assert emitted["parent"] == request["span"] and (forward_trace, forward_root) in emitted["links"]
    agents_request = named(spans_of(forward_trace), "gateway", "POST /api/v1/routing/inbox/<idea_id>/decisions",
                           SERVER)
    assert agents_request["span"] == forward_root
    assert named(spans_of(forward_trace), "routing", "routing.decide", SERVER)["parent"] == forward_root
    # ... and the budget's draft
    forwarded = named(trace, "routing", "publish idea_forwarded", PRODUCER)
    draft = named(trace, "budget", consumer_name, CONSUMER)
    assert forwarded["parent"] == emitted["span"] and draft["parent"] == forwarded["span"]

    # one tree: every span of the trace hangs from the citizen's request
    by_id = {span["span"]: span for span in trace}
    for span in trace:
        ancestor = span
        while ancestor["parent"] is not None:
            assert ancestor["parent"] in by_id, f"{span['name']} hangs from a span outside the trace"
            ancestor = by_id[ancestor["parent"]]
        assert ancestor is request, f"{span['name']} is not under the citizen's request"
    for span in trace:  # bounded attributes: no e-mail, no text the citizen wrote
        assert "pétanque" not in str(span["attributes"]) and "@" not in str(span["attributes"])

    # a log line of the chain names its trace: the way from a log to the trace
    lines = [line for line in hub.log_lines("gateway") if line.get("correlation_id") == click]
    assert lines and {line.get("trace_id") for line in lines} == {trace_id}
