"""Idempotent consumers: an event delivered twice is applied once, and the chain of ids continues."""
import time

import pytest
import sqlalchemy as sa
from nameko.amqp.publish import Publisher
from nameko.standalone.events import get_event_exchange

from hubkit.envelope import make_event
from hubkit import trust
from hubkit.outbox import context_headers, signed_headers
from hubkit_sample_services import unit_of_work, CounterService, metadata, tallies

pytestmark = pytest.mark.integration


def note_event(text: str) -> dict:
    return make_event(type="note_written", version=1, producer="hubkit_notes", subject={"kind": "note", "id": text},
                      payload={"text": text}, correlation_id="req-7", causation_id="req-7")


def deliver(amqp_uri: str, envelope: dict):
    exchange = get_event_exchange("hubkit_notes", {})
    Publisher(amqp_uri, declare=[exchange]).publish(envelope, exchange=exchange, routing_key="note_written",
                                                    extra_headers=signed_headers(envelope, envelope["producer"]))


def count(url) -> int:
    with unit_of_work(url) as uow:
        return uow.session.execute(sa.select(tallies.c.count)).scalar() or 0


def processed(url) -> list:
    with unit_of_work(url) as uow:
        return uow.session.execute(sa.select(metadata.tables["processed_events"])).all()


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_an_event_delivered_twice_is_applied_once(infra_db, rabbit_config, container_factory):
    container_factory(CounterService, rabbit_config).start()
    CounterService.seen_correlations.clear()
    event = note_event("une")

    deliver(rabbit_config["AMQP_URI"], event)
    deliver(rabbit_config["AMQP_URI"], event)  # redelivery: same event id
    wait_for(lambda: len(CounterService.seen_correlations) == 2)
    time.sleep(0.2)
    assert count(infra_db) == 1
    assert [(row.event_id, row.handler) for row in processed(infra_db)] == [
        (event["event_id"], "hubkit_counter.count_note")]

    deliver(rabbit_config["AMQP_URI"], note_event("deux"))
    wait_for(lambda: count(infra_db) == 2)
    assert count(infra_db) == 2


def test_the_handler_continues_the_correlation_chain(infra_db, rabbit_config, container_factory):
    container_factory(CounterService, rabbit_config).start()
    CounterService.seen_correlations.clear()
    event = note_event("chaîne")
    deliver(rabbit_config["AMQP_URI"], event)
    wait_for(lambda: CounterService.seen_correlations)
    assert CounterService.seen_correlations == [("req-7", event["event_id"])]


def test_an_invalid_envelope_changes_nothing(infra_db, rabbit_config, container_factory):
    container_factory(CounterService, rabbit_config).start()
    CounterService.seen_correlations.clear()
    broken = {**note_event("cassée"), "type": "Not Snake Case"}
    deliver(rabbit_config["AMQP_URI"], broken)
    deliver(rabbit_config["AMQP_URI"], note_event("valide"))
    wait_for(lambda: count(infra_db) == 1)
    time.sleep(0.2)
    assert count(infra_db) == 1 and len(processed(infra_db)) == 1


def test_a_passing_failure_is_retried_and_the_event_applied_once(infra_db, rabbit_config, container_factory,
                                                                 monkeypatch):
    monkeypatch.setenv("HUB_EVENT_RETRY_SECONDS", "0.05")
    container_factory(CounterService, rabbit_config).start()
    CounterService.seen_correlations.clear()
    CounterService.passing_failures = 2
    deliver(rabbit_config["AMQP_URI"], note_event("tenace"))
    wait_for(lambda: count(infra_db) == 1)
    assert count(infra_db) == 1 and len(CounterService.seen_correlations) == 3
    assert len(processed(infra_db)) == 1


def refusals(reason: str) -> float:
    return trust.REFUSALS.labels("hubkit_counter", "count_note", reason)._value.get()


def test_a_forged_event_is_dropped_and_counted(infra_db, rabbit_config, container_factory):
    """Someone with broker credentials publishes on the producer's exchange: without the producer's signature over
    that very body (none, another service's, or a valid one over another body), nothing is applied."""
    container_factory(CounterService, rabbit_config).start()
    CounterService.seen_correlations.clear()
    exchange = get_event_exchange("hubkit_notes", {})
    publisher = Publisher(rabbit_config["AMQP_URI"], declare=[exchange])
    before = refusals("event_signature")
    unsigned, by_another, replayed = note_event("sans"), note_event("autre"), note_event("rejouée")
    publisher.publish(unsigned, exchange=exchange, routing_key="note_written", extra_headers=context_headers(unsigned))
    publisher.publish(by_another, exchange=exchange, routing_key="note_written",
                      extra_headers=signed_headers(by_another, "hubkit_counter"))
    publisher.publish({**replayed, "payload": {"text": "changé"}}, exchange=exchange, routing_key="note_written",
                      extra_headers=signed_headers(replayed, "hubkit_notes"))
    deliver(rabbit_config["AMQP_URI"], note_event("vraie"))
    wait_for(lambda: count(infra_db) == 1)
    time.sleep(0.3)
    assert count(infra_db) == 1 and len(CounterService.seen_correlations) == 1
    assert refusals("event_signature") - before == 3
