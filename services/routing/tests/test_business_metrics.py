"""Routing's business metrics: every action and the City's forwarding schemes exist at 0 from the start; a scheme's
answer sent again (the same answer, signed anew) is counted once; the gauges tell how to aggregate replicas."""
import time

from prometheus_client import REGISTRY

from routing import business_metrics
from routing.handlers import Deliveries

from .test_handlers import (GRANTED, clock, decide, greening_webhook, received, run,  # noqa: F401
                            signed_answer)


def sample(name: str, **labels):
    return REGISTRY.get_sample_value(name, labels)


def test_every_action_and_the_city_s_forwarding_schemes_exist_at_zero_from_the_start():
    assert all(sample("routing_decisions_total", action=action) is not None
               for action in ("forward", "answer", "not_retain", "duplicate"))
    assert all(sample("routing_forwards_total", scheme=scheme) is not None
               for scheme in ("budget", "petition", "greening_permit", "street_report"))
    assert sample("routing_forwards_total", scheme="direct_answer") is None  # never a forward's scheme


def test_a_forward_counts_its_scheme_and_the_first_response_once():
    before = (sample("routing_forwards_total", scheme="petition"), sample("routing_decisions_total", action="forward"),
              sample("routing_time_to_first_response_seconds_count") or 0)
    business_metrics.count_applied("forward", "petition", 7200.0)
    business_metrics.count_applied("forward", "petition", None)  # a re-routing: not a first response
    after = (sample("routing_forwards_total", scheme="petition"), sample("routing_decisions_total", action="forward"),
             sample("routing_time_to_first_response_seconds_count"))
    assert [b - a for a, b in zip(before, after)] == [2, 2, 1]


def test_a_scheme_s_answer_sent_again_is_counted_once(run, ideas, store):
    secret = greening_webhook(run)
    decide(run, received(run, ideas), scheme="greening_permit")
    reference = store.one("dossiers").reference
    before = sample("routing_scheme_answers_total")
    run(Deliveries, "receive_answer", signed_answer(secret, reference, GRANTED))
    run(Deliveries, "receive_answer", signed_answer(secret, reference, GRANTED, timestamp=int(time.time()) + 1))
    assert sample("routing_scheme_answers_total") - before == 1


def test_the_gauges_say_to_read_them_with_max_and_the_counters_to_sum():
    help_of = {metric.name: metric.documentation for metric in REGISTRY.collect()}
    for gauge in ("routing_ideas_waiting", "routing_ideas_overdue", "routing_webhook_deliveries_given_up"):
        assert "read with max" in help_of[gauge]
    for counter in ("routing_decisions", "routing_forwards"):
        assert "Sum across replicas" in help_of[counter]
