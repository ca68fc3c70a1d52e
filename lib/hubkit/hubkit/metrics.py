"""Prometheus metrics every process exposes on /metrics.

Technical metrics (entrypoint calls, latency, errors by code, outbox and
events) are defined here once; each service adds its business counters.
"""
import logging
import os
import time

import eventlet
from nameko.events import EventHandler
from nameko.exceptions import RpcTimeout, UnknownService
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc, RpcReply
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from werkzeug.wrappers import Response

from .errors import HubError, ServiceUnavailable

log = logging.getLogger("hubkit.worker")

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

ENTRYPOINT_CALLS = Counter("hub_entrypoint_calls_total", "Entrypoint executions (RPC, event handlers, timers, HTTP).",
                           ["service", "kind", "entrypoint", "outcome"])
ENTRYPOINT_LATENCY = Histogram("hub_entrypoint_duration_seconds", "Entrypoint execution time.",
                               ["service", "kind", "entrypoint"], buckets=LATENCY_BUCKETS)
ERRORS = Counter("hub_errors_total", "Errors raised by entrypoints, by error code.", ["service", "code"])
EVENTS_PUBLISHED = Counter("hub_events_published_total", "Events published from the outbox.", ["service", "type"])
EVENTS_RECEIVED = Counter("hub_events_received_total", "Events received by handlers.", ["service", "type"])
# Gauges say how their processes' values combine when several processes share one /metrics (the gateway's
# HUB_GATEWAY_PROCESSES, see exposition()); single-process services ignore `multiprocess_mode`.
OUTBOX_PENDING = Gauge("hub_outbox_pending_events", "Events committed but not yet published.", ["service"],
                       multiprocess_mode="livemax")
OUTBOX_OLDEST_AGE = Gauge("hub_outbox_oldest_pending_age_seconds", "Seconds since the oldest event still pending was "
                          "committed (0 when none is pending).", ["service"], multiprocess_mode="livemax")
OUTBOX_FAILURES = Counter("hub_outbox_publish_failures_total", "Failed publish attempts (retried later).", ["service"])
# hubkit.queues and hubkit.dead_letters: a failed event's retries, what ends in a service's dead-letter queue (by
# reason) and that queue's depth (every replica reports the same queue: read it with max)
EVENTS_RETRIED = Counter("hub_events_retried_total", "Failed events parked for a delayed retry.", ["service"])
EVENTS_DEAD_LETTERED = Counter("hub_events_dead_lettered_total", "Messages sent to the service's dead-letter queue.",
                               ["service", "reason"])
DEAD_LETTERS = Gauge("hub_dead_letters", "Messages in the service's dead-letter queue.", ["service"],
                     multiprocess_mode="livemax")
MAILS_SENT = Counter("hub_mails_sent_total", "E-mails handed to the mail transport.", ["service"])
MAIL_FAILURES = Counter("hub_mail_failures_total", "Failed e-mail deliveries (retried later).", ["service"])
ROWS_PRUNED = Counter("hub_rows_pruned_total", "Old infrastructure rows deleted (hubkit.pruning).",
                      ["service", "table"])
PRUNING_FAILURES = Counter("hub_pruning_failures_total", "Pruning runs that failed (retried at the next poll).",
                           ["service"])
# Any process calling a service through hubkit.rpc (the gateway, a service calling another, a command-line tool):
# one count per RPC, `outcome` "ok" or rpc_outcome()'s error name. Labels are code: service and method names.
RPC_CLIENT_CALLS = Counter("hub_rpc_client_calls_total", "RPC calls made to other services, by outcome.",
                           ["target", "method", "outcome"])
RPC_CLIENT_LATENCY = Histogram("hub_rpc_client_duration_seconds", "RPC call time, from sending to the answer.",
                               ["target", "method"], buckets=LATENCY_BUCKETS)
# What hubkit.dead_letters counts itself (`delivery_limit` is RabbitMQ's, seen only in the queue's depth).
DEAD_LETTER_REASONS = ("handler_failed", "invalid_envelope", "undecodable")


class Children(dict):
    """The labelled children of a metric, looked up once each (`labels()` takes a lock and builds a key on every
    call: a visible cost when every request counts itself)."""

    def __init__(self, metric):
        super().__init__()
        self.metric = metric

    def __missing__(self, labels):
        child = self[labels] = self.metric.labels(*labels)
        return child


