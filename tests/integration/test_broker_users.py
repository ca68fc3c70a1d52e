"""Each service and the gateway on the broker with its own user (deploy/rabbitmq/users.py), on the local RabbitMQ.

A fresh vhost and users (names prefixed, so a real `hub` vhost is never touched) are created through the
management API with the permissions of the table in users.py, and deleted at the end even on failure.
Small nameko services named `accounts` and `budget` stand in for the real ones: they declare, bind, consume and
publish exactly what nameko does for any service (RPC queue, reply queue, event handler queue, events exchange).
Then each identity can work, and cannot read, publish or bind where it has no business.
"""
import argparse
import importlib.util
import io
import secrets
import urllib.parse
import uuid
from pathlib import Path

import amqp
import eventlet
import pytest
from nameko.containers import ServiceContainer
from nameko.amqp.publish import Publisher
from nameko.events import EventDispatcher, event_handler
from nameko.rpc import RpcProxy, rpc
from nameko.standalone.events import get_event_exchange
from nameko.standalone.rpc import ClusterRpcProxy

from hubkit.config import nameko_config
from hubkit.consumer import event_handler as hubkit_event_handler, receive
from hubkit.correlation import Correlation
from hubkit.dead_letters import DeadLetterQueue, run as run_dead_letters
from hubkit.envelope import make_event
from hubkit.outbox import signed_headers
from hubkit.service_base import rpc as hubkit_rpc

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
MANAGEMENT_URL = "http://127.0.0.1:15672"


