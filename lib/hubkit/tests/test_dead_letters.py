"""Retries with growing delays and dead letters, on the real RabbitMQ (a vhost of its own per test).

A small service handles `note_written` events; some events always make it fail. With one worker, the other
events keep flowing while a failing one waits for its retries (no worker sleeps), a malformed message and an
invalid envelope go to the dead letters at once, the failing event after its retries; `dead-letters replay`
after fixing the handler applies it once, `purge` empties the queue. Quorum queues carry their arguments.
"""
import argparse
import io
import json
import tempfile
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from kombu import Connection
from nameko.amqp.publish import Publisher
from nameko.standalone.events import get_event_exchange

from hubkit import dead_letters, metrics, queues, trust
from hubkit.consumer import event_handler, receive
from hubkit.correlation import Correlation
from hubkit.db import Database, make_engine
from hubkit.envelope import make_event
from hubkit.outbox import signed_headers
from hubkit.service_base import rpc
from hubkit_sample_services import metadata, unit_of_work

pytestmark = pytest.mark.integration

SERVICE = "hubkit_picky"
QUEUE = f"evt-hubkit_notes-note_written--{SERVICE}.on_note"
MANAGEMENT = "http://127.0.0.1:15672/api"


class PickyService:
    """Applies each note once (first_delivery); the texts in `failing` fail as if a peer were down."""
    name = SERVICE

    correlation = Correlation()
    db = Database(SERVICE, metadata)
    calls = []
    failing = set()

    @rpc
    def ping(self):
        return "pong"

    @event_handler("hubkit_notes", "note_written")
    def on_note(self, data):
        envelope = receive(data, self.correlation, self.name)
        text = envelope["payload"]["text"]
        PickyService.calls.append(text)
        if text in PickyService.failing:
            raise ConnectionError("peer down")
        with self.db as uow:
            if uow.first_delivery(envelope, f"{SERVICE}.on_note"):
                uow.session.execute(metadata.tables["notes"].insert().values(text=text))


def note(text: str) -> dict:
    return make_event(type="note_written", version=1, producer="hubkit_notes", subject={"kind": "note", "id": "n1"},
                      payload={"text": text}, correlation_id="req-dl", causation_id="req-dl")


class Notes:
    """Publishes on hubkit_notes' exchange as its outbox relay would (signed), or not."""

    def __init__(self, uri: str):
        self.exchange = get_event_exchange("hubkit_notes", {})
        self.publisher = Publisher(uri, declare=[self.exchange])

    def send(self, envelope: dict):
        self.publisher.publish(envelope, exchange=self.exchange, routing_key="note_written",
                               extra_headers=signed_headers(envelope, "hubkit_notes"))

    def send_raw(self, body: bytes, signed: bool = True):
        headers = {trust.EVENT_SIGNATURE_HEADER: trust.event_signature("hubkit_notes", body)} if signed else {}
        self.publisher.publish(body, exchange=self.exchange, routing_key="note_written", headers=headers,
                               content_type="application/json", content_encoding="utf-8")


def applied(url: str) -> list:
    with unit_of_work(url) as uow:
        return [row.text for row in uow.session.execute(sa.select(metadata.tables["notes"].c.text))]


def wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def queue_info(rabbit_config, name: str) -> dict:
    response = requests.get(f"{MANAGEMENT}/queues/{rabbit_config['vhost']}/{requests.utils.quote(name, safe='')}",
                            auth=("guest", "guest"))
    response.raise_for_status()
    return response.json()


def cli(rabbit_config, *argv) -> tuple:
    parser = argparse.ArgumentParser()
    dead_letters.add_parser(parser.add_subparsers(dest="command"))
    out = io.StringIO()
    dlq = dead_letters.DeadLetterQueue(SERVICE, rabbit_config["AMQP_URI"])
    code = dead_letters.run(SERVICE, parser.parse_args(["dead-letters", *argv]), out, dlq)
    return code, out.getvalue()


@pytest.fixture
def picky_db(monkeypatch):
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='hubkit-dl-')) / 'picky.db'}"
    engine = make_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    monkeypatch.setenv("HUBKIT_PICKY_DATABASE_URL", url)
    PickyService.calls.clear()
    PickyService.failing.clear()
    return url


@pytest.fixture
def quorum(monkeypatch):
    monkeypatch.setenv("HUB_AMQP_QUEUE_TYPE", "quorum")
    monkeypatch.setenv("HUB_AMQP_DELIVERY_LIMIT", "4")
    monkeypatch.setenv("HUB_EVENT_RETRIES", "3")
    monkeypatch.setenv("HUB_EVENT_RETRY_SECONDS", "0.4")  # waits 0.4, 0.8 and 1.6 s
    monkeypatch.setenv(dead_letters.DEPTH_SECONDS, "0.1")


