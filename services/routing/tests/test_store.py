"""The store of the use-case tests (hubkit.testing): on SQLite, an in-memory copy of the migrated template, one
connection that green threads queue for; a test that hands its database on gets the file instead."""
import sqlite3
import uuid
from datetime import datetime, timezone

import eventlet
import pytest
import sqlalchemy as sa

from hubkit.db import make_engine


def schema_of(connection) -> list:
    """Every table, index and trigger as SQLite keeps them, and the migration the database is at."""
    objects = connection.execute(sa.text("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")).all()
    return [tuple(row) for row in objects] + connection.execute(sa.text("SELECT version_num FROM alembic_version")).all()


def record(uow, event_id: str):
    uow.session.execute(sa.insert(uow._tables["processed"]).values(
        event_id=event_id, handler="test", processed_at=datetime.now(timezone.utc)))


@pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
def test_on_sqlite_the_store_is_an_in_memory_copy_of_the_migrated_schema(store, database_kind, tmp_path):
    assert store.engine.url.render_as_string() == "sqlite://"  # no file
    from hubkit.testing import _templates
    [template] = [path for (kind, service), path in _templates.items() if (kind, service) == ("sqlite", "routing")]
    migrated = make_engine(f"sqlite:///{template}")
    with migrated.connect() as on_file, store.engine.connect() as in_memory:
        assert schema_of(in_memory) == schema_of(on_file) and len(schema_of(in_memory)) > 10
    migrated.dispose()
    with sqlite3.connect(template) as untouched:
        rows_before = untouched.execute("SELECT count(*) FROM processed_events").fetchone()
    with store.uow() as uow:
        record(uow, str(uuid.uuid4()))
    with sqlite3.connect(template) as untouched:  # the copy is the test's own
        assert untouched.execute("SELECT count(*) FROM processed_events").fetchone() == rows_before
    assert len(store.rows("processed_events")) == 1


@pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
def test_green_threads_queue_for_the_one_connection_and_each_transaction_commits(store, database_kind):
    def write(number):
        with store.uow() as uow:
            record(uow, f"00000000-0000-4000-8000-{number:012d}")
            eventlet.sleep(0.01)  # another green thread runs meanwhile: it waits for the connection
    pool = eventlet.GreenPool(5)
    list(pool.imap(write, range(5)))
    assert len(store.rows("processed_events")) == 5


def test_a_test_that_hands_its_database_on_gets_the_same_database(store, routing_db):
    with store.uow() as uow:
        record(uow, str(uuid.uuid4()))
    elsewhere = make_engine(routing_db.url)  # as a container or a subprocess would open it
    with elsewhere.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM processed_events")).scalar() == 1
    elsewhere.dispose()
