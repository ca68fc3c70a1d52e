"""Business metrics of the routing service.

With N replicas: the gauges are a fresh count from the database by every replica's sweep timer, so each replica
reports the same value (read them with max, never sum); the counters and the histogram are counted by the one
replica that did the thing (a decision takes effect once, under its row lock; a webhook call is leased to one
replica), so sum them. A decision sent again with its idempotency key is the decision already recorded, and a
scheme's answer sent again changes nothing: neither is counted twice."""
from prometheus_client import Counter, Gauge, Histogram

from . import domain

WAITING = Gauge("routing_ideas_waiting",
                "Ideas waiting for a decision, by scheme they are headed to and direction. A count from the "
                "database by every replica: read with max.", ["scheme", "direction"])
OVERDUE = Gauge("routing_ideas_overdue",
                "Ideas waiting past their scheme's response deadline. A count from the database by every replica: "
                "read with max.")
FIRST_RESPONSE = Histogram("routing_time_to_first_response_seconds",
                           "From an idea's arrival in the inbox to the first decision taking effect (observed once "
                           "per idea; sum across replicas).",
                           buckets=(3600, 6 * 3600, 86400, 2 * 86400, 4 * 86400, 7 * 86400, 14 * 86400, 30 * 86400,
                                    60 * 86400))
DECISIONS = Counter("routing_decisions_total", "Decisions that took effect, by action. Sum across replicas.",
                    ["action"])
FORWARDS = Counter("routing_forwards_total",
                   "Ideas forwarded to a scheme (re-routings included), by scheme. Sum across replicas.", ["scheme"])
UNDONE = Counter("routing_decisions_undone_total", "Decisions undone within the undo window.")
WEBHOOK_DELIVERIES = Counter("routing_webhook_deliveries_total", "Dossiers delivered by webhook (2xx received).")
WEBHOOK_FAILURES = Counter("routing_webhook_failures_total", "Failed webhook calls (retried with backoff).")
GIVEN_UP = Gauge("routing_webhook_deliveries_given_up",
                 "Dossiers whose webhook calls all failed (ROUTING_WEBHOOK_MAX_ATTEMPTS): not retried any more. A "
                 "count from the database by every replica: read with max.", ["scheme"])
FAILING = Gauge("routing_webhook_deliveries_failing",
                "Dossiers whose webhook calls failed and are still retried (the citizen reads « transmission "
                "retardée »), by scheme. A count from the database by every replica: read with max.", ["scheme"])
RECOVERED = Counter("routing_ideas_recovered_total",
                    "Ideas whose idea_submitted never reached routing, found in the idea box by reconciliation.")
SCHEME_ANSWERS = Counter("routing_scheme_answers_total", "Signed answers received from external schemes.")

# Every action, and the City's schemes an idea can be forwarded to, exist at 0 from the start: a rate is never
# missing. A scheme an admin adds later appears with its first forward.
for _action in domain.ACTIONS:
    DECISIONS.labels(_action)
for _scheme in (domain.BUDGET, domain.PETITION, domain.GREENING_PERMIT, domain.STREET_REPORT):
    FORWARDS.labels(_scheme)


def _refresh(gauge, seen: set, counts: dict):
    """The gauge from a fresh count; labels that were counted before and are gone now go back to 0."""
    for labels in seen - set(counts):
        gauge.labels(*labels).set(0)
    for labels, count in counts.items():
        gauge.labels(*labels).set(count)
    seen.update(counts)


_waiting_labels, _given_up_labels, _failing_labels = set(), set(), set()


def set_waiting(counts: dict, overdue: int):
    """{(scheme, direction): ideas waiting} and the overdue count, from a fresh count."""
    _refresh(WAITING, _waiting_labels, counts)
    OVERDUE.set(overdue)


def set_given_up(counts: dict):
    """{scheme: dossiers whose webhook calls all failed}, from a fresh count."""
    _refresh(GIVEN_UP, _given_up_labels, {(scheme,): count for scheme, count in counts.items()})


def set_failing(counts: dict):
    """{scheme: dossiers whose webhook calls fail and are retried}, from a fresh count."""
    _refresh(FAILING, _failing_labels, {(scheme,): count for scheme, count in counts.items()})


def count_applied(action: str, scheme: str | None, first_response_seconds: float | None):
    DECISIONS.labels(action).inc()
    if action == "forward" and scheme:
        FORWARDS.labels(scheme).inc()
    if first_response_seconds is not None:
        FIRST_RESPONSE.observe(first_response_seconds)


def count_undone():
    UNDONE.inc()


def count_webhook(delivered: bool):
    (WEBHOOK_DELIVERIES if delivered else WEBHOOK_FAILURES).inc()


def count_scheme_answer():
    SCHEME_ANSWERS.inc()


def count_recovered(count: int):
    RECOVERED.inc(count)
