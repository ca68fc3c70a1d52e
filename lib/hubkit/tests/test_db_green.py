"""Under eventlet a query waiting on PostgreSQL must not stop the other green threads, whichever psycopg build runs."""
import time

import eventlet
import pytest
import sqlalchemy as sa
from psycopg import pq, waiting

from hubkit.db import make_engine

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("database_kind", ["postgresql"])
def test_queries_on_an_engine_of_make_engine_wait_green(infra_db, monkeypatch):
    # what psycopg picks by itself: wait_c for the C build (psycopg[binary]), which blocks the whole process
    monkeypatch.setattr(waiting, "wait", getattr(waiting, "wait_c", waiting.wait))
    engine = make_engine(infra_db)
    try:
        assert waiting.wait is waiting.wait_select, pq.__impl__

        def sleep(seconds):
            with engine.connect() as connection:
                return connection.execute(sa.text("SELECT pg_sleep(:s)"), {"s": seconds}).all()

        pool = eventlet.GreenPool()
        list(pool.imap(sleep, [0] * 4))  # four connections open, so only the sleeps are timed
        started = time.monotonic()
        list(pool.imap(sleep, [0.3] * 4))
        elapsed = time.monotonic() - started
        assert elapsed < 0.8, f"4 concurrent pg_sleep(0.3) took {elapsed:.2f} s with {pq.__impl__} psycopg"
    finally:
        engine.dispose()


def test_making_a_postgresql_engine_sets_the_green_wait_whatever_was_set_before(monkeypatch):
    monkeypatch.setattr(waiting, "wait", getattr(waiting, "wait_c", waiting.wait_selector))
    make_engine("postgresql://nobody@127.0.0.1:1/none").dispose()  # no connection is made
    assert waiting.wait is waiting.wait_select
