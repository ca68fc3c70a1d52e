"""A service's broker consumers outlive the broker: they reconnect within seconds of its return, and acknowledging
a message on a connection that just died does not kill the service.

- nameko's QueueConsumer (kombu's ConsumerMixin) waits 2, 4, 6… up to 30 s between attempts to reconnect: after a
  one-minute outage a service stayed deaf for up to 16 s more (30 s after a longer one) while the gateway answered
  503. Here the wait grows by a second up to RECONNECT_MAX_SECONDS: a stopped broker refuses a connection in
  microseconds, so a try every few seconds costs nothing.
- nameko's `ack_message`/`requeue_message` ignore only py-amqp's ConnectionError: the socket's own error (a
  connection reset by a cluster node that stopped) escaped from the consumer's thread and killed the service.
  Such a message is the broker's again once the connection is gone (it redelivers what was not acknowledged),
  so there is nothing left to do but say so.
- nameko's "Error connecting to broker" line masks the password of the URI's first address only: with a cluster's
  failover form (`amqp://u:p@node1;amqp://u:p@node2`) the others' passwords went to the logs. Every one is masked.
"""
import logging
from contextlib import contextmanager

from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu.exceptions import OperationalError
from nameko.messaging import QueueConsumer
from nameko.utils import sanitize_url

log = logging.getLogger(__name__)

RECONNECT_MAX_SECONDS = 3.0
CONNECTION_LOST = (OperationalError, AmqpConnectionError, OSError)


def masked(uri: str) -> str:
    """The URI as logs may show it: every address's password masked (kombu's failover form lists several)."""
    return ";".join(sanitize_url(address) for address in uri.split(";"))


class ReconnectingQueueConsumer(QueueConsumer):
    """nameko's QueueConsumer, retrying the broker at most RECONNECT_MAX_SECONDS apart, forever, and settling
    messages without dying with their connection."""

    @contextmanager
    def establish_connection(self):
        with self.create_connection() as connection:
            connection.ensure_connection(self.on_connection_error, self.connect_max_retries, interval_start=0.5,
                                         interval_step=1, interval_max=RECONNECT_MAX_SECONDS)
            yield connection

    def on_connection_error(self, exc, interval):
        log.warning("broker unreachable, trying again", extra={
            "broker": masked(self.amqp_uri), "error": f"{type(exc).__name__}: {exc}", "retry_in_seconds": interval})

    def ack_message(self, message):
        try:
            super().ack_message(message)
        except CONNECTION_LOST as error:
            log.info("message not acknowledged: its connection is gone, the broker delivers it again",
                     extra={"error": type(error).__name__})

    def requeue_message(self, message):
        try:
            super().requeue_message(message)
        except CONNECTION_LOST as error:
            log.info("message not requeued: its connection is gone, the broker delivers it again",
                     extra={"error": type(error).__name__})
