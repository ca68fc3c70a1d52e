"""The signing limits of a batch in one Redis script call (petitions.limits) decide exactly as hubkit's
Throttle.consume_each does, on a real Redis."""
import random
import uuid

import pytest
import redis as redis_lib

from hubkit.errors import RateLimited
from hubkit.throttle import Throttle, connect
from petitions import limits

pytestmark = pytest.mark.integration

MINUTE, HOUR = 60, 3600


@pytest.fixture
def pair():
    """Two throttles on the real Redis, under prefixes of their own: one for hubkit's way, one for petitions'."""
    client = connect()
    prefixes = [f"test:{uuid.uuid4().hex}" for _ in range(2)]
    yield [Throttle(client, prefix=prefix) for prefix in prefixes]
    for prefix in prefixes:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


def signing_limits(account: str, ip: str, burst: int = 3, hourly: int = 5) -> list:
    return [("sign-ip-burst", ip, burst + 1, MINUTE, "Trop de signatures depuis votre connexion."),
            ("sign-ip", ip, hourly + 2, HOUR, "Trop de signatures depuis votre connexion."),
            ("sign-account-burst", account, burst, MINUTE, "Vous signez trop vite."),
            ("sign-account", account, hourly, HOUR, "Vous avez signé trop de pétitions.")]


def state(throttle: Throttle, requests: list) -> dict:
    """The count and whether a window is set, of every key the requests name."""
    keys = {throttle._key(bucket, key) for request in requests for bucket, key, *_ in request}
    return {key[len(throttle.prefix):]: (throttle.client.get(key), throttle.client.ttl(key) > 0) for key in keys}


def same(decided: list, expected: list):
    assert len(decided) == len(expected)
    for mine, theirs in zip(decided, expected):
        if theirs is None:
            assert mine is None
            continue
        assert isinstance(mine, RateLimited) and mine.message == theirs.message
        assert mine.details["limit"] == theirs.details["limit"]
        assert abs(mine.details["retry_after"] - theirs.details["retry_after"]) <= 1


@pytest.mark.parametrize("seed", range(12))
def test_random_batches_are_decided_and_counted_as_hubkit_does(pair, seed):
    hubkit_way, petitions_way = pair
    rng = random.Random(seed)
    accounts, ips = [f"acc-{n}" for n in range(rng.randint(1, 6))], [f"10.0.0.{n}" for n in range(rng.randint(1, 4))]
    for _ in range(rng.randint(0, 6)):  # earlier hits, on both sides alike
        bucket, key, window = rng.choice([("sign-account-burst", rng.choice(accounts), MINUTE),
                                          ("sign-ip", rng.choice(ips), HOUR)])
        for throttle in pair:
            throttle.hit(bucket, key, window)
    refused = 0
    for _ in range(3):  # successive batches see what the earlier ones counted
        requests = [signing_limits(rng.choice(accounts), rng.choice(ips)) for _ in range(rng.randint(10, 25))]
        expected = hubkit_way.consume_each(requests)
        same(limits.consume_each(petitions_way, requests), expected)
        assert state(petitions_way, requests) == state(hubkit_way, requests)
        refused += sum(decision is not None for decision in expected)
    assert refused  # 30 requests or more of at most 6 accounts, 3 a minute each: some are refused


def test_within_a_batch_each_request_sees_the_ones_before_it_and_a_refusal_counts_nothing(pair):
    _, throttle = pair
    requests = [signing_limits("acc-1", "10.0.0.1")] * 5
    decided = limits.consume_each(throttle, requests)
    assert decided[:3] == [None] * 3
    assert all(isinstance(d, RateLimited) and d.details["limit"] == "sign-account-burst" for d in decided[3:])
    assert 55 <= decided[3].details["retry_after"] <= 60
    assert throttle.client.get(throttle._key("sign-account-burst", "acc-1")) == "3"
    assert throttle.client.get(throttle._key("sign-ip-burst", "10.0.0.1")) == "3"


def test_an_empty_batch_and_a_request_without_limits(pair):
    _, throttle = pair
    assert limits.consume_each(throttle, []) == []
    assert limits.consume_each(throttle, [[], signing_limits("acc-2", "10.0.0.2"), []]) == [None, None, None]
    assert throttle.client.get(throttle._key("sign-account", "acc-2")) == "1"


class ForgetfulClient:
    """The real client, as Redis answers after a restart: it no longer knows the script by its digest."""

    def __init__(self, client):
        self.client, self.evals = client, 0

    def evalsha(self, *args):
        raise redis_lib.exceptions.NoScriptError("NOSCRIPT No matching script.")

    def eval(self, *args):
        self.evals += 1
        return self.client.eval(*args)


def test_a_redis_that_forgot_the_script_is_sent_it_again(pair):
    _, throttle = pair
    forgetful = Throttle(ForgetfulClient(throttle.client), prefix=throttle.prefix)
    assert limits.consume_each(forgetful, [signing_limits("acc-3", "10.0.0.3")]) == [None]
    assert forgetful.client.evals == 1
    assert throttle.client.get(throttle._key("sign-account", "acc-3")) == "1"


def test_with_redis_down_limits_are_not_enforced():
    down = Throttle(redis_lib.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2), prefix="test:down")
    assert limits.consume_each(down, [signing_limits("acc-4", "10.0.0.4")] * 10) == [None] * 10
