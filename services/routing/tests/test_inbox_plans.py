"""What the inbox's statements cost, read from PostgreSQL's own plans (no timing): each list reads its index in its
order (no sort of the inbox, whatever its size), a page after a cursor is a range of that index, the timers read
partial indexes that hold only what they look for; and a list is counted once per version of the inbox.

The plans are PostgreSQL's, the database of a city-scale hub. SQLite (`make run`, a few hundred ideas) plans by its
own estimates, without statistics: it reads the open inbox through the status index and sorts those items."""
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hubkit.validation import load
from routing import schemas
from routing.handlers import Context, DecisionEffects, Deliveries, Inbox
from routing.handlers import inbox_counts
from routing.models import InboxItem
from routing.settings import Settings

from .test_inbox_paging import ADMIN, AGENT, NOW, seed

# list -> the index that gives its order
LIST_INDEXES = [({"status": "open"}, "ix_inbox_items_open_queue"),
                ({"status": "open", "direction": "DEVE"}, "ix_inbox_items_open_direction_queue"),
                ({"status": "forwarded"}, "ix_inbox_items_status_queue"),
                ({"status": "all"}, "ix_inbox_items_queue")]


@contextmanager
def statements(store):
    """The SQL the block sends (statement, parameters), as the driver gets it."""
    sent = []

    def grab(connection, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))
    sa.event.listen(store.engine, "before_cursor_execute", grab)
    try:
        yield sent
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", grab)


def plan(store, statement, parameters) -> str:
    """PostgreSQL's plan for a statement the service sent, told to avoid what a large inbox makes costly (reading
    the whole table, a sort): it sorts only if no index gives the order, and reads the table only if no index fits."""
    with store.engine.begin() as connection:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        connection.exec_driver_sql("SET LOCAL enable_sort = off")
        return "\n".join(connection.exec_driver_sql("EXPLAIN " + statement, parameters).scalars())


@pytest.fixture
def read(store, directions):
    def read(actor=ADMIN, clock=NOW, **query):
        with store.uow() as uow:
            use_cases = Inbox(Context(uow, Settings(), directions, lambda: clock))
            return use_cases.inbox(actor, load(schemas.InboxQuerySchema(), query))
    return read


def page_statements(sent) -> list:
    return [(statement, parameters) for statement, parameters in sent
            if statement.lstrip().startswith("SELECT inbox_items.idea_id")]


POSTGRESQL = pytest.mark.parametrize("database_kind", ["postgresql"], indirect=True)


@POSTGRESQL
@pytest.mark.parametrize("query, index", LIST_INDEXES)
def test_each_list_and_its_next_pages_read_its_index_in_order(store, read, database_kind, query, index):
    seed(store)
    with statements(store) as sent:
        first = read(**query, per_page=20)
        read(**query, per_page=20, after=first["next_cursor"])
        read(**query, per_page=20, page=5)
    pages = page_statements(sent)
    assert len(pages) == 3
    for statement, parameters in pages:
        described = plan(store, statement, parameters)
        assert index in described and "Sort" not in described, described


@POSTGRESQL
def test_the_timers_read_only_what_they_look_for(store, directions, database_kind):
    seed(store)
    with statements(store) as sent, store.uow() as uow:
        context = Context(uow, Settings(), directions, lambda: NOW)
        Inbox(context).waiting_counts()
        DecisionEffects(context).due_decisions()
        Deliveries(context).claim_due()
    wanted = {"GROUP BY inbox_items.scheme": "ix_inbox_items_open_by_scheme",
              "FROM decisions": "ix_decisions_pending_due", "FROM webhook_deliveries": "ix_webhook_deliveries_due"}
    for marker, index in wanted.items():
        [(statement, parameters)] = [(s, p) for s, p in sent if marker in s and s.lstrip().startswith("SELECT")]
        assert index in plan(store, statement, parameters), statement


def overdue_at(items, moment) -> int:
    return sum(1 for item in items if item["status"] in ("waiting", "pending") and item["deadline_at"] < moment)


def counted(sent) -> int:
    return sum(1 for statement, _ in sent if "count(*)" in statement)


def test_a_list_is_counted_once_per_version_of_the_inbox_and_slice_of_the_clock(store, read):
    items = seed(store, 60)
    with statements(store) as sent:
        first = read(status="open", per_page=5)
        again = read(status="open", per_page=5, after=first["next_cursor"])
        read(status="open", per_page=5, page=3)
    assert counted(sent) == 1 and (again["total"], again["overdue"]) == (first["total"], first["overdue"])
    # a write (here an item closed) changes the version: the next read counts again, exactly
    closing = next(item for item in items if item["status"] == "waiting")
    with store.uow() as uow:
        uow.session.execute(sa.update(InboxItem).where(InboxItem.idea_id == closing["idea_id"]).values(
            status="answered", updated_at=NOW + timedelta(seconds=1)))
    with statements(store) as sent:
        after_write = read(status="open", per_page=5)
    assert counted(sent) == 1 and after_write["total"] == first["total"] - 1
    # the clock moves deadlines past: a later slice counts again (an idea due in 5 s is overdue 10 s later)
    with store.uow() as uow:
        uow.session.execute(sa.update(InboxItem).where(InboxItem.idea_id == items[0]["idea_id"]).values(
            status="waiting", deadline_at=NOW + timedelta(seconds=5), updated_at=NOW + timedelta(seconds=2)))
    closing["status"], items[0]["status"], items[0]["deadline_at"] = "answered", "waiting", NOW + timedelta(seconds=5)
    later = NOW + timedelta(seconds=inbox_counts.FRESH_SECONDS)
    assert read(status="open", per_page=5)["overdue"] == overdue_at(items, NOW)
    with statements(store) as sent:
        assert read(status="open", per_page=5, clock=later)["overdue"] == overdue_at(items, later)
    assert counted(sent) == 1 and overdue_at(items, later) > overdue_at(items, NOW)
    # « assigned to me » is each agent's own list, counted for each
    mine = read(actor=AGENT, status="open", assigned="me", per_page=5)
    theirs = read(actor={**AGENT, "account_id": "9e8d7c6b-5a49-4382-9716-a5b4c3d2e1f0"}, status="open",
                  assigned="me", per_page=5)
    assert mine["total"] > 0 and theirs["total"] == 0


def test_the_gauges_count_again_only_once_the_inbox_changed_or_the_clocks_slice_passed(store, directions):
    items = seed(store, 60)

    def gauges(now=NOW):
        with store.uow() as uow:
            return Inbox(Context(uow, Settings(), directions, lambda: now)).waiting_counts()
    with statements(store) as sent:
        waiting, overdue = gauges()
        assert gauges() == (waiting, overdue)
    assert counted(sent) == 2  # by scheme, and overdue: once each for two sweeps
    assert sum(waiting.values()) == sum(1 for item in items if item["status"] in ("waiting", "pending"))
    assert overdue == overdue_at(items, NOW)
    with statements(store) as sent:
        gauges(NOW + timedelta(seconds=inbox_counts.FRESH_SECONDS))  # the clock's next slice: both again
    assert counted(sent) == 2
    with store.uow() as uow:  # an idea arrives: both again
        uow.session.execute(sa.insert(InboxItem), [{**items[0], "idea_id": "6f0e2f4c-3d2b-4a19-8e7f-5d4c3b2a1f0e",
                                                     "status": "waiting", "updated_at": NOW + timedelta(seconds=1)}])
    with statements(store) as sent:
        waiting_after, _ = gauges()
    assert counted(sent) == 2 and sum(waiting_after.values()) == sum(waiting.values()) + 1
