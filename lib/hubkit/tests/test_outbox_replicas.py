"""Two replicas' outbox relays on one PostgreSQL database publish every event once: each skips the rows the other
is publishing (`FOR UPDATE SKIP LOCKED`) instead of publishing them too."""
import collections

import eventlet
import pytest
import sqlalchemy as sa

from broker import Tap
from hubkit.outbox import OutboxRelay
from hubkit_sample_services import metadata, unit_of_work

OUTBOX = metadata.tables["outbox_events"]


def relay(url, amqp_uri) -> OutboxRelay:
    """A relay on an engine and a broker connection of its own, as a replica in another process would have."""
    return OutboxRelay(unit_of_work(url)._session_factory, metadata, "hubkit_notes", amqp=amqp_uri, batch_size=100)


@pytest.mark.parametrize("database_kind", ["postgresql"])
def test_two_replicas_relays_publish_every_event_exactly_once(infra_db, rabbit_config):
    uri = rabbit_config["AMQP_URI"]
    tap = Tap(uri, "hubkit_notes")
    with unit_of_work(infra_db) as uow:
        for number in range(1000):
            uow.emit("note_written", {"kind": "note", "id": f"n{number}"}, {"text": f"n{number}"})
        written = [envelope["event_id"] for envelope in uow.events]
    first, second = relay(infra_db, uri), relay(infra_db, uri)

    counts = [run.wait() for run in (eventlet.spawn(first.publish_pending), eventlet.spawn(second.publish_pending))]
    received = tap.messages(expected=1000)
    first.close(), second.close(), tap.close()

    published = collections.Counter(body["event_id"] for body, _ in received)
    assert sorted(published) == sorted(written) and set(published.values()) == {1}  # each once
    assert sum(counts) == 1000 and min(counts) > 0  # both replicas published a share
    with unit_of_work(infra_db) as uow:
        assert uow.session.execute(sa.select(sa.func.count()).select_from(OUTBOX).where(
            OUTBOX.c.published_at.is_not(None), OUTBOX.c.attempts == 1)).scalar_one() == 1000  # marked once each
