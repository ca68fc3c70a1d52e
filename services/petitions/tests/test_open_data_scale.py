"""The petitions' open datasets at 100,000 rows each (issue 15, section 5: exports stream in constant memory):
paging through the whole of either gives every row exactly once, in order, while the memory Python holds stays
that of a page. On SQLite and PostgreSQL, the rows written in bulk (COPY on PostgreSQL: tests/bulk_rows.py)."""
import tracemalloc
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from hubkit.validation import load
from petitions import domain
from petitions.domain import open_data as rules_of
from petitions.handlers import Context, Petitions
from petitions.schemas.open_data import OpenDataPageQuerySchema, dump_page
from tests.bulk_rows import insert_rows

ROWS = 100_000
KEYS = 21  # a signature's arrondissement key: 1..20, 21 for outside Paris
START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
PAGE_BYTES_MAX = 24 * 1024 * 1024  # a page of 2,000 rows peaked at 3-6 MiB; 100,000 rows held would be ~250
QUERY = OpenDataPageQuerySchema()


def petition_id(number: int) -> str:
    return f"00000000-0000-4000-8000-{number:012d}"


def seed(store):
    """100,000 open petitions, with their totals; 100,000 signatures, each of its own (petition, arrondissement)
    pair: the first 4,761 petitions signed from every arrondissement and from outside Paris, the next one from
    fewer."""
    tables = store.metadata.tables
    petitions = [{"id": petition_id(number), "status": domain.OPEN, "title": f"Pétition numéro {number}",
                  "asks": "Nous demandons des bancs.", "background": "Pour s'asseoir.", "search_text": "",
                  "author_id": None, "author_pseudonym": "Camille", "created_at": START, "updated_at": START,
                  "opened_at": START + timedelta(seconds=number), "moderated_at": START, "threshold": 5000,
                  "eligibility": domain.LIVE_WORK_STUDY, "hidden": False, "signatures_count": number % 7}
                 for number in range(ROWS)]
    signatures = [{"petition_id": petition_id(number // KEYS),
                   "account_id": f"00000000-0000-4000-9000-{number:012d}",
                   "lives_in_paris": number % KEYS != KEYS - 1, "works_in_paris": False, "studies_in_paris": False,
                   "arrondissement": number % KEYS + 1 if number % KEYS != KEYS - 1 else None, "notify": False,
                   "created_at": START} for number in range(ROWS)]
    with store.engine.begin() as connection:
        for table, rows in (("petitions", petitions), ("petition_signatures", signatures)):
            insert_rows(connection, tables[table], rows)
        connection.exec_driver_sql("ANALYZE")  # as autovacuum does after such a load

def read_all(store, dataset: str, check_row) -> tuple:
    """Pages through the dataset as the gateway does, handing each row to `check_row` and keeping none; (rows,
    peak bytes Python allocated above where it started)."""
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        after, count = None, 0
        while True:
            with store.uow() as uow:
                query = load(QUERY, {"dataset": dataset, "after": after})
                page = dump_page(dataset, Petitions(Context(uow)).open_data.dataset_page(query))
            for row in page["rows"]:
                check_row(row)
                count += 1
            after, page = page["next"], None
            if after is None:
                break
        _, peak = tracemalloc.get_traced_memory()
        return count, peak - start
    finally:
        tracemalloc.stop()


class Ascending:
    """Checks that each key is above the one before: rows in strictly ascending order are rows given once."""

    def __init__(self):
        self.last = None

    def __call__(self, key):
        assert self.last is None or key > self.last, (self.last, key)
        self.last = key


def test_100000_petitions_and_100000_counts_by_arrondissement_page_once_each_in_bounded_memory(store, database_kind):
    seed(store)
    if database_kind == "postgresql":
        assert_pages_follow_the_indexes(store)
    ascending = Ascending()

    def petition_row(row):
        number = int(row["petition_id"][-12:])
        assert row["petition_id"] == petition_id(number) and 0 <= number < ROWS
        assert row["signatures_count"] == number % 7 and row["title"] == f"Pétition numéro {number}"
        ascending(number)

    count, peak = read_all(store, "petitions", petition_row)
    assert count == ROWS and ascending.last == ROWS - 1
    assert peak < PAGE_BYTES_MAX, f"{peak / 2 ** 20:.1f} MiB"

    ascending = Ascending()

    def arrondissement_row(row):
        key = KEYS if row["arrondissement"] == "hors Paris" else int(row["arrondissement"])
        assert row["arrondissement"] in ("hors Paris", str(key)) and 1 <= key <= KEYS
        number = int(row["petition_id"][-12:]) * KEYS + key - 1  # the one signature this pair counts
        assert number < ROWS and row["signatures_count"] == 1
        ascending(number)

    count, peak = read_all(store, "petition_signatures_by_arrondissement", arrondissement_row)
    assert count == ROWS and ascending.last == ROWS - 1
    assert peak < PAGE_BYTES_MAX, f"{peak / 2 ** 20:.1f} MiB"


def assert_pages_follow_the_indexes(store):
    """On PostgreSQL, a page in the middle reads petitions in the primary key's order (no sort) and counts the
    signatures of its petitions through an index by petition (no whole-table scan): a page costs its rows."""
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("SELECT"):
            statements.append((statement, parameters))
    sa.event.listen(store.engine, "before_cursor_execute", capture)
    try:
        with store.uow() as uow:
            open_data = Petitions(Context(uow)).open_data
            for dataset, middle in (("petitions", (petition_id(ROWS // 2),)),
                                    ("petition_signatures_by_arrondissement", (petition_id(ROWS // 50), 7))):
                after = rules_of.cursor_after(dataset, *middle)
                open_data.dataset_page(load(QUERY, {"dataset": dataset, "after": after}))
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", capture)
    with store.engine.connect() as connection:
        plans = ["\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
                 for statement, parameters in statements]
    shown = "\n\n".join(plan[:600] for plan in plans)
    by_id = [plan for plan in plans if "on petitions " in plan]
    counted = [plan for plan in plans if "on petition_signatures " in plan]
    assert len(by_id) >= 2 and counted and len(by_id) + len(counted) == len(plans), shown
    assert all("petitions_pkey" in plan and "Sort" not in plan for plan in by_id), shown
    assert all("ix_signatures_petition_" in plan and "Seq Scan" not in plan for plan in counted), shown
