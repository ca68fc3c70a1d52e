"""Coalescing hot-path commands: many callers, one RPC, one transaction.

One RPC hop costs a few ms of CPU on each side and the broker round trip caps a
path that makes one call per request at a few hundred calls per second. On the
hot paths (signatures, ballots) the gateway hands each command to a
`CallBatcher`, which sends whatever arrived within a few milliseconds as ONE
call; the service applies the batch in one transaction and answers one outcome
per item. The rules stay in the service: the gateway only coalesces.

Wire format of a batch call:

    request:  [{"context": {"correlation_id", "causation_id"}, "payload": {...}}, ...]
    response: [{"ok": value} | {"error": code, "message": str, "details": {...}}, ...]   (same order)

Under light load a call waits at most `max_wait` before it is sent; under heavy
load batches fill up and leave at once, and several can be in flight together.

A batch that has not come back after `stall_seconds` no longer holds the next ones back: its service is down
or restarting (a batch normally takes milliseconds). The next batch then waits in the service's queue for the
restarted process, which answers it as soon as it is ready, instead of everyone waiting out the stalled batch's
RPC timeout (5 s) behind it. At most 2 × `max_in_flight` batches ever travel at once.
"""
import copy
import functools
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass

import eventlet
from eventlet.event import Event

from . import correlation
from .errors import HubError, InvalidInput, ServiceUnavailable

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def _error_classes() -> dict:
    """HubError classes by code (computed once: every refused item of a hot path looks its class up)."""
    found, pending = {}, [HubError]
    while pending:
        cls = pending.pop()
        found.setdefault(cls.code, cls)
        pending.extend(cls.__subclasses__())
    return found


def error_from(outcome: dict) -> HubError:
    """The HubError a batch outcome describes, as the class that carries its code (or, for a specific code such
    as ALREADY_SIGNED, the class named by its `kind`: Conflict)."""
    cls = _error_classes().get(outcome.get("kind") or outcome.get("error"), HubError)
    return cls(outcome.get("message"), outcome.get("details") or {}, outcome.get("error"))


class _Pending:
    __slots__ = ("payload", "context", "done")

    def __init__(self, payload, context):
        self.payload, self.context, self.done = payload, context, Event()


