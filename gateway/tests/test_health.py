"""Liveness, readiness and the platform's status: what each path asks, that a failing dependency is a 503 with a JSON
body (never a 500), that a service down leaves the gateway ready, and that each check runs at most once a second.
The broker and Redis here are closed ports of this machine (refused at once) or stand-ins: no server is needed."""
import eventlet
import pytest

from gateway import health
from gateway.app import create_app
from gateway.config import Settings
from hubkit.errors import ServiceUnavailable
from hubkit.testing import free_port


@pytest.fixture
def unreachable(monkeypatch):
    """Settings whose broker and Redis are ports nothing listens on."""
    monkeypatch.setenv("HUB_SERVICES", "accounts,ideas")
    monkeypatch.setenv("HUB_AMQP_URI", f"amqp://guest:guest@127.0.0.1:{free_port()}/")
    monkeypatch.setenv("HUB_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    return Settings(secret_key="test", environment="test")


@pytest.fixture
def reachable(monkeypatch):
    """The broker and Redis answer; each check is counted."""
    calls = []
    monkeypatch.setattr(health.Probes, "_broker", lambda self: calls.append("broker"))
    monkeypatch.setattr(health.Probes, "_ping_redis", lambda self: calls.append("redis"))
    return calls


def client_of(settings):
    return create_app(settings).test_client()


def services_answering(monkeypatch, down=()):
    def call(service, method, *args):
        assert method == "health"
        if service in down:
            raise ServiceUnavailable(details={"reason": "RpcTimeout"})
        return {"service": service, "status": "ok"}
    monkeypatch.setattr(health.remote, "call", call)


def test_liveness_asks_nothing(unreachable):
    response = client_of(unreachable).get("/healthz")
    assert (response.status_code, response.json) == (200, {"status": "ok"})


def test_without_the_broker_the_gateway_is_not_ready_and_says_why_in_json(unreachable):
    response = client_of(unreachable).get("/readyz")
    assert response.status_code == 503 and response.json["status"] == "unavailable"
    assert response.json["checks"]["broker"]["ok"] is False and response.json["checks"]["broker"]["error"]
    assert response.json["checks"]["redis"] == {"ok": False, "error": "ConnectionError", "required": False}


def test_a_broker_error_of_any_kind_is_a_503_not_a_500(unreachable, monkeypatch):
    from kombu.exceptions import OperationalError

    def refused(self):
        raise OperationalError("[Errno 111] ECONNREFUSED")
    monkeypatch.setattr(health.Probes, "_broker", refused)
    response = client_of(unreachable).get("/readyz")
    assert response.status_code == 503 and response.json["checks"]["broker"]["error"] == "OperationalError"


def test_a_broker_that_hangs_is_cut_short(unreachable, monkeypatch):
    monkeypatch.setattr(health, "PROBE_TIMEOUT_SECONDS", 0.05)
    monkeypatch.setattr(health, "Connection", lambda *a, **k: eventlet.sleep(10))
    response = client_of(unreachable).get("/readyz")
    assert response.status_code == 503 and response.json["checks"]["broker"]["error"] == "Timeout"


def test_redis_down_or_a_service_down_leaves_the_gateway_ready(unreachable, monkeypatch):
    monkeypatch.setattr(health.Probes, "_broker", lambda self: None)
    services_answering(monkeypatch, down={"ideas"})
    response = client_of(unreachable).get("/readyz")
    assert response.status_code == 200 and response.json["status"] == "ready"
    assert response.json["checks"]["redis"]["ok"] is False
    assert "ideas" not in response.json["checks"]  # readiness never calls the services


def test_the_status_shows_each_service_and_is_503_while_one_is_down(unreachable, reachable, monkeypatch):
    services_answering(monkeypatch, down={"ideas"})
    response = client_of(unreachable).get("/statusz")
    assert response.status_code == 503 and response.json["status"] == "degraded"
    checks = response.json["checks"]
    assert checks["accounts"]["ok"] is True and checks["broker"]["ok"] is True and checks["redis"]["ok"] is True
    assert checks["ideas"] == {"ok": False, "error": "SERVICE_UNAVAILABLE"}


def test_the_status_is_200_when_everything_answers(unreachable, reachable, monkeypatch):
    services_answering(monkeypatch)
    response = client_of(unreachable).get("/statusz")
    assert response.status_code == 200 and response.json["status"] == "up"
    assert set(response.json["checks"]) == {"broker", "redis", "accounts", "ideas"}


def test_a_stopping_gateway_is_not_ready_at_once_but_stays_alive(unreachable, reachable):
    app = create_app(unreachable)
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    health.stop_being_ready(app)
    response = client.get("/readyz")
    assert (response.status_code, response.json["status"]) == (503, "stopping")
    assert client.get("/healthz").status_code == 200


def test_each_check_runs_at_most_once_per_second_whoever_asks(unreachable):
    now, runs = [100.0], []
    probes = health.Probes(unreachable, clock=lambda: now[0])
    probes._probe = lambda name: lambda: (runs.append(name), eventlet.sleep(0.01))
    askers = [eventlet.spawn(probes.check, "broker") for _ in range(5)]  # at the same moment: one run shared
    assert all(asker.wait()["ok"] for asker in askers) and runs == ["broker"]
    now[0] += health.PROBE_SECONDS / 2
    probes.check("broker")
    probes.check("redis")  # another check has its own
    assert runs == ["broker", "redis"]
    now[0] += health.PROBE_SECONDS
    probes.check("broker")
    assert runs == ["broker", "redis", "broker"]


@pytest.mark.integration
@pytest.mark.parametrize("password, ready", [("guest", True), ("not-the-password", False)])
def test_the_broker_check_opens_a_real_connection_with_the_gateways_credentials(monkeypatch, password, ready):
    monkeypatch.setenv("HUB_AMQP_URI", f"amqp://guest:{password}@127.0.0.1:5672/")
    response = client_of(Settings(secret_key="test", environment="test")).get("/readyz")
    assert (response.status_code, response.json["checks"]["broker"]["ok"]) == ((200, True) if ready else (503, False))


@pytest.mark.parametrize("path", ["/statusz", "/metrics"])
def test_the_operators_paths_are_not_served_through_the_public_proxy(unreachable, reachable, monkeypatch, path):
    services_answering(monkeypatch)
    unreachable.trusted_proxies = 1  # an ingress in front, which adds X-Forwarded-For to every request it passes on
    client = client_of(unreachable)
    through_proxy = client.get(path, headers={"X-Forwarded-For": "203.0.113.9"})
    unknown = client.get("/pas-de-telle-page", headers={"X-Forwarded-For": "203.0.113.9"})
    assert through_proxy.status_code == unknown.status_code == 404
    assert through_proxy.content_type == unknown.content_type  # the same answer as a page that does not exist
    assert b"hub_" not in through_proxy.data and b"accounts" not in through_proxy.data
    assert client.get(path).status_code == 200  # Prometheus or an operator reaching the process directly


def test_without_a_trusted_proxy_the_operators_paths_stay_open(unreachable, reachable, monkeypatch):
    services_answering(monkeypatch)
    client = client_of(unreachable)  # HUB_TRUSTED_PROXIES=0: a forwarded-for header is just a client's claim
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 200
