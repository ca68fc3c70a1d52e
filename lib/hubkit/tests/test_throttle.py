"""Rate limits in Redis (real Redis, a key prefix of its own per test)."""

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


def test_an_unreachable_redis_does_not_block_the_action():
    broken = Throttle(connect("redis://127.0.0.1:1/0"), prefix="test:unreachable")
    broken.consume("post", "a-1", limit=0, window=60)
    broken.consume_all((("burst", "ip", 0, 60, "x"),))


def test_consume_each_decides_a_batch_in_order_in_two_round_trips(throttle):
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
