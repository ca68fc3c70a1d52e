"""A Redis pod of deploy/k8s/base/redis/, run on this machine: its start scripts, with the pod's paths moved into a
temporary folder and free ports. start-redis.sh renders the ACL file from the mounted passwords and starts
redis-server, which must then serve the hub's users exactly as deploy/redis/users.py cuts them; start-sentinel.sh
starts a sentinel that watches that server as `admin` (the master `hub` that HUB_REDIS_URL names).
"""
import os
import subprocess
import time
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from hubkit.testing import free_port, wait_for_port
from tests.contract.test_compose import deploy_module

REDIS = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "base" / "redis"
PASSWORDS = {"accounts": "accounts-Zq8-pass", "ideas": "ideas-Zq8-pass", "petitions": "petitions-Zq8-pass",
             "gateway": "gateway-Zq8-pass", "monitoring": "monitoring-Zq8-pass", "admin": "admin-Kp3-pass"}


@pytest.fixture
def redis_pod(tmp_path):
    """(port, process) of start-redis.sh running as the StatefulSet's first pod, hub-redis-0."""
    etc, secrets, data = tmp_path / "etc", tmp_path / "secrets", tmp_path / "data"
    etc.mkdir()
    for name in ("users.acl", "render-acl.sh"):
        (etc / name).write_text((REDIS / name).read_text(encoding="utf-8"), encoding="utf-8")
    users = deploy_module("redis")
    assert set(PASSWORDS) == {user.name for user in users.USERS} | {users.MONITORING_USER, "admin"}
    for user, password in PASSWORDS.items():
        (secrets / user).mkdir(parents=True)
        (secrets / user / "password").write_text(password + "\n", encoding="utf-8")
    port = free_port()
    process = _start("start-redis.sh", (
        ("/etc/hub-redis", str(etc)), ("/run/secrets/redis", str(secrets)), ("/data", str(data)),
        ('echo "port 6379"', f'echo "port {port}"; echo "bind 127.0.0.1"')), tmp_path)
    try:
        wait_for_port(port, timeout=10)
        yield port, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def _start(script: str, replacements: tuple, folder: Path, **env) -> subprocess.Popen:
    text = (REDIS / script).read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    (folder / script).write_text(text, encoding="utf-8")
    return subprocess.Popen(["sh", str(folder / script)], env={**os.environ, "HOSTNAME": "hub-redis-0", **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture
def sentinel(redis_pod, tmp_path):
    """The port of start-sentinel.sh's sentinel, alone (quorum 1), watching the redis_pod's server."""
    redis_port, _ = redis_pod
    port = free_port()
    process = _start("start-sentinel.sh", (
        ("/run/secrets/redis", str(tmp_path / "secrets")), ("/data", str(tmp_path / "data")),
        ('echo "port 26379"', f'echo "port {port}"; echo "bind 127.0.0.1"'),
        ('master="hub-redis-0.hub-redis"', 'master="localhost"'), ("$master 6379", f"$master {redis_port}")),
        tmp_path, SENTINEL_QUORUM="1")
    try:
        wait_for_port(port, timeout=10)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def _client(port: int, user: str, password: str = None) -> redis.Redis:
    # no retries: redis-py would retry a refused login for seconds
    return redis.Redis(host="127.0.0.1", port=port, username=user, password=password or PASSWORDS[user],
                       socket_timeout=2, decode_responses=True, retry=Retry(NoBackoff(), 0))


@pytest.mark.integration
def test_a_redis_pod_serves_the_hub_users(redis_pod):
    port, _ = redis_pod
    accounts, gateway, admin = _client(port, "accounts"), _client(port, "gateway"), _client(port, "admin")
    assert accounts.set("hub:session:abc", "principal") and gateway.get("hub:session:abc") == "principal"
    assert _client(port, "ideas").incr("hub:throttle:ideas:1") == 1
    with pytest.raises(redis.exceptions.NoPermissionError):
        gateway.set("hub:session:abc", "forged")  # the gateway only reads sessions
    with pytest.raises(redis.exceptions.NoPermissionError):
        _client(port, "petitions").get("hub:session:abc")  # petitions has only the rate limits
    with pytest.raises(redis.exceptions.AuthenticationError):
        _client(port, "accounts", "guessed").ping()
    assert admin.info("replication")["role"] == "master"  # pod 0 with no sentinel to ask: the first master
    monitoring = _client(port, "monitoring")  # the exporter's user: the server's figures, no key
    assert monitoring.info("clients")["connected_clients"] >= 1
    with pytest.raises(redis.exceptions.NoPermissionError):
        monitoring.get("hub:session:abc")


@pytest.mark.integration
def test_the_sentinel_watches_the_master_as_admin(sentinel, redis_pod):
    watcher = redis.Redis(host="127.0.0.1", port=sentinel, socket_timeout=2, decode_responses=True)
    assert watcher.sentinel_get_master_addr_by_name("hub") == ("localhost", redis_pod[0])
    deadline = time.monotonic() + 15
    master = watcher.sentinel_master("hub")
    while not (master["flags"] == "master" and master["info-refresh"] > 0) and time.monotonic() < deadline:
        time.sleep(0.1)  # until its first INFO, which needs the admin login (a wrong password leaves it disconnected)
        master = watcher.sentinel_master("hub")
    assert master["flags"] == "master" and master["info-refresh"] > 0, master