class CallBatcher:
    """Sends concurrent calls of `service.method` as batch calls through an `hubkit.rpc.RpcPool`.

    `call()` blocks the calling green thread until its own outcome is known. At most `max_in_flight`
    batches travel at once (a full batch of `max_items` always leaves): while the service is busy the
    next commands pile up and leave together the moment a batch comes back, so batches grow with the
    load instead of the service drowning in small ones (group commit).
    """

    def __init__(self, pool, service: str, method: str, max_items: int = 500, max_wait: float = 0.002,
                 max_in_flight: int = 2, stall_seconds: float = 1.0):
        self.pool, self.service, self.method = pool, service, method
        self.max_items, self.max_wait, self.max_in_flight = max_items, max_wait, max_in_flight
        self.stall_seconds = stall_seconds
        self._waiting: list = []
        self._timer = None
        self._sent_at: dict = {}  # batch in flight -> when it left (time.monotonic())
        self.batches_sent = 0

    @property
    def _in_flight(self) -> int:
        return len(self._sent_at)

    def _busy(self) -> bool:
        """Whether the next batch must wait: max_in_flight batches travel that have not stalled, or twice as
        many in all."""
        now = time.monotonic()
        moving = sum(1 for sent in self._sent_at.values() if now - sent < self.stall_seconds)
        return moving >= self.max_in_flight or len(self._sent_at) >= 2 * self.max_in_flight

    def _wait_before_sending(self) -> float:
        """`max_wait` for a batch that may leave; while the batches in flight hold it back, until the oldest of
        the moving ones would stall."""
        if not self._busy():
            return self.max_wait
        now = time.monotonic()
        moving = [sent for sent in self._sent_at.values() if now - sent < self.stall_seconds]
        return max(self.max_wait, min(moving) + self.stall_seconds - now) if moving else self.stall_seconds

    def call(self, payload: dict, context: dict):
        pending = _Pending(payload, dict(context))
        self._waiting.append(pending)
        if len(self._waiting) >= self.max_items:
            self._flush(full=True)
        elif self._timer is None:
            self._timer = eventlet.spawn_after(self._wait_before_sending(), self._flush)
        outcome = pending.done.wait()
        if isinstance(outcome, BaseException):
            raise outcome
        if "ok" in outcome:
            return outcome["ok"]
        raise error_from(outcome)

    def _flush(self, full: bool = False):
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._waiting:
            return
        if self._busy() and not full:  # sent when a batch in flight comes back, or once the oldest stalls
            self._timer = eventlet.spawn_after(self._wait_before_sending(), self._flush)
            return
        batch, self._waiting = self._waiting, []
        token = object()
        self._sent_at[token] = time.monotonic()
        eventlet.spawn_n(self._send_and_continue, batch, token)

    def _send_and_continue(self, batch: list, token):
        try:
            self._send(batch)
        finally:
            del self._sent_at[token]
            if self._waiting:
                self._flush()

    def _send(self, batch: list):
        self.batches_sent += 1
        request = [{"context": item.context, "payload": item.payload} for item in batch]
        # The batch's own headers carry the first caller's ids; each item carries its own.
        try:
            with self.pool.cluster(batch[0].context) as cluster:
                outcomes = getattr(getattr(cluster, self.service), self.method)(request)
            if not isinstance(outcomes, list) or len(outcomes) != len(batch):
                raise ServiceUnavailable(details={"reason": f"{self.method} answered a malformed batch"})
        except HubError as error:
            # A refusal of the whole batch (an outage, a timeout) is every caller's answer.
            outcomes = [error] * len(batch)
        except Exception as error:  # never leave a caller waiting
            log.exception("batch call failed", extra={"method": self.method, "items": len(batch)})
            outcomes = [ServiceUnavailable(details={"reason": type(error).__name__})] * len(batch)
        for item, outcome in zip(batch, outcomes):
            # each caller raises an exception of its own (a shared one would pile up every caller's traceback)
            item.done.send(copy.copy(outcome) if isinstance(outcome, BaseException) else outcome)


# --- the service's side -------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchItem:
    context: dict
    payload: dict


def unpack(batch) -> list:
    """The items of a batch request; raises InvalidInput for a request that is not a batch at all."""
    if not isinstance(batch, list):
        raise InvalidInput(details={"batch": ["Une liste de commandes est attendue."]})
    items = []
    for entry in batch:
        entry = entry if isinstance(entry, dict) else {}
        context = entry.get("context") if isinstance(entry.get("context"), dict) else {}
        payload = entry.get("payload") if isinstance(entry.get("payload"), dict) else {}
        items.append(BatchItem(
            {correlation.CORRELATION_KEY: context.get(correlation.CORRELATION_KEY),
             correlation.CAUSATION_KEY: context.get(correlation.CAUSATION_KEY)},
            payload))
    return items


def answer(outcomes) -> list:
    """One wire outcome per item: a HubError becomes its error body, anything else is the item's value."""
    return [_error_body(outcome) if isinstance(outcome, HubError) else {"ok": outcome} for outcome in outcomes]


def _error_body(error: HubError) -> dict:
    """An error with a code of its own (Conflict("…", code="ALREADY_SIGNED")) also names its class's code,
    so the caller gets the same class back (and the gateway the same HTTP status)."""
    body = error.to_dict()
    if error.code != type(error).code:
        body["kind"] = type(error).code
    return body


@contextmanager
def bound(item: BatchItem):
    """Make the item's correlation ids current, so the events emitted for it carry them.

    An item without ids (an old client) keeps the batch's ids."""
    correlation_id = correlation.clean_request_id(item.context.get(correlation.CORRELATION_KEY)) \
        if item.context.get(correlation.CORRELATION_KEY) else None
    if correlation_id is None:
        yield
        return
    causation_id = correlation.clean_request_id(item.context.get(correlation.CAUSATION_KEY) or correlation_id)
    tokens = correlation.bind(correlation_id, causation_id)
    try:
        yield
    finally:
        correlation.unbind(tokens)
