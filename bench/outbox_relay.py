"""CPU and wall time of one outbox relay run, in-process, against one confirmed publish per event.

    .venv/bin/python bench/outbox_relay.py                      # 5,000 events, temp SQLite, local RabbitMQ
    .venv/bin/python bench/outbox_relay.py --events 5000 --rounds 3 \
        --database-url postgresql://postgres@127.0.0.1:5432/some_scratch_db

`relay`: each round, `--events` pending rows are written to `outbox_events` in one transaction, then one
`hubkit.outbox.OutboxRelay.publish_pending()` is timed with time.process_time (CPU of this process) and
time.perf_counter (wall). `one_by_one`: the same events published with nameko's `Publisher`, one synchronous
confirm each (no database work: the baseline is flattered). A 20-event warm-up comes first, so the broker
connection is already open. The events go to a private exchange `bench_relay_<random>.events`; a queue bound to
it checks that every event arrived exactly once, in order, and is deleted at the end with the exchange. The
outbox table is created in the database given (dropped at the end) or in a temporary SQLite file. The process
runs under eventlet like the services. Does not touch bench/run_bench.py's platform. Prints one JSON document.
"""
import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import json  # noqa: E402
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

from nameko.amqp.publish import Publisher  # noqa: E402

from hubkit.db import UnitOfWork, make_engine  # noqa: E402
from hubkit.outbox import OutboxRelay, context_headers  # noqa: E402
from hubkit.tables import add_infrastructure_tables  # noqa: E402



def publish_one_by_one(publisher, exchange, rows) -> int:
    """The baseline: one nameko `Publisher.publish` per event, each waiting for its confirm (what the relay did
    before 2026-12-01). Only the publishing: no outbox read or update, so the ratio flatters the baseline."""
    for event_type, envelope in rows:
        publisher.publish(envelope, exchange=exchange, routing_key=event_type, extra_headers=context_headers(envelope))
    return len(rows)


def write_events(session_factory, producer, metadata, count):
    """`count` pending events in one transaction."""
    with UnitOfWork(session_factory, producer, metadata) as uow:
        for number in range(count):
            uow.emit("signature_added", {"kind": "petition", "id": "petition-1"},
                         {"petition_id": "petition-1", "signature_id": f"s-{number}", "count": number + 1})
        return [event["event_id"] for event in uow.events], [(event["type"], event) for event in uow.events]


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
    if sa.inspect(engine).has_table("outbox_events"):  # a service's database: its events are not ours to drop
        parser.error("--database-url: this database already has an outbox_events table; give an empty one")
    metadata.create_all(engine)
    session_factory = sessionmaker(engine, expire_on_commit=False)
    service = f"bench_relay_{uuid.uuid4().hex[:8]}"

    broker = Connection(args.amqp)
    channel = broker.channel()
    exchange = Exchange(f"{service}.events", type="topic", durable=True)
    queue = Queue(f"{service}-tap", exchange=exchange, routing_key="#", durable=False, auto_delete=False)
    queue(channel).declare()

    relay = OutboxRelay(session_factory, metadata, service, amqp=args.amqp)
    publisher = Publisher(args.amqp, use_confirms=True, declare=[relay.exchange])

    def run_relay(event_ids, envelopes):
        return relay.publish_pending()

    def run_one_by_one(event_ids, envelopes):
        return publish_one_by_one(publisher, relay.exchange, envelopes)

    results = {}
    try:
        for name, run in (("relay", run_relay), ("one_by_one", run_one_by_one)):
            cpu, wall = [], []
            for count in [20] + [args.events] * args.rounds:  # the first run warms the connection up
                event_ids, envelopes = write_events(session_factory, service, metadata, count)
                cpu_start, wall_start = time.process_time(), time.perf_counter()
                published = run(event_ids, envelopes)
                spent_cpu, spent_wall = time.process_time() - cpu_start, time.perf_counter() - wall_start
                assert published == count, published
                assert received_ids(channel, queue, count) == event_ids, f"{name}: not once each, in order"
                if name == "one_by_one":
                    relay.publish_pending()  # the rows themselves, so the next round starts with none pending
                    received_ids(channel, queue, count)
                if count == args.events:
                    cpu.append(spent_cpu)
                    wall.append(spent_wall)
            results[name] = {"cpu_ms_per_event": round(statistics.median(cpu) * 1000 / args.events, 4),
                             "wall_s": round(statistics.median(wall), 3)}
        results["cpu_ratio_one_by_one_over_relay"] = round(
            results["one_by_one"]["cpu_ms_per_event"] / results["relay"]["cpu_ms_per_event"], 1)
    finally:
        relay.close()
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
