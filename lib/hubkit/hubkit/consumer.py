"""Receiving events: validate the envelope and continue its correlation chain.

Declare handlers with `hubkit.consumer.event_handler` (retries after a passing
failure, with growing delays, then dead-letters: hubkit.queues, hubkit.dead_letters).
Applying an event once is the handler's own transaction's job:
`UnitOfWork.first_delivery(envelope, handler)` records (event id, handler) in
`processed_events` in that same transaction, so a redelivered event is skipped.
"""
import logging

import eventlet
from nameko.events import EventHandler

from . import dead_letters, metrics, queues, tracing, trust
from .envelope import load_envelope
from .errors import HubError, InvalidInput

log = logging.getLogger(__name__)


class InvalidEnvelope(InvalidInput):
    """The event's envelope is not valid: no retry would help, it goes to the dead letters."""


def receive(data: dict, correlation_handle, service: str) -> dict:
    """Validate an incoming envelope; what the worker does next is caused by this event."""
    if not isinstance(data, dict):
        raise InvalidEnvelope(details={"_schema": ["Un évènement est un objet JSON."]})
    try:
        envelope = load_envelope(data)
    except InvalidInput as error:
        raise InvalidEnvelope(error.message, error.details) from None
    envelope["event_id"] = str(envelope["event_id"])
    correlation_handle.caused_by(envelope["event_id"])
    metrics.EVENTS_RECEIVED.labels(service, envelope["type"]).inc()
    return envelope


class RetryingEventHandler(EventHandler):
    """An event handler that does not lose an event when a dependency is briefly down, nor loops on one forever.

    If the handler fails for a passing reason (a database, the broker or another service not answering: any
    exception that is not a HubError) the event is parked in the service's retry queue for 2, 4, 8… seconds
    (HUB_EVENT_RETRIES times, HUB_EVENT_RETRY_SECONDS; hubkit.queues) and comes back to this queue; no worker
    waits meanwhile. The handler's own transaction was rolled back, so `first_delivery` lets it apply the event
    then. After the last retry it goes to the service's dead letters (hubkit.dead_letters), as an event whose
    envelope is invalid does at once. Another HubError (a rule that refuses the event) is final: retrying would
    fail the same way, so the event is acknowledged (the worker's log line and metrics say so).
    """

    queue_consumer = queues.HubQueueConsumer()

    def setup(self):
        super().setup()
        self.queue = queues.event_queue(self.queue, self.container.service_name)
        trust.initialise_refusals(self.container.service_name, self.method_name, (trust.EVENT_REFUSAL_REASON,))

    def handle_message(self, body, message):
        """Only an event its producer signed is handled (hubkit.trust); a forged one is dropped and counted."""
        if not self.refuse_if_forged(message):
            super().handle_message(body, message)

    def refuse_if_forged(self, message) -> bool:
        """Drop (acknowledge, log, count) a message its producer did not sign, body as sent; True if it was."""
        if trust.event_is_authentic(self.source_service, dead_letters.raw_body(message), (message.headers or {}).get(
                trust.EVENT_SIGNATURE_HEADER)):
            return False
        trust.REFUSALS.labels(self.container.service_name, self.method_name, trust.EVENT_REFUSAL_REASON).inc()
        log.warning("event refused: not signed by its producer", extra={
            "handler": self.method_name, "source": self.source_service,
            "routing_key": message.delivery_info.get("routing_key")})
        self.queue_consumer.ack_message(message)
        return True

    def unpack_message_headers(self, message):
        headers = super().unpack_message_headers(message)
        for key in trust.LOCAL_KEYS + (queues.ATTEMPTS_HEADER, queues.RETRY_HEADER, queues.ROUTING_KEY_HEADER):
            headers.pop(key, None)  # never passed on to the calls and events this worker makes
        for key in [key for key in headers if key.startswith("x-")]:
            del headers[key]  # nor the broker's bookkeeping of a retried message (x-death, x-delivery-count)
        if tracing.TRACEPARENT_KEY not in headers and tracing.enabled():
            # published without a producer span (the relay's process not tracing): the worker's span (opened by
            # hubkit.correlation) is then the child of the span that wrote the event, named in its envelope
            envelope = message.payload
            if isinstance(envelope, dict) and tracing.parse(envelope.get(tracing.TRACEPARENT_KEY)):
                headers[tracing.TRACEPARENT_KEY] = envelope[tracing.TRACEPARENT_KEY]
        return headers

    def handle_message_processed(self, message, result=None, exc_info=None):
        error = exc_info[1] if exc_info is not None else None
        if error is None or (isinstance(error, HubError) and not isinstance(error, InvalidEnvelope)):
            self.queue_consumer.ack_message(message)
            return
        attempts = dead_letters.attempts_of(message) + 1
        reason = "invalid_envelope" if isinstance(error, InvalidEnvelope) else "handler_failed"
        if reason == "handler_failed" and attempts <= queues.event_retries():
            log.warning("event handler failed, the event will be retried", extra={
                "handler": self.method_name, "error": repr(error), "attempt": attempts,
                "delay_seconds": queues.retry_delay(attempts)})
            try:
                dead_letters.retry_later(self.container.config, self.container.service_name, self.queue.name,
                                         message, attempts)
            except Exception as failure:  # the broker refused the copy: give the event back rather than lose it
                log.error("event not parked for retry, given back", extra={
                    "handler": self.method_name, "error": dead_letters.error_name(failure)})
                self.queue_consumer.requeue_message(message)
                return
            self.queue_consumer.ack_message(message)
            return
        log.warning("event handler failed for good", extra={"handler": self.method_name, "error": repr(error)})
        dead_letters.send_and_ack(self.container.config, self.container.service_name, self.queue.name, message,
                                  reason, error, self.queue_consumer.ack_message,
                                  self.queue_consumer.requeue_message, attempts)


event_handler = RetryingEventHandler.decorator


def call_within(seconds: float, method, *args):
    """Call another service over RPC, giving up after `seconds` (nameko's service proxies wait forever)."""
    with eventlet.Timeout(seconds):
        return method(*args)