def dead_lettered(reason: str) -> float:
    return metrics.EVENTS_DEAD_LETTERED.labels(SERVICE, reason)._value.get()


def refused_unsigned() -> float:
    return trust.REFUSALS.labels(SERVICE, "on_note", "event_signature")._value.get()


def test_poison_and_failing_events_end_in_the_dead_letters_while_others_flow(picky_db, quorum, rabbit_config,
                                                                              container_factory):
    container_factory(PickyService, {**rabbit_config, "max_workers": 1}).start()
    notes = Notes(rabbit_config["AMQP_URI"])
    before = {reason: dead_lettered(reason) for reason in ("undecodable", "invalid_envelope", "handler_failed")}
    refused_before = refused_unsigned()
    PickyService.failing.add("en panne")
    failing = note("en panne")

    notes.send(failing)
    notes.send_raw(b'{"not": json')
    notes.send_raw(b'{"unsigned": garbage', signed=False)  # a security refusal: dropped and counted, not kept
    notes.send({**note("cassée"), "type": "Not Snake Case"})
    flowing = [f"note {number}" for number in range(20)]
    for text in flowing:
        notes.send(note(text))

    wait_for(lambda: dead_letters.depth(rabbit_config, SERVICE) == 3)
    # one worker, and yet every other event was applied while the failing one waited for its retries (a worker
    # sleeping between tries would have held them all behind it)
    last_try = len(PickyService.calls) - 1 - PickyService.calls[::-1].index("en panne")
    assert set(flowing) <= set(PickyService.calls[:last_try])
    # called once and once per retry, no more: nothing spins while it waits (the queue holds it, not a worker)
    assert PickyService.calls.count("en panne") == 1 + 3
    assert sorted(applied(picky_db)) == sorted(flowing)
    for reason in before:
        assert dead_lettered(reason) - before[reason] == 1
    assert refused_unsigned() - refused_before == 1
    wait_for(lambda: metrics.DEAD_LETTERS.labels(SERVICE)._value.get() == 3)

    code, listing = cli(rabbit_config, "list", "--json")
    rows = [json.loads(line) for line in listing.splitlines()]
    assert code == 0 and {row["reason"] for row in rows} == {"undecodable", "invalid_envelope", "handler_failed"}
    failed = next(row for row in rows if row["reason"] == "handler_failed")
    assert failed == {"id": failing["event_id"], "queue": QUEUE, "type": "note_written", "reason": "handler_failed",
                      "attempts": "4", "at": failed["at"], "error": "builtins.ConnectionError"}
    assert "en panne" not in listing  # the payload is never shown
    wait_for(lambda: dead_letters.depth(rabbit_config, SERVICE) == 3)  # listing took nothing away

    # the handler is fixed; replaying the failing event (twice over: the second copy changes nothing) applies it once
    PickyService.failing.clear()
    code, output = cli(rabbit_config, "replay", "--id", failing["event_id"])
    assert code == 0 and "1 lettre(s) morte(s) remise(s)" in output
    wait_for(lambda: "en panne" in applied(picky_db))
    notes.send(failing)
    wait_for(lambda: PickyService.calls.count("en panne") == 4 + 2)
    assert applied(picky_db).count("en panne") == 1
    wait_for(lambda: dead_letters.depth(rabbit_config, SERVICE) == 2)  # the others given back, in place

    code, output = cli(rabbit_config, "replay", "--id", "absent")
    assert code == 1 and "absent : introuvable" in output
    code, _ = cli(rabbit_config, "purge")
    assert code == 2
    wait_for(lambda: dead_letters.depth(rabbit_config, SERVICE) == 2)
    code, output = cli(rabbit_config, "purge", "--yes")
    assert code == 0 and "2 lettre(s) morte(s) supprimée(s)" in output
    assert dead_letters.depth(rabbit_config, SERVICE) == 0


def test_quorum_queues_carry_their_arguments(picky_db, quorum, rabbit_config, container_factory):
    container_factory(PickyService, rabbit_config).start()
    for name in (QUEUE, f"rpc-{SERVICE}"):
        info = queue_info(rabbit_config, name)
        assert info["type"] == "quorum", name
        assert info["arguments"] == {"x-queue-type": "quorum", "x-delivery-limit": 4,
                                     "x-dead-letter-exchange": f"{SERVICE}.dead-letters",
                                     "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"}
    assert queue_info(rabbit_config, f"{SERVICE}.dead-letters")["type"] == "quorum"
    retries = [queue_info(rabbit_config, f"{SERVICE}.retry-{attempt}") for attempt in (1, 2, 3)]
    assert all(info["type"] == "quorum" and info["arguments"]["x-dead-letter-exchange"] == f"{SERVICE}.requeue"
               for info in retries)


