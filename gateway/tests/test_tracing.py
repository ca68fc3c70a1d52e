"""The gateway's request spans (gateway.tracing): one SERVER span per request, named by its route, the root of the
trace its RPC calls continue; nothing personal in it, and a client cannot choose the trace it joins."""
import pytest
from flask import jsonify
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from gateway import remote
from gateway.app import create_app
from gateway.config import Settings
from hubkit import tracing

CLIENT_TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
def spans():
    exporter = InMemorySpanExporter()
    tracing.install("gateway", exporter, ratio=1.0, batch=False)
    yield exporter.get_finished_spans
    tracing.uninstall()


@pytest.fixture
def traced(spans, accounts, monkeypatch):
    monkeypatch.setenv("HUB_SERVICES", "accounts")
    app = create_app(Settings(secret_key="test", environment="test"))
    app.config["TESTING"] = True

    @app.get("/api/v1/traced/<item_id>")
    def context_sent(item_id):  # what a call to a service would carry in its headers
        return jsonify(remote._context())

    @app.get("/api/v1/broken")
    def broken():
        raise RuntimeError("Mme Dupont, 12 rue de Rivoli")
    return app.test_client()


def test_a_request_is_one_server_span_named_by_its_route_and_its_calls_continue_it(traced, spans):
    answer = traced.get("/api/v1/traced/42?email=camille@example.fr", headers={"traceparent": CLIENT_TRACEPARENT})
    [span] = spans()
    assert span.kind == SpanKind.SERVER and span.name == "GET /api/v1/traced/<item_id>"
    assert dict(span.attributes) == {"http.request.method": "GET", "http.route": "/api/v1/traced/<item_id>",
                                     "http.response.status_code": 200}
    assert span.parent is None  # the client's traceparent is not followed
    assert span.context.trace_id != tracing.parse(CLIENT_TRACEPARENT).trace_id
    # the root of its correlation chain's trace: later work in the chain (a decision taking effect) joins it
    assert (span.context.trace_id, span.context.span_id) == tracing.chain_ids(answer.headers["X-Request-ID"])
    assert answer.json["traceparent"] == tracing.format_context(span.context)
    assert answer.json["correlation_id"] == answer.headers["X-Request-ID"]


def test_probes_and_scrapes_make_no_span(traced, spans):
    for path in ("/healthz", "/metrics", "/static/app.css"):
        traced.get(path)
    assert spans() == ()


def test_a_failed_request_is_a_failed_span_without_what_the_error_said(traced, spans):
    traced.get("/api/v1/broken")
    [span] = spans()
    assert span.status.status_code == StatusCode.ERROR and span.attributes["http.response.status_code"] == 500
    assert "Dupont" not in str(dict(span.attributes)) + (span.status.description or "")


def test_without_tracing_no_span_and_no_traceparent_in_calls(client):
    @client.application.get("/api/v1/untraced")
    def untraced():
        return jsonify(remote._context())
    assert "traceparent" not in client.get("/api/v1/untraced").json
