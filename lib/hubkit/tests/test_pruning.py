"""Pruning the infrastructure tables: what is past the retention goes in bounded batches, what is recent or still
pending stays, one replica runs it per interval, concurrent runs share the work, bad settings are refused."""
import logging
import types
from datetime import timedelta

import eventlet
import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from hubkit.clock import utcnow
from hubkit.outbox import OutboxRelayProvider
from hubkit.pruning import LAST_RUN, PruneSettings, Pruner
from hubkit_sample_services import metadata, unit_of_work

OUTBOX, PROCESSED, MAILS = (metadata.tables[name] for name in ("outbox_events", "processed_events", "outgoing_mails"))
SERVICE = "hubkit_notes"


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now


def days_ago(days: float):
    return utcnow() - timedelta(days=days)


def add_outbox(uow, number: int, published_days_ago=None, created_days_ago: float = 40):
    event_id = f"00000000-0000-4000-8000-{number:012d}"
    uow.session.execute(OUTBOX.insert().values(
        event_id=event_id, type="note_written", envelope={"event_id": event_id}, created_at=days_ago(created_days_ago),
        published_at=None if published_days_ago is None else days_ago(published_days_ago), attempts=1))


def add_processed(uow, number: int, days: float):
    uow.session.execute(PROCESSED.insert().values(event_id=f"event-{number}", handler="hubkit_notes.on_note",
                                                  processed_at=days_ago(days)))


def add_mail(uow, recipient: str, created_days_ago: float, sent_days_ago=None, attempts: int = 1):
    uow.session.execute(MAILS.insert().values(
        recipient=recipient, subject="Objet", body="", created_at=days_ago(created_days_ago),
        sent_at=None if sent_days_ago is None else days_ago(sent_days_ago), attempts=attempts,
        next_attempt_at=days_ago(created_days_ago)))


def pruner(url, clock=utcnow, batch_rows=5000, after_days=30, interval_seconds=3600) -> Pruner:
    """A pruner on an engine of its own, as a replica in another process would have."""
    return Pruner(unit_of_work(url)._session_factory, metadata, SERVICE,
                  PruneSettings(after_days=after_days, interval_seconds=interval_seconds), clock, batch_rows)


def remaining(url, column) -> list:
    with unit_of_work(url) as uow:
        return sorted(uow.session.execute(sa.select(column)).scalars())


def pruned_total(table: str) -> float:
    return REGISTRY.get_sample_value("hub_rows_pruned_total", {"service": SERVICE, "table": table}) or 0.0


def test_rows_past_the_retention_go_and_recent_or_pending_ones_stay(infra_db):
    with unit_of_work(infra_db) as uow:
        add_outbox(uow, 1, published_days_ago=40)
        add_outbox(uow, 2, published_days_ago=29)
        add_outbox(uow, 3, published_days_ago=None)  # 40 days old but never published: it must still go out
        add_processed(uow, 1, days=31)
        add_processed(uow, 2, days=2)
        add_mail(uow, "sent-long-ago", 40, sent_days_ago=40)
        add_mail(uow, "sent-lately", 40, sent_days_ago=1)
        add_mail(uow, "given-up-long-ago", 40, attempts=8)
        add_mail(uow, "given-up-lately", 1, attempts=8)
        add_mail(uow, "still-retried", 40, attempts=3)
    before = {table: pruned_total(table) for table in ("outbox_events", "processed_events", "outgoing_mails")}

    assert pruner(infra_db).prune() == {"outbox_events": 1, "processed_events": 1, "outgoing_mails": 2}

    assert remaining(infra_db, OUTBOX.c.event_id) == [f"00000000-0000-4000-8000-{number:012d}" for number in (2, 3)]
    assert remaining(infra_db, PROCESSED.c.event_id) == ["event-2"]
    assert remaining(infra_db, MAILS.c.recipient) == ["given-up-lately", "sent-lately", "still-retried"]
    assert {table: pruned_total(table) - before[table] for table in before} == {
        "outbox_events": 1, "processed_events": 1, "outgoing_mails": 2}


