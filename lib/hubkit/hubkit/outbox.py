"""The outbox relay: publishes committed events to RabbitMQ, with publisher confirms.

Events are written to `outbox_events` in the same transaction as the change
that caused them. The relay publishes pending rows in order to the producer's
nameko events exchange (`<service>.events`, routing key = event type) and marks
them published only after the broker confirmed them. A process killed between
commit and publish leaves rows pending; the next relay run publishes them.
Delivery is at least once: consumers are idempotent (`UnitOfWork.first_delivery`).
Inside a service, a commit wakes the relay, which gathers the commits of the next
50 ms into the same run (WAKE_GATHER_SECONDS).

A batch (up to 500 rows) goes out on one channel in confirm mode without waiting
after each message; the relay then waits once, until the broker's basic.ack
(possibly `multiple`) covered every delivery tag. The messages are the ones
nameko's `Publisher` sends: kombu's json serializer, persistent delivery, the
nameko context headers and nothing else. Their body is the envelope's JSON text
as the outbox stores it (`json.dumps` of the envelope, which is what kombu's
serializer makes of it), sent without decoding and encoding it again.
"""
import collections
import logging
import time
from contextlib import contextmanager

import amqp
import eventlet
import sqlalchemy as sa
from amqp import spec
from eventlet.semaphore import Semaphore
from kombu import Connection
from kombu.utils import json as kombu_json
from nameko.constants import PERSISTENT
from nameko.extensions import DependencyProvider
from nameko.standalone.events import get_event_exchange

from . import metrics, tracing, trust
from .config import amqp_ssl, amqp_uri
from .db import utcnow
from .outbox_backlog import pending_backlog
from .pruning import PruneSettings, Pruner
from .sqllists import one_of
from .tables import infrastructure_tables

log = logging.getLogger(__name__)

