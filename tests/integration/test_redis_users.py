"""The Redis users of deploy/redis/users.py on a Redis server of the test's own (a free port, the shared one is
never touched): HUB_REDIS_URL with a user and password works, a wrong password is refused, each user reaches only
the hub's keys it needs with the commands the code sends."""
import importlib.util
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import redis

from hubkit.errors import RateLimited
from hubkit.throttle import Throttle, connect

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "hub"


def load_users_module():
    spec = importlib.util.spec_from_file_location("hub_redis_users", ROOT / "deploy" / "redis" / "users.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


users = load_users_module()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """redis-server on a free port with the hub's ACL file, stopped (and its directory removed) at the end."""

    def __init__(self, *arguments: str):
        if shutil.which("redis-server") is None:
            pytest.fail("redis-server is not installed (dev/ensure-services.sh installs it for the tests)")
        self.directory = Path(tempfile.mkdtemp(prefix="hub-redis-acl-"))
        self.passwords = {user.name: secrets.token_urlsafe(18) for user in users.USERS}
        self.admin_password = secrets.token_urlsafe(18)
        acl = self.directory / "users.acl"
        acl.write_text(users.acl_file(self.passwords, self.admin_password, PREFIX), encoding="utf-8")
        self.port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory), "--aclfile", str(acl), *arguments],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait(self, probe):
        deadline = time.monotonic() + 10
        while True:
            try:
                return probe()
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def url(self, user: str, password: str = None, scheme: str = "redis", host: str = "127.0.0.1") -> str:
        secret = password or (self.admin_password if user == "admin" else self.passwords[user])
        return f"{scheme}://{user}:{secret}@{host}:{self.port}/0"

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture(scope="module")
def server():
    server = RedisServer()
    try:
        server.wait(lambda: redis.Redis(port=server.port).ping())
        yield server
    finally:
        server.stop()


def test_the_right_user_works_and_a_wrong_password_is_refused(server):
    assert connect(server.url("accounts")).ping()
    with pytest.raises(redis.AuthenticationError):
        connect(server.url("accounts", password="not-the-password")).ping()
    with pytest.raises(redis.AuthenticationError):
        connect(server.url("budget", password="no-such-user")).ping()


def test_without_a_password_only_ping_answers(server):
    anonymous = redis.Redis(port=server.port)
    assert anonymous.ping()
    with pytest.raises(redis.exceptions.NoPermissionError):
        anonymous.get(f"{PREFIX}:session:x")


def test_rate_limits_run_in_redis_under_each_services_user(server):
    admin = connect(server.url("admin"))
    for name in ("accounts", "ideas", "petitions"):
        admin.script_flush()  # the first decision finds no script: EVALSHA, then the script sent again
        throttle = Throttle(connect(server.url(name)))
        throttle.consume("login", f"{name}-client", limit=2, window=60)
        throttle.consume("login", f"{name}-client", limit=2, window=60)
        with pytest.raises(RateLimited):
            throttle.consume("login", f"{name}-client", limit=2, window=60)
        assert throttle.hit("posting", name, window=60) == 1
        throttle.refund("posting", name)
        throttle.reset("login", f"{name}-client")
        # counted in Redis, not in the process's fallback
        assert admin.get(f"{PREFIX}:throttle:posting:{name}") == "0"
        assert admin.get(f"{PREFIX}:throttle:login:{name}-client") is None


def test_the_session_cache_is_written_by_accounts_and_only_read_by_the_gateway(server):
    """The commands hubkit/sessions.py sends: SET with an expiry and DEL (accounts), GET and MGET (gateway)."""
    key = f"{PREFIX}:session:{'a' * 64}"
    accounts, gateway = connect(server.url("accounts")), connect(server.url("gateway"))
    assert accounts.set(key, '{"account_id": "a-1"}', ex=60)
    assert gateway.get(key) == '{"account_id": "a-1"}'
    assert gateway.mget([key, key]) == ['{"account_id": "a-1"}'] * 2
    with pytest.raises(redis.exceptions.NoPermissionError):
        gateway.set(key, '{"account_id": "a-1", "roles": ["admin"]}')
    with pytest.raises(redis.exceptions.NoPermissionError):
        gateway.delete(key)
    with pytest.raises(redis.exceptions.NoPermissionError):
        connect(server.url("ideas")).get(key)
    assert accounts.delete(key) == 1


def test_keys_outside_the_hubs_prefix_are_refused(server):
    for name in ("accounts", "ideas", "petitions", "gateway"):
        client = connect(server.url(name))
        with pytest.raises(redis.exceptions.NoPermissionError):
            client.get("other:throttle:x")
        with pytest.raises(redis.exceptions.NoPermissionError):
            client.get(f"{PREFIX}x:session:y")
    accounts = connect(server.url("accounts"))
    with pytest.raises(redis.exceptions.NoPermissionError):
        accounts.set("other:session:x", "1")
    with pytest.raises(redis.exceptions.NoPermissionError):
        accounts.keys("*")
    with pytest.raises(redis.exceptions.NoPermissionError):
        accounts.flushall()
    with pytest.raises(redis.exceptions.NoPermissionError):
        accounts.config_get("*")
    # a script cannot reach further than its caller: EVAL with a key outside the prefix is refused
    with pytest.raises(redis.exceptions.NoPermissionError):
        accounts.eval("return redis.call('GET', KEYS[1])", 1, "other:x")
    # nor a key the script names itself
    with pytest.raises(redis.exceptions.ResponseError, match="can't access"):
        accounts.eval("return redis.call('GET', 'other:x')", 1, f"{PREFIX}:throttle:x")
