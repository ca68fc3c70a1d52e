"""hubkit.idempotency on SQLite and PostgreSQL: a key claimed in the action's transaction answers its retries with
the first answer; a concurrent duplicate waits for the first transaction and gets its answer; keys are pruned after
HUB_IDEMPOTENCY_HOURS and erased with their account."""
import uuid
from datetime import timedelta

import eventlet
import pytest
import sqlalchemy as sa
from eventlet.event import Event
from sqlalchemy.orm import sessionmaker

from hubkit.clock import utcnow
from hubkit.db import UnitOfWork, make_engine
from hubkit.errors import Conflict, IdempotencyKeyReused
from hubkit.idempotency import IdempotencyKeys, keyed, request_digest
from hubkit.pruning import PruneSettings, Pruner
from hubkit.tables import add_idempotency_table, add_infrastructure_tables

METADATA = sa.MetaData()
add_infrastructure_tables(METADATA)
KEYS = add_idempotency_table(METADATA)
ALIX, BAO = str(uuid.uuid4()), str(uuid.uuid4())


@pytest.fixture
def url(infra_db):
    engine = make_engine(infra_db)
    METADATA.create_all(engine)  # the infrastructure tables are there already; this adds idempotency_keys
    engine.dispose()
    return infra_db


def once(url, requests, outcomes, applied=None):
    """`IdempotencyKeys.once` in a transaction of its own; `outcomes`: what the action answers per applied index."""
    def apply(picked):
        if applied is not None:
            applied.append(picked)
        return [outcomes[index] for index in picked]
    engine = make_engine(url)
    try:
        with UnitOfWork(sessionmaker(engine), "hubkit_notes", METADATA) as uow:
            return IdempotencyKeys(uow, METADATA).once(requests, apply)
    finally:
        engine.dispose()


def stored(url) -> list:
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.select(KEYS.c.scope, KEYS.c.key, KEYS.c.response).order_by(KEYS.c.key)).all()
    engine.dispose()
    return rows


def test_the_digest_leaves_the_key_out_and_ignores_the_order_of_fields():
    assert request_digest({"a": 1, "b": [uuid.UUID(int=1)], "idempotency_key": "x"}) == \
        request_digest({"b": [str(uuid.UUID(int=1))], "a": 1})
    assert request_digest({"a": 1}) != request_digest({"a": 2})
    assert keyed("sign", ALIX, {"a": 1}) is None and keyed("sign", ALIX, {"a": 1, "idempotency_key": ""}) is None


def test_a_batch_claims_answers_and_replays_its_keys(url):
    first, other = keyed("vote", ALIX, {"choice": 1, "idempotency_key": "k1"}), keyed("vote", BAO, {
        "choice": 1, "idempotency_key": "k1"})
    reused = keyed("vote", ALIX, {"choice": 2, "idempotency_key": "k1"})
    applied = []
    answers = once(url, [first, None, first, other, reused], {0: {"n": 1}, 1: {"n": 2}, 3: {"n": 4}}, applied)
    assert applied == [[0, 1, 3]]  # the duplicate follows its first; the reused key is refused
    assert answers[:4] == [{"n": 1}, {"n": 2}, {"n": 1}, {"n": 4}] and isinstance(answers[4], IdempotencyKeyReused)
    assert {(row.scope, row.response) for row in stored(url)} == {(f"vote:{ALIX}", '{"n":1}'),
                                                                   (f"vote:{BAO}", '{"n":4}')}
    applied.clear()
    again = once(url, [first, reused, None], {2: {"n": 9}}, applied)
    assert applied == [[2]] and again[0] == {"n": 1} and isinstance(again[1], IdempotencyKeyReused)
    assert len(stored(url)) == 2


def test_a_refused_action_leaves_no_key_and_a_failing_batch_none_at_all(url):
    request = keyed("vote", ALIX, {"choice": 1, "idempotency_key": "refused"})
    [refused] = once(url, [request], {0: Conflict("Non.")})
    assert isinstance(refused, Conflict) and stored(url) == []

    def broken(picked):
        raise RuntimeError("the database went away")
    engine = make_engine(url)
    with pytest.raises(RuntimeError), UnitOfWork(sessionmaker(engine), "hubkit_notes", METADATA) as uow:
        IdempotencyKeys(uow, METADATA).once([request], broken)
    engine.dispose()
    assert stored(url) == []
    assert once(url, [request], {0: {"ok": True}}) == [{"ok": True}]


