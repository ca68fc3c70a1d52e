"""OpenTelemetry traces across the hub: gateway request → RPC → service → outbox → event → consumer.

Off by default (`HUB_TRACING=off`): every helper here then returns at once, before building anything, so the hot
paths pay one module-global check. `HUB_TRACING=otlp` exports spans over OTLP/HTTP (protobuf) to
`OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/traces` is added; the SDK's other OTEL_EXPORTER_OTLP_* and OTEL_BSP_* variables
apply) through a BatchSpanProcessor: its worker is a `threading.Thread`, a green thread once eventlet monkey-patched
the process, and the provider's shutdown at exit exports what is still queued.

Sampling: `HUB_TRACE_SAMPLE_RATIO` (default DEFAULT_SAMPLE_RATIO) of the trace ids, decided at a trace's root
(TraceIdRatioBased); every other span follows its parent's decision (ParentBased), so a trace is whole or absent.

One trace per correlation chain: a chain's trace id and the id of its root span (the gateway request that started
it) are derived from its correlation id (`chain_ids`, SHA-256). So work done later for the same chain, in
another request or a timer (routing forwards an idea after the agent's undo window, in the citizen's correlation
chain: docs/events.md), continues the same trace: `event_traceparent` then records an "emit <type>" span, child
of the chain's root and linked to what is current (the agent's worker) and to the request that caused it. The
sampling decision is a function of the trace id (TraceIdRatioBased), hence the same for the whole chain.

Propagation is W3C `traceparent` (`00-<trace id>-<parent span id>-<flags>`): in nameko context data (hence the
headers of RPC calls and events, `nameko.traceparent`), and in the event envelope (`traceparent`, optional), so
the outbox relay, which publishes later and from another green thread, continues the trace of the worker that
wrote the event. Spans carry names and bounded attributes only: no query string, no personal data.
"""
import contextvars
import hashlib
import logging
import re

from .config import env_float, env_str

log = logging.getLogger(__name__)

TRACEPARENT_KEY = "traceparent"
# version 00 only (what this code writes); lower-case hex, as the W3C recommendation requires of senders
TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})\Z")
TRACEPARENT_PATTERN = TRACEPARENT.pattern.replace(r"\Z", "")
DEFAULT_SAMPLE_RATIO = 0.01  # docs/operations.md, "Traces": the hot paths kept 90 % of their throughput at it
MODES = ("off", "otlp")

_tracer = None  # an SDK tracer while tracing is on; None (the default) and every helper is a no-op
_provider = None
_configured = False
_sample_bound = 0  # TraceIdRatioBased's: a trace is sampled when the low 64 bits of its id are below it
_chosen_ids = contextvars.ContextVar("hub_trace_chosen_ids", default=None)  # (trace id, span id) of a chain's root
# an event id (a UUID with its dashes) as causation: the chain itself goes on, no other request to link to
_EVENT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


def enabled() -> bool:
    return _tracer is not None


def sample_ratio() -> float:
    ratio = env_float("HUB_TRACE_SAMPLE_RATIO", DEFAULT_SAMPLE_RATIO)
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(f"HUB_TRACE_SAMPLE_RATIO doit être un nombre entre 0 et 1 (reçu : {ratio}).")
    return ratio


def mode() -> str:
    value = env_str("HUB_TRACING", "off").strip().lower()
    if value not in MODES:
        raise ValueError(f"HUB_TRACING doit valoir off ou otlp (reçu : {value!r}).")
    return value


def otlp_traces_endpoint() -> str:
    """Where spans go: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces (the
    OpenTelemetry rule), else a collector on this machine."""
    explicit = env_str("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
    if explicit:
        return explicit
    return env_str("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318").rstrip("/") + "/v1/traces"


def configure(service: str) -> bool:
    """Set this process's tracing up from the environment, once (later calls return what the first decided).
    Returns whether tracing is on. A bad setting raises ValueError: the process does not start misconfigured."""
    global _configured
    if _configured:
        return enabled()
    chosen, ratio = mode(), sample_ratio()
    _configured = True
    if chosen == "off":
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    install(service, OTLPSpanExporter(endpoint=otlp_traces_endpoint()), ratio)
    log.info("tracing on", extra={"exporter": chosen, "sample_ratio": ratio})
    return True


def install(service: str, exporter, ratio: float = 1.0, batch: bool = True):
    """Trace with `exporter` from now on (tests pass an InMemorySpanExporter and batch=False); returns the provider."""
    global _tracer, _provider, _configured, _sample_bound
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    class ChainRootIds(RandomIdGenerator):
        """Random ids, except for a chain's root span (`start_chain`), whose ids its correlation id gives."""

        def generate_trace_id(self) -> int:
            chosen = _chosen_ids.get()
            return chosen[0] if chosen else super().generate_trace_id()

        def generate_span_id(self) -> int:
            chosen = _chosen_ids.get()
            return chosen[1] if chosen else super().generate_span_id()

    root_sampler = TraceIdRatioBased(ratio)
    provider = TracerProvider(resource=Resource.create({"service.name": service}), id_generator=ChainRootIds(),
                              sampler=ParentBased(root_sampler))
    provider.add_span_processor(BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter))
    if _provider is not None:
        _provider.shutdown()
    _provider, _tracer, _configured, _sample_bound = provider, provider.get_tracer("hubkit"), True, root_sampler.bound
    return provider


