"""Correlation and causation ids, carried from the gateway through RPC calls and events.

The gateway puts `correlation_id` (the X-Request-ID) and `causation_id` into
nameko context data; nameko copies context data into the headers of every RPC
call and event a worker makes, so the ids follow the whole chain. Inside a
process the current ids live in context variables (one per green thread), so
log lines and new events pick them up without being handed them.

With tracing on (hubkit.tracing), `Correlation` also opens each RPC or event worker's span, child of the
`traceparent` its caller or the event's publisher put in the context data, and puts the worker's own traceparent
there in its place, so the calls and events the worker makes continue its trace. Timers and HTTP entrypoints
(metrics scrapes, probes) open none: they would fill the traces with roots nobody looks for.
"""
import contextvars
import os
import re

from nameko.events import EventHandler
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc

from . import tracing

CORRELATION_KEY = "correlation_id"
CAUSATION_KEY = "causation_id"
_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

_correlation = contextvars.ContextVar("correlation_id", default=None)
_causation = contextvars.ContextVar("causation_id", default=None)


def new_id() -> str:
    """32 random hex characters (128 bits from the OS), as `uuid4().hex` gives, at a fifth of its cost: the
    gateway makes one per request."""
    return os.urandom(16).hex()


def clean_request_id(value) -> str:
    """A client's X-Request-ID if it is a sane token, else a fresh id."""
    if isinstance(value, str) and _VALID_ID.fullmatch(value):
        return value
    return new_id()


def current() -> tuple:
    return _correlation.get(), _causation.get()


def bind(correlation_id, causation_id=None):
    """Make ids current for this green thread; returns a token for `unbind`."""
    return (_correlation.set(correlation_id), _causation.set(causation_id or correlation_id))


def unbind(tokens):
    correlation_token, causation_token = tokens
    _correlation.reset(correlation_token)
    _causation.reset(causation_token)


class Correlation(DependencyProvider):
    """Binds the worker's correlation ids, creating them for workers no request started (timers)."""

    def setup(self):
        self._tokens = {}
        self._spans = {}
        tracing.configure(self.container.service_name)
        # nameko's entrypoint classes and their subclasses (hubkit's): which workers open a span, of what kind
        self._span_kinds = {entrypoint: "server" if isinstance(entrypoint, Rpc) else "consumer"
                            for entrypoint in self.container.entrypoints
                            if isinstance(entrypoint, (Rpc, EventHandler))}

    def get_dependency(self, worker_ctx):
        data = worker_ctx.data
        data[CORRELATION_KEY] = clean_request_id(data.get(CORRELATION_KEY))
        data.setdefault(CAUSATION_KEY, data[CORRELATION_KEY])
        return CorrelationHandle(worker_ctx)

    def worker_setup(self, worker_ctx):
        data = worker_ctx.data
        self._tokens[worker_ctx] = bind(data[CORRELATION_KEY], data[CAUSATION_KEY])
        if tracing.enabled():
            self._start_span(worker_ctx)

    def _start_span(self, worker_ctx):
        entrypoint = worker_ctx.entrypoint
        kind = self._span_kinds.get(entrypoint)
        if kind is None:
            return
        service = self.container.service_name
        span = tracing.start(f"{service}.{entrypoint.method_name}", kind,
                             worker_ctx.data.get(tracing.TRACEPARENT_KEY),
                             {"hub.service": service, "hub.entrypoint": entrypoint.method_name})
        worker_ctx.data[tracing.TRACEPARENT_KEY] = tracing.traceparent_of(span)
        self._spans[worker_ctx] = (span, tracing.activate(span))

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        if exc_info is not None and worker_ctx in self._spans:
            tracing.fail(self._spans[worker_ctx][0], exc_info[1])

    def worker_teardown(self, worker_ctx):
        tokens = self._tokens.pop(worker_ctx, None)
        if tokens is not None:
            unbind(tokens)
        started = self._spans.pop(worker_ctx, None)
        if started is not None:
            span, token = started
            tracing.deactivate(token)
            tracing.end(span)


class CorrelationHandle:
    def __init__(self, worker_ctx):
        self._worker_ctx = worker_ctx

    @property
    def correlation_id(self):
        return self._worker_ctx.data[CORRELATION_KEY]

    @property
    def causation_id(self):
        return self._worker_ctx.data[CAUSATION_KEY]

    def caused_by(self, event_id: str):
        """What this worker does from now on was caused by the event `event_id`."""
        self._worker_ctx.data[CAUSATION_KEY] = event_id
        _causation.set(event_id)
