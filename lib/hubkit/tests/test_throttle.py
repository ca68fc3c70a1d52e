"""Rate limits in Redis (real Redis, a key prefix of its own per test)."""
import logging
import random
import threading

import pytest

from hubkit.errors import RateLimited
from hubkit.testing import throttle_fixture
from hubkit.throttle import Throttle, connect

pytestmark = pytest.mark.integration


throttle = throttle_fixture()


def test_consume_refuses_past_the_limit_with_the_wait(throttle):
    for _ in range(3):
        throttle.consume("post", "a-1", limit=3, window=60)
    with pytest.raises(RateLimited) as limited:
        throttle.consume("post", "a-1", limit=3, window=60, message="Trop de messages.")
    assert limited.value.message == "Trop de messages." and 0 < limited.value.retry_after <= 60
    throttle.consume("post", "a-2", limit=3, window=60)  # another key has its own count


def test_consume_all_counts_every_limit_or_none(throttle):
    limits = (("burst", "ip-1", 2, 60, "Trop vite."), ("hour", "ip-1", 10, 3600, "Trop souvent."))
    throttle.consume_all(limits)
    throttle.consume_all(limits)
    with pytest.raises(RateLimited) as limited:
        throttle.consume_all(limits)
    assert limited.value.message == "Trop vite." and limited.value.details["limit"] == "burst"
    # the refused attempt counted nothing: the hourly limit saw two hits, not three
    assert int(throttle.client.get(throttle._key("hour", "ip-1"))) == 2


def test_an_unreachable_redis_does_not_block_the_action_by_itself():
    """The limits still apply (in memory, lib/hubkit/tests/test_throttle_fallback.py), but an action under them
    goes through."""
    broken = Throttle(connect("redis://127.0.0.1:1/0"), prefix="test:unreachable")
    broken.consume("post", "a-1", limit=1, window=60)
    broken.consume_all((("burst", "ip", 1, 60, "x"),))


def test_consume_each_decides_a_batch_in_order(throttle):
    throttle.consume("sign", "ip-1", limit=4, window=60)  # one hit already in the window

    def limits(ip, account):
        return [("sign", ip, 4, 60, "Trop depuis cette adresse."), ("account", account, 1, 60, "Trop vite.")]
    decided = throttle.consume_each([limits("ip-1", "a"), limits("ip-1", "b"), limits("ip-1", "a"),
                                     limits("ip-1", "c"), limits("ip-1", "d"), limits("ip-2", "d")])
    assert decided[0] is None and decided[1] is None and decided[3] is None
    assert isinstance(decided[2], RateLimited) and decided[2].message == "Trop vite."  # "a" again
    assert isinstance(decided[4], RateLimited) and decided[4].message == "Trop depuis cette adresse."
    assert 0 < decided[4].retry_after <= 60
    assert decided[5] is None  # the refused request counted nothing for "d"
    with pytest.raises(RateLimited):  # ip-1 used 1 + 3 = 4: its window is full
        throttle.consume("sign", "ip-1", limit=4, window=60)
    with pytest.raises(RateLimited):  # "d" was counted once, by the last request
        throttle.consume("account", "d", limit=1, window=60)


# --- consume_each: one script call, decided as one by one ------------------------------------------------------

MINUTE, HOUR = 60, 3600


@pytest.fixture
def reference(throttle):
    """A second throttle on the same Redis, under a prefix of its own: where the reference decides."""
    other = Throttle(throttle.client, prefix=f"{throttle.prefix}-reference")
    yield other
    for key in other.client.scan_iter(f"{other.prefix}:*"):
        other.client.delete(key)


def one_by_one(throttle: Throttle, requests: list) -> list:
    """The reference: each request on its own, in order, by plain Redis commands: its limits checked in order (the
    first used up refuses it: the time left on its key, or its window if the key has none), then a hit counted on
    each (the window set on a key that has none)."""
    decided = []
    for request in requests:
        for bucket, key, limit, window, message in request:
            count = int(throttle.client.get(throttle._key(bucket, key)) or 0)
            if count >= limit:
                ttl = throttle.client.ttl(throttle._key(bucket, key))
                decided.append(RateLimited(message, details={"retry_after": max(1, ttl if ttl > 0 else window),
                                                             "limit": bucket}))
                break
        else:
            for bucket, key, _limit, window, _message in request:
                throttle.client.incr(throttle._key(bucket, key))
                throttle.client.expire(throttle._key(bucket, key), window, nx=True)
            decided.append(None)
    return decided