def uninstall():
    """Tracing off again, what was queued exported (tests; a process's own exit does this through atexit)."""
    global _tracer, _provider, _configured
    provider, _provider, _tracer, _configured = _provider, None, None, False
    if provider is not None:
        provider.shutdown()


# --- traceparent ----------------------------------------------------------------------------------------------

def parse(value):
    """The SpanContext a `traceparent` names, or None for anything else (absent, malformed, hostile, zero ids)."""
    if type(value) is not str or len(value) != 55:
        return None
    match = TRACEPARENT.match(value)
    if match is None:
        return None
    trace_id, span_id = int(match.group(1), 16), int(match.group(2), 16)
    if not trace_id or not span_id:
        return None
    from opentelemetry.trace import SpanContext, TraceFlags
    return SpanContext(trace_id, span_id, is_remote=True, trace_flags=TraceFlags(int(match.group(3), 16) & 1))


def format_context(span_context) -> str:
    return f"00-{span_context.trace_id:032x}-{span_context.span_id:016x}-{int(span_context.trace_flags) & 1:02x}"


def current_traceparent():
    """The current span's traceparent (to put in the calls and events it causes); None when tracing is off or
    no span is current."""
    if _tracer is None:
        return None
    from opentelemetry import trace
    span_context = trace.get_current_span().get_span_context()
    return format_context(span_context) if span_context.is_valid else None


def log_ids():
    """(trace_id, span_id) in hex of the current span if it is recorded (sampled), else (None, None)."""
    if _tracer is None:
        return None, None
    from opentelemetry import trace
    span = trace.get_current_span()
    if not span.is_recording():
        return None, None
    span_context = span.get_span_context()
    return f"{span_context.trace_id:032x}", f"{span_context.span_id:016x}"


# --- spans ----------------------------------------------------------------------------------------------------

def start(name: str, kind: str, traceparent=None, attributes: dict = None):
    """A started span (`kind`: "server", "client", "producer", "consumer" or "internal"), child of `traceparent`
    if it is valid, else a new root. Never a child of the ambient context by accident: a worker's or the relay's
    green thread may hold another request's. None when off."""
    if _tracer is None:
        return None
    from opentelemetry import context, trace
    parent = parse(traceparent)
    parent_context = trace.set_span_in_context(trace.NonRecordingSpan(parent)) if parent else context.Context()
    return _tracer.start_span(name, context=parent_context, kind=_KINDS[kind], attributes=attributes)


def chain_ids(correlation_id: str) -> tuple:
    """(trace id, root span id) of the chain `correlation_id` names: the same in every process, for any id."""
    digest = hashlib.sha256(correlation_id.encode("utf-8", "replace")).digest()
    return int.from_bytes(digest[:16], "big") or 1, int.from_bytes(digest[16:24], "big") or 1


def start_chain(name: str, correlation_id: str, attributes: dict = None):
    """The root span of the chain `correlation_id` (the gateway's request span), with the chain's ids."""
    if _tracer is None:
        return None
    from opentelemetry import context
    token = _chosen_ids.set(chain_ids(correlation_id))
    try:
        return _tracer.start_span(name, context=context.Context(), kind=_KINDS["server"], attributes=attributes)
    finally:
        _chosen_ids.reset(token)


def _chain_root(correlation_id: str):
    from opentelemetry.trace import SpanContext, TraceFlags
    trace_id, span_id = chain_ids(correlation_id)
    sampled = (trace_id & 0xFFFFFFFFFFFFFFFF) < _sample_bound  # the decision the root's sampler made on it
    return SpanContext(trace_id, span_id, is_remote=True, trace_flags=TraceFlags(1 if sampled else 0))


