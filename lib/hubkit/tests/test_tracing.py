"""Traces (hubkit.tracing): W3C traceparent in and out, off by default at no cost, settings refused when wrong,
log lines naming their span, and a worker's span continuing its caller's trace through the outbox to a consumer."""
import io
import json
import logging
import time

import eventlet
import pytest
import sqlalchemy as sa
from nameko.standalone.rpc import ServiceRpcProxy
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from hubkit import envelope, logs, tracing
from hubkit.errors import Conflict, InvalidInput
from hubkit_sample_services import CounterService, NotesService, tallies, unit_of_work

CALLER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def chain_root(correlation_id: str) -> str:
    """The traceparent of the root span of a correlation chain (the gateway's request span)."""
    trace_id, span_id = tracing.chain_ids(correlation_id)
    return f"00-{trace_id:032x}-{span_id:016x}-01"


@pytest.fixture
def spans():
    """Tracing on, every trace sampled, finished spans kept in memory; off again (the default) afterwards."""
    exporter = InMemorySpanExporter()
    tracing.install("hubkit-tests", exporter, ratio=1.0, batch=False)
    yield exporter.get_finished_spans
    tracing.uninstall()


def traceparent(span) -> str:
    return tracing.format_context(span.get_span_context())


# --- traceparent ----------------------------------------------------------------------------------------------

def test_a_traceparent_round_trips():
    parsed = tracing.parse(CALLER)
    assert parsed.trace_id == 0x0af7651916cd43dd8448eb211c80319c and parsed.span_id == 0xb7ad6b7169203331
    assert parsed.trace_flags.sampled and parsed.is_remote
    assert tracing.format_context(parsed) == CALLER


@pytest.mark.parametrize("hostile", [
    None, 42, b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "", "garbage",
    CALLER.upper(),  # upper-case hex
    "ff" + CALLER[2:],  # a version this code does not know
    "00-" + "0" * 32 + "-b7ad6b7169203331-01",  # the invalid (zero) trace id
    "00-0af7651916cd43dd8448eb211c80319c-" + "0" * 16 + "-01",  # the invalid (zero) parent id
    CALLER + "\n", CALLER + "-extra", CALLER[:-1], "x" * 10_000,
])
def test_anything_but_a_w3c_traceparent_is_ignored(hostile):
    assert tracing.parse(hostile) is None


def test_off_by_default_every_helper_returns_at_once(monkeypatch):
    monkeypatch.delenv("HUB_TRACING", raising=False)
    tracing.uninstall()
    assert tracing.configure("ideas") is False and not tracing.enabled()
    assert tracing.start("ideas.submit", "server", CALLER) is None
    assert tracing.current_traceparent() is None and tracing.log_ids() == (None, None)
    assert tracing.activate(None) is None
    tracing.uninstall()


@pytest.mark.parametrize("name, value", [("HUB_TRACING", "jaeger"), ("HUB_TRACE_SAMPLE_RATIO", "2"),
                                         ("HUB_TRACE_SAMPLE_RATIO", "beaucoup")])
