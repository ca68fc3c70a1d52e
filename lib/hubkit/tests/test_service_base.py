"""A service inheriting `Infrastructure` exposes the operations entrypoints: health RPC, relay timer, /metrics, /healthz, /readyz."""
import time
import urllib.request

import pytest
from nameko.containers import ServiceContainer
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from nameko.testing.services import worker_factory
from nameko.timer import Timer
from nameko.web.handlers import HttpRequestHandler

from hubkit.metrics import EntrypointMetrics
from hubkit.rpc import SignedClusterRpcProxy
from hubkit.service_base import RELAY_SECONDS, Infrastructure, rpc  # nameko's own @rpc beside it would share the queue with another consumer
from hubkit.testing import free_port


class CountingRelay(DependencyProvider):
    """Stands for OutboxRelayProvider / MailRelayProvider: counts the polls."""

    def setup(self):
        self.polls = 0

    def get_dependency(self, worker_ctx):
        return self

    def poll(self):
        self.polls += 1
        return 0


class RelayingService(Infrastructure):
    name = "hubkit_relaying"

    metrics = EntrypointMetrics()
    outbox = CountingRelay()
    mails = CountingRelay()

    @rpc
    def echo(self, value):
        return value


class EventsOnlyService(Infrastructure):
    """A service that sends no e-mails itself: no `mails`."""
    name = "hubkit_events_only"

    outbox = CountingRelay()


def entrypoints(service_cls) -> dict:
    container = ServiceContainer(service_cls, {"AMQP_URI": "memory://"})
    return {entrypoint.method_name: entrypoint for entrypoint in container.entrypoints}


def test_the_mixin_entrypoints_are_found_on_the_inheriting_service():
    found = entrypoints(RelayingService)
    assert set(found) == {"echo", "health", "status", "relay_pending", "prometheus", "healthz", "readyz"}
    assert isinstance(found["health"], Rpc) and isinstance(found["status"], Rpc)
    assert isinstance(found["relay_pending"], Timer) and found["relay_pending"].interval == RELAY_SECONDS
    assert isinstance(found["prometheus"], HttpRequestHandler)
    assert (found["prometheus"].method, found["prometheus"].url) == ("GET", "/metrics")
    assert (found["healthz"].method, found["healthz"].url) == ("GET", "/healthz")
    assert (found["readyz"].method, found["readyz"].url) == ("GET", "/readyz")


def test_health_names_the_service_and_the_probes_answer():
    service = worker_factory(RelayingService)
    assert service.health() == {"service": "hubkit_relaying", "status": "ok"}
    assert service.healthz(None) == (200, "ok")
    scrape = service.prometheus(None)
    assert scrape.status_code == 200 and b"hub_entrypoint_calls_total" in scrape.get_data()


def test_the_timer_relays_events_and_mails_where_the_service_has_mails():
    service = worker_factory(RelayingService)
    service.relay_pending()
    service.outbox.poll.assert_called_once_with()
    service.mails.poll.assert_called_once_with()

    events_only = worker_factory(EventsOnlyService)
    events_only.relay_pending()
    events_only.outbox.poll.assert_called_once_with()


@pytest.mark.integration
def test_a_running_service_answers_health_metrics_healthz_and_relays_on_its_timer(rabbit_config, container_factory):
    port = free_port()
    container = container_factory(RelayingService, {**rabbit_config, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"})
    container.start()
    with SignedClusterRpcProxy(rabbit_config) as cluster:
        assert cluster.hubkit_relaying.health() == {"service": "hubkit_relaying", "status": "ok"}
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
        assert (response.status, response.read()) == (200, b"ok")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        assert b'entrypoint="health",kind="rpc"' in response.read()  # TrustedRpc counts as rpc
    relays = {dependency.attr_name: dependency for dependency in container.dependencies}
    deadline = time.monotonic() + RELAY_SECONDS * 3
    while time.monotonic() < deadline and not (relays["outbox"].polls and relays["mails"].polls):
        time.sleep(0.1)
    assert relays["outbox"].polls >= 1 and relays["mails"].polls >= 1
