"""CPU and wall time of one outbox relay run, in-process: the relay before the pipelined confirms and now.

    .venv/bin/python bench/outbox_relay.py                      # 5,000 events, temp SQLite, local RabbitMQ
    .venv/bin/python bench/outbox_relay.py --events 5000 --rounds 3 \
        --database-url postgresql://postgres@127.0.0.1:5432/some_scratch_db

For each relay (`before`: the per-event `Publisher.publish` with a synchronous confirm, copied below as it was;
`after`: hubkit.outbox.OutboxRelay), each round: `--events` pending rows are written to `outbox_events` in one
transaction, then one `publish_pending()` is timed with time.process_time (CPU of this process) and
time.perf_counter (wall). A 20-event warm-up run comes first, so the broker connection is already open in both.
The events go to a private exchange `bench_relay_<random>.events`; a queue bound to it checks that every event
arrived exactly once, in order, and is deleted at the end with the exchange. The outbox table is created in the
database given (dropped at the end) or in a temporary SQLite file. The process runs under eventlet like the
services. Does not touch bench/run_bench.py's platform. Prints one JSON document.
"""
import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

import sqlalchemy as sa  # noqa: E402
from kombu import Connection, Exchange, Queue  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib" / "hubkit"))

from eventlet.semaphore import Semaphore  # noqa: E402
from nameko.amqp.publish import Publisher  # noqa: E402
from nameko.standalone.events import get_event_exchange  # noqa: E402

from hubkit import metrics  # noqa: E402
from hubkit.db import UnitOfWork, make_engine, utcnow  # noqa: E402
from hubkit.outbox import OutboxRelay, context_headers  # noqa: E402
from hubkit.tables import add_infrastructure_tables, infrastructure_tables  # noqa: E402

log = logging.getLogger(__name__)


class BeforeOutboxRelay:
    """hubkit.outbox.OutboxRelay as it was before the pipelined confirms (commit 477d39a), for the comparison."""

    def __init__(self, session_factory, metadata, service_name: str, amqp: str = None, batch_size: int = 500):
        self.session_factory = session_factory
        self.service_name = service_name
        self.outbox = infrastructure_tables(metadata)["outbox"]
        self.exchange = get_event_exchange(service_name, {})
        self.publisher = Publisher(amqp, use_confirms=True, declare=[self.exchange],
                                   retry=True, retry_policy={"max_retries": 3, "interval_start": 0.2,
                                                             "interval_step": 0.5, "interval_max": 2})
        self.batch_size = batch_size
        self._lock = Semaphore()

    def publish_pending(self) -> int:
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
                except Exception as error:
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


def write_events(session_factory, producer, metadata, count):
    """`count` pending events in one transaction, like a batch of signatures (collected, one multi-row INSERT)."""
    with UnitOfWork(session_factory, producer, metadata) as uow:
        with uow.collected_events():
            for number in range(count):
                uow.emit("signature_added", {"kind": "petition", "id": "petition-1"},
                         {"petition_id": "petition-1", "signature_id": f"s-{number}", "count": number + 1})
        return [event["event_id"] for event in uow.events]


def received_ids(channel, queue, expected, timeout=30.0):
    ids, deadline, bound = [], time.monotonic() + timeout, queue(channel)
    while len(ids) < expected and time.monotonic() < deadline:
        message = bound.get(no_ack=True)
        if message is None:
            time.sleep(0.01)
            continue
        ids.append(message.payload["event_id"])
    return ids


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--amqp", default="amqp://guest:guest@127.0.0.1:5672/")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()

    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='outbox-bench-')) / 'bench.db'}"
    metadata = sa.MetaData()
    add_infrastructure_tables(metadata)
    engine = make_engine(url)
    metadata.create_all(engine)
    session_factory = sessionmaker(engine, expire_on_commit=False)
    service = f"bench_relay_{uuid.uuid4().hex[:8]}"

    broker = Connection(args.amqp)
    channel = broker.channel()
    exchange = Exchange(f"{service}.events", type="topic", durable=True)
    queue = Queue(f"{service}-tap", exchange=exchange, routing_key="#", durable=False, auto_delete=False)
    queue(channel).declare()

    relays = {"before": BeforeOutboxRelay(session_factory, metadata, service, amqp=args.amqp),
              "after": OutboxRelay(session_factory, metadata, service, amqp=args.amqp)}
    results = {}
    try:
        for name, relay in relays.items():
            write_events(session_factory, service, metadata, 20)
            assert relay.publish_pending() == 20
            assert len(received_ids(channel, queue, 20)) == 20
            cpu, wall = [], []
            for _ in range(args.rounds):
                event_ids = write_events(session_factory, service, metadata, args.events)
                cpu_start, wall_start = time.process_time(), time.perf_counter()
                published = relay.publish_pending()
                cpu.append(time.process_time() - cpu_start)
                wall.append(time.perf_counter() - wall_start)
                assert published == args.events, published
                assert received_ids(channel, queue, args.events) == event_ids, f"{name}: not once each, in order"
            results[name] = {"cpu_ms_per_event": round(statistics.median(cpu) * 1000 / args.events, 4),
                             "wall_s": round(statistics.median(wall), 3),
                             "cpu_s_rounds": [round(value, 3) for value in cpu],
                             "wall_s_rounds": [round(value, 3) for value in wall]}
        results["cpu_ratio_before_over_after"] = round(
            results["before"]["cpu_ms_per_event"] / results["after"]["cpu_ms_per_event"], 1)
    finally:
        relays["after"].close()
        queue(channel).delete()
        exchange(channel).delete()
        broker.release()
        if args.database_url:
            metadata.drop_all(engine)
        engine.dispose()
    print(json.dumps({"events": args.events, "rounds": args.rounds, "database": engine.dialect.name,
                      **results}, indent=2))


if __name__ == "__main__":
    main()
