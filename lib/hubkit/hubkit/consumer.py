"""Receiving events: validate the envelope and continue its correlation chain.

Applying an event once is the handler's own transaction's job:
`UnitOfWork.first_delivery(envelope, handler)` records (event id, handler) in
`processed_events` in that same transaction, so a redelivered event is skipped.
"""
from . import metrics
from .envelope import load_envelope


def receive(data: dict, correlation_handle, service: str) -> dict:
    """Validate an incoming envelope; what the worker does next is caused by this event."""
    envelope = load_envelope(data)
    envelope["event_id"] = str(envelope["event_id"])
    correlation_handle.caused_by(envelope["event_id"])
    metrics.EVENTS_RECEIVED.labels(service, envelope["type"]).inc()
    return envelope
