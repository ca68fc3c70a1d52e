"""The outbox relay: publishes committed events to RabbitMQ, with publisher confirms.

Events are written to `outbox_events` in the same transaction as the change
that caused them. The relay publishes pending rows in order to the producer's
nameko events exchange (`<service>.events`, routing key = event type) and marks
them published only after the broker confirmed them. A process killed between
commit and publish leaves rows pending; the next relay run publishes them.
Delivery is at least once: consumers are idempotent (`UnitOfWork.first_delivery`).
"""
import logging

import sqlalchemy as sa
from eventlet.semaphore import Semaphore
from nameko.amqp.publish import Publisher
from nameko.extensions import DependencyProvider
from nameko.standalone.events import get_event_exchange

from . import metrics
from .config import amqp_uri
from .db import utcnow
from .tables import infrastructure_tables

log = logging.getLogger(__name__)


def context_headers(envelope: dict) -> dict:
    """nameko context headers so the consumer's worker continues the same chain."""
    return {"nameko.correlation_id": envelope["correlation_id"], "nameko.causation_id": envelope["event_id"]}


class OutboxRelay:
    def __init__(self, session_factory, metadata, service_name: str, amqp: str = None, batch_size: int = 500):
        self.session_factory = session_factory
        self.service_name = service_name
        self.outbox = infrastructure_tables(metadata)["outbox"]
        self.exchange = get_event_exchange(service_name, {})
        self.publisher = Publisher(amqp or amqp_uri(), use_confirms=True, declare=[self.exchange],
                                   retry=True, retry_policy={"max_retries": 3, "interval_start": 0.2,
                                                             "interval_step": 0.5, "interval_max": 2})
        self.batch_size = batch_size
        self._lock = Semaphore()

    def publish_pending(self) -> int:
        """Publish every pending event; returns how many went out. Safe to call concurrently."""
        total = 0
        with self._lock:
            while True:
                published = self._publish_batch()
                total += published
                if published < self.batch_size:
                    return total

    def _publish_batch(self) -> int:
        outbox = self.outbox
        with self.session_factory() as session:
            query = (sa.select(outbox.c.id, outbox.c.type, outbox.c.envelope)
                     .where(outbox.c.published_at.is_(None)).order_by(outbox.c.id).limit(self.batch_size))
            if session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = session.execute(query).all()
            published_ids = []
            for row in rows:
                try:
                    self.publisher.publish(row.envelope, exchange=self.exchange, routing_key=row.type,
                                           extra_headers=context_headers(row.envelope))
                except Exception as error:  # broker down or refused: keep the row pending
                    log.warning("outbox publish failed, will retry", extra={"event_type": row.type, "error": str(error)})
                    session.execute(outbox.update().where(outbox.c.id == row.id).values(
                        attempts=outbox.c.attempts + 1, last_error=str(error)[:2000]))
                    metrics.OUTBOX_FAILURES.labels(self.service_name).inc()
                    break
                published_ids.append(row.id)
                metrics.EVENTS_PUBLISHED.labels(self.service_name, row.type).inc()
            if published_ids:
                session.execute(outbox.update().where(outbox.c.id.in_(published_ids)).values(
                    published_at=utcnow(), attempts=outbox.c.attempts + 1))
            session.commit()
            if len(published_ids) < len(rows):
                return 0
            return len(published_ids)

    def pending_count(self) -> int:
        with self.session_factory() as session:
            return session.execute(sa.select(sa.func.count()).select_from(self.outbox)
                                   .where(self.outbox.c.published_at.is_(None))).scalar_one()


class OutboxRelayProvider(DependencyProvider):
    """Runs the relay inside a service: woken after each commit that emitted events, and on a timer.

    Declare it next to the service's `Database`; call `.poll()` from a `@timer`
    entrypoint so events left by a crashed process go out after restart.
    """

    def __init__(self, database_attr: str = "db"):
        self.database_attr = database_attr

    def setup(self):
        self._database = next(dep for dep in self.container.dependencies if dep.attr_name == self.database_attr)
        self._database.after_commit.append(self._wake)

    def start(self):
        # every provider's setup has run by now, so the database's session factory exists
        self.relay = OutboxRelay(self._database.session_factory, self._database.metadata,
                                 self.container.service_name, amqp=self.container.config.get("AMQP_URI"))

    def _wake(self, unit):
        if unit.committed_events:
            self.container.spawn_managed_thread(self._publish_quietly, identifier="outbox-relay")

    def _publish_quietly(self):
        try:
            self.relay.publish_pending()
        except Exception:
            log.exception("outbox relay run failed; the next poll retries")

    def get_dependency(self, worker_ctx):
        return self

    def poll(self) -> int:
        count = self.relay.publish_pending()
        metrics.OUTBOX_PENDING.labels(self.container.service_name).set(self.relay.pending_count())
        return count