def test_a_wrong_setting_stops_the_process_from_starting(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    tracing.uninstall()
    with pytest.raises(ValueError, match=name):
        tracing.configure("ideas")
    tracing.uninstall()


def test_otlp_mode_exports_to_the_configured_endpoint(monkeypatch):
    monkeypatch.setenv("HUB_TRACING", "otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")
    monkeypatch.setenv("HUB_TRACE_SAMPLE_RATIO", "0.25")
    tracing.uninstall()
    try:
        assert tracing.configure("ideas") is True and tracing.enabled()
        assert tracing.otlp_traces_endpoint() == "http://collector:4318/v1/traces"
        assert "0.25" in tracing._provider.sampler.get_description()
    finally:
        tracing.uninstall()


# --- spans ----------------------------------------------------------------------------------------------------

def test_a_span_continues_its_callers_trace_and_a_bad_parent_starts_a_new_one(spans):
    child = tracing.start("ideas.submit", "server", CALLER)
    root = tracing.start("ideas.submit", "server", "00-garbage")
    tracing.end(child), tracing.end(root)
    assert child.parent.span_id == 0xb7ad6b7169203331 and child.context.trace_id == tracing.parse(CALLER).trace_id
    assert root.parent is None and root.context.trace_id != child.context.trace_id


def test_a_span_never_inherits_another_green_threads_context_by_accident(spans):
    outer = tracing.start("gateway", "server")
    token = tracing.activate(outer)
    try:
        assert tracing.current_traceparent() == traceparent(outer)
        assert eventlet.spawn(tracing.current_traceparent).wait() is None  # a green thread starts empty
        fresh = tracing.start("relay", "producer")  # no traceparent: a root, not a child of the current span
        tracing.end(fresh)
        assert fresh.parent is None
    finally:
        tracing.deactivate(token)
        tracing.end(outer)


def test_a_failed_span_names_the_error_code_not_its_message_and_a_refusal_is_no_failure(spans):
    refused, failed = tracing.start("budget.cast_ballots", "server"), tracing.start("budget.cast_ballots", "server")
    tracing.end(refused, Conflict("Mme Dupont, 12 rue de Rivoli, a déjà voté"))
    tracing.end(failed, ConnectionError("Mme Dupont's row: database unreachable"))
    refusal, failure = spans()
    assert refusal.attributes["error.type"] == "CONFLICT" and refusal.status.status_code == StatusCode.UNSET
    assert failure.attributes["error.type"] == "ConnectionError" and failure.status.status_code == StatusCode.ERROR
    for span in (refusal, failure):
        assert "Dupont" not in json.dumps({**span.attributes}) + (span.status.description or "")


def test_the_batch_processor_exports_from_a_green_thread_and_flushes_at_shutdown():
    exporter = InMemorySpanExporter()
    tracing.install("hubkit-tests", exporter, ratio=1.0, batch=True)  # the production processor
    try:
        for number in range(5):
            tracing.end(tracing.start(f"span {number}", "internal"))
        eventlet.sleep(0)  # its worker is a green thread: it must not have blocked the hub
    finally:
        tracing.uninstall()  # what the process's exit does (atexit): the queue is exported before it ends
    assert sorted(span.name for span in exporter.get_finished_spans()) == [f"span {n}" for n in range(5)]


# --- events and logs ------------------------------------------------------------------------------------------

EVENT = dict(type="note_written", version=1, producer="hubkit_notes", subject={"kind": "note", "id": "1"},
             payload={"text": "x"}, correlation_id="req-1", causation_id="req-1")


def test_an_event_names_the_span_that_made_it_only_when_tracing_is_on(spans):
    tracing.uninstall()
    assert "traceparent" not in envelope.make_event(**EVENT)  # off: the envelope is as it always was
    tracing.install("hubkit-tests", InMemorySpanExporter(), ratio=1.0, batch=False)
    span = tracing.start("notes.write_note", "server", chain_root("req-1"))
    token = tracing.activate(span)
    try:
        made = envelope.make_event(**EVENT)
    finally:
        tracing.deactivate(token)
        tracing.end(span)
    assert made["traceparent"] == traceparent(span) and list(made)[-1] == "traceparent"
    assert made == envelope.dump(envelope.load_envelope(made))  # the fast wire form is the schema's


def test_a_chains_trace_and_root_span_ids_are_the_same_everywhere_for_any_correlation_id(spans):
    root = tracing.start_chain("POST /api/v1/ideas", "req-1")
    tracing.end(root)
    assert traceparent(root) == chain_root("req-1") and root.parent is None
    assert tracing.chain_ids("req-1") != tracing.chain_ids("req-2")


def test_an_event_of_another_chain_continues_that_chains_trace_linked_to_what_caused_it(spans):
    """A timer (no span) or an agent's worker emitting in a citizen's chain: an "emit" span in the citizen's trace,
    child of its request's span, linked to the agent's worker and to the agent's request span."""
    agent_worker = tracing.start("routing.decide", "server", chain_root("agent-request"))
    token = tracing.activate(agent_worker)
    try:
        made = envelope.make_event(**{**EVENT, "correlation_id": "citizen-request", "causation_id": "agent-request"})
    finally:
        tracing.deactivate(token)
        tracing.end(agent_worker)
    from_a_timer = envelope.make_event(**{**EVENT, "correlation_id": "citizen-request",
                                          "causation_id": "3f1c2a9e-8b7d-4c6e-9a5f-0e1d2c3b4a59"})
    emitted, emitted_by_timer = [span for span in spans() if span.name == "emit note_written"]
    assert made["traceparent"] == traceparent(emitted) and from_a_timer["traceparent"] == traceparent(emitted_by_timer)
    citizen_trace, citizen_root_span = tracing.chain_ids("citizen-request")
    for span in (emitted, emitted_by_timer):
        assert span.context.trace_id == citizen_trace and span.parent.span_id == citizen_root_span
    assert [link.context for link in emitted.links] == [agent_worker.context, tracing.parse(chain_root("agent-request"))]
    assert emitted_by_timer.links == ()  # caused by an event of the chain itself: nothing else to link to


def test_a_chain_is_sampled_or_not_as_a_whole():
    tracing.install("hubkit-tests", InMemorySpanExporter(), ratio=0.5, batch=False)
    try:
        for number in range(40):
            root = tracing.start_chain("GET /", f"request-{number}")
            tracing.end(root)
            later = tracing.event_traceparent("note_written", f"request-{number}", "another-request")
            assert later.endswith("-01") == root.get_span_context().trace_flags.sampled
    finally:
        tracing.uninstall()


@pytest.mark.parametrize("hostile", [CALLER.upper(), CALLER + "\n", "00-evil", 42, "x" * 55])
def test_an_envelope_with_a_hostile_traceparent_is_refused(hostile):
    event = {**envelope.make_event(**EVENT), "traceparent": hostile}
    with pytest.raises(InvalidInput) as refused:
        envelope.load_envelope(event)
    assert "traceparent" in refused.value.details
    assert envelope.load_envelope({**event, "traceparent": CALLER})["traceparent"] == CALLER  # and a good one kept


@pytest.fixture
def log_lines():
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logs.configure("ideas")
    written = io.StringIO()
    root.handlers[0].setStream(written)
    yield lambda: [json.loads(line) for line in written.getvalue().splitlines()]
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    logging._srcfile = __file__  # logs.configure turned the lookups off; any non-None value turns them back on


def test_a_log_line_names_the_recorded_span_it_was_written_in(spans, log_lines):
    span = tracing.start("ideas.submit", "server", CALLER)
    token = tracing.activate(span)
    try:
        logging.getLogger("ideas").info("idea submitted")
    finally:
        tracing.deactivate(token)
        tracing.end(span)
    logging.getLogger("ideas").info("outside any span")
    inside, outside = log_lines()
    assert inside["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    assert inside["span_id"] == f"{span.get_span_context().span_id:016x}"
    assert "trace_id" not in outside and "span_id" not in outside


def test_an_unsampled_span_puts_no_trace_id_in_the_logs(log_lines):
    tracing.install("hubkit-tests", InMemorySpanExporter(), ratio=0.0, batch=False)
    try:
        span = tracing.start("ideas.submit", "server")
        token = tracing.activate(span)
        logging.getLogger("ideas").info("not sampled")
        assert tracing.current_traceparent().endswith("-00")  # still passed on: the callee follows the decision
        tracing.deactivate(token)
        tracing.end(span)
    finally:
        tracing.uninstall()
    [line] = log_lines()
    assert "trace_id" not in line


# --- through services: RPC → worker → outbox → event → consumer ------------------------------------------------

def test_a_call_its_event_and_the_consumer_form_one_trace(spans, infra_db, rabbit_config, container_factory):
    with unit_of_work(infra_db) as uow:
        uow.session.execute(tallies.insert().values(name="notes", count=0))
    container_factory(NotesService, rabbit_config).start()
    container_factory(CounterService, rabbit_config).start()
    caller = chain_root("req-7")  # what the gateway sends for its request "req-7"
    with ServiceRpcProxy("hubkit_notes", rabbit_config,
                         context_data={"correlation_id": "req-7", "traceparent": caller}) as notes_rpc:
        notes_rpc.write_note("tracée")
        with ServiceRpcProxy("hubkit_notes", rabbit_config, context_data={"traceparent": "00-forged"}) as forged:
            forged.ping()

    def by_name():
        return {span.name: span for span in spans()}
    deadline = time.monotonic() + 15
    while "hubkit_counter.count_note" not in by_name() and time.monotonic() < deadline:
        time.sleep(0.05)
    found = by_name()
    server, consumer = found["hubkit_notes.write_note"], found["hubkit_counter.count_note"]
    # at least once: a relay run that failed after the broker's confirm (SQLite busy) publishes the event again
    publishes = {span.context.span_id: span for span in spans() if span.name == "publish note_written"}
    assert server.kind == SpanKind.SERVER and consumer.kind == SpanKind.CONSUMER
    assert {span.kind for span in publishes.values()} == {SpanKind.PRODUCER}
    assert {server.context.trace_id, consumer.context.trace_id} | {
        span.context.trace_id for span in publishes.values()} == {tracing.parse(caller).trace_id}
    assert server.parent.span_id == tracing.parse(caller).span_id
    # the envelope named the worker's span; the message's header, the publishing span
    assert {span.parent.span_id for span in publishes.values()} == {server.context.span_id}
    assert consumer.parent.span_id in publishes
    [stored] = [row.envelope for row in _outbox(infra_db)]
    assert stored["traceparent"] == traceparent(server)
    ping = found["hubkit_notes.ping"]
    assert ping.parent is None and ping.context.trace_id != server.context.trace_id  # a forged parent: a new trace
    assert "hubkit_notes.relay" not in found  # timers open no span


def _outbox(url):
    from hubkit_sample_services import metadata
    with unit_of_work(url) as uow:
        return uow.session.execute(sa.select(metadata.tables["outbox_events"])).all()
