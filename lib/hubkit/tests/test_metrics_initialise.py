"""A service's series whose labels are known at start exist at 0 from its start: "no data" on a dashboard means
the service is not scraped, never that nothing failed yet."""
from types import SimpleNamespace

from prometheus_client import REGISTRY

from hubkit import metrics

STARTED_AT_ZERO = ("hub_outbox_pending_events", "hub_outbox_oldest_pending_age_seconds",
                   "hub_outbox_publish_failures_total", "hub_events_retried_total",
                   "hub_dead_letters", "hub_mails_sent_total", "hub_mail_failures_total",
                   "hub_pruning_failures_total")


def value(name: str, **labels):
    return REGISTRY.get_sample_value(name, labels)


def test_a_starting_service_exposes_its_known_series_at_zero():
    service = "initialised_sample"
    assert value("hub_mail_failures_total", service=service) is None  # nothing yet: what dashboards saw
    provider = metrics.EntrypointMetrics()
    provider.container = SimpleNamespace(service_name=service)
    provider.setup()
    for name in STARTED_AT_ZERO:
        assert value(name, service=service) == 0.0, name
    for reason in ("handler_failed", "invalid_envelope", "undecodable"):
        assert value("hub_events_dead_lettered_total", service=service, reason=reason) == 0.0, reason
    assert value("hub_errors_total", service=service, code="INTERNAL") is None  # codes are not known in advance


def test_initialising_again_keeps_what_was_counted():
    service = "initialised_twice"
    metrics.initialise(service)
    metrics.MAIL_FAILURES.labels(service).inc()
    metrics.DEAD_LETTERS.labels(service).set(4)
    metrics.initialise(service)  # a container restarted in the same process (tests) counts on
    assert value("hub_mail_failures_total", service=service) == 1.0
    assert value("hub_dead_letters", service=service) == 4.0
