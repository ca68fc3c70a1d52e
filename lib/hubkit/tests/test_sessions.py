"""The session cache the gateway reads on every signed-in request (real Redis, a key prefix per test)."""
import json
import os
import uuid

import eventlet
import pytest

from hubkit.sessions import TTL_SECONDS, SessionCache, _CoalescedReads, token_digest
from hubkit.throttle import connect

pytestmark = pytest.mark.integration

PRINCIPAL = {"account_id": "00000000-0000-4000-8000-000000000001", "roles": ["citizen"]}


@pytest.fixture
def cache():
    cache = SessionCache(connect(), prefix=f"test:{uuid.uuid4().hex}:session")
    yield cache
    keys = list(cache.client.scan_iter(f"{cache.prefix}:*"))
    if keys:
        cache.client.delete(*keys)


def test_a_cached_principal_is_read_back_and_a_dropped_one_is_gone(cache):
    cache.put(token_digest("token-1"), PRINCIPAL)
    assert cache.get("token-1") == PRINCIPAL
    assert cache.get("token-2") is None
    cache.drop([token_digest("token-1")])
    assert cache.get("token-1") is None


def test_concurrent_lookups_each_get_their_own_principal(cache):
    for index in range(200):
        cache.put(token_digest(f"token-{index}"), {**PRINCIPAL, "pseudonym": f"p{index}"})
    pool = eventlet.GreenPool(200)
    tokens = [f"token-{index}" for index in range(200)] + ["never-cached"]
    found = dict(zip(tokens, pool.imap(cache.get, tokens)))
    assert all(found[f"token-{index}"]["pseudonym"] == f"p{index}" for index in range(200))
    assert found["never-cached"] is None


class SlowRedis:
    """A Redis whose round trips take 10 ms (what a busy one does), recording each of them."""

    def __init__(self, values: dict):
        self.values, self.round_trips = values, []

    def get(self, key):
        self.round_trips.append([key])
        eventlet.sleep(0.01)
        return self.values.get(key)

    def mget(self, keys):
        self.round_trips.append(list(keys))
        eventlet.sleep(0.01)
        return [self.values.get(key) for key in keys]


def test_lookups_of_one_turn_of_the_loop_and_those_that_arrive_during_a_round_trip_leave_together():
    redis = SlowRedis({f"s:{index}": f"v{index}".encode() for index in range(130)})
    reads = _CoalescedReads(redis, max_keys=40)
    pool = eventlet.GreenPool(200)
    first = [pool.spawn(reads.get, f"s:{index}") for index in range(101)]  # all ready in the same turn
    eventlet.sleep(0.005)  # the first round trip is under way
    later = [pool.spawn(reads.get, f"s:{index}") for index in range(101, 131)]
    assert [thread.wait() for thread in first + later] == [f"v{index}".encode() for index in range(130)] + [None]
    # the 101 of the first turn leave in MGETs of at most 40; the 30 that arrived meanwhile join the next ones
    assert [len(keys) for keys in redis.round_trips] == [40, 40, 40, 11]
    assert sorted(key for keys in redis.round_trips for key in keys) == sorted(f"s:{index}" for index in range(131))
    assert reads._reading is False and reads._waiting == []
    assert reads.get("s:7") == b"v7" and redis.round_trips[-1] == ["s:7"]  # a quiet moment: a plain GET


def test_an_unreachable_redis_is_a_miss_for_every_waiting_lookup():
    cache = SessionCache(connect("redis://127.0.0.1:1/0"), prefix="test:unreachable:session")
    pool = eventlet.GreenPool(20)
    assert list(pool.imap(cache.get, [f"token-{index}" for index in range(20)])) == [None] * 20
    assert cache._reads._reading is False and cache._reads._waiting == []


def test_the_cache_lifetime_comes_from_the_environment_and_a_bad_value_is_named():
    import subprocess
    import sys
    code = "from hubkit.sessions import TTL_SECONDS; print(TTL_SECONDS)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "HUB_SESSION_CACHE_SECONDS": "900"})
    assert run.stdout.strip() == "900"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "HUB_SESSION_CACHE_SECONDS": "une heure"})
    assert run.returncode != 0
    assert "HUB_SESSION_CACHE_SECONDS doit être un nombre entier (reçu : 'une heure')." in run.stderr


def test_an_entry_never_outlives_the_cache_lifetime(cache):
    cache.put(token_digest("token-1"), PRINCIPAL, ttl=10 * TTL_SECONDS)
    assert 0 < cache.client.ttl(f"{cache.prefix}:{token_digest('token-1')}") <= TTL_SECONDS


def test_a_read_killed_midway_leaves_no_lookup_waiting():
    class KilledRedis(SlowRedis):
        def mget(self, keys):
            raise eventlet.greenlet.GreenletExit()  # what killing the reading green thread raises in it

    reads = _CoalescedReads(KilledRedis({}))
    pool = eventlet.GreenPool(10)
    outcomes = []

    def lookup(key):
        try:
            return reads.get(key)
        except Exception as error:
            outcomes.append(error)

    for index in range(10):
        pool.spawn(lookup, f"s:{index}")
    with eventlet.Timeout(2):
        pool.waitall()
    assert len(outcomes) == 10 and reads._reading is False


def test_an_entry_written_by_someone_without_the_key_gives_no_access(cache, caplog):
    """Write access to Redis is not enough to become somebody: forged, tampered and moved entries are ignored."""
    from hubkit.sessions import REJECTED
    admin = {**PRINCIPAL, "roles": ["admin"]}
    before = REJECTED._value.get()
    key = cache._key(token_digest("attacker"))
    cache.client.set(key, json.dumps(admin))  # the old, unsigned form
    assert cache.get("attacker") is None
    cache.put(token_digest("attacker"), PRINCIPAL)
    sealed = cache.client.get(key)
    cache.client.set(key, sealed.replace('"citizen"', '"admin"'))  # tampered
    assert cache.get("attacker") is None
    cache.put(token_digest("admin-token"), admin)
    cache.client.set(key, cache.client.get(cache._key(token_digest("admin-token"))))  # a real entry, moved
    assert cache.get("attacker") is None
    assert cache.get("admin-token") == admin  # the real one still works
    assert REJECTED._value.get() - before == 3
    assert "session cache entry rejected" in caplog.text


def test_during_a_key_rotation_entries_sealed_with_the_old_key_stay_valid(cache, monkeypatch):
    from hubkit import keys
    monkeypatch.setenv("HUB_SESSION_CACHE_KEYS", "o" * 32)
    keys.forget()
    try:
        cache.put(token_digest("token-old"), PRINCIPAL)
        monkeypatch.setenv("HUB_SESSION_CACHE_KEYS", f"{'n' * 32},{'o' * 32}")
        keys.forget()
        assert cache.get("token-old") == PRINCIPAL
        monkeypatch.setenv("HUB_SESSION_CACHE_KEYS", "n" * 32)  # rotation over: the old key is gone
        keys.forget()
        assert cache.get("token-old") is None
    finally:
        keys.forget()
