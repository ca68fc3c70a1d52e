"""The routing service on real RabbitMQ: ideas arrive from `idea_submitted` (the text asked of a stand-in ideas
service), a decision over RPC publishes `idea_forwarded` in the idea's correlation chain, other services'
events join the timeline once however often delivered."""
import uuid

import pytest
from nameko.amqp.publish import Publisher
from nameko.events import event_handler
from nameko.standalone.events import get_event_exchange
from nameko.testing.services import entrypoint_waiter

import routing.service
from hubkit.envelope import make_event
from hubkit.outbox import signed_headers
from hubkit.testing import free_port, signed_proxy
from routing.settings import Settings
from tests.fakes import FakeAccountsService, FakeIdeasService

AUTHOR = "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99"
AGENT = {"account_id": "0a9d8c7b-6e5f-4a3b-9c2d-1e0f9a8b7c6d", "roles": ["citizen", "agent"], "direction": "DDCT"}


class RoutingListener:
    name = "routing_listener"
    received = []

    @event_handler("routing", "idea_forwarded")
    def on_forwarded(self, data):
        RoutingListener.received.append(data)


@pytest.fixture
def config(rabbit_config, routing_db, monkeypatch):
    monkeypatch.setenv("ROUTING_DATABASE_URL", routing_db.url)
    monkeypatch.setattr(routing.service, "SETTINGS", Settings(undo_seconds=0))
    yield {**rabbit_config, "serializer": "json", "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"}


@pytest.fixture
def routing_service(config, container_factory, ideas, accounts):
    """routing in a container, with ideas and accounts on the broker answering from the `ideas` and `accounts`
    fakes."""
    for service in (FakeIdeasService.serving(ideas), FakeAccountsService.serving(accounts)):
        container_factory(service, config).start()
    container = container_factory(routing.service.RoutingService, config)
    container.start()
    return container


def deliver_and_wait(config, container, entrypoint: str, envelope: dict):
    exchange = get_event_exchange(envelope["producer"], {})
    with entrypoint_waiter(container, entrypoint, timeout=15) as result:
        Publisher(config["AMQP_URI"], declare=[exchange]).publish(
            envelope, exchange=exchange, routing_key=envelope["type"], extra_headers=signed_headers(envelope, envelope["producer"]))
    return result.get()


def test_an_idea_goes_from_the_box_to_the_budget_in_one_correlation_chain(config, routing_service, container_factory,
                                                                          ideas):
    idea_id = str(uuid.uuid4())
    ideas.add(idea_id, "Aménager le square Saint-Bernard", "Installer des bancs et rénover les allées.")
    submitted = make_event(type="idea_submitted", version=1, producer="ideas", subject={"kind": "idea", "id": idea_id},
                           payload={"idea_id": idea_id, "theme": "cadre_de_vie", "arrondissement": 18},
                           actor={"account_id": AUTHOR, "role": "citizen"}, correlation_id="req-click-42",
                           causation_id="req-click-42")
    assert deliver_and_wait(config, routing_service, "receive_idea", submitted) is True
    assert deliver_and_wait(config, routing_service, "receive_idea", submitted) is False

    RoutingListener.received = []
    listener = container_factory(RoutingListener, config)
    listener.start()
    with entrypoint_waiter(listener, "on_forwarded", timeout=15):
        with signed_proxy("routing", config, actor=AGENT, context_data={"correlation_id": "req-agent-9"}) as proxy:
            item = proxy.get_item(AGENT, {"idea_id": idea_id})
            assert item["suggested_scheme"] == "budget"
            decision = proxy.decide(AGENT, {"idea_id": idea_id, "action": "forward", "scheme": "budget",
                                            "message": "Complétez le projet.", "idempotency_key": "token-abcdef12"})
    [forwarded] = RoutingListener.received
    assert forwarded["payload"]["decision_id"] == decision["id"] and forwarded["payload"]["author_id"] == AUTHOR
    assert forwarded["correlation_id"] == "req-click-42" and forwarded["causation_id"] == "req-agent-9"

    project = str(uuid.uuid4())
    drafted = make_event(type="project_drafted", version=1, producer="budget",
                         subject={"kind": "budget_project", "id": project},
                         payload={"project_id": project, "cycle_id": str(uuid.uuid4()), "origin_idea_id": idea_id,
                                  "decision_id": decision["id"]},
                         correlation_id="req-click-42", causation_id=forwarded["event_id"])
    assert deliver_and_wait(config, routing_service, "trace_project_drafted", drafted) is True
    assert deliver_and_wait(config, routing_service, "trace_project_drafted", drafted) is False
    with signed_proxy("routing", config) as proxy:
        timeline = proxy.idea_timeline({"idea_id": idea_id})
    assert [entry["type"] for entry in timeline["entries"]] == [
        "idea_submitted", "idea_routing_suggested", "idea_forwarded", "project_drafted"]
    assert {entry["correlation_id"] for entry in timeline["entries"]} == {"req-click-42"}
