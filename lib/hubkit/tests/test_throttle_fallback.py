"""Rate limits stay atomic, and keep applying (in memory) when Redis cannot answer."""
import random
import threading

import pytest
from prometheus_client import REGISTRY

from hubkit import throttle as throttle_module
from hubkit.errors import RateLimited
from hubkit.testing import throttle_fixture
from hubkit.throttle import Throttle, connect
from test_throttle import assert_same, one_by_one, random_request, reference  # noqa: F401  (fixture)

pytestmark = pytest.mark.integration

throttle = throttle_fixture()
CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens there: every command fails at once


def fallback_gauge() -> float:
    return REGISTRY.get_sample_value("hub_rate_limit_fallback")


def fallback_decisions() -> float:
    return REGISTRY.get_sample_value("hub_rate_limit_fallback_decisions_total") or 0.0


def test_consume_counts_and_checks_in_one_step_under_concurrency(throttle):
    """Eight threads racing on one key allowing 20: exactly 20 get through. Checked then counted in two round trips
    (as `consume` did), several threads could read 19 before any of them counts."""
    passed, start = [], threading.Barrier(8)

    def attempt():
        start.wait()
        for _ in range(10):
            try:
                throttle.consume("login", "victim:10.0.0.1", limit=20, window=60)
                passed.append(1)
            except RateLimited:
                pass
    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(passed) == 20
    assert throttle.client.get(throttle._key("login", "victim:10.0.0.1")) == "20"


def test_refund_takes_one_hit_back_never_below_zero_and_keeps_the_window(throttle):
    throttle.consume("login", "ip", limit=2, window=60)
    throttle.consume("login", "ip", limit=2, window=60)
    throttle.refund("login", "ip")
    throttle.consume("login", "ip", limit=2, window=60)  # the refunded hit is free again
    with pytest.raises(RateLimited):
        throttle.consume("login", "ip", limit=2, window=60)
    assert 0 < throttle.client.ttl(throttle._key("login", "ip")) <= 60
    throttle.refund("nothing", "here")
    assert throttle.client.get(throttle._key("nothing", "here")) is None


def test_with_redis_down_the_limits_still_apply_and_the_metric_says_so(caplog):
    broken = Throttle(connect(CLOSED_PORT), prefix="test:down")
    decisions_before = fallback_decisions()
    broken.consume("login", "10.0.0.9", limit=2, window=60)  # not refused because Redis is down
    broken.consume("login", "10.0.0.9", limit=2, window=60)
    with pytest.raises(RateLimited) as limited:
        broken.consume("login", "10.0.0.9", limit=2, window=60, message="Trop d'essais.")
    assert limited.value.message == "Trop d'essais." and 55 <= limited.value.retry_after <= 60
    broken.consume("login", "10.0.0.10", limit=2, window=60)  # another key has its own count
    assert fallback_gauge() == 1
    assert fallback_decisions() - decisions_before == 4
    assert "throttle unavailable, limits applied in memory by this process" in caplog.text


def test_with_redis_down_refund_reset_and_hit_apply_in_memory():
    broken = Throttle(connect(CLOSED_PORT), prefix="test:down-refund")
    assert broken.hit("post", "a", 60) == 1 and broken.hit("post", "a", 60) == 2
    with pytest.raises(RateLimited):
        broken.consume("post", "a", limit=2, window=60)
    broken.refund("post", "a")
    broken.consume("post", "a", limit=2, window=60)
    broken.reset("post", "a")
    broken.consume_all([("post", "a", 2, 60, None)] * 2)  # one request, two limits on one key: two hits
    with pytest.raises(RateLimited):
        broken.consume("post", "a", limit=2, window=60)


def test_when_redis_answers_again_it_decides_again(throttle, monkeypatch):
    working_client = throttle.client
    throttle.client = connect(CLOSED_PORT)
    throttle.consume("post", "a", limit=5, window=60)
    assert fallback_gauge() == 1
    throttle.consume("post", "a", limit=5, window=60)  # within the retry delay: Redis not even asked
    assert working_client.get(throttle._key("post", "a")) is None
    throttle.client = working_client
    monkeypatch.setattr(throttle_module, "RETRY_REDIS_SECONDS", 0)
    throttle._redis_retry_at = 0
    throttle.consume("post", "a", limit=5, window=60)
    assert fallback_gauge() == 0 and working_client.get(throttle._key("post", "a")) == "1"


@pytest.mark.parametrize("seed", range(8))
def test_in_memory_batches_are_decided_as_redis_decides_them(reference, seed):  # noqa: F811
    rng = random.Random(seed)
    broken = Throttle(connect(CLOSED_PORT), prefix=f"test:down-{seed}")
    accounts, ips = [f"acc-{n}" for n in range(rng.randint(1, 6))], [f"10.0.0.{n}" for n in range(rng.randint(1, 4))]
    refused = 0
    for _ in range(3):
        requests = [random_request(rng, accounts, ips) for _ in range(rng.randint(10, 25))]
        expected = one_by_one(reference, requests)
        assert_same(broken.consume_each(requests), expected)
        refused += sum(decision is not None for decision in expected)
    assert refused


def test_memory_stays_bounded_with_redis_down():
    windows = throttle_module._InProcessWindows(max_keys=100)
    for number in range(1000):
        windows.decide([[(f"key-{number}", 5, 60)]])
    assert len(windows._windows) <= 100
