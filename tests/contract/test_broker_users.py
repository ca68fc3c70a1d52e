"""The broker users' table (deploy/rabbitmq/users.py) against the code: each service may call, listen to and
declare exactly what its nameko entrypoints and dependencies need (no broker needed).

A service that starts calling or listening to another one without the table following would be refused by
the broker in production only; this test says so first. tests/integration/test_broker_users.py shows the
permissions at work on a real broker.
"""
import importlib
import importlib.util
import re
from pathlib import Path

import pytest
from nameko.containers import ServiceContainer
from nameko.events import EventHandler
from nameko.rpc import RpcProxy

ROOT = Path(__file__).resolve().parents[2]


def load_users_module():
    spec = importlib.util.spec_from_file_location("hub_rabbitmq_users", ROOT / "deploy" / "rabbitmq" / "users.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


users = load_users_module()
TABLE = {identity.name: identity for identity in users.IDENTITIES}
PACKAGES = sorted(path.parent.name for path in ROOT.glob("services/*/*/service.py")
                  if path.parent.name == path.parent.parent.name)
UUID = "0b7f4c1e-3d2a-4c5b-9e8f-1a2b3c4d5e6f"


def service_class(package: str):
    module = importlib.import_module(f"{package}.service")
    return next(value for value in vars(module).values()
                if isinstance(value, type) and getattr(value, "name", None) == package
                and value.__module__ == module.__name__)


def handlers_of(package: str) -> list:
    container = ServiceContainer(service_class(package), {"AMQP_URI": "memory://"})
    return [entrypoint for entrypoint in container.entrypoints if isinstance(entrypoint, EventHandler)]


def emitted_types(service: str) -> set:
    """The event types a service's events.py declares (its outbox publishes them as routing keys)."""
    module = importlib.import_module(f"{service}.events")
    return {value for name, value in vars(module).items()
            if name.isupper() and isinstance(value, str) and re.fullmatch(r"[a-z]+(_[a-z]+)+", value)}


def topic_rules(identity) -> dict:
    """exchange -> the identity's topic permission on it."""
    rules = users.topic_permissions(identity)
    by_exchange = {rule["exchange"]: rule for rule in rules}
    assert len(by_exchange) == len(rules), "RabbitMQ keeps one topic permission per exchange"
    return by_exchange


def broker_needs(package: str) -> tuple:
    """(services it calls over RpcProxy, services whose events it handles, its event handlers' queue names)."""
    container = ServiceContainer(service_class(package), {"AMQP_URI": "memory://"})
    calls = {dependency.target_service for dependency in container.dependencies if isinstance(dependency, RpcProxy)}
    handlers = [entrypoint for entrypoint in container.entrypoints if isinstance(entrypoint, EventHandler)]
    queues = [f"evt-{handler.source_service}-{handler.event_type}--{package}.{handler.method_name}"
              for handler in handlers]
    return calls, {handler.source_service for handler in handlers}, queues


def uses_standalone_proxy(directory: Path) -> bool:
    return any(re.search(r"\b(RpcPool|ClusterRpcProxy)\(", path.read_text(encoding="utf-8"))
               for path in directory.rglob("*.py") if "tests" not in path.parts)


def test_the_table_has_one_identity_per_service_and_the_gateway():
    assert sorted(users.SERVICES) == PACKAGES
    assert sorted(TABLE) == sorted(PACKAGES + ["gateway"])
    assert TABLE["gateway"].calls == users.SERVICES and not TABLE["gateway"].serves


@pytest.mark.parametrize("package", PACKAGES)
def test_the_table_follows_what_each_service_calls_and_listens_to(package):
    calls, listens_to, handler_queues = broker_needs(package)
    identity = TABLE[package]
    assert set(identity.calls) == calls
    assert set(identity.listens_to) == listens_to
    assert identity.standalone_proxy == uses_standalone_proxy(ROOT / "services" / package)
    rights = users.permissions(identity)
    for queue in handler_queues + [f"rpc-{package}"] + ([f"rpc.reply-{package}-{UUID}"] if calls else []):
        for kind in ("configure", "write", "read"):
            assert re.fullmatch(rights[kind], queue), (kind, queue)


def test_the_gateway_uses_a_standalone_proxy():
    assert uses_standalone_proxy(ROOT / "gateway" / "gateway")
    assert TABLE["gateway"].standalone_proxy


def test_no_identity_may_publish_to_the_default_exchange_or_another_services_events():
    for name, identity in TABLE.items():
        rights = users.permissions(identity)
        assert not re.fullmatch(rights["write"], "amq.default") and not re.fullmatch(rights["write"], "")
        for other in users.SERVICES:
            if other != name:
                assert not re.fullmatch(rights["write"], f"{other}.events")
                assert not re.fullmatch(rights["configure"], f"{other}.events")
                assert not re.fullmatch(rights["read"], f"rpc-{other}")
                assert not re.fullmatch(users.rpc_topic_permissions(identity)["read"], f"{other}.*")


def test_handler_queues_of_one_service_are_not_another_services():
    budget = users.permissions(TABLE["budget"])
    assert re.fullmatch(budget["read"], "evt-accounts-account_deleted--budget.on_account_deleted")
    assert not re.fullmatch(budget["read"], "evt-accounts-account_deleted--ideas.on_account_deleted")
    assert not re.fullmatch(budget["read"], "evt-accounts-account_deleted--budget.x--ideas.y")


def dead_letter_names(service: str) -> list:
    """hubkit.queues' names for a service: what its queues dead-letter, wait and come back through."""
    from hubkit import queues
    return [queues.dead_letters_name(service), queues.retry_exchange_name(service),
            queues.retry_queue_name(service, 1), queues.retry_queue_name(service, 12),
            queues.requeue_exchange_name(service)]


@pytest.mark.parametrize("package", PACKAGES)
def test_each_service_may_use_its_own_dead_letters_and_retries_only(package):
    rights = users.permissions(TABLE[package])
    for name in dead_letter_names(package):
        for kind in ("configure", "write", "read"):
            assert re.fullmatch(rights[kind], name), (kind, name)
    for other in [*PACKAGES, "gateway"]:
        if other != package:
            for name in dead_letter_names(other):
                assert not any(re.fullmatch(rights[kind], name) for kind in ("configure", "write", "read")), name
    gateway = users.permissions(TABLE["gateway"])
    assert not any(re.fullmatch(gateway[kind], name) for kind in ("configure", "write", "read")
                   for name in dead_letter_names(package))


# --- personal events ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("service", users.SERVICES)
def test_the_personal_events_are_each_producers(service):
    """users.py cannot import the services: its copy must be theirs (an event missing here would be readable)."""
    declared = getattr(importlib.import_module(f"{service}.events"), "PERSONAL_EVENTS", frozenset())
    assert set(users.PERSONAL_EVENTS.get(service, ())) == set(declared)
    assert set(declared) <= emitted_types(service)
    assert set(users.PERSONAL_EVENTS) <= set(users.SERVICES)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_only_notifications_may_bind_to_personal_events_and_nobody_to_a_wildcard(name):
    identity, rules = TABLE[name], topic_rules(TABLE[name])
    for source in identity.listens_to:
        read = rules[f"{source}.events"]["read"]
        for event_type in emitted_types(source):
            personal = event_type in users.PERSONAL_EVENTS.get(source, ())
            allowed = name == users.PERSONAL_EVENTS_READER or not personal
            assert bool(re.fullmatch(read, event_type)) == allowed, (name, source, event_type)
        for key in ("#", "*", "idea_followed.#", "*.idea_followed", "#.x", "", "idea_followed idea_submitted"):
            assert not re.fullmatch(read, key), (name, source, key)
    personal_sources = [source for source in users.PERSONAL_EVENTS if source in identity.listens_to]
    if name == users.PERSONAL_EVENTS_READER:
        assert personal_sources == list(users.PERSONAL_EVENTS)  # « Mon espace » reads them all


@pytest.mark.parametrize("package", PACKAGES)
def test_every_handler_of_the_code_may_bind_its_event(package):
    """The topic permissions never refuse a subscription the code has (the service would fail at start)."""
    rules = topic_rules(TABLE[package])
    for handler in handlers_of(package):
        assert re.fullmatch(rules[f"{handler.source_service}.events"]["read"], handler.event_type), (
            package, handler.source_service, handler.event_type)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_an_identity_publishes_every_type_on_its_own_events_and_none_elsewhere(name):
    identity, rules = TABLE[name], topic_rules(TABLE[name])
    listened = {f"{source}.events" for source in identity.listens_to}
    own = {f"{name}.events"} if identity.serves else set()
    assert set(rules) == {users.RPC_EXCHANGE} | listened | own
    for exchange, rule in rules.items():
        if exchange == users.RPC_EXCHANGE:
            continue
        source = exchange.removesuffix(".events")
        for event_type in emitted_types(source):
            assert bool(re.fullmatch(rule["write"], event_type)) == (exchange in own), (name, exchange, event_type)