def state(throttle: Throttle, requests: list) -> dict:
    """The count and the time left of every key the requests name."""
    keys = {(bucket, key) for request in requests for bucket, key, *_ in request}
    return {bucket_key: (throttle.client.get(throttle._key(*bucket_key)),
                         throttle.client.ttl(throttle._key(*bucket_key))) for bucket_key in keys}


def assert_same(decided: list, expected: list):
    assert len(decided) == len(expected)
    for mine, theirs in zip(decided, expected):
        if theirs is None:
            assert mine is None
            continue
        assert isinstance(mine, RateLimited) and mine.message == theirs.message
        assert mine.details["limit"] == theirs.details["limit"]
        assert abs(mine.retry_after - theirs.retry_after) <= 1


def assert_same_state(mine: dict, theirs: dict):
    assert mine.keys() == theirs.keys()
    for bucket_key, (count, ttl) in mine.items():
        assert count == theirs[bucket_key][0], bucket_key
        assert ttl == theirs[bucket_key][1] or (ttl > 0 and abs(ttl - theirs[bucket_key][1]) <= 1), bucket_key


def signing_limits(account: str, ip: str, burst: int = 3, hourly: int = 5) -> list:
    return [("sign-ip-burst", ip, burst + 1, MINUTE, "Trop de signatures depuis votre connexion."),
            ("sign-ip", ip, hourly + 2, HOUR, "Trop de signatures depuis votre connexion."),
            ("sign-account-burst", account, burst, MINUTE, "Vous signez trop vite."),
            ("sign-account", account, hourly, HOUR, "Vous avez signé trop de pétitions.")]


def random_request(rng, accounts: list, ips: list) -> list:
    """Signing limits, or limits of other shapes: another limit on a key than the other requests', a key twice, a
    limit of 0 on a key never hit (no time left: the window), lists rather than tuples, no limit at all."""
    shape = rng.random()
    if shape < 0.6:
        return signing_limits(rng.choice(accounts), rng.choice(ips))
    if shape < 0.75:
        return signing_limits(rng.choice(accounts), rng.choice(ips), burst=rng.randint(0, 4), hourly=rng.randint(2, 8))
    if shape < 0.85:
        account = rng.choice(accounts)
        return [("sign-account-burst", account, 4, MINUTE, "Deux fois, la première."),
                ["sign-account-burst", account, rng.randint(1, 5), MINUTE, "Deux fois, la seconde."]]
    if shape < 0.95:
        return [("post", rng.choice(accounts), rng.randint(0, 2), HOUR, "Trop de messages."),
                ("sign-ip", rng.choice(ips), 6, HOUR, "Trop de signatures depuis votre connexion.")]
    return []


@pytest.mark.parametrize("seed", range(16))
def test_random_batches_are_decided_and_counted_as_one_by_one(throttle, reference, seed):
    rng = random.Random(seed)
    accounts, ips = [f"acc-{n}" for n in range(rng.randint(1, 6))], [f"10.0.0.{n}" for n in range(rng.randint(1, 4))]
    for _ in range(rng.randint(0, 6)):  # earlier hits, on both sides alike
        bucket, key, window = rng.choice([("sign-account-burst", rng.choice(accounts), MINUTE),
                                          ("sign-ip", rng.choice(ips), HOUR)])
        for side in (throttle, reference):
            side.hit(bucket, key, window)
    refused = 0
    for _ in range(3):  # successive batches see what the earlier ones counted
        requests = [random_request(rng, accounts, ips) for _ in range(rng.randint(10, 25))]
        expected = one_by_one(reference, requests)
        assert_same(throttle.consume_each(requests), expected)
        assert_same_state(state(throttle, requests), state(reference, requests))
        refused += sum(decision is not None for decision in expected)
    assert refused  # 30 requests or more of at most 6 accounts, 3 a minute each: some are refused