def event_traceparent(event_type: str, correlation_id: str, causation_id: str = None):
    """The traceparent an event's envelope carries: the current span's if it belongs to the event's correlation
    chain (the common case, the only one on hot paths but for the items of a batch after its first), else that of
    an "emit <type>" span made now in the chain's trace, child of its root, linked to the current span and to the
    root of the request that caused the event. None when tracing is off."""
    if _tracer is None or type(correlation_id) is not str:
        return None
    from opentelemetry import trace
    current = trace.get_current_span().get_span_context()
    root = _chain_root(correlation_id)
    if current.is_valid and current.trace_id == root.trace_id:
        return format_context(current)
    if not root.trace_flags.sampled:  # nothing of the chain is recorded: its decision is passed on, no span built
        return format_context(root)
    links = [trace.Link(current)] if current.is_valid else []
    if (type(causation_id) is str and causation_id != correlation_id and not _EVENT_ID.match(causation_id)):
        cause = _chain_root(causation_id)
        if not (current.is_valid and current.trace_id == cause.trace_id and current.span_id == cause.span_id):
            links.append(trace.Link(cause))
    span = _tracer.start_span(f"emit {event_type}", context=trace.set_span_in_context(trace.NonRecordingSpan(root)),
                              kind=_KINDS["internal"], links=links, attributes={"hub.event_type": event_type})
    span.end()
    return format_context(span.get_span_context())


def activate(span):
    """Make `span` current in this green thread; returns a token for `deactivate` (None for no span)."""
    if span is None:
        return None
    from opentelemetry import context, trace
    return context.attach(trace.set_span_in_context(span))


def deactivate(token):
    if token is not None:
        from opentelemetry import context
        context.detach(token)


def traceparent_of(span):
    """The traceparent that makes what `span` causes its children."""
    return format_context(span.get_span_context()) if span is not None else None


# hub errors that are an answer to the caller (a refusal, a 4xx at the gateway), not a failure of the span's work
REFUSALS = ("VALIDATION_ERROR", "AUTHENTICATION_FAILED", "FORBIDDEN", "NOT_FOUND", "CONFLICT",
            "IDEMPOTENCY_KEY_REUSED", "RATE_LIMITED")


def fail(span, error: BaseException):
    """Record `error` on `span`: its hub error code (else its class), never its message (it may quote a person).
    A refusal (REFUSALS: the caller's mistake or a business rule) leaves the span's status unset, as OpenTelemetry
    asks of a server answering 4xx; anything else makes the span failed."""
    if span is None or not span.is_recording():
        return
    code = getattr(error, "code", None)
    code = code if isinstance(code, str) else type(error).__name__
    span.set_attribute("error.type", code)
    if code not in REFUSALS:
        span.set_status(error_status(type(error).__name__))


def end(span, error: BaseException = None):
    if span is not None:
        if error is not None:
            fail(span, error)
        span.end()


def _kinds():
    try:
        from opentelemetry.trace import SpanKind
    except ImportError:  # the packages are in requirements.txt; a checkout without them can still run off
        return {}
    return {"server": SpanKind.SERVER, "client": SpanKind.CLIENT, "producer": SpanKind.PRODUCER,
            "consumer": SpanKind.CONSUMER, "internal": SpanKind.INTERNAL}


_KINDS = _kinds()


# --- the outbox relay's publishing ----------------------------------------------------------------------------

def publishing_spans(rows, exchange: str) -> dict:
    """A PRODUCER span for each outbox row (id, type, event_id, traceparent) whose envelope names the span that
    wrote it, child of that span; by row id. Rows without one (tracing was off when they were written) get none."""
    spans = {}
    for row in rows:
        if row.traceparent is not None:
            spans[row.id] = start(f"publish {row.type}", "producer", row.traceparent, {
                "messaging.system": "rabbitmq", "messaging.destination.name": exchange,
                "messaging.rabbitmq.destination.routing_key": row.type, "hub.event_id": str(row.event_id)})
    return spans


def end_publishing_spans(spans: dict, failed):
    """End each publishing span; failed for the [(row, error)] the broker did not confirm (retried later)."""
    errors = {row.id for row, _ in failed}
    for row_id, span in spans.items():
        end(span, PublishNotConfirmed() if row_id in errors else None)


class PublishNotConfirmed(Exception):
    """The broker did not confirm an event's publishing (the relay tries it again on its next run)."""


def error_status(description: str):
    from opentelemetry.trace import Status, StatusCode
    return Status(StatusCode.ERROR, description)