def test_a_message_redelivered_past_the_delivery_limit_is_dead_lettered_by_the_broker(picky_db, quorum,
                                                                                     rabbit_config):
    """A message whose consumer dies each time (here: given back unacknowledged) stops after the delivery limit."""
    with Connection(rabbit_config["AMQP_URI"]) as connection:
        channel = connection.channel()
        queues.declare_service_topology(channel, SERVICE)
        exchange = get_event_exchange("hubkit_notes", {})
        nameko_queue = type("Q", (), {"name": QUEUE, "exchange": exchange, "routing_key": "note_written",
                                      "exclusive": False, "auto_delete": False})
        queues.event_queue(nameko_queue, SERVICE)(channel).declare()
        Notes(rabbit_config["AMQP_URI"]).send(note("tueuse"))
        deliveries = 0
        while dead_letters.depth(rabbit_config, SERVICE) == 0:
            message = channel.basic_get(QUEUE, no_ack=False)
            if message is not None:
                deliveries += 1
                channel.basic_reject(message.delivery_tag, requeue=True)
            assert deliveries <= 5
    assert deliveries == 5  # the first delivery and the four the limit allows
    code, listing = cli(rabbit_config, "list")
    assert code == 0 and "delivery_limit" in listing and QUEUE in listing and "tueuse" not in listing
    # replayed, it is back on its queue without the broker's bookkeeping, for a consumer that no longer dies
    assert cli(rabbit_config, "replay", "--all")[0] == 0
    with Connection(rabbit_config["AMQP_URI"]) as connection:
        channel = connection.channel()
        wait_for(lambda: channel.queue_declare(QUEUE, passive=True).message_count == 1)
        message = channel.basic_get(QUEUE, no_ack=True)
    assert json.loads(message.body)["payload"] == {"text": "tueuse"}
    assert "x-death" not in message.headers and message.headers.get("x-delivery-count") == 0  # counted anew


def test_classic_queues_keep_nameko_declaration_and_still_retry(picky_db, rabbit_config, container_factory,
                                                                monkeypatch):
    monkeypatch.setenv("HUB_AMQP_QUEUE_TYPE", "classic")
    monkeypatch.setenv("HUB_EVENT_RETRIES", "1")
    monkeypatch.setenv("HUB_EVENT_RETRY_SECONDS", "0.1")
    container_factory(PickyService, rabbit_config).start()
    assert queue_info(rabbit_config, QUEUE)["type"] == "classic"
    assert queue_info(rabbit_config, QUEUE)["arguments"] == {}  # queues declared before this change stay valid
    PickyService.failing.add("classique")
    Notes(rabbit_config["AMQP_URI"]).send(note("classique"))
    wait_for(lambda: dead_letters.depth(rabbit_config, SERVICE) == 1)
    assert PickyService.calls.count("classique") == 2


def test_a_queue_of_the_other_type_stops_the_service_with_a_clear_message(picky_db, rabbit_config,
                                                                          container_factory, monkeypatch):
    monkeypatch.setenv("HUB_AMQP_QUEUE_TYPE", "classic")
    classic = container_factory(PickyService, rabbit_config)
    classic.start()
    classic.stop()
    monkeypatch.setenv("HUB_AMQP_QUEUE_TYPE", "quorum")
    container = container_factory(PickyService, rabbit_config)
    container.start()
    with pytest.raises(queues.QueueMismatch, match="Moving to quorum queues") as raised:
        container.wait()
    assert "x-queue-type" in str(raised.value)


def test_the_list_shows_no_terminal_escape_from_a_header(picky_db, rabbit_config, container_factory):
    """Headers are the publisher's words: a crafted one cannot drive the operator's terminal."""
    container_factory(PickyService, rabbit_config).start()
    Publisher(rabbit_config["AMQP_URI"]).publish(
        {"event_id": "x"}, exchange=f"{SERVICE}.dead-letters", routing_key="",
        headers={dead_letters.REASON_HEADER: "\x1b]0;pwned\x07\x1b[2J", dead_letters.QUEUE_HEADER: QUEUE})
    wait_for(lambda: dead_letters.depth(rabbit_config, SERVICE) == 1)
    code, listing = cli(rabbit_config, "list")
    assert code == 0 and "\x1b" not in listing and "\x07" not in listing and "?]0;pwned??[2J" in listing
