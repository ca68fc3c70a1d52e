"""Rate limits in Redis (real Redis, a key prefix of its own per test)."""
import uuid

import pytest

from hubkit.errors import RateLimited
from hubkit.throttle import Throttle, connect

pytestmark = pytest.mark.integration


@pytest.fixture
def throttle():
    prefix = f"test:{uuid.uuid4().hex}"
    client = connect()
    yield Throttle(client, prefix=prefix)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


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
