"""PostgreSQL pools: a connection is checked before use only after it sat idle, and a dead one is replaced."""
import time

import pytest
import sqlalchemy as sa

from hubkit import db
from hubkit.testing import _admin_execute

pytestmark = pytest.mark.integration


@pytest.fixture
def engine(infra_db, monkeypatch):
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.2)
    engine = db.make_engine(infra_db, pool_size=1, max_overflow=0)
    pings = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda connection: pings.append(1) or real_ping(connection))
    engine.pings = pings
    yield engine
    engine.dispose()


def backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


@pytest.mark.parametrize("database_kind", ["postgresql"], indirect=True)  # SQLite: one connection, no ping
def test_a_busy_connection_is_not_pinged_an_idle_one_is(engine):
    first = backend_pid(engine)
    for _ in range(20):  # a rush: each checkout right after the last checkin
        assert backend_pid(engine) == first
    assert engine.pings == []
    time.sleep(0.3)
    assert backend_pid(engine) == first and engine.pings == [1]


@pytest.mark.parametrize("database_kind", ["postgresql"], indirect=True)  # SQLite: one connection, no ping
def test_a_connection_that_died_while_idle_is_replaced_before_the_transaction(engine):
    first = backend_pid(engine)
    _admin_execute(f"SELECT pg_terminate_backend({first})")  # what a database restart does to it
    time.sleep(0.3)
    with engine.begin() as connection:  # no error: the ping found it dead, the pool opened another
        assert connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() != first
    assert engine.pings == [1]
