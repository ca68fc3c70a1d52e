"""A tap on the platform's events: a queue of the test's own, bound with routing key `#` to every service's events
exchange (`<service>.events`), so it receives a copy of every event the platform publishes from then on, whoever
consumes them. The tests count what crossed the broker, not what a service says it sent.

    with EventTap(platform.amqp_uri, platform.databases) as tap:
        ... the journey ...
        tap.drain()
        assert tap.count("idea_forwarded") == 1
"""
import json
import uuid
from collections import Counter

import kombu
from nameko.standalone.events import get_event_exchange


class EventTap:
    """Every event published to the `services`' exchanges after it was opened, by type and by event id."""

    def __init__(self, amqp_uri: str, services):
        self.connection = kombu.Connection(amqp_uri)
        self.channel = self.connection.channel()
        # not exclusive and not auto-deleted: it outlives a broker reconnection of ours; `close()` deletes it
        self.queue = kombu.Queue(f"test-tap-{uuid.uuid4().hex[:12]}", durable=False, channel=self.channel)
        self.queue.declare()
        for service in services:
            exchange = get_event_exchange(service, {})  # declared as the services declare it, else a conflict
            exchange.declare(channel=self.channel)
            self.queue.bind_to(exchange, routing_key="#")
        self.envelopes = []

    def drain(self) -> list:
        """Takes what the queue holds now into `envelopes`; returns the envelopes taken."""
        taken = []
        while (message := self.queue.get(no_ack=True, accept=["json", "application/json"])) is not None:
            taken.append(json.loads(message.body))
        self.envelopes.extend(taken)
        return taken

    def types(self) -> Counter:
        """How many messages of each event type crossed the broker."""
        return Counter(envelope["type"] for envelope in self.envelopes)

    def count(self, type_: str, subject_id: str = None) -> int:
        """Messages of `type_` (about `subject_id` if given)."""
        return sum(1 for envelope in self.of(type_) if subject_id is None or envelope["subject"]["id"] == subject_id)

    def units(self, type_: str, subject_id: str = None) -> int:
        """The actions the `type_` events stand for: an event of a batch (ballot_cast, petition_signed) carries
        in `count` how many ballots or signatures it stands for; any other event stands for one."""
        return sum(envelope["payload"].get("count", 1) for envelope in self.of(type_)
                   if subject_id is None or envelope["subject"]["id"] == subject_id)

    def of(self, type_: str) -> list:
        return [envelope for envelope in self.envelopes if envelope["type"] == type_]

    def duplicates(self) -> dict:
        """{event_id: times received} of the events that crossed the broker more than once."""
        return {event_id: times for event_id, times in Counter(e["event_id"] for e in self.envelopes).items()
                if times > 1}

    def close(self):
        try:
            self.queue.delete()
        finally:
            self.connection.release()

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.close()
