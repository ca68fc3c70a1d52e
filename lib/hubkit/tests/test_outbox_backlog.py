"""The outbox's backlog: how many events are pending and how long the oldest has waited, on SQLite and PostgreSQL,
and the relay timer's gauges `hub_outbox_pending_events` / `hub_outbox_oldest_pending_age_seconds`."""
import types
from datetime import timedelta

import sqlalchemy as sa

from hubkit import metrics
from hubkit.clock import utcnow
from hubkit.outbox import OutboxRelayProvider
from hubkit.outbox_backlog import pending_backlog
from hubkit_sample_services import metadata, unit_of_work

OUTBOX = metadata.tables["outbox_events"]


def emit(url, name: str, committed_ago: float):
    with unit_of_work(url) as uow:
        event = uow.emit("note_written", {"kind": "note", "id": name}, {"text": name})
        uow.session.execute(OUTBOX.update().where(OUTBOX.c.event_id == event["event_id"])
                            .values(created_at=utcnow() - timedelta(seconds=committed_ago)))
    return event


def test_the_backlog_counts_pending_events_and_ages_the_oldest(infra_db):
    session_factory = unit_of_work(infra_db)._session_factory
    assert pending_backlog(session_factory, OUTBOX) == (0, 0.0)  # nothing pending: the age is 0, not unknown

    oldest = emit(infra_db, "ancien", committed_ago=90)
    emit(infra_db, "récent", committed_ago=5)
    published = emit(infra_db, "publié", committed_ago=600)
    with unit_of_work(infra_db) as uow:  # published long ago: no longer part of the backlog
        uow.session.execute(OUTBOX.update().where(OUTBOX.c.event_id == published["event_id"])
                            .values(published_at=utcnow()))

    now = utcnow()
    count, age = pending_backlog(session_factory, OUTBOX, now=now)
    assert count == 2 and 89 <= age <= 91

    with unit_of_work(infra_db) as uow:
        uow.session.execute(OUTBOX.update().where(OUTBOX.c.event_id == oldest["event_id"])
                            .values(published_at=utcnow()))
    count, age = pending_backlog(session_factory, OUTBOX, now=now)
    assert count == 1 and 4 <= age <= 6
    with unit_of_work(infra_db) as uow:
        uow.session.execute(OUTBOX.update().values(published_at=sa.func.coalesce(OUTBOX.c.published_at, utcnow())))
    assert pending_backlog(session_factory, OUTBOX) == (0, 0.0)


def test_the_relay_timer_exports_the_backlog_and_its_age():
    class Relay:
        def __init__(self, backlog):
            self.backlog = backlog

        def publish_pending(self):
            return 0

        def pending_backlog(self):
            return self.backlog

    provider = OutboxRelayProvider()
    provider.container = types.SimpleNamespace(service_name="backlog_sample")
    provider.pruner = types.SimpleNamespace(run_if_due=lambda: None)
    pending, age = (metrics.OUTBOX_PENDING.labels("backlog_sample"), metrics.OUTBOX_OLDEST_AGE.labels("backlog_sample"))

    provider.relay = Relay((3, 42.5))
    provider.poll()
    assert (pending._value.get(), age._value.get()) == (3, 42.5)

    provider.relay = Relay((0, 0.0))  # the backlog went out: both back to 0
    provider.poll()
    assert (pending._value.get(), age._value.get()) == (0, 0.0)
