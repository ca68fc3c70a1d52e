"""The public list stays flat in the data (issue 17): the popular order reads the total kept on each petition's row,
each order of a tab has its index, and the answers are those of the old list, which summed every counter row at
every request. On SQLite and PostgreSQL, a few hundred petitions."""
import random
import uuid
from datetime import datetime, timedelta, timezone

import eventlet
import pytest
import sqlalchemy as sa
from alembic import command

from hubkit.batching import BatchItem
from hubkit.db import make_engine
from hubkit.runner import alembic_config, migrate
from petitions import SERVICE_NAME, domain
from petitions.handlers import Context
from petitions.handlers.common import utcnow
from petitions.handlers.tab_counts import TAB_COUNTS_SECONDS
from petitions.settings import Settings

from .conftest import PACKAGE_DIR

SETTINGS = Settings(sponsors_required=0, threshold=5000, chart_cache_seconds=0)
MODERATOR = {"account_id": "0a9d8c7b-6e5f-4a3b-9c2d-1e0f9a8b7c6d", "roles": ["citizen", "moderator"]}
ADMIN = {"account_id": "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9", "roles": ["citizen", "admin"]}
START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
PETITIONS = sa.table("petitions", *(sa.column(name) for name in (
    "id", "status", "title", "asks", "background", "arrondissement", "search_text", "author_pseudonym", "created_at",
    "updated_at", "opened_at", "moderated_at", "closes_at", "threshold", "eligibility", "hidden",
    "threshold_reached_at", "rejection_code")))
COUNTERS = sa.table("petition_signature_counters", sa.column("petition_id"), sa.column("shard"),
                    sa.column("signatures"))
STATUSES = (domain.DRAFT, domain.SUBMITTED) + domain.PUBLIC_STATUSES


@pytest.fixture
def run(store, throttle, accounts, use_case):
    def run(method, *args, clock=utcnow):
        with store.uow() as uow:
            return use_case(Context(uow, throttle, accounts, SETTINGS, clock), method)(*args)
    return run


def seed(connection, count: int, seed_value: int = 17) -> dict:
    """`count` petitions of every status (a few hidden), with counters spread over the shards; petition id ->
    its count. Written with the columns every revision since 0004 has."""
    chance, counts = random.Random(seed_value), {}
    for number in range(count):
        petition_id, status = str(uuid.UUID(int=chance.getrandbits(128), version=4)), chance.choice(STATUSES)
        published = START + timedelta(minutes=number) if status not in (domain.DRAFT, domain.SUBMITTED) else None
        connection.execute(PETITIONS.insert().values(
            id=petition_id, status=status, title=f"Pétition numéro {number}", asks="Nous demandons " * 3,
            background="Parce que " * 3, arrondissement=chance.choice([None, *range(1, 21)]), search_text="",
            author_pseudonym="Camille", created_at=START, updated_at=START, opened_at=published,
            moderated_at=published, closes_at=published and published + timedelta(days=365), threshold=5000,
            eligibility="live_work_study", hidden=status == domain.REJECTED and chance.random() < 0.2,
            threshold_reached_at=None, rejection_code="other" if status == domain.REJECTED else None))
        if published:
            values = [chance.choice([0, 0, 1, 3, 40]) for _ in range(domain.COUNTER_SHARDS)]
            if number % 7 == 0:
                values = [0] * domain.COUNTER_SHARDS  # ties: published date, then id
            connection.execute(COUNTERS.insert(), [{"petition_id": petition_id, "shard": shard, "signatures": value}
                                                   for shard, value in enumerate(values)])
            counts[petition_id] = sum(values)
    return counts


def recounted_list(store, query: dict) -> dict:
    """The list as the old code computed it: every counter row summed, the order sorted from those sums."""
    with store.engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT p.id, p.status, p.arrondissement, coalesce(p.opened_at, p.moderated_at) AS published, "
            "(SELECT coalesce(sum(c.signatures), 0) FROM petition_signature_counters c WHERE c.petition_id = p.id) "
            "AS total FROM petitions p WHERE p.hidden = :no"), {"no": False}).all()
    rows = [row for row in rows if query.get("arrondissement") in (None, row.arrondissement)]
    counts = {group: sum(row.status in statuses for row in rows) for group, statuses in domain.LIST_GROUPS.items()}
    shown = [row for row in rows if row.status in domain.LIST_GROUPS[query["status"]]]
    newest = sorted(shown, key=lambda row: row.id)
    newest.sort(key=lambda row: _moment(row.published), reverse=True)
    if query["sort"] == "popular":
        newest.sort(key=lambda row: row.total, reverse=True)
    page = newest[query["offset"]:query["offset"] + query["limit"]]
    return {"ids": [row.id for row in page], "counts": [row.total for row in page], "tabs": counts,
            "total": counts[query["status"]]}


def _moment(value):
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def listed(run, query: dict) -> dict:
    page = run("list_petitions", query)
    return {"ids": [item["id"] for item in page["items"]], "counts": [item["signatures_count"] for item in page["items"]],
            "tabs": page["counts"], "total": page["total"]}


