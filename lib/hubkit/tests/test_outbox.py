"""Transactional outbox: a change and its events commit together, and committed events always go out."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from nameko.exceptions import RpcTimeout
from nameko.standalone.rpc import ServiceRpcProxy

from broker import Tap
from hubkit.errors import Conflict
from hubkit.outbox import OutboxRelay
from hubkit_sample_services import unit_of_work, NotesService, metadata, notes

pytestmark = pytest.mark.integration
OUTBOX = metadata.tables["outbox_events"]


def rows(url, table):
    with unit_of_work(url) as uow:
        return uow.session.execute(sa.select(table)).all()


def relay(url, amqp_uri):
    return OutboxRelay(unit_of_work(url)._session_factory, metadata, "hubkit_notes", amqp=amqp_uri)


def wait_until_answering(proxy, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return proxy.ping()
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def write(url, text):
    with unit_of_work(url) as uow:
        uow.session.execute(notes.insert().values(text=text))
        return uow.emit("note_written", {"kind": "note", "id": text}, {"text": text})


def test_committed_events_are_published_once_with_confirms(infra_db, rabbit_config):
    tap = Tap(rabbit_config["AMQP_URI"], "hubkit_notes")
    first, second = write(infra_db, "un"), write(infra_db, "deux")
    assert tap.messages(expected=0, timeout=0.5) == []  # nothing leaves before the relay runs

    assert relay(infra_db, rabbit_config["AMQP_URI"]).publish_pending() == 2
    assert relay(infra_db, rabbit_config["AMQP_URI"]).publish_pending() == 0

    received = tap.messages(expected=2)
    assert [body["event_id"] for body, _ in received] == [first["event_id"], second["event_id"]]
    body, headers = received[0]
    assert headers["nameko.correlation_id"] == body["correlation_id"]
    assert headers["nameko.causation_id"] == body["event_id"]
    assert all(row.published_at is not None for row in rows(infra_db, OUTBOX))


def test_collected_events_are_written_together_in_order_with_their_own_ids(infra_db):
    from hubkit import correlation
    with unit_of_work(infra_db) as uow:
        with uow.collected_events():
            for number in range(3):
                tokens = correlation.bind(f"req-{number}")
                try:
                    uow.emit("note_written", {"kind": "note", "id": str(number)}, {"text": str(number)})
                finally:
                    correlation.unbind(tokens)
            assert rows(infra_db, OUTBOX) == []  # not written yet (and not visible outside anyway)
    written = sorted(rows(infra_db, OUTBOX), key=lambda row: row.id)
    assert [(row.envelope["payload"]["text"], row.envelope["correlation_id"]) for row in written] == [
        ("0", "req-0"), ("1", "req-1"), ("2", "req-2")]
    with pytest.raises(RuntimeError):
        with unit_of_work(infra_db) as uow:
            with uow.collected_events():
                uow.emit("note_written", {"kind": "note", "id": "x"}, {"text": "x"})
                raise RuntimeError("nothing collected is written")
    assert len(rows(infra_db, OUTBOX)) == 3


def test_a_rolled_back_change_leaves_no_event(infra_db):
    with pytest.raises(RuntimeError):
        with unit_of_work(infra_db) as uow:
            uow.session.execute(notes.insert().values(text="annulé"))
            uow.emit("note_written", {"kind": "note", "id": "annulé"}, {"text": "annulé"})
            raise RuntimeError("the change fails after the event was recorded")
    assert rows(infra_db, notes) == [] and rows(infra_db, OUTBOX) == []


def test_events_stay_pending_while_the_broker_is_unreachable(infra_db, rabbit_config):
    write(infra_db, "en attente")
    unreachable = OutboxRelay(unit_of_work(infra_db)._session_factory, metadata, "hubkit_notes",
                              amqp="amqp://guest:guest@127.0.0.1:1//")
    assert unreachable.publish_pending() == 0
    [row] = rows(infra_db, OUTBOX)
    assert row.published_at is None and row.attempts == 1 and row.last_error

    tap = Tap(rabbit_config["AMQP_URI"], "hubkit_notes")
    assert relay(infra_db, rabbit_config["AMQP_URI"]).publish_pending() == 1
    assert len(tap.messages(expected=1)) == 1


def test_a_process_killed_between_commit_and_publish_loses_nothing(infra_db, rabbit_config):
    """The service commits a note and its event, then is SIGKILLed before its relay runs; after restart it goes out."""
    tap = Tap(rabbit_config["AMQP_URI"], "hubkit_notes")
    env = {**os.environ, "HUB_AMQP_URI": rabbit_config["AMQP_URI"], "HUBKIT_NOTES_DATABASE_URL": infra_db}
    script = [sys.executable, str(Path(__file__).parent / "hubkit_sample_services.py")]

    service = subprocess.Popen(script, env={**env, "HUBKIT_DIE_AFTER_COMMIT": "1"})
    with ServiceRpcProxy("hubkit_notes", rabbit_config, timeout=3) as notes_rpc:
        wait_until_answering(notes_rpc)
        with pytest.raises(RpcTimeout):  # the process dies before answering
            notes_rpc.write_note("survivante")
    assert service.wait(10) == -9
    assert [row.text for row in rows(infra_db, notes)] == ["survivante"]
    [pending] = rows(infra_db, OUTBOX)
    assert pending.published_at is None
    assert tap.messages(expected=0, timeout=0.5) == []

    restarted = subprocess.Popen(script, env=env)
    try:
        # nameko redelivers the unacknowledged request to the restarted process, which writes a second note
        received = tap.messages(expected=2, timeout=15)
    finally:
        restarted.terminate()
        restarted.wait(10)
    received_ids = [body["event_id"] for body, _ in received]
    assert received_ids.count(pending.event_id) == 1
    assert len(received_ids) == len(rows(infra_db, notes)) == 2
    assert all(row.published_at is not None for row in rows(infra_db, OUTBOX))


def test_a_service_publishes_right_after_commit_with_the_callers_correlation(infra_db, rabbit_config,
                                                                           container_factory):
    tap = Tap(rabbit_config["AMQP_URI"], "hubkit_notes")
    container_factory(NotesService, rabbit_config).start()
    with ServiceRpcProxy("hubkit_notes", rabbit_config, context_data={"correlation_id": "req-42"}) as notes_rpc:
        assert notes_rpc.write_note("corrélée") == {"correlation_id": "req-42"}
        with pytest.raises(Conflict):
            notes_rpc.write_note_then_fail("refusée")
    [(body, headers)] = tap.messages(expected=1)
    assert body["correlation_id"] == "req-42" and body["causation_id"] == "req-42"
    assert body["producer"] == "hubkit_notes" and body["type"] == "note_written"
    assert [row.text for row in rows(infra_db, notes)] == ["corrélée"]