# how nameko's Publisher retried a connection for the relay: after 0.2 s, 0.7 s and 1.2 s
CONNECT_RETRY_POLICY = {"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 2}
NACKED = "the broker refused the event (basic.nack)"
# How long a commit's events may wait for the commits that follow, to go out in the same relay run. A signing rush
# commits a batch every few milliseconds; an event reaches its consumers this much later at most.
WAKE_GATHER_SECONDS = 0.05


def context_headers(envelope: dict) -> dict:
    """nameko context headers so the consumer's worker continues the same chain."""
    return _headers(envelope["correlation_id"], envelope["event_id"])


def signed_headers(envelope: dict, producer: str) -> dict:
    """The headers of an event that nameko's Publisher sends as `envelope` (kombu's JSON text of it): the context
    headers and `producer`'s signature of that text (hubkit.trust)."""
    body = kombu_json.dumps(envelope).encode()
    return {**context_headers(envelope), trust.EVENT_SIGNATURE_HEADER: trust.event_signature(producer, body)}


def _headers(correlation_id: str, event_id: str) -> dict:
    return {"nameko.correlation_id": correlation_id, "nameko.causation_id": event_id}


def message_for(body: str, event_id: str, correlation_id: str, producer: str,
                traceparent: str = None) -> amqp.Message:
    """The message nameko's Publisher sends for an event (kombu's Producer.publish, pyamqp transport): `body`,
    the envelope's JSON text as kombu's json serializer writes it, priority 0, persistent, the context headers
    (`context_headers`) and the producer's signature of `body` (`signed_headers`); with tracing on, the
    publishing span's `nameko.traceparent` (hubkit.tracing), which the consumer's span continues."""
    headers = _headers(correlation_id, event_id)
    if traceparent is not None:
        headers["nameko." + tracing.TRACEPARENT_KEY] = traceparent
    headers[trust.EVENT_SIGNATURE_HEADER] = trust.event_signature(producer, body.encode())
    return amqp.Message(body, priority=0, content_type="application/json", content_encoding="utf-8",
                        application_headers=headers, delivery_mode=PERSISTENT)


@contextmanager
def coalesced_writes(transport, flush_at: int = 65536):
    """Gather the frames py-amqp writes into a few socket writes instead of one per message.

    py-amqp's frame writer hands every message's frames to `transport._write` (the socket's
    sendall): inside, they are buffered and sent whenever 64 KiB are gathered, and at the end.
    Each flush lets other green threads run. Nothing buffered is sent if the block fails (the
    relay then drops the connection). Only one green thread may use the connection meanwhile.
    """
    send = getattr(transport, "_write", None)
    if send is None:  # a py-amqp that no longer writes through `_write`: one write per message
        _warn_unbuffered_once(transport)
        yield
        return
    pending = bytearray()

    def gather(data):
        pending.extend(data)  # a copy: py-amqp reuses its frame buffer
        if len(pending) >= flush_at:
            chunk = bytes(pending)
            del pending[:]
            send(chunk)
            eventlet.sleep(0)

    transport._write = gather
    try:
        yield
    finally:
        transport._write = send
    if pending:
        transport.write(bytes(pending))


_warned_unbuffered = False


def _warn_unbuffered_once(transport):
    global _warned_unbuffered
    if not _warned_unbuffered:
        _warned_unbuffered = True
        log.warning("outbox relay: the AMQP transport has no `_write` (py-amqp changed?), each message is one "
                    "socket write", extra={"transport": type(transport).__name__})


class ConfirmTracker:
    """The broker's answers to one batch of publishes, delivery tags `first_tag` .. `first_tag + count - 1`.

    `outcomes[i]` is True once tag `first_tag + i` is acked, False once it is nacked, None while
    unknown. An answer with `multiple` settles every still unknown tag up to its own (at most the
    batch's last); a single answer for a tag outside the batch is ignored.
    """

    def __init__(self, first_tag: int, count: int):
        self.first_tag = first_tag
        self.outcomes = [None] * count
        self._settled = 0  # outcomes[:_settled] are all known

    @property
    def complete(self) -> bool:
        return self._settled == len(self.outcomes)

    def on_ack(self, delivery_tag: int, multiple: bool = False):
        self._settle(delivery_tag, multiple, True)

    def on_nack(self, delivery_tag: int, multiple: bool = False):
        self._settle(delivery_tag, multiple, False)

    def _settle(self, delivery_tag, multiple, confirmed):
        outcomes, index = self.outcomes, delivery_tag - self.first_tag
        if multiple:
            for position in range(self._settled, min(index, len(outcomes) - 1) + 1):
                if outcomes[position] is None:
                    outcomes[position] = confirmed
        elif 0 <= index < len(outcomes) and outcomes[index] is None:
            outcomes[index] = confirmed
        while self._settled < len(outcomes) and outcomes[self._settled] is not None:
            self._settled += 1


class OutboxRelay:
    def __init__(self, session_factory, metadata, service_name: str, amqp: str = None, batch_size: int = 500,
                 confirm_timeout: float = 10.0):
        self.session_factory = session_factory
        self.service_name = service_name
        self.outbox = infrastructure_tables(metadata)["outbox"]
        self.exchange = get_event_exchange(service_name, {})
        self.amqp_uri = amqp or amqp_uri()
        self.batch_size = batch_size
        self.confirm_timeout = confirm_timeout
        self._lock = Semaphore()
        self._connection = None  # a kombu Connection, opened on first use and again after a failure
        self._channel = None  # in confirm mode: the broker numbers its publishes 1, 2, ...
        self._next_tag = 1
        # the envelope's text as stored (PostgreSQL's json keeps the text it was given) and its correlation id
        self._message_columns = (sa.cast(self.outbox.c.envelope, sa.Text).label("body"),
                                 self.outbox.c.envelope["correlation_id"].as_string().label("correlation_id"))
        self._traced = tracing.enabled()  # read once: Correlation set the process's tracing up before any start
        if self._traced:  # the span that wrote each event, for its publishing span's parent
            self._message_columns += (self.outbox.c.envelope["traceparent"].as_string().label("traceparent"),)

    def publish_pending(self) -> int:
        """Publish every pending event; returns how many went out. Safe to call concurrently."""
        total = 0
        with self._lock:
            while True:
                published, failed = self._publish_batch()
                total += published
                if failed or published < self.batch_size:
                    return total

    def close(self, timeout: float = 5.0):
        """Close the broker connection, once a run in progress ended (or `timeout` passed)."""
        acquired = self._lock.acquire(timeout=timeout)
        try:
            connection, self._connection, self._channel = self._connection, None, None
            if connection is not None:
                try:
                    connection.release()
                except Exception:
                    connection.collect()
        finally:
            if acquired:
                self._lock.release()

    def _publish_batch(self) -> tuple:
        """Publish the next pending rows; returns (how many the broker confirmed, how many failed)."""
        outbox = self.outbox
        with self.session_factory() as session:
            query = (sa.select(outbox.c.id, outbox.c.type, outbox.c.event_id, *self._message_columns)
                     .where(outbox.c.published_at.is_(None)).order_by(outbox.c.id).limit(self.batch_size))
            postgresql = session.bind.dialect.name == "postgresql"
            if postgresql:
                query = query.with_for_update(skip_locked=True)
            rows = session.execute(query).all()
            if not rows:
                return 0, 0
            spans = tracing.publishing_spans(rows, self.exchange.name) if self._traced else None
            confirmed, failed = self._publish_confirmed(rows, spans)
            if spans:
                tracing.end_publishing_spans(spans, failed)
            if confirmed:
                published = one_of(outbox.c.id, [row.id for row in confirmed], postgresql)
                session.execute(outbox.update().where(published).values(
                    published_at=utcnow(), attempts=outbox.c.attempts + 1))
                for event_type, count in collections.Counter(row.type for row in confirmed).items():
                    metrics.EVENTS_PUBLISHED.labels(self.service_name, event_type).inc(count)
            if failed:  # they stay pending; the next run tries them again
                ids_by_error = collections.defaultdict(list)
                for row, error in failed:
                    ids_by_error[error].append(row.id)
                for error, ids in ids_by_error.items():
                    session.execute(outbox.update().where(one_of(outbox.c.id, ids, postgresql)).values(
                        attempts=outbox.c.attempts + 1, last_error=error[:2000]))
                metrics.OUTBOX_FAILURES.labels(self.service_name).inc()
            session.commit()
            return len(confirmed), len(failed)

    def _publish_confirmed(self, rows, spans: dict = None) -> tuple:
        """Send `rows` in order, then wait for their confirms: returns ([confirmed rows], [(row, error)]).

        A connection kept from an earlier run may have died since (broker restart): the rows it did
        not confirm are then sent once more on a new connection before they count as failed.
        """
        batch = [(row, message_for(row.body, row.event_id, row.correlation_id, self.service_name,
                                   tracing.traceparent_of(spans.get(row.id)) if spans else None))
                 for row in rows]
        confirmed, retried = [], False
        while batch:
            reused, tracker = self._channel is not None, None
            try:
                channel = self._confirm_channel()
                tracker = ConfirmTracker(self._next_tag, len(batch))
                self._send(channel, tracker, batch)
                error = None
            except Exception as caught:  # broker unreachable, connection lost, no confirm in time
                self._discard_connection()
                error = caught
            outcomes = tracker.outcomes if tracker is not None else [None] * len(batch)
            confirmed.extend(row for (row, _), outcome in zip(batch, outcomes) if outcome)
            if error is None:
                nacked = [(row, NACKED) for (row, _), outcome in zip(batch, outcomes) if outcome is False]
                if nacked:
                    log.warning("outbox publish refused by the broker, will retry",
                                extra={"event_type": nacked[0][0].type, "events": len(nacked), "error": NACKED})
                return confirmed, nacked
            batch = [pair for pair, outcome in zip(batch, outcomes) if not outcome]
            if reused and not retried:
                log.info("outbox connection lost, reconnecting", extra={"error": str(error)})
                retried = True
                continue
            log.warning("outbox publish failed, will retry",
                        extra={"event_type": batch[0][0].type, "events": len(batch), "error": str(error)})
            return confirmed, [(row, str(error)) for row, _ in batch]
        return confirmed, []

    def _send(self, channel, tracker: ConfirmTracker, batch):
        """Publish every (row, message) without waiting, then read the broker's answers until all are known."""
        events = channel.events
        events["basic_ack"].add(tracker.on_ack)
        events["basic_nack"].add(tracker.on_nack)
        try:
            exchange, send = self.exchange.name, channel.send_method
            with coalesced_writes(self._connection.connection.transport):
                for row, message in batch:
                    # channel.basic_publish(message, exchange, row.type), without its poll of the socket
                    send(spec.Basic.Publish, "Bssbb", (0, exchange, row.type, False, False), message)
                    self._next_tag += 1
            deadline = time.monotonic() + self.confirm_timeout
            while not tracker.complete:
                remaining = deadline - time.monotonic()
                try:
                    if remaining <= 0:
                        raise TimeoutError()
                    self._connection.drain_events(timeout=remaining)
                except TimeoutError:  # socket.timeout too
                    unknown = tracker.outcomes.count(None)
                    raise TimeoutError(f"no confirm from the broker within {self.confirm_timeout} s "
                                       f"for {unknown} of {len(batch)} events") from None
        finally:
            events["basic_ack"].discard(tracker.on_ack)
            events["basic_nack"].discard(tracker.on_nack)

    def _confirm_channel(self):
        if self._channel is None:
            self._connection = Connection(self.amqp_uri, ssl=amqp_ssl(self.amqp_uri) or False)
            self._connection.ensure_connection(**CONNECT_RETRY_POLICY)
            channel = self._connection.channel()
            self.exchange.declare(channel=channel)
            channel.confirm_select()
            self._channel, self._next_tag = channel, 1
        return self._channel

    def _discard_connection(self):
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None:
            try:
                connection.collect()  # drops the socket without talking to the broker
            except Exception:
                log.debug("outbox connection could not be collected", exc_info=True)

    def pending_backlog(self) -> tuple:
        return pending_backlog(self.session_factory, self.outbox)


class OutboxRelayProvider(DependencyProvider):
    """Runs the relay inside a service: woken after each commit that emitted events, and on a timer.

    Declare it next to the service's `Database`; call `.poll()` from a `@timer`
    entrypoint so events left by a crashed process go out after restart.
    """

    def __init__(self, database_attr: str = "db", gather_seconds: float = WAKE_GATHER_SECONDS):
        self.database_attr, self.gather_seconds = database_attr, gather_seconds
        self._run_waiting = self._stopping = False

    def setup(self):
        self._database = next(dep for dep in self.container.dependencies if dep.attr_name == self.database_attr)
        self._database.after_commit.append(self._wake)

    def start(self):
        # every provider's setup has run by now, so the database's session factory exists
        self.relay = OutboxRelay(self._database.session_factory, self._database.metadata,
                                 self.container.service_name, amqp=self.container.config.get("AMQP_URI"))
        self.pruner = Pruner(self._database.session_factory, self._database.metadata, self.container.service_name,
                             PruneSettings.from_env())

    def _wake(self, unit):
        """At most one run waits for its turn: the commits of the next `gather_seconds` share it, so a rush of
        commits (a batch of signatures or ballots each) costs a few relay transactions, not one each."""
        if unit.committed_events and not self._run_waiting and not self._stopping:
            self._run_waiting = True
            try:
                self.container.spawn_managed_thread(self._gather_then_publish, identifier="outbox-relay")
            except Exception:  # the container is stopping: stop() publishes what is pending
                self._run_waiting = False
                raise

    def _gather_then_publish(self):
        try:
            eventlet.sleep(self.gather_seconds)
        finally:
            self._run_waiting = False  # a commit from now on may be missed by this run: it wakes another
        if not self._stopping:
            self._publish_quietly()

    def _publish_quietly(self):
        try:
            self.relay.publish_pending()
        except Exception:
            log.exception("outbox relay run failed; the next poll retries")

    def get_dependency(self, worker_ctx):
        return self

    def stop(self):
        """The events committed within the last `gather_seconds` go out now, not at the next start."""
        self._stopping = True
        relay = getattr(self, "relay", None)
        if relay is not None:
            self._publish_quietly()
            relay.close()

    def poll(self) -> int:
        """The timer's run: what is left pending goes out; then old infrastructure rows are pruned if no replica did
        within HUB_PRUNE_INTERVAL_SECONDS (hubkit.pruning)."""
        count = self.relay.publish_pending()
        pending, oldest_age = self.relay.pending_backlog()
        metrics.OUTBOX_PENDING.labels(self.container.service_name).set(pending)
        metrics.OUTBOX_OLDEST_AGE.labels(self.container.service_name).set(oldest_age)
        try:
            self.pruner.run_if_due()
        except Exception:  # the database away: relaying is not held up by it (operations.md, "Retention and pruning")
            metrics.PRUNING_FAILURES.labels(self.container.service_name).inc()
            log.exception("pruning old infrastructure rows failed; a later run takes what is left")
        return count
