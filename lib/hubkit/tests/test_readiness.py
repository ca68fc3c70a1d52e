"""A service's /readyz (hubkit.readiness through Infrastructure): 200 when its database answers and its broker
consumer is connected; 503 with the failed check named in JSON when the database cannot be reached or the broker
connection is lost, and 200 again once the consumer reconnected by itself. /healthz stays 200 throughout."""
import json
import time
import urllib.error
import urllib.request

import pytest
import requests
import sqlalchemy as sa
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from hubkit.db import Database
from hubkit.service_base import Infrastructure
from hubkit.tables import add_infrastructure_tables
from hubkit.testing import free_port

pytestmark = pytest.mark.integration
METADATA = sa.MetaData()
add_infrastructure_tables(METADATA)


class IdleRelay(DependencyProvider):
    """Stands for the outbox relay: nothing is ever pending here."""

    def get_dependency(self, worker_ctx):
        return self

    def poll(self):
        return 0


def service_on(url: str):
    class ReadyService(Infrastructure):
        name = "hubkit_readiness"
        db = Database("hubkit_readiness", METADATA, url=url)
        outbox = IdleRelay()

        @rpc
        def echo(self, value):
            return value
    return ReadyService


def get(port: int, path: str):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def readyz(port: int):
    status, body = get(port, "/readyz")
    return status, json.loads(body)


def wait_for(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true"
        time.sleep(0.1)


def started(container_factory, rabbit_config, url: str) -> int:
    port = free_port()
    container = container_factory(service_on(url), {**rabbit_config, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"})
    container.start()
    return port


def test_ready_when_the_database_answers_and_the_consumer_is_connected(rabbit_config, container_factory, tmp_path):
    port = started(container_factory, rabbit_config, f"sqlite:///{tmp_path / 'ready.db'}")
    status, body = readyz(port)
    assert status == 200 and body["status"] == "ready" and body["service"] == "hubkit_readiness"
    assert body["checks"]["database"]["ok"] is True and body["checks"]["broker"]["ok"] is True


def test_a_database_that_cannot_be_reached_makes_the_service_unready_not_dead(rabbit_config, container_factory):
    port = started(container_factory, rabbit_config, f"postgresql://hub:secret@127.0.0.1:{free_port()}/nowhere")
    status, body = readyz(port)
    assert status == 503 and body["status"] == "unavailable"
    assert body["checks"]["database"] == {"ok": False, "error": "OperationalError"}
    assert body["checks"]["broker"]["ok"] is True
    assert "secret" not in json.dumps(body)
    assert get(port, "/healthz") == (200, b"ok")


def test_a_lost_broker_connection_makes_the_service_unready_until_it_reconnects(
        rabbit_config, container_factory, rabbit_manager, tmp_path):
    port = started(container_factory, rabbit_config, f"sqlite:///{tmp_path / 'ready.db'}")
    assert readyz(port)[0] == 200
    vhost = rabbit_config["vhost"]
    management = requests.Session()
    management.auth = ("guest", "guest")
    base = "http://127.0.0.1:15672/api"
    # while the user may not enter the virtual host, the consumer's connection is closed and cannot come back
    # the management API lists a connection a few seconds after it opened
    wait_for(lambda: management.get(f"{base}/vhosts/{vhost}/connections").json())
    management.delete(f"{base}/permissions/{vhost}/guest").raise_for_status()
    try:
        for connection in management.get(f"{base}/vhosts/{vhost}/connections").json():
            management.delete(f"{base}/connections/{connection['name']}")
        wait_for(lambda: readyz(port)[0] == 503)
        status, body = readyz(port)
        assert body["checks"]["broker"]["ok"] is False and body["checks"]["database"]["ok"] is True
        assert get(port, "/healthz") == (200, b"ok")
    finally:
        management.put(f"{base}/permissions/{vhost}/guest",
                       json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
    wait_for(lambda: readyz(port)[0] == 200, timeout=60)