def initialise(service: str):
    """Every series of `service` whose labels are known at start, at 0: a dashboard or an alert on
    `rate(hub_mail_failures_total[5m])` then reads 0 rather than "no data" until the first failure."""
    for metric in (OUTBOX_PENDING, OUTBOX_OLDEST_AGE, OUTBOX_FAILURES, EVENTS_RETRIED, DEAD_LETTERS, MAILS_SENT,
                   MAIL_FAILURES, PRUNING_FAILURES):
        metric.labels(service)
    for reason in DEAD_LETTER_REASONS:
        EVENTS_DEAD_LETTERED.labels(service, reason)


def entrypoint_kind(entrypoint) -> str:
    """`rpc`, `eventhandler`, `timer`…: hubkit's own entrypoints (TrustedRpc, RetryingEventHandler) count as the
    nameko kind they extend."""
    for kind in (Rpc, EventHandler):
        if isinstance(entrypoint, kind):
            return kind.__name__.lower()
    return type(entrypoint).__name__.lower()


def error_code(exc) -> str:
    return exc.code if isinstance(exc, HubError) else "INTERNAL"


def rpc_outcome(error: BaseException) -> str:
    """The outcome label of an RPC that raised `error`: the service's error code, TIMEOUT when no answer came in
    time, SERVICE_UNAVAILABLE when the request could not be delivered, else INTERNAL (never free text: nameko's
    RemoteError names types of the remote side)."""
    if isinstance(error, HubError):
        return error.code
    if isinstance(error, (RpcTimeout, eventlet.Timeout)):
        return "TIMEOUT"
    if isinstance(error, (UnknownService, OSError)):
        return ServiceUnavailable.code
    return "INTERNAL"


_RPC_CALLS, _RPC_LATENCY = Children(RPC_CLIENT_CALLS), Children(RPC_CLIENT_LATENCY)


def count_rpc(target: str, method: str, started: float, outcome: str):
    """One RPC made by this process (`started`: its time.perf_counter() when it was sent)."""
    _RPC_LATENCY[target, method].observe(time.perf_counter() - started)
    _RPC_CALLS[target, method, outcome].inc()


class CountedReply(RpcReply):
    """nameko's RPC reply, counted once (hub_rpc_client_*) when the caller first reads its result: the call's time
    is the caller's wait, and a timeout is the caller's (RpcTimeout, or an eventlet.Timeout around the wait)."""

    def __init__(self, reply_event, target: str, method: str, started: float):
        super().__init__(reply_event)
        self._call = (target, method, started)

    def result(self):
        if self._call is None:
            return super().result()
        try:
            answer = super().result()
        except BaseException as error:
            self._count(rpc_outcome(error))
            raise
        self._count("ok")
        return answer

    def _count(self, outcome: str):
        target, method, started = self._call
        self._call = None
        count_rpc(target, method, started, outcome)


class EntrypointMetrics(DependencyProvider):
    """Counts, times and logs (one JSON line, with the correlation id) every worker of the service.

    Timers and HTTP scrapes are counted but not logged: they run every few seconds.
    """

    def setup(self):
        self._started = {}
        initialise(self.container.service_name)

    def worker_setup(self, worker_ctx):
        self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self._started.pop(worker_ctx, None)
        service = self.container.service_name
        entrypoint = worker_ctx.entrypoint
        kind = entrypoint_kind(entrypoint)
        name = entrypoint.method_name
        outcome = "ok"
        if exc_info is not None:
            outcome = error_code(exc_info[1])
            ERRORS.labels(service, outcome).inc()
        ENTRYPOINT_CALLS.labels(service, kind, name, outcome).inc()
        if started is not None:
            elapsed = time.perf_counter() - started
            ENTRYPOINT_LATENCY.labels(service, kind, name).observe(elapsed)
            if kind in ("rpc", "eventhandler"):
                log.info("%s %s %s", kind, name, outcome,
                         extra={"entrypoint": name, "outcome": outcome, "duration_ms": round(elapsed * 1000, 1)})

    def worker_teardown(self, worker_ctx):
        self._started.pop(worker_ctx, None)


def exposition() -> tuple:
    """This process's metrics; with PROMETHEUS_MULTIPROC_DIR set (a gateway of several processes, gateway.__main__),
    the sum over all of them, read from the files each process writes there (process_* and python_* are then
    missing: prometheus_client does not collect them in that mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


def metrics_response() -> Response:
    body, content_type = exposition()
    return Response(body, content_type=content_type)
