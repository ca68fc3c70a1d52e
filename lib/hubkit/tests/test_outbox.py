"""Transactional outbox: a change and its events commit together, and committed events always go out."""
import os
import socket
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

import pytest
import sqlalchemy as sa
from kombu import Connection, Exchange, Queue
from nameko.amqp.publish import Publisher
from nameko.exceptions import RpcTimeout
from nameko.standalone.events import get_event_exchange
from nameko.standalone.rpc import ServiceRpcProxy
from prometheus_client import REGISTRY

from broker import Tap
from hubkit.db import make_engine
from hubkit.errors import Conflict
from hubkit.outbox import ConfirmTracker, OutboxRelay, coalesced_writes, signed_headers
from hubkit_sample_services import unit_of_work, CounterService, NotesService, metadata, notes, tallies

pytestmark = pytest.mark.integration
OUTBOX = metadata.tables["outbox_events"]


def rows(url, table):
    with unit_of_work(url) as uow:
        return uow.session.execute(sa.select(table)).all()


def relay(url, amqp_uri):
    return OutboxRelay(unit_of_work(url)._session_factory, metadata, "hubkit_notes", amqp=amqp_uri)


def wait_until_answering(proxy, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return proxy.ping()
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def write(url, text):
    with unit_of_work(url) as uow:
        uow.session.execute(notes.insert().values(text=text))
        return uow.emit("note_written", {"kind": "note", "id": text}, {"text": text})


def test_committed_events_are_published_once_with_confirms(infra_db, rabbit_config):
    tap = Tap(rabbit_config["AMQP_URI"], "hubkit_notes")
    first, second = write(infra_db, "un"), write(infra_db, "deux")
    assert tap.messages(expected=0, timeout=0.5) == []  # nothing leaves before the relay runs

    assert relay(infra_db, rabbit_config["AMQP_URI"]).publish_pending() == 2
    assert relay(infra_db, rabbit_config["AMQP_URI"]).publish_pending() == 0

    received = tap.messages(expected=2)
    assert [body["event_id"] for body, _ in received] == [first["event_id"], second["event_id"]]
    body, headers = received[0]
    assert headers["nameko.correlation_id"] == body["correlation_id"]
    assert headers["nameko.causation_id"] == body["event_id"]
    assert all(row.published_at is not None for row in rows(infra_db, OUTBOX))


def test_a_rolled_back_change_leaves_no_event(infra_db):
    with pytest.raises(RuntimeError):
        with unit_of_work(infra_db) as uow:
            uow.session.execute(notes.insert().values(text="annulé"))
            uow.emit("note_written", {"kind": "note", "id": "annulé"}, {"text": "annulé"})
            raise RuntimeError("the change fails after the event was recorded")
    assert rows(infra_db, notes) == [] and rows(infra_db, OUTBOX) == []


def test_events_stay_pending_while_the_broker_is_unreachable(infra_db, rabbit_config):
    write(infra_db, "en attente")
    unreachable = OutboxRelay(unit_of_work(infra_db)._session_factory, metadata, "hubkit_notes",
                              amqp="amqp://guest:guest@127.0.0.1:1//")
    assert unreachable.publish_pending() == 0
    [row] = rows(infra_db, OUTBOX)
    assert row.published_at is None and row.attempts == 1 and row.last_error

    tap = Tap(rabbit_config["AMQP_URI"], "hubkit_notes")
    assert relay(infra_db, rabbit_config["AMQP_URI"]).publish_pending() == 1
    assert len(tap.messages(expected=1)) == 1


def test_a_process_killed_between_commit_and_publish_loses_nothing(infra_db, rabbit_config):
    """The service commits a note and its event, then is SIGKILLed before its relay runs; after restart it goes out."""
    tap = Tap(rabbit_config["AMQP_URI"], "hubkit_notes")
    env = {**os.environ, "HUB_AMQP_URI": rabbit_config["AMQP_URI"], "HUBKIT_NOTES_DATABASE_URL": infra_db}
    script = [sys.executable, str(Path(__file__).parent / "hubkit_sample_services.py")]

    service = subprocess.Popen(script, env={**env, "HUBKIT_DIE_AFTER_COMMIT": "1"})
    with ServiceRpcProxy("hubkit_notes", rabbit_config, timeout=3) as notes_rpc:
        wait_until_answering(notes_rpc)
        with pytest.raises(RpcTimeout):  # the process dies before answering
            notes_rpc.write_note("survivante")
    assert service.wait(10) == -9
    assert [row.text for row in rows(infra_db, notes)] == ["survivante"]
    [pending] = rows(infra_db, OUTBOX)
    assert pending.published_at is None
    assert tap.messages(expected=0, timeout=0.5) == []

    restarted = subprocess.Popen(script, env=env)
    try:
        # nameko redelivers the unacknowledged request to the restarted process, which writes a second note
        received = tap.messages(expected=2, timeout=15)
    finally:
        restarted.terminate()
        restarted.wait(10)
    received_ids = [body["event_id"] for body, _ in received]
    assert received_ids.count(pending.event_id) == 1
    assert len(received_ids) == len(rows(infra_db, notes)) == 2
    assert all(row.published_at is not None for row in rows(infra_db, OUTBOX))


def test_a_service_publishes_right_after_commit_with_the_callers_correlation(infra_db, rabbit_config,
                                                                           container_factory):
    tap = Tap(rabbit_config["AMQP_URI"], "hubkit_notes")
    container_factory(NotesService, rabbit_config).start()
    with ServiceRpcProxy("hubkit_notes", rabbit_config, context_data={"correlation_id": "req-42"}) as notes_rpc:
        assert notes_rpc.write_note("corrélée") == {"correlation_id": "req-42"}
        with pytest.raises(Conflict):
            notes_rpc.write_note_then_fail("refusée")
    [(body, headers)] = tap.messages(expected=1)
    assert body["correlation_id"] == "req-42" and body["causation_id"] == "req-42"
    assert body["producer"] == "hubkit_notes" and body["type"] == "note_written"
    assert [row.text for row in rows(infra_db, notes)] == ["corrélée"]


def write_many(url, count, prefix="n"):
    """`count` events in one transaction, like a batch of signatures."""
    with unit_of_work(url) as uow:
        for number in range(count):
            uow.emit("note_written", {"kind": "note", "id": f"{prefix}{number}"}, {"text": f"{prefix}{number}"})
        return list(uow.events)


class RawTap:
    """The raw AMQP messages reaching the notes exchange: body bytes, properties, exchange and routing key."""

    def __init__(self, amqp_uri):
        self.connection = Connection(amqp_uri)
        self.channel = self.connection.channel()
        exchange = Exchange("hubkit_notes.events", type="topic", durable=True)
        self.queue = Queue(f"raw-tap-{uuid.uuid4().hex[:8]}", exchange=exchange, routing_key="#", durable=False)
        self.queue(self.channel).declare()

    def messages(self, expected, timeout=15.0):
        received, deadline, bound = [], time.monotonic() + timeout, self.queue(self.channel)
        while len(received) < expected and time.monotonic() < deadline:
            message = bound.get(no_ack=True)
            if message is None:
                time.sleep(0.02)
                continue
            received.append({"body": message.body, "properties": message.properties, "headers": message.headers,
                             "content_type": message.content_type, "content_encoding": message.content_encoding,
                             "exchange": message.delivery_info["exchange"],
                             "routing_key": message.delivery_info["routing_key"]})
        time.sleep(0.3)  # duplicates would show up here
        extra = bound.get(no_ack=True)
        assert extra is None, "a message arrived twice"
        return received

    def close(self):
        self.connection.release()


def failures():
    return REGISTRY.get_sample_value("hub_outbox_publish_failures_total", {"service": "hubkit_notes"}) or 0


def test_a_batch_goes_out_once_each_in_order_exactly_as_nameko_publisher_sent_it(infra_db, rabbit_config):
    uri = rabbit_config["AMQP_URI"]
    tap = RawTap(uri)
    events = write_many(infra_db, 1203)  # three batches of 500 (the last one partial)

    # the reference: what the relay sent before, nameko's Publisher (with confirms), for the first events
    exchange = get_event_exchange("hubkit_notes", {})
    publisher = Publisher(uri, use_confirms=True, declare=[exchange])
    for envelope in events[:3]:
        publisher.publish(envelope, exchange=exchange, routing_key="note_written",
                          extra_headers=signed_headers(envelope, envelope["producer"]))
    reference = tap.messages(expected=3)

    relay_under_test = relay(infra_db, uri)
    assert relay_under_test.publish_pending() == 1203
    received = tap.messages(expected=1203)
    relay_under_test.close()
    tap.close()

    assert [message["headers"]["nameko.causation_id"] for message in received] == [
        envelope["event_id"] for envelope in events]
    assert received[:3] == reference  # byte for byte, same properties and headers
    assert reference[0]["properties"]["delivery_mode"] == 2 and reference[0]["content_type"] == "application/json"
    assert reference[0]["exchange"] == "hubkit_notes.events" and reference[0]["routing_key"] == "note_written"
    assert reference[0]["headers"] == signed_headers(events[0], "hubkit_notes")
    published = rows(infra_db, OUTBOX)
    assert all(row.published_at is not None and row.attempts == 1 and row.last_error is None for row in published)


def test_events_of_a_batch_reach_a_nameko_event_handler_once_each(infra_db, rabbit_config, container_factory,
                                                                  monkeypatch, tmp_path):
    counter_db = f"sqlite:///{tmp_path / 'counter.db'}"  # the consumer's own database, as in production
    engine = make_engine(counter_db)
    metadata.create_all(engine)
    engine.dispose()
    with unit_of_work(counter_db) as uow:
        uow.session.execute(tallies.insert().values(name="notes", count=0))
    monkeypatch.setenv("HUBKIT_COUNTER_DATABASE_URL", counter_db)
    container_factory(CounterService, rabbit_config).start()
    CounterService.seen_correlations.clear()
    events = write_many(infra_db, 40)
    assert relay(infra_db, rabbit_config["AMQP_URI"]).publish_pending() == 40

    def counted():
        with unit_of_work(counter_db) as uow:
            return uow.session.execute(sa.select(tallies.c.count)).scalar_one()
    deadline = time.monotonic() + 15
    while counted() < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert counted() == 40
    assert sorted(CounterService.seen_correlations) == sorted(  # the nameko context headers of each event
        (envelope["correlation_id"], envelope["event_id"]) for envelope in events)


def test_an_unreachable_broker_leaves_every_event_of_the_batch_pending_then_they_go_out(infra_db, rabbit_config):
    events = write_many(infra_db, 30)
    failed_before = failures()
    unreachable = OutboxRelay(unit_of_work(infra_db)._session_factory, metadata, "hubkit_notes",
                              amqp="amqp://guest:guest@127.0.0.1:1//")
    assert unreachable.publish_pending() == 0
    pending = rows(infra_db, OUTBOX)
    assert len(pending) == 30
    assert all(row.published_at is None and row.attempts == 1 and row.last_error for row in pending)
    assert failures() == failed_before + 1

    tap = Tap(rabbit_config["AMQP_URI"], "hubkit_notes")
    assert relay(infra_db, rabbit_config["AMQP_URI"]).publish_pending() == 30
    assert [body["event_id"] for body, _ in tap.messages(expected=30)] == [envelope["event_id"] for envelope in events]
    assert all(row.published_at is not None and row.attempts == 2 for row in rows(infra_db, OUTBOX))


def test_a_dropped_connection_does_not_wedge_the_relay(infra_db, rabbit_config):
    tap = Tap(rabbit_config["AMQP_URI"], "hubkit_notes")
    kept = relay(infra_db, rabbit_config["AMQP_URI"])
    write(infra_db, "avant")
    assert kept.publish_pending() == 1
    kept._connection.connection.transport.sock.shutdown(socket.SHUT_RDWR)  # the connection dies while idle

    events = write_many(infra_db, 20, prefix="après")
    assert kept.publish_pending() == 20  # on a new connection, in the same run
    received = [body["event_id"] for body, _ in tap.messages(expected=21)]
    assert received[1:] == [envelope["event_id"] for envelope in events]
    assert all(row.published_at is not None for row in rows(infra_db, OUTBOX))
    kept.close()


class FakeConfirmChannel:
    """A confirm-mode channel and its connection, for the relay: records what is published and answers with
    the scripted basic.ack / basic.nack frames, one per drain."""

    def __init__(self, answers):
        self.answers = list(answers)  # ("ack" | "nack", delivery tag, multiple)
        self.events = defaultdict(set)
        self.published = []
        self.connection = self
        self.transport = object()  # no socket: the relay writes each message through send_method

    def send_method(self, method, argsig, args, message):
        _, exchange, routing_key, mandatory, immediate = args
        self.published.append((exchange, routing_key, message))

    def drain_events(self, timeout=None):
        if not self.answers:
            raise socket.timeout()
        kind, tag, multiple = self.answers.pop(0)
        for callback in list(self.events[f"basic_{kind}"]):
            callback(tag, multiple)

    def collect(self):
        pass


def test_confirms_settle_every_tag_up_to_a_multiple_answer_and_ignore_tags_of_other_batches():
    tracker = ConfirmTracker(first_tag=11, count=6)  # tags 11..16
    tracker.on_ack(9, False)  # from an earlier batch
    tracker.on_nack(13, False)
    tracker.on_ack(12, True)  # 11, 12
    assert tracker.outcomes == [True, True, False, None, None, None] and not tracker.complete
    tracker.on_ack(15, False)
    tracker.on_ack(14, True)  # 14 only: 13 was nacked, 15 is known already
    assert tracker.outcomes == [True, True, False, True, True, None] and not tracker.complete
    tracker.on_nack(40, True)  # beyond the batch: settles what is left of it
    assert tracker.outcomes == [True, True, False, True, True, False] and tracker.complete


def test_a_nacked_event_stays_pending_and_the_acked_ones_are_published(infra_db):
    events = write_many(infra_db, 5)
    relay_under_test = relay(infra_db, "amqp://guest:guest@127.0.0.1:1//")  # the fake stands in for the broker
    fake = FakeConfirmChannel([("ack", 2, True), ("nack", 3, False), ("ack", 5, True)])
    relay_under_test._connection = relay_under_test._channel = fake
    failed_before = failures()

    assert relay_under_test.publish_pending() == 4
    assert [message.properties["application_headers"]["nameko.causation_id"]
            for _, _, message in fake.published] == [envelope["event_id"] for envelope in events]
    assert {(exchange, routing_key) for exchange, routing_key, _ in fake.published} == {
        ("hubkit_notes.events", "note_written")}
    by_event = {row.event_id: row for row in rows(infra_db, OUTBOX)}
    refused = by_event.pop(events[2]["event_id"])
    assert refused.published_at is None and refused.attempts == 1 and "nack" in refused.last_error
    assert all(row.published_at is not None and row.last_error is None for row in by_event.values())
    assert failures() == failed_before + 1

    again = FakeConfirmChannel([("ack", 6, False)])  # the channel numbers on: tag 6 is the next publish
    relay_under_test._connection = relay_under_test._channel = again
    assert relay_under_test.publish_pending() == 1
    assert [message.properties["application_headers"]["nameko.causation_id"]
            for _, _, message in again.published] == [events[2]["event_id"]]
    assert all(row.published_at is not None for row in rows(infra_db, OUTBOX))


@pytest.mark.parametrize("database_kind", ["sqlite"])
def test_events_without_a_confirm_in_time_stay_pending_and_the_confirmed_ones_are_published(infra_db):
    events = write_many(infra_db, 4)
    # no broker behind the fake: the retry on a new connection fails too (after the usual 2 s of retries)
    relay_under_test = OutboxRelay(unit_of_work(infra_db)._session_factory, metadata, "hubkit_notes",
                                   amqp="amqp://guest:guest@127.0.0.1:1//", confirm_timeout=0.2)
    fake = FakeConfirmChannel([("ack", 1, False)])  # then silence
    relay_under_test._connection = relay_under_test._channel = fake

    assert relay_under_test.publish_pending() == 1
    by_event = {row.event_id: row for row in rows(infra_db, OUTBOX)}
    assert by_event[events[0]["event_id"]].published_at is not None
    waiting = [by_event[envelope["event_id"]] for envelope in events[1:]]
    assert all(row.published_at is None and row.attempts == 1 and row.last_error for row in waiting)
    assert relay_under_test._channel is None  # the next run starts on a new connection


TRICKY_PAYLOADS = [{"text": "é \"guillemets\" \\ barre\nligne \u0001 ✓ 😀 ' ; {a,b} NULL", "ratio": 1.5, "none": None,
                    "nested": [1, {"yes": True, "no": False}], "big": 2 ** 62, "small": 1e-7, "huge": 1e300,
                    "empty": {}, "list": []}, {"text": "\u2028\u2029 \x7f </script>", "negative": -0.0}]


def test_the_stored_text_goes_out_as_nameko_publisher_sends_the_envelope(infra_db, rabbit_config):
    """The relay sends the envelope's JSON text as stored, not decoded and encoded again: the same bytes,
    whatever its payload holds."""
    uri = rabbit_config["AMQP_URI"]
    tap = RawTap(uri)
    with unit_of_work(infra_db) as uow:
        events = [uow.emit("note_written", {"kind": "note", "id": str(n)}, payload)
                  for n, payload in enumerate(TRICKY_PAYLOADS)]
    exchange = get_event_exchange("hubkit_notes", {})
    publisher = Publisher(uri, use_confirms=True, declare=[exchange])
    for envelope in events:
        publisher.publish(envelope, exchange=exchange, routing_key="note_written",
                          extra_headers=signed_headers(envelope, envelope["producer"]))
    reference = tap.messages(expected=len(events))
    relay_under_test = relay(infra_db, uri)
    assert relay_under_test.publish_pending() == len(events)
    received = tap.messages(expected=len(events))
    relay_under_test.close()
    tap.close()
    assert received == reference


def test_a_transport_without_write_is_warned_about_once(monkeypatch):
    import logging

    from hubkit import outbox

    class Transport:
        def __init__(self):
            self.written = []

        def write(self, data):
            self.written.append(data)

    class Collect(logging.Handler):
        def __init__(self):
            super().__init__(logging.WARNING)
            self.messages = []

        def emit(self, record):
            self.messages.append(record.getMessage())

    monkeypatch.setattr(outbox, "_warned_unbuffered", False)
    collect = Collect()
    logging.getLogger("hubkit.outbox").addHandler(collect)
    try:
        for _ in range(3):
            with coalesced_writes(Transport()):
                pass
    finally:
        logging.getLogger("hubkit.outbox").removeHandler(collect)
    assert collect.messages == [
        "outbox relay: the AMQP transport has no `_write` (py-amqp changed?), each message is one socket write"]
