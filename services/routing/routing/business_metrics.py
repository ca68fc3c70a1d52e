"""Business metrics of the routing service."""
from prometheus_client import Counter, Gauge, Histogram

WAITING = Gauge("routing_ideas_waiting", "Ideas waiting for a decision, by scheme they are headed to and direction.",
                ["scheme", "direction"])
OVERDUE = Gauge("routing_ideas_overdue", "Ideas waiting past their scheme's response deadline.")
FIRST_RESPONSE = Histogram("routing_time_to_first_response_seconds",
                           "From an idea's arrival in the inbox to the first decision taking effect.",
                           buckets=(3600, 6 * 3600, 86400, 2 * 86400, 4 * 86400, 7 * 86400, 14 * 86400, 30 * 86400,
                                    60 * 86400))
DECISIONS = Counter("routing_decisions_total", "Decisions that took effect, by action.", ["action"])
FORWARDS = Counter("routing_forwards_total", "Ideas forwarded to a scheme (re-routings included), by scheme.",
                   ["scheme"])
UNDONE = Counter("routing_decisions_undone_total", "Decisions undone within the undo window.")
WEBHOOK_DELIVERIES = Counter("routing_webhook_deliveries_total", "Dossiers delivered by webhook (2xx received).")
WEBHOOK_FAILURES = Counter("routing_webhook_failures_total", "Failed webhook calls (retried with backoff).")
GIVEN_UP = Gauge("routing_webhook_deliveries_given_up",
                 "Dossiers whose webhook calls all failed (ROUTING_WEBHOOK_MAX_ATTEMPTS): not retried any more.",
                 ["scheme"])
RECOVERED = Counter("routing_ideas_recovered_total",
                    "Ideas whose idea_submitted never reached routing, found in the idea box by reconciliation.")
SCHEME_ANSWERS = Counter("routing_scheme_answers_total", "Signed answers received from external schemes.")


def _refresh(gauge, seen: set, counts: dict):
    """The gauge from a fresh count; labels that were counted before and are gone now go back to 0."""
    for labels in seen - set(counts):
        gauge.labels(*labels).set(0)
    for labels, count in counts.items():
        gauge.labels(*labels).set(count)
    seen.update(counts)


_waiting_labels, _given_up_labels = set(), set()


def set_waiting(counts: dict, overdue: int):
    """{(scheme, direction): ideas waiting} and the overdue count, from a fresh count."""
    _refresh(WAITING, _waiting_labels, counts)
    OVERDUE.set(overdue)


def set_given_up(counts: dict):
    """{scheme: dossiers whose webhook calls all failed}, from a fresh count."""
    _refresh(GIVEN_UP, _given_up_labels, {(scheme,): count for scheme, count in counts.items()})


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