def test_within_a_batch_each_request_sees_the_ones_before_it_and_a_refusal_counts_nothing(throttle):
    requests = [signing_limits("acc-1", "10.0.0.1")] * 5
    decided = throttle.consume_each(requests)
    assert decided[:3] == [None] * 3
    assert all(isinstance(d, RateLimited) and d.details["limit"] == "sign-account-burst" for d in decided[3:])
    assert decided[3].message == "Vous signez trop vite." and 55 <= decided[3].retry_after <= 60
    assert throttle.client.get(throttle._key("sign-account-burst", "acc-1")) == "3"
    assert throttle.client.get(throttle._key("sign-ip-burst", "10.0.0.1")) == "3"
    assert 3590 <= throttle.client.ttl(throttle._key("sign-account", "acc-1")) <= 3600


def test_a_refusal_names_its_own_limit_among_several_on_one_key(throttle):
    """Two limits on one key: the second, lower one refuses, with its own message and window."""
    throttle.hit("burst", "acc-1", MINUTE)
    decided = throttle.consume_each([[("burst", "acc-1", 5, MINUTE, "La première."),
                                      ("burst", "acc-1", 1, HOUR, "La seconde.")]])
    assert decided[0].message == "La seconde." and 55 <= decided[0].retry_after <= 60
    throttle.reset("burst", "acc-1")  # a key without a window: the refusing limit's own window is the wait
    assert throttle.consume_each([[("burst", "acc-1", 5, MINUTE, "La première."),
                                   ("burst", "acc-1", 0, HOUR, "La seconde.")]])[0].retry_after == HOUR


def test_an_empty_batch_and_a_request_without_limits(throttle):
    assert throttle.consume_each([]) == []
    assert throttle.consume_each([[], signing_limits("acc-2", "10.0.0.2"), []]) == [None, None, None]
    assert throttle.client.get(throttle._key("sign-account", "acc-2")) == "1"


def test_a_batch_is_checked_and_counted_at_once_against_concurrent_batches(throttle):
    """Eight threads at the same time, ten batches of 5 requests each, on one key allowing 50: exactly 50 get
    through (checked then counted in two round trips, two batches could both take the last hits)."""
    results, start = [], threading.Barrier(8)

    def batch():
        start.wait()
        for _ in range(10):
            results.extend(throttle.consume_each([[("sign", "ip-1", 50, MINUTE, "Trop.")]] * 5))
    threads = [threading.Thread(target=batch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(decision is None for decision in results) == 50
    assert throttle.client.get(throttle._key("sign", "ip-1")) == "50"


def test_a_redis_that_forgot_the_script_is_sent_it_again(throttle):
    """As after SCRIPT FLUSH or a restart of Redis: EVALSHA answers NOSCRIPT, the script is loaded again."""
    assert throttle.consume_each([signing_limits("acc-3", "10.0.0.3")]) == [None]
    throttle.client.script_flush()
    assert throttle.client.script_exists(throttle._decide.sha) == [False]
    assert throttle.consume_each([signing_limits("acc-3", "10.0.0.3")]) == [None]
    assert throttle.client.script_exists(throttle._decide.sha) == [True]
    assert throttle.client.get(throttle._key("sign-account", "acc-3")) == "2"


def test_with_redis_unreachable_a_batch_is_decided_in_memory_and_a_warning_logged(caplog):
    broken = Throttle(connect("redis://127.0.0.1:1/0"), prefix="test:unreachable")
    with caplog.at_level(logging.WARNING, logger="hubkit.throttle"):
        decided = broken.consume_each([signing_limits("acc-4", "10.0.0.4", burst=3, hourly=5)] * 10)
    assert decided[:3] == [None] * 3
    assert all(isinstance(d, RateLimited) and d.details["limit"] == "sign-account-burst" for d in decided[3:])
    assert "throttle unavailable, limits applied in memory by this process" in caplog.text