def test_a_committed_claim_without_its_answer_is_refused_not_applied(url):
    """Only a bug could commit a claim without its answer: the retry is refused (409), never applied again."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(KEYS.insert().values(scope=f"vote:{ALIX}", key="half-done", request_digest=request_digest(
            {"choice": 1}), response=None, created_at=utcnow()))
    engine.dispose()
    applied = []
    [refused] = once(url, [keyed("vote", ALIX, {"choice": 1, "idempotency_key": "half-done"})], {0: {}}, applied)
    assert isinstance(refused, Conflict) and refused.code == "IDEMPOTENCY_KEY_IN_USE" and applied == []


def test_a_concurrent_duplicate_waits_for_the_first_and_gets_its_answer(url, database_kind):
    if database_kind == "sqlite":
        pytest.skip("SQLite runs one transaction at a time per database file: nothing concurrent to wait for")
    request = keyed("vote", ALIX, {"choice": 1, "idempotency_key": "two-gateways"})
    claimed, release, applied = Event(), Event(), []

    def slow_first(picked):
        claimed.send()
        release.wait()
        applied.append("first")
        return [{"receipt": "A"}]

    def first():
        engine = make_engine(url)
        with UnitOfWork(sessionmaker(engine), "hubkit_notes", METADATA) as uow:
            answer = IdempotencyKeys(uow, METADATA).once([request], slow_first)
        engine.dispose()
        return answer

    running_first = eventlet.spawn(first)
    claimed.wait()
    running_second = eventlet.spawn(once, url, [request], {0: {"receipt": "B"}}, applied)
    _wait_until_a_backend_waits_for_a_lock(url)
    release.send()
    assert running_first.wait() == [{"receipt": "A"}] and running_second.wait() == [{"receipt": "A"}]
    assert applied == ["first"]


def _wait_until_a_backend_waits_for_a_lock(url):
    engine = make_engine(url)
    with engine.connect() as connection:
        for _ in range(2000):  # polled, a few seconds at most
            if connection.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                          "AND wait_event_type = 'Lock'")).scalar_one():
                break
            eventlet.sleep(0.005)
        else:
            raise AssertionError("the second claim never waited for the first")
    engine.dispose()


def test_keys_are_pruned_after_their_hours_and_erased_with_their_account(url, monkeypatch):
    engine = make_engine(url)
    with engine.begin() as connection:
        for key, hours, account in (("old", 25, ALIX), ("recent", 23, ALIX), ("other", 1, BAO)):
            connection.execute(KEYS.insert().values(scope=f"vote:{account}", key=key, request_digest="d",
                                                    response="{}", created_at=utcnow() - timedelta(hours=hours)))
    engine.dispose()
    monkeypatch.setenv("HUB_IDEMPOTENCY_HOURS", "24")
    factory = sessionmaker(make_engine(url))
    assert Pruner(factory, METADATA, "hubkit_notes", PruneSettings.from_env()).prune()["idempotency_keys"] == 1
    assert [row.key for row in stored(url)] == ["other", "recent"]
    with UnitOfWork(factory, "hubkit_notes", METADATA) as uow:
        assert IdempotencyKeys(uow, METADATA).forget_account(ALIX) == 1
    assert [row.key for row in stored(url)] == ["other"]


@pytest.mark.parametrize("value", ["0", "vingt", "-1", "1e3", "9999999"])
def test_a_bad_retention_is_refused_naming_its_variable(monkeypatch, value):
    monkeypatch.setenv("HUB_IDEMPOTENCY_HOURS", value)
    with pytest.raises(ValueError) as refused:
        PruneSettings.from_env()
    assert str(refused.value).startswith("HUB_IDEMPOTENCY_HOURS doit être un nombre entier")


@pytest.mark.parametrize("account_id", ["%", "a_b", "x' OR 1=1"])
def test_erasure_takes_an_account_id_never_a_pattern(url, account_id):
    engine = make_engine(url)
    with pytest.raises(ValueError), UnitOfWork(sessionmaker(engine), "hubkit_notes", METADATA) as uow:
        IdempotencyKeys(uow, METADATA).forget_account(account_id)
    engine.dispose()
