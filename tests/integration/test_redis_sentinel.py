"""Redis through Sentinel: a redis-server and a sentinel watching it, both on free ports of their own (the shared
Redis is never touched); the hub's factory finds the master from a `redis+sentinel://` URL, logs in as the hub's
ACL user and the rate limits count there, not in the process's memory. Both servers are stopped after."""
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import redis

from hubkit.errors import RateLimited
from hubkit.redis_client import connect
from hubkit.testing import free_port
from hubkit.throttle import FALLBACK_ACTIVE, Throttle

pytestmark = pytest.mark.integration
MASTER = "hub-master"


def start(arguments: list, directory: Path) -> subprocess.Popen:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (dev/ensure-services.sh installs it for the tests)")
    return subprocess.Popen(["redis-server", *arguments], cwd=directory, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def wait_until(probe, processes, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if probe():
                return
        except redis.ConnectionError:
            pass
        assert all(process.poll() is None for process in processes), "a Redis process exited"
        assert time.monotonic() < deadline, "Redis or its sentinel did not come up"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def sentinel_setup():
    directory = Path(tempfile.mkdtemp(prefix="hub-redis-sentinel-"))
    password = secrets.token_urlsafe(18)
    redis_port, sentinel_port = free_port(), free_port()
    master = start(["--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--dir", str(directory),
                    # the hub's component logs in as its own ACL user; the default user stays for the sentinel
                    "--user", "accounts", "on", f">{password}", "~hub:*", "+@all"], directory)
    config = directory / "sentinel.conf"  # a sentinel rewrites its configuration: a file of its own
    config.write_text(f"port {sentinel_port}\nbind 127.0.0.1\ndir {directory}\n"
                      f"sentinel monitor {MASTER} 127.0.0.1 {redis_port} 1\n"
                      f"sentinel down-after-milliseconds {MASTER} 5000\n")
    sentinel = start([str(config), "--sentinel"], directory)
    processes = [master, sentinel]
    try:
        wait_until(lambda: redis.Redis(port=redis_port).ping(), processes)
        wait_until(lambda: redis.Redis(port=sentinel_port).sentinel_get_master_addr_by_name(MASTER), processes)
        yield f"redis+sentinel://accounts:{password}@127.0.0.1:{sentinel_port}/{MASTER}/0", redis_port
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


def test_the_factory_finds_the_master_through_the_sentinel_and_counts_rate_limits_there(sentinel_setup):
    url, redis_port = sentinel_setup
    client = connect(url)
    assert client.acl_whoami() == "accounts"
    assert client.connection_pool.get_master_address() == ("127.0.0.1", redis_port)
    throttle = Throttle(client, prefix="hub:throttle")
    throttle.consume("login", "camille", limit=2, window=60)
    throttle.consume("login", "camille", limit=2, window=60)
    with pytest.raises(RateLimited):
        throttle.consume("login", "camille", limit=2, window=60)
    assert FALLBACK_ACTIVE._value.get() == 0  # decided by Redis, not in memory
    assert redis.Redis(port=redis_port, decode_responses=True).get("hub:throttle:login:camille") == "2"


def test_a_sentinel_that_does_not_know_the_master_name_is_a_redis_error_the_throttle_survives(sentinel_setup):
    url, _ = sentinel_setup
    client = connect(url.replace(f"/{MASTER}/", "/no-such-master/"), timeout=1)
    with pytest.raises(redis.RedisError):
        client.ping()
    throttle = Throttle(client, prefix="hub:throttle")
    throttle.consume("login", "dominique", limit=1, window=60)  # in memory meanwhile, still limited
    with pytest.raises(RateLimited):
        throttle.consume("login", "dominique", limit=1, window=60)
    assert FALLBACK_ACTIVE._value.get() == 1
    FALLBACK_ACTIVE.set(0)  # the gauge is the process's: the tests after this one start from Redis reachable
