"""The `status` RPC every service answers for the administrators' page "État du hub" (hubkit.status): its content,
its refusal of anyone but an administrator, and what it says when a figure cannot be read."""
import types

import eventlet
import pytest
from nameko.testing.services import worker_factory

from hubkit import calls, dead_letters, status, trust
from hubkit.errors import PermissionDenied
from hubkit.metrics import EntrypointMetrics
from hubkit.rpc import SignedClusterRpcProxy
from hubkit.service_base import Infrastructure, rpc

ADMIN = {"account_id": "00000000-0000-4000-8000-0000000000ad", "roles": ["admin", "citizen"]}
AGENT = {"account_id": "00000000-0000-4000-8000-0000000000a9", "roles": ["agent", "citizen"]}


class Backlog:
    def __init__(self, backlog=(4, 12.345), error=None):
        self.relay = types.SimpleNamespace(pending_backlog=self.pending_backlog)
        self.backlog, self.error = backlog, error

    def pending_backlog(self):
        if self.error is not None:
            raise self.error
        return self.backlog


def reporter(monkeypatch, depth=7) -> status.HubStatus:
    def broker_depth(config, service):
        if isinstance(depth, BaseException):
            raise depth
        return depth
    monkeypatch.setattr(dead_letters, "depth", broker_depth)
    provider = status.HubStatus()
    provider.container = types.SimpleNamespace(service_name="hubkit_status", config={"AMQP_URI": "memory://"})
    provider.setup()
    return provider


def service(outbox=None, extras=None):
    ready = {"broker": {"ok": True, "ms": 0.1}, "database": {"ok": True, "ms": 0.2}}
    found = types.SimpleNamespace(readiness=types.SimpleNamespace(checks=lambda: ready),
                                  outbox=outbox if outbox is not None else Backlog())
    if extras is not None:
        found.status_extras = extras
    return found


def test_an_administrator_gets_the_services_figures(monkeypatch):
    monkeypatch.setenv("HUB_VERSION", "2026.12.1-3f2c9e1")
    answer = reporter(monkeypatch).report(service(extras=lambda: {"overdue_ideas": 2}), ADMIN)
    assert answer["service"] == "hubkit_status" and answer["version"] == "2026.12.1-3f2c9e1"
    assert answer["started_at"].endswith("+00:00")
    assert answer["checks"]["database"]["ok"] is True
    assert answer["outbox"] == {"pending": 4, "oldest_age_seconds": 12.3}
    assert answer["dead_letters"] == 7 and answer["extras"] == {"overdue_ideas": 2}


@pytest.mark.parametrize("actor", [None, AGENT, {"account_id": "x", "roles": "admin"}, "an-account-id",
                                   {"account_id": "x"}])
def test_anyone_but_an_administrator_is_refused(monkeypatch, actor):
    with pytest.raises(PermissionDenied):
        reporter(monkeypatch).report(service(), actor)


def test_only_the_gateway_may_call_it():
    assert calls.allowed_callers("routing", "status") == {"gateway"}
    assert not calls.may_call("ideas", "accounts", "status")


def test_a_figure_that_cannot_be_read_is_null_and_the_rest_still_answers(monkeypatch):
    def broken_extras():
        raise RuntimeError("database away")
    answer = reporter(monkeypatch, depth=ConnectionRefusedError()).report(
        service(outbox=Backlog(error=RuntimeError("database away")), extras=broken_extras), ADMIN)
    assert answer["outbox"] is None and answer["dead_letters"] is None and answer["extras"] is None
    assert answer["service"] == "hubkit_status"


def test_a_broker_that_hangs_gives_no_depth_after_the_timeout(monkeypatch):
    monkeypatch.setattr(status, "DEAD_LETTERS_TIMEOUT_SECONDS", 0.05)
    provider = reporter(monkeypatch)
    monkeypatch.setattr(dead_letters, "depth", lambda config, name: eventlet.sleep(5))
    assert provider.report(service(), ADMIN)["dead_letters"] is None


def test_the_version_is_the_packages_without_hub_version(monkeypatch):
    monkeypatch.delenv("HUB_VERSION", raising=False)
    monkeypatch.setattr(status.metadata, "version", lambda name: {"hub-routing": "0.1.0"}[name])
    assert status.version_of("routing") == "0.1.0"
    monkeypatch.setattr(status.metadata, "version", lambda name: (_ for _ in ()).throw(
        status.metadata.PackageNotFoundError(name)))
    assert status.version_of("routing") is None


class StatusService(Infrastructure):
    name = "hubkit_status"

    metrics = EntrypointMetrics()
    outbox = Backlog()

    @rpc
    def echo(self, value):
        return value


def test_the_entrypoint_hands_the_service_and_the_actor_to_the_report():
    worker = worker_factory(StatusService)
    worker.hub_status.report.return_value = {"service": "hubkit_status"}
    assert worker.status(ADMIN) == {"service": "hubkit_status"}
    worker.hub_status.report.assert_called_once_with(worker, ADMIN)


@pytest.mark.integration
def test_a_running_service_answers_its_status_to_the_gateway_for_an_administrator(rabbit_config, container_factory):
    container_factory(StatusService, rabbit_config).start()
    admin_session = {**ADMIN, "direction": None, "session_id": "s-ad"}
    with SignedClusterRpcProxy(rabbit_config, context_data={
            "correlation_id": "req-status", trust.SUBJECT_KEY: trust.subject_of(admin_session)}) as gateway:
        answer = gateway.hubkit_status.status(ADMIN)
        assert answer["service"] == "hubkit_status" and answer["outbox"]["pending"] == 4
        assert answer["checks"]["broker"]["ok"] is True
        with pytest.raises(trust.CallerNotTrusted):  # an admin's claim on another person's session
            gateway.hubkit_status.status({**ADMIN, "account_id": AGENT["account_id"]})
    agent_session = {**AGENT, "direction": "DVD", "session_id": "s-ag"}
    with SignedClusterRpcProxy(rabbit_config, context_data={
            "correlation_id": "req-status-2", trust.SUBJECT_KEY: trust.subject_of(agent_session)}) as gateway:
        with pytest.raises(PermissionDenied):
            gateway.hubkit_status.status({**AGENT, "direction": "DVD"})
    with SignedClusterRpcProxy(rabbit_config, identity="ideas") as another_service:
        with pytest.raises(trust.CallerNotTrusted):
            another_service.hubkit_status.status(None)
