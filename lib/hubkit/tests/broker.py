"""Reading what reaches RabbitMQ, for tests."""
import time
import uuid

from kombu import Connection, Exchange, Queue


class Tap:
    """A queue bound to a service's events exchange that records every event published there."""

    def __init__(self, amqp_uri: str, service: str):
        self.connection = Connection(amqp_uri)
        self.channel = self.connection.channel()
        exchange = Exchange(f"{service}.events", type="topic", durable=True)
        self.queue = Queue(f"tap-{uuid.uuid4().hex[:8]}", exchange=exchange, routing_key="#", durable=False)
        self.queue(self.channel).declare()

    def messages(self, expected: int, timeout: float = 10.0) -> list:
        """Wait until `expected` messages arrived (or timeout), then give back all received so far."""
        received, deadline = [], time.monotonic() + timeout
        bound = self.queue(self.channel)
        while time.monotonic() < deadline:
            message = bound.get(no_ack=True)
            if message is None:
                if len(received) >= expected:
                    # a short grace period so duplicates would show up too
                    time.sleep(0.3)
                    extra = bound.get(no_ack=True)
                    if extra is None:
                        break
                    received.append((extra.payload, extra.headers))
                    continue
                time.sleep(0.05)
                continue
            received.append((message.payload, message.headers))
        return received

    def close(self):
        self.connection.release()