def test_each_statement_deletes_one_bounded_batch(infra_db):
    with unit_of_work(infra_db) as uow:
        for number in range(10):
            add_processed(uow, number, days=40)
    cutting = pruner(infra_db, batch_rows=3)
    deletes = []

    @sa.event.listens_for(cutting.session_factory.kw["bind"], "after_cursor_execute")
    def count_deletes(connection, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("DELETE FROM PROCESSED_EVENTS"):
            deletes.append(cursor.rowcount)

    assert cutting.prune()["processed_events"] == 10
    assert deletes == [3, 3, 3, 1]
    assert remaining(infra_db, PROCESSED.c.event_id) == []


def test_one_run_per_interval_whichever_replica_asks(infra_db):
    with unit_of_work(infra_db) as uow:
        add_processed(uow, 1, days=40)
    clock = Clock()
    first, second = pruner(infra_db, clock), pruner(infra_db, clock)

    assert first.run_if_due() == {"outbox_events": 0, "processed_events": 1, "outgoing_mails": 0}
    assert second.run_if_due() is None and first.run_if_due() is None  # another replica ran within the hour
    clock.now += timedelta(seconds=3599)
    assert second.run_if_due() is None
    clock.now += timedelta(seconds=2)
    assert second.run_if_due() == {"outbox_events": 0, "processed_events": 0, "outgoing_mails": 0}
    assert first.run_if_due() is None
    # the bookkeeping row that dates the last run is never pruned itself, however long the retention is past
    clock.now += timedelta(days=400)
    assert first.run_if_due() is not None
    with unit_of_work(infra_db) as uow:
        assert uow.session.execute(sa.select(PROCESSED.c.event_id, PROCESSED.c.handler)).all() == [LAST_RUN]


def test_between_runs_the_timer_does_not_ask_the_database(infra_db):
    clock = Clock()
    first, second = pruner(infra_db, clock), pruner(infra_db, clock)
    sessions = []
    for replica in (first, second):
        opened = replica.session_factory
        replica.session_factory = lambda opened=opened: sessions.append(1) or opened()
    assert first.run_if_due() is not None and second.run_if_due() is None
    asked = len(sessions)
    for _ in range(100):  # the relay timer's polls of the next 200 s
        clock.now += timedelta(seconds=2)
        assert first.run_if_due() is None and second.run_if_due() is None
    assert len(sessions) == asked  # each replica knows when the next run can be due
    clock.now += timedelta(seconds=3400)
    assert (first.run_if_due() is None) != (second.run_if_due() is None)  # one of them runs, once due


@pytest.mark.parametrize("database_kind", ["postgresql"])
@pytest.mark.parametrize("last_run_hours_ago", [None, 2], ids=["first-run", "next-run"])
def test_replicas_asking_at_the_same_moment_run_it_once(infra_db, last_run_hours_ago):
    with unit_of_work(infra_db) as uow:
        for number in range(50):
            add_processed(uow, number, days=40)
        if last_run_hours_ago is not None:
            uow.session.execute(PROCESSED.insert().values(event_id=LAST_RUN[0], handler=LAST_RUN[1],
                                                          processed_at=utcnow() - timedelta(hours=last_run_hours_ago)))
    replicas = [pruner(infra_db) for _ in range(4)]

    outcomes = [run.wait() for run in [eventlet.spawn(replica.run_if_due) for replica in replicas]]

    ran = [outcome for outcome in outcomes if outcome is not None]
    assert len(ran) == 1 and ran[0]["processed_events"] == 50
    assert remaining(infra_db, PROCESSED.c.event_id) == [LAST_RUN[0]]


@pytest.mark.parametrize("database_kind", ["postgresql"])
def test_two_prunes_at_once_both_succeed_and_delete_each_row_once(infra_db):
    with unit_of_work(infra_db) as uow:
        for number in range(3000):
            add_processed(uow, number, days=40)
        add_processed(uow, 9999, days=1)
    before = pruned_total("processed_events")
    first, second = pruner(infra_db, batch_rows=100), pruner(infra_db, batch_rows=100)

    counts = [run.wait()["processed_events"] for run in (eventlet.spawn(first.prune), eventlet.spawn(second.prune))]

    assert sum(counts) == 3000  # no row counted by both
    assert pruned_total("processed_events") - before == 3000
    assert remaining(infra_db, PROCESSED.c.event_id) == ["event-9999"]


def test_the_defaults_are_a_month_and_an_hour(monkeypatch):
    monkeypatch.delenv("HUB_PRUNE_AFTER_DAYS", raising=False)
    monkeypatch.setenv("HUB_PRUNE_INTERVAL_SECONDS", "")
    assert PruneSettings.from_env() == PruneSettings(after_days=30, interval_seconds=3600)
    monkeypatch.setenv("HUB_PRUNE_AFTER_DAYS", "90")
    monkeypatch.setenv("HUB_PRUNE_INTERVAL_SECONDS", "600")
    assert PruneSettings.from_env() == PruneSettings(after_days=90, interval_seconds=600)


@pytest.mark.parametrize("name, value", [
    ("HUB_PRUNE_AFTER_DAYS", "trente"), ("HUB_PRUNE_AFTER_DAYS", "0"), ("HUB_PRUNE_AFTER_DAYS", "-5"),
    ("HUB_PRUNE_AFTER_DAYS", "1.5"), ("HUB_PRUNE_AFTER_DAYS", "99999999"), ("HUB_PRUNE_AFTER_DAYS", "³"),
    ("HUB_PRUNE_INTERVAL_SECONDS", "5"), ("HUB_PRUNE_INTERVAL_SECONDS", "1h"),
    ("HUB_PRUNE_INTERVAL_SECONDS", "100000000"),
])
def test_a_bad_setting_is_refused_naming_its_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError) as refused:
        PruneSettings.from_env()
    message = str(refused.value)
    assert message.startswith(f"{name} doit être un nombre entier entre") and repr(value) in message


def test_a_failed_pruning_is_logged_and_the_relay_poll_still_answers(caplog):
    class Relay:
        def publish_pending(self):
            return 3

        def pending_backlog(self):
            return 0, 0.0

    class DatabaseAway:
        def run_if_due(self):
            raise sa.exc.OperationalError("DELETE", {}, Exception("connection refused"))

    provider = OutboxRelayProvider()
    provider.container = types.SimpleNamespace(service_name=SERVICE)
    provider.relay, provider.pruner = Relay(), DatabaseAway()
    with caplog.at_level(logging.ERROR, logger="hubkit.outbox"):
        assert provider.poll() == 3
    assert "pruning old infrastructure rows failed" in caplog.text


def test_a_failing_prune_is_counted_and_does_not_hold_up_the_relay():
    from types import SimpleNamespace

    from hubkit import metrics
    from hubkit.outbox import OutboxRelayProvider

    class BrokenPruner:
        def run_if_due(self):
            raise RuntimeError("database away")

    provider = OutboxRelayProvider()
    provider.container = SimpleNamespace(service_name="pruning_sample")
    provider.relay = SimpleNamespace(publish_pending=lambda: 3, pending_backlog=lambda: (0, 0.0))
    provider.pruner = BrokenPruner()
    failures = metrics.PRUNING_FAILURES.labels("pruning_sample")
    before = failures._value.get()
    assert provider.poll() == 3
    assert failures._value.get() == before + 1
