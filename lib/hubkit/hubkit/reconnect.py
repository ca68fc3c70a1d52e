"""A service's broker consumers reconnect within seconds of the broker's return.

nameko's QueueConsumer (kombu's ConsumerMixin) waits 2, 4, 6… up to 30 s between attempts to reconnect: after a
one-minute outage a service stayed deaf for up to 16 s more, and up to 30 s after a longer one, while the
gateway's 503s went on. Here the wait grows by a second up to RECONNECT_MAX_SECONDS: a stopped broker refuses a
connection in microseconds, so a try every few seconds costs nothing, and the service is back at most that long
after the broker.
"""
from contextlib import contextmanager

from nameko.messaging import QueueConsumer

RECONNECT_MAX_SECONDS = 3.0


class ReconnectingQueueConsumer(QueueConsumer):
    """nameko's QueueConsumer, retrying the broker at most RECONNECT_MAX_SECONDS apart, forever."""

    @contextmanager
    def establish_connection(self):
        with self.create_connection() as connection:
            connection.ensure_connection(self.on_connection_error, self.connect_max_retries, interval_start=0.5,
                                         interval_step=1, interval_max=RECONNECT_MAX_SECONDS)
            yield connection
