"""Receiving events: validate the envelope and continue its correlation chain.

Declare handlers with `hubkit.consumer.event_handler` (redelivers after a
passing failure). Applying an event once is the handler's own transaction's job:
`UnitOfWork.first_delivery(envelope, handler)` records (event id, handler) in
`processed_events` in that same transaction, so a redelivered event is skipped.
"""
import logging

import eventlet
from nameko.events import EventHandler

from . import metrics, trust
from .envelope import load_envelope
from .errors import HubError

log = logging.getLogger(__name__)


def receive(data: dict, correlation_handle, service: str) -> dict:
    """Validate an incoming envelope; what the worker does next is caused by this event."""
    envelope = load_envelope(data)
    envelope["event_id"] = str(envelope["event_id"])
    correlation_handle.caused_by(envelope["event_id"])
    metrics.EVENTS_RECEIVED.labels(service, envelope["type"]).inc()
    return envelope


class RetryingEventHandler(EventHandler):
    """An event handler that does not lose an event when a dependency is briefly down.

    If the handler fails for a passing reason (a database, the broker or another
    service not answering: any exception that is not a HubError) the event goes
    back to the queue after a pause and is tried again; the handler's own
    transaction was rolled back, so `first_delivery` lets it apply the event then.
    A HubError (an invalid envelope, a rule that refuses the event) is final:
    retrying would fail the same way, so the event is acknowledged and logged.
    """

    retry_delay = 2.0

    def handle_message(self, body, message):
        """Only an event its producer signed is handled (hubkit.trust); a forged one is dropped and counted."""
        raw = message.body if isinstance(message.body, bytes) else str(message.body).encode()
        if not trust.event_is_authentic(self.source_service, raw, (message.headers or {}).get(
                trust.EVENT_SIGNATURE_HEADER)):
            trust.REFUSALS.labels(self.container.service_name, self.method_name, "event_signature").inc()
            log.warning("event refused: not signed by its producer", extra={
                "handler": self.method_name, "source": self.source_service,
                "routing_key": message.delivery_info.get("routing_key")})
            self.queue_consumer.ack_message(message)
            return
        super().handle_message(body, message)

    def unpack_message_headers(self, message):
        headers = super().unpack_message_headers(message)
        for key in trust.LOCAL_KEYS:  # never passed on to the calls and events this worker makes
            headers.pop(key, None)
        return headers

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is not None and not isinstance(exc_info[1], HubError):
            log.warning("event handler failed, the event will be retried",
                        extra={"handler": self.method_name, "error": repr(exc_info[1])})
            eventlet.sleep(self.retry_delay)
            self.queue_consumer.requeue_message(message)
        else:
            self.queue_consumer.ack_message(message)


event_handler = RetryingEventHandler.decorator


def call_within(seconds: float, method, *args):
    """Call another service over RPC, giving up after `seconds` (nameko's service proxies wait forever)."""
    with eventlet.Timeout(seconds):
        return method(*args)