QUERIES = [{"status": status, "sort": sort, "arrondissement": arrondissement, "query": "", "limit": 20,
            "offset": offset}
           for status in domain.LIST_GROUPS for sort in ("recent", "popular")
           for arrondissement, offset in ((None, 0), (None, 20), (11, 0))]


def test_the_migration_keeps_each_total_and_the_list_answers_as_before(petitions_db, store, run):
    command.downgrade(alembic_config(PACKAGE_DIR, petitions_db.url), "0004")
    engine = make_engine(petitions_db.url)
    with engine.begin() as connection:
        counts = seed(connection, 300)
    engine.dispose()
    migrate(SERVICE_NAME, PACKAGE_DIR, petitions_db.url)
    with store.engine.connect() as connection:
        totals = dict(connection.execute(sa.text("SELECT id, signatures_count FROM petitions")).all())
    assert {petition_id: totals[petition_id] for petition_id in counts} == counts
    assert sum(counts.values()) > 1000
    for query in QUERIES:
        assert listed(run, query) == recounted_list(store, query), query


def opened(run, accounts, title="Des bancs rue Manin") -> str:
    author = str(uuid.uuid4())
    accounts.add(author, "Camille")
    draft = run("draft_petition", {"account_id": author, "roles": ["citizen"]}, {
        "title": title, "asks": "Nous demandons des bancs tous les cent mètres rue Manin.",
        "background": "Les personnes âgées qui montent au parc n'ont nulle part où s'asseoir.", "arrondissement": 19})
    run("submit", {"account_id": author, "roles": ["citizen"]}, draft["id"])
    return run("publish", MODERATOR, {"petition_id": draft["id"], "threshold": None, "eligibility": None})["id"]


def signers(accounts, count: int) -> list:
    made = [str(uuid.uuid4()) for _ in range(count)]
    for number, account_id in enumerate(made):
        accounts.add(account_id, f"Citoyen {number}")
    return made


def batch(account_ids, petition_id, ip="203.0.113.7") -> list:
    return [BatchItem({"correlation_id": f"req-{n}", "causation_id": f"req-{n}"},
                      {"actor": {"account_id": account_id, "roles": ["citizen"]}, "petition_id": petition_id,
                       "connection": {"lives": True}, "client": {"ip": ip}})
            for n, account_id in enumerate(account_ids)]


def total_of(store, petition_id) -> int:
    return store.one("petitions", sa.column("id") == petition_id).signatures_count


def test_signing_an_invalidation_and_closing_keep_the_total_and_the_popular_order(run, store, accounts):
    first, second, third = (opened(run, accounts, f"Des bancs rue Manin, numéro {n}") for n in range(3))
    run("sign_batch", batch(signers(accounts, 3), first) + batch(signers(accounts, 2), second))
    run("sign_batch", batch(signers(accounts, 4), third, ip="198.51.100.9"))
    assert [total_of(store, p) for p in (first, second, third)] == [3, 2, 4]
    query = {"status": "open", "query": "", "sort": "popular", "limit": 20, "offset": 0}
    assert [item["id"] for item in run("list_petitions", query)["items"]] == [third, first, second]
    run("invalidate_signatures", MODERATOR, {"petition_id": third, "ip": "198.51.100.9", "hours": 24,
                                             "reason": "Signatures venues d'une même adresse en rafale."})
    assert total_of(store, third) == 0
    page = run("list_petitions", query)
    assert [item["id"] for item in page["items"]] == [first, second, third]
    assert [item["signatures_count"] for item in page["items"]] == [3, 2, 0]
    assert run("refresh_signature_totals") == 0  # nothing was skipped


def test_a_closed_petition_keeps_its_exact_total(run, store, accounts):
    petition_id = opened(run, accounts)
    run("sign_batch", batch(signers(accounts, 2), petition_id))
    with store.uow() as uow:  # the count drifted from the total (as a skipped write would leave it)
        uow.session.execute(sa.text("UPDATE petitions SET signatures_count = 0, closes_at = :past WHERE id = :id"),
                            {"id": petition_id, "past": utcnow() - timedelta(seconds=1)})
    assert run("close_expired") == 1
    assert total_of(store, petition_id) == 2


def test_the_sweep_sets_the_totals_of_signable_petitions_that_fell_behind_and_leaves_the_others(run, store,
                                                                                              accounts):
    behind, closed = opened(run, accounts), opened(run, accounts)
    run("sign_batch", batch(signers(accounts, 3), behind) + batch(signers(accounts, 2), closed))
    with store.uow() as uow:
        uow.session.execute(sa.text("UPDATE petitions SET signatures_count = 1"))
        uow.session.execute(sa.text("UPDATE petitions SET status = 'closed' WHERE id = :id"), {"id": closed})
    assert run("refresh_signature_totals") == 1
    assert (total_of(store, behind), total_of(store, closed)) == (3, 1)
    assert run("refresh_signature_totals") == 0


