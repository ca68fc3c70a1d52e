"""redis_exporter's `monitoring` user of deploy/redis/users.py, on a Redis server of the test's own (a free port, the
shared one is never touched): it reads what the exporter reads (INFO, CONFIG GET maxclients, the slow log, latency,
the client list) and nothing of the hub's data, and cannot change the server or end other clients."""
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import redis

from tests.integration.test_redis_users import free_port, load_users_module

pytestmark = pytest.mark.integration

users = load_users_module()


@pytest.fixture(scope="module")
def servers():
    """(a client as `monitoring`, a client as `admin`) on a redis-server started with the rendered ACL file."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (dev/ensure-services.sh installs it for the tests)")
    directory = Path(tempfile.mkdtemp(prefix="hub-redis-monitoring-"))
    passwords = {user.name: secrets.token_urlsafe(18) for user in users.USERS}
    admin_password, monitoring_password = secrets.token_urlsafe(18), secrets.token_urlsafe(18)
    acl = directory / "users.acl"
    acl.write_text(users.acl_file(passwords, admin_password, "hub", monitoring_password=monitoring_password),
                   encoding="utf-8")
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(directory), "--aclfile", str(acl)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    monitoring = redis.Redis(port=port, username="monitoring", password=monitoring_password, decode_responses=True)
    admin = redis.Redis(port=port, username="admin", password=admin_password, decode_responses=True)
    deadline = time.monotonic() + 10
    while True:
        try:
            admin.ping()
            break
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    admin.set("hub:session:abc", "a citizen's session")
    try:
        yield monitoring, admin
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


def test_the_monitoring_user_reads_the_servers_figures(servers):
    monitoring, _ = servers
    assert monitoring.ping()
    assert "connected_clients" in monitoring.info("all")
    assert monitoring.config_get("maxclients")["maxclients"]
    assert monitoring.client_setname("redis_exporter")
    assert any(client.get("name") == "redis_exporter" for client in monitoring.client_list())
    assert monitoring.slowlog_len() >= 0
    monitoring.execute_command("LATENCY", "LATEST")


@pytest.mark.parametrize("command", [("GET", "hub:session:abc"), ("SET", "hub:session:abc", "x"),
                                     ("DEL", "hub:session:abc"), ("SCAN", "0"), ("CONFIG", "SET", "maxclients", "5"),
                                     ("CLIENT", "KILL", "ID", "1"), ("FLUSHALL",), ("ACL", "LIST"),
                                     ("EVAL", "return 1", "0")])
def test_the_monitoring_user_cannot_touch_data_or_clients(servers, command):
    monitoring, admin = servers
    with pytest.raises(redis.exceptions.NoPermissionError):
        monitoring.execute_command(*command)
    assert admin.get("hub:session:abc") == "a citizen's session"


def test_without_its_password_the_file_has_no_monitoring_user():
    passwords = {user.name: "x" for user in users.USERS}
    assert " monitoring " not in users.acl_file(passwords, "admin", "hub")
    assert " monitoring " in users.acl_file(passwords, "admin", "hub", monitoring_password="m")