def load_users_module():
    spec = importlib.util.spec_from_file_location("hub_rabbitmq_users", ROOT / "deploy" / "rabbitmq" / "users.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


users = load_users_module()
HEARD = eventlet.queue.LightQueue()


class Accounts:
    name = "accounts"
    dispatch = EventDispatcher()  # declares accounts.events and publishes to it, as the outbox relay does

    @rpc
    def whoami(self):
        return "accounts"

    @rpc
    def delete_account(self, account_id):
        self.dispatch("account_deleted", {"account_id": account_id})
        return account_id


class Budget:
    name = "budget"
    accounts = RpcProxy("accounts")

    @rpc
    def ask_accounts(self):
        return f"budget asked {self.accounts.whoami()}"

    @event_handler("accounts", "account_deleted")
    def on_account_deleted(self, payload):
        HEARD.put(payload["account_id"])


class Broker:
    """The test vhost and the identities' credentials on it."""

    def __init__(self):
        self.vhost = f"hub_users_test_{uuid.uuid4().hex[:8]}"
        self.prefix = f"t{uuid.uuid4().hex[:6]}_"
        self.passwords = {identity.name: secrets.token_urlsafe(18) for identity in users.IDENTITIES}
        self.management = users.Management(MANAGEMENT_URL, "guest", "guest")

    def uri(self, identity: str, password: str = None) -> str:
        return (f"amqp://{self.prefix}{identity}:{password or self.passwords[identity]}"
                f"@127.0.0.1:5672/{self.vhost}")

    def connect(self, identity: str) -> amqp.Connection:
        connection = amqp.Connection("127.0.0.1:5672", userid=self.prefix + identity,
                                     password=self.passwords[identity], virtual_host=self.vhost)
        connection.connect()
        return connection


@pytest.fixture(scope="module")
def broker():
    broker = Broker()
    try:
        users.apply(broker.management, broker.vhost, broker.passwords, user_prefix=broker.prefix)
        yield broker
    finally:
        users.remove(broker.management, broker.vhost, user_prefix=broker.prefix)


@pytest.fixture(scope="module")
def running(broker):
    """accounts and budget started under their own users, as the hub runs them (hubkit's nameko_config)."""
    containers = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HUB_AMQP_DECLARE_EVENT_EXCHANGES", "0")
        try:
            for service in (Accounts, Budget):
                patch.setenv("HUB_AMQP_URI", broker.uri(service.name))
                container = ServiceContainer(service, nameko_config(service.name, 0))
                containers.append(container)
                container.start()
            yield broker
        finally:
            for container in containers:
                container.stop()


def gateway_proxy(broker, password=None):
    return ClusterRpcProxy({"AMQP_URI": broker.uri("gateway", password), "serializer": "json"}, timeout=10)


def refused(broker, identity: str, action) -> str:
    """Run `action(channel)` on a fresh connection of `identity`; the broker's refusal, or '' if it accepted."""
    connection = broker.connect(identity)
    try:
        channel = connection.channel()
        action(channel)
        channel.basic_qos(0, 0, False)  # a round trip: a refused publish (asynchronous) is reported by now
        return ""
    except amqp.exceptions.AccessRefused as error:
        return str(error)
    finally:
        try:
            connection.close()
        except Exception:  # the broker may already have closed it
            pass


def test_each_identity_can_work_with_its_own_user(running):
    with gateway_proxy(running) as cluster:
        assert cluster.accounts.whoami() == "accounts"
        # gateway -> budget, then budget -> accounts with budget's own user; the replies come back both ways
        assert cluster.budget.ask_accounts() == "budget asked accounts"
        # accounts publishes on accounts.events; budget's handler, under budget's user, receives it
        assert cluster.accounts.delete_account("a-42") == "a-42"
    assert HEARD.get(timeout=10) == "a-42"


def test_a_wrong_password_is_refused(running):
    with pytest.raises(Exception, match="ACCESS_REFUSED"):
        with gateway_proxy(running, password="not-the-password"):
            pass


def test_a_service_cannot_consume_another_services_rpc_queue(running):
    assert "ACCESS_REFUSED" in refused(running, "budget", lambda channel: channel.basic_consume("rpc-accounts"))
    assert "ACCESS_REFUSED" in refused(running, "budget", lambda channel: channel.basic_get("rpc-accounts"))
    handler_queue = "evt-accounts-account_deleted--budget.on_account_deleted"
    assert "ACCESS_REFUSED" in refused(running, "accounts", lambda channel: channel.basic_consume(handler_queue))
    # and it can consume its own (the check above is not refusing everything)
    assert refused(running, "budget", lambda channel: channel.basic_get("rpc-budget")) == ""


def test_a_service_cannot_publish_as_another_service(running):
    forged = amqp.Message('{"account_id": "victim"}', content_type="application/json")
    assert "ACCESS_REFUSED" in refused(
        running, "budget", lambda channel: channel.basic_publish(forged, "accounts.events", "account_deleted"))
    assert refused(running, "accounts", lambda channel: channel.basic_publish(
        forged, "accounts.events", "account_deleted")) == ""
    # the default exchange would deliver straight to any queue by its name
    assert "ACCESS_REFUSED" in refused(running, "budget", lambda channel: channel.basic_publish(
        forged, "", "evt-accounts-account_deleted--budget.on_account_deleted"))
    # nor can it delete the exchange another service publishes to, nor declare it (which nameko does for a
    # handler's source unless DECLARE_EVENT_EXCHANGES is off: HUB_AMQP_DECLARE_EVENT_EXCHANGES=0)
    assert "ACCESS_REFUSED" in refused(running, "budget", lambda channel: channel.exchange_delete("accounts.events"))
    assert "ACCESS_REFUSED" in refused(running, "budget", lambda channel: channel.exchange_declare(
        "accounts.events", "topic", durable=True, auto_delete=False))


def test_rpc_routing_keys_are_limited_to_the_services_called(running):
    request = amqp.Message("{}", content_type="application/json")
    # budget calls accounts and ideas, never petitions
    assert "ACCESS_REFUSED" in refused(
        running, "budget", lambda channel: channel.basic_publish(request, "nameko-rpc", "petitions.sign"))
    # accounts calls nobody: it only answers (a reply's routing key is the caller's uuid)
    assert "ACCESS_REFUSED" in refused(
        running, "accounts", lambda channel: channel.basic_publish(request, "nameko-rpc", "budget.ask_accounts"))
    assert refused(running, "accounts", lambda channel: channel.basic_publish(
        request, "nameko-rpc", str(uuid.uuid4()))) == ""


def test_no_identity_can_bind_its_queue_to_another_services_requests(running):
    """A queue of one's own bound with `accounts.*` would receive a copy of every request to accounts."""
    def snoop(queue, existing=False):
        def bind(channel):
            channel.queue_declare(queue, passive=existing, auto_delete=not existing)
            channel.queue_bind(queue, "nameko-rpc", "accounts.*")
        return bind
    assert "ACCESS_REFUSED" in refused(running, "budget", snoop(f"rpc.reply-budget-{uuid.uuid4()}"))
    assert "ACCESS_REFUSED" in refused(running, "gateway", snoop(f"rpc.reply-standalone_rpc_proxy-{uuid.uuid4()}"))
    assert "ACCESS_REFUSED" in refused(running, "budget", snoop("rpc-budget", existing=True))


def test_the_gateway_cannot_consume_service_queues_or_publish_events(running):
    for queue in ("rpc-accounts", "rpc-budget", "evt-accounts-account_deleted--budget.on_account_deleted"):
        assert "ACCESS_REFUSED" in refused(running, "gateway", lambda channel, queue=queue: channel.basic_get(queue))
    forged = amqp.Message('{"account_id": "victim"}', content_type="application/json")
    assert "ACCESS_REFUSED" in refused(
        running, "gateway", lambda channel: channel.basic_publish(forged, "accounts.events", "account_deleted"))
    # a queue of the gateway's own is fine (the check above is not refusing everything)
    own = f"rpc.reply-standalone_rpc_proxy-{uuid.uuid4()}"
    assert refused(running, "gateway", lambda channel: channel.queue_declare(own, auto_delete=True)) == ""


def test_applying_again_rotates_a_password(running):
    """docs/operations/broker.md's rotation: `apply` with the new password; the old one is refused from then on."""
    old, new = running.passwords["gateway"], secrets.token_urlsafe(18)
    try:
        users.apply(running.management, running.vhost, {**running.passwords, "gateway": new},
                    user_prefix=running.prefix)
        with pytest.raises(Exception, match="ACCESS_REFUSED"):
            with gateway_proxy(running, password=old):
                pass
        with gateway_proxy(running, password=new) as cluster:
            assert cluster.accounts.whoami() == "accounts"
        # the permissions were set again, not lost
        assert "ACCESS_REFUSED" in refused(running, "accounts", lambda channel: channel.basic_publish(
            amqp.Message("{}"), "nameko-rpc", "budget.ask_accounts"))
    finally:
        users.apply(running.management, running.vhost, running.passwords, user_prefix=running.prefix)


QUORUM_HEARD = eventlet.queue.LightQueue()


class QuorumBudget:
    """budget as hubkit declares it in production: quorum queues, retries and dead letters (hubkit.queues)."""
    name = "budget"
    correlation = Correlation()
    fixed = False

    @hubkit_rpc
    def ping(self):
        return "pong"

    @hubkit_event_handler("accounts", "account_deleted")
    def on_account_deleted(self, data):
        envelope = receive(data, self.correlation, self.name)
        if not QuorumBudget.fixed:
            raise ConnectionError("peer down")
        QUORUM_HEARD.put(envelope["payload"]["account_id"])


@pytest.fixture
def fresh_broker():
    """A vhost of its own: the module's classic `rpc-budget` would be of the other type (hubkit.queues)."""
    broker = Broker()
    try:
        users.apply(broker.management, broker.vhost, broker.passwords, user_prefix=broker.prefix)
        yield broker
    finally:
        users.remove(broker.management, broker.vhost, user_prefix=broker.prefix)


def test_a_service_runs_its_quorum_queues_retries_and_dead_letters_under_its_own_user(fresh_broker, monkeypatch):
    """Declaring the queues with their dead-letter exchanges, parking a failed event, dead-lettering it, reading,
    replaying and purging its dead letters: all within the service's own permissions."""
    broker = fresh_broker
    for variable, value in (("HUB_AMQP_DECLARE_EVENT_EXCHANGES", "0"), ("HUB_AMQP_QUEUE_TYPE", "quorum"),
                            ("HUB_EVENT_RETRIES", "1"), ("HUB_EVENT_RETRY_SECONDS", "0.1"),
                            ("HUB_AMQP_URI", broker.uri("budget"))):
        monkeypatch.setenv(variable, value)
    container = ServiceContainer(QuorumBudget, nameko_config("budget", 0))
    container.start()
    try:
        envelope = make_event(type="account_deleted", version=1, producer="accounts",
                              subject={"kind": "account", "id": "a-7"}, payload={"account_id": "a-7"},
                              correlation_id="req-q", causation_id="req-q")
        exchange = get_event_exchange("accounts", {"DECLARE_EXCHANGES": False})
        Publisher(broker.uri("accounts")).publish(envelope, exchange=exchange, routing_key="account_deleted",
                                                  extra_headers=signed_headers(envelope, "accounts"))
        dead_letter_queue = DeadLetterQueue("budget", broker.uri("budget"))
        with eventlet.timeout.Timeout(15):  # after its one retry
            while dead_letter_queue.count() == 0:
                eventlet.sleep(0.05)
        QuorumBudget.fixed = True
        replay = argparse.Namespace(dead_letters_action="replay", ids=None, all=True, limit=10)
        out = io.StringIO()
        assert run_dead_letters("budget", replay, out, dead_letter_queue) == 0, out.getvalue()
        assert "1 lettre(s) morte(s) remise(s)" in out.getvalue()
        assert QUORUM_HEARD.get(timeout=10) == "a-7"
        purge = argparse.Namespace(dead_letters_action="purge", yes=True)
        assert run_dead_letters("budget", purge, io.StringIO(), DeadLetterQueue("budget", broker.uri("budget"))) == 0
    finally:
        container.stop()


# --- personal events: only notifications binds them (topic permissions on `<source>.events`) -----------------

def bind_handler_queue(source: str, event_type: str, service: str, key: str = None):
    """What nameko does for `@event_handler(source, event_type)` of `service`: its own queue, bound with the type."""
    def bind(channel):
        queue = f"evt-{source}-{event_type}--{service}.on_{event_type}"
        channel.queue_declare(queue, exclusive=True)
        channel.queue_bind(queue, f"{source}.events", key if key is not None else event_type)
    return bind


def test_only_notifications_binds_a_queue_to_personal_events(broker):
    for source, personal in users.PERSONAL_EVENTS.items():
        for event_type in personal:
            assert refused(broker, "notifications", bind_handler_queue(source, event_type, "notifications")) == ""
            # routing listens to the three producers: their other events, yes; who follows or signs what, no
            assert "ACCESS_REFUSED" in refused(broker, "routing", bind_handler_queue(source, event_type, "routing"))
    assert refused(broker, "routing", bind_handler_queue("ideas", "idea_submitted", "routing")) == ""
    assert refused(broker, "notifications", bind_handler_queue("ideas", "idea_submitted", "notifications")) == ""
    # nor through a wildcard, which would take the personal events with the rest
    for key in ("#", "*", "idea_#"):
        assert "ACCESS_REFUSED" in refused(broker, "routing", bind_handler_queue("ideas", "any", "routing", key))
    # a producer binds no queue to its own events, personal or not (its e-mails are notifications' since issue 15
    # §1); routing, which listens to budget, takes its other events
    for event_type in ("ballots_recorded", "project_submitted"):
        assert "ACCESS_REFUSED" in refused(broker, "budget", bind_handler_queue("budget", event_type, "budget"))
    assert refused(broker, "routing", bind_handler_queue("budget", "project_submitted", "routing")) == ""


def test_no_identity_routes_personal_events_through_an_exchange_of_its_own(broker):
    """An exchange-to-exchange binding (into routing.events, which routing may write) is checked the same way."""
    def bind_exchange(key):
        return lambda channel: channel.exchange_bind("routing.events", "ideas.events", key)
    assert "ACCESS_REFUSED" in refused(broker, "routing", bind_exchange("idea_followed"))
    assert "ACCESS_REFUSED" in refused(broker, "routing", bind_exchange("#"))
    assert refused(broker, "routing", bind_exchange("idea_submitted")) == ""


def test_a_producer_still_publishes_its_personal_events_and_only_on_its_own_exchange(broker):
    event = amqp.Message("{}", content_type="application/json")
    assert refused(broker, "ideas", lambda channel: channel.basic_publish(event, "ideas.events", "idea_followed")) == ""
    assert refused(broker, "budget", lambda channel: channel.basic_publish(
        event, "budget.events", "ballots_recorded")) == ""
    assert "ACCESS_REFUSED" in refused(
        broker, "notifications", lambda channel: channel.basic_publish(event, "ideas.events", "idea_followed"))


def test_applying_deletes_the_queues_of_retired_handlers_and_nothing_else(broker):
    """A queue whose handler left the hub (issue 15 moved the services' e-mails into notifications) would fill
    forever: `apply` deletes it; a live handler's queue stays."""
    retired, live = users.RETIRED_QUEUES[0], "evt-ideas-idea_submitted--routing.receive_idea"
    vh = urllib.parse.quote(broker.vhost, safe="")
    for name in (retired, live):
        broker.management.put(f"queues/{vh}/{urllib.parse.quote(name, safe='')}", {"durable": True})
    assert users.apply(broker.management, broker.vhost, broker.passwords, user_prefix=broker.prefix) == [retired]
    names = {queue["name"] for queue in broker.management.request("GET", f"queues/{vh}")}
    assert retired not in names and live in names
    # applying again finds nothing to delete
    assert users.apply(broker.management, broker.vhost, broker.passwords, user_prefix=broker.prefix) == []
    broker.management.delete(f"queues/{vh}/{urllib.parse.quote(live, safe='')}")
