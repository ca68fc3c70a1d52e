"""Prometheus metrics every process exposes on /metrics.

Technical metrics (entrypoint calls, latency, errors by code, outbox and
events) are defined here once; each service adds its business counters.
"""
import logging
import time

from nameko.events import EventHandler
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from werkzeug.wrappers import Response

from .errors import HubError

log = logging.getLogger("hubkit.worker")

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

ENTRYPOINT_CALLS = Counter("hub_entrypoint_calls_total", "Entrypoint executions (RPC, event handlers, timers, HTTP).",
                           ["service", "kind", "entrypoint", "outcome"])
ENTRYPOINT_LATENCY = Histogram("hub_entrypoint_duration_seconds", "Entrypoint execution time.",
                               ["service", "kind", "entrypoint"], buckets=LATENCY_BUCKETS)
ERRORS = Counter("hub_errors_total", "Errors raised by entrypoints, by error code.", ["service", "code"])
EVENTS_PUBLISHED = Counter("hub_events_published_total", "Events published from the outbox.", ["service", "type"])
EVENTS_RECEIVED = Counter("hub_events_received_total", "Events received by handlers.", ["service", "type"])
OUTBOX_PENDING = Gauge("hub_outbox_pending_events", "Events committed but not yet published.", ["service"])
OUTBOX_OLDEST_AGE = Gauge("hub_outbox_oldest_pending_age_seconds", "Seconds since the oldest event still pending was "
                          "committed (0 when none is pending).", ["service"], multiprocess_mode="livemax")
OUTBOX_FAILURES = Counter("hub_outbox_publish_failures_total", "Failed publish attempts (retried later).", ["service"])
# hubkit.queues and hubkit.dead_letters: a failed event's retries, what ends in a service's dead-letter queue (by
# reason) and that queue's depth (every replica reports the same queue: read it with max)
EVENTS_RETRIED = Counter("hub_events_retried_total", "Failed events parked for a delayed retry.", ["service"])
EVENTS_DEAD_LETTERED = Counter("hub_events_dead_lettered_total", "Messages sent to the service's dead-letter queue.",
                               ["service", "reason"])
DEAD_LETTERS = Gauge("hub_dead_letters", "Messages in the service's dead-letter queue.", ["service"])
MAILS_SENT = Counter("hub_mails_sent_total", "E-mails handed to the mail transport.", ["service"])
MAIL_FAILURES = Counter("hub_mail_failures_total", "Failed e-mail deliveries (retried later).", ["service"])
ROWS_PRUNED = Counter("hub_rows_pruned_total", "Old infrastructure rows deleted (hubkit.pruning).",
                      ["service", "table"])
PRUNING_FAILURES = Counter("hub_pruning_failures_total", "Pruning runs that failed (retried at the next poll).",
                           ["service"])


def entrypoint_kind(entrypoint) -> str:
    """`rpc`, `eventhandler`, `timer`…: hubkit's own entrypoints (TrustedRpc, RetryingEventHandler) count as the
    nameko kind they extend."""
    for kind in (Rpc, EventHandler):
        if isinstance(entrypoint, kind):
            return kind.__name__.lower()
    return type(entrypoint).__name__.lower()


def error_code(exc) -> str:
    return exc.code if isinstance(exc, HubError) else "INTERNAL"


class EntrypointMetrics(DependencyProvider):
    """Counts, times and logs (one JSON line, with the correlation id) every worker of the service.

    Timers and HTTP scrapes are counted but not logged: they run every few seconds.
    """

    def setup(self):
        self._started = {}

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
    return generate_latest(), CONTENT_TYPE_LATEST


def metrics_response() -> Response:
    body, content_type = exposition()
    return Response(body, content_type=content_type)