def test_on_postgresql_a_signer_never_waits_for_a_held_petition_and_the_sweep_catches_up(run, store, accounts,
                                                                                         database_kind):
    if database_kind != "postgresql":
        pytest.skip("SQLite has one writer at a time: nothing is ever held by another transaction")
    petition_id = opened(run, accounts)
    people = signers(accounts, 3)
    holder = store.engine.connect()
    transaction = holder.begin()
    holder.execute(sa.text("SELECT id FROM petitions WHERE id = :id FOR NO KEY UPDATE"), {"id": petition_id})
    signing, waited = eventlet.spawn(run, "sign_batch", batch(people, petition_id)), True
    with eventlet.Timeout(20, False):
        outcomes = signing.wait()
        waited = False
    transaction.rollback()
    holder.close()
    if waited:
        outcomes = signing.wait()
    assert not waited, "the signing write waited for the petition's row"
    assert [outcome["signatures_count"] for outcome in outcomes] == [1, 2, 3]
    assert total_of(store, petition_id) == 0  # skipped: the popular order is behind until the sweep
    assert run("refresh_signature_totals") == 1
    assert total_of(store, petition_id) == 3


def test_on_postgresql_each_order_of_a_tab_is_read_from_its_index(run, store, database_kind):
    if database_kind != "postgresql":
        pytest.skip("the plans are PostgreSQL's")
    with store.engine.begin() as connection:
        seed(connection, 200)
        connection.exec_driver_sql("ANALYZE petitions")
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("SELECT") and "FROM petitions" in statement and "LIMIT" in statement:
            statements.append((statement, parameters))
    sa.event.listen(store.engine, "before_cursor_execute", capture)
    try:
        for sort in ("recent", "popular"):
            run("list_petitions", {"status": "open", "query": "", "sort": sort, "limit": 20, "offset": 0})
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", capture)
    plans = []
    with store.engine.connect() as connection:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):  # whatever a small table costs
            connection.exec_driver_sql(f"SET {setting} = off")
        for statement, parameters in statements:
            plans.append("\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement,
                                                                                 parameters)))
    recent, popular = plans  # the pages (the tab counts are read from ix_petitions_list_*, or remembered)
    assert "ix_petitions_list_recent" in recent and "Sort" not in recent, recent
    assert "ix_petitions_list_popular" in popular and "Sort" not in popular, popular


# --- the tab counts, remembered under the list's version ----------------------------------------------------

def counting(store):
    """The grouped counts the list runs, as they run."""
    counted = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "count(*)" in statement and "GROUP BY petitions.status" in statement:
            counted.append(statement)
    sa.event.listen(store.engine, "before_cursor_execute", capture)
    return counted


def test_the_tab_counts_are_counted_once_per_version_and_exact_after_any_step(run, store, accounts):
    first = opened(run, accounts)
    counted = counting(store)
    query = {"status": "open", "query": "", "sort": "popular", "limit": 20, "offset": 0}
    assert [run("list_petitions", query)["counts"]["open"] for _ in range(3)] == [1, 1, 1]
    searched = {**query, "query": "bancs"}
    assert [run("list_petitions", searched)["total"] for _ in range(2)] == [1, 1]
    assert len(counted) == 2  # once for the list, once for the search
    second = opened(run, accounts)  # a step: the version moves
    assert run("list_petitions", query)["counts"]["open"] == 2 and run("list_petitions", searched)["total"] == 2
    assert run("close_expired") == 0  # nothing due: no step, nothing recounted
    assert run("list_petitions", query)["counts"]["open"] == 2 and len(counted) == 4
    with store.uow() as uow:
        uow.session.execute(sa.text("UPDATE petitions SET closes_at = :past WHERE id = :id"),
                            {"id": second, "past": utcnow() - timedelta(seconds=1)})
    assert run("close_expired") == 1
    page = run("list_petitions", query)
    assert page["counts"]["open"] == 1 and page["counts"]["closed"] == 1 and [i["id"] for i in page["items"]] == \
        [first]


def test_a_step_that_does_not_move_the_version_is_counted_at_the_next_slice_of_the_clock(run, store, accounts):
    petition_id, latest = opened(run, accounts), opened(run, accounts)  # `latest`: the list's version
    now = utcnow()
    query = {"status": "open", "query": "", "sort": "recent", "limit": 20, "offset": 0}
    assert run("list_petitions", query, clock=lambda: now)["counts"]["open"] == 2
    with store.uow() as uow:  # a step committed with an earlier clock than the latest one
        uow.session.execute(sa.text("UPDATE petitions SET status = 'closed', updated_at = :earlier WHERE id = :id"),
                            {"id": petition_id, "earlier": now - timedelta(days=1)})
    page = run("list_petitions", query, clock=lambda: now)
    assert page["counts"]["open"] == 2 and [item["id"] for item in page["items"]] == [latest]  # the page is not
    later = now + timedelta(seconds=TAB_COUNTS_SECONDS)
    assert run("list_petitions", query, clock=lambda: later)["counts"] == {
        "open": 1, "threshold_reached": 0, "answered": 0, "closed": 1, "rejected": 0}
