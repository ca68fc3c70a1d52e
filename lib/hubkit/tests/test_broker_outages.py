"""A broker that goes away under load: a service's answer that cannot be sent does not kill the service, and the
gateway's pool never lends a proxy whose connection the broker closed (tests/integration/test_broker_outage.py
is the whole platform through a real one-minute outage)."""
import select
import time

import eventlet
import pytest
import sqlalchemy as sa
from amqp.exceptions import ConnectionForced, NotFound, RecoverableConnectionError
from kombu.exceptions import OperationalError
from nameko.exceptions import MethodNotFound, RemoteError, RpcTimeout
from nameko.rpc import Responder

from hubkit import trust
from hubkit.db import make_engine
from hubkit.errors import InvalidInput
from hubkit.reconnect import masked
from hubkit.rpc import RpcPool, SignedClusterRpcProxy, broker_failure, came_back
from hubkit_sample_services import NotesService, notes

CITIZEN = {"account_id": "0b9c1c1e-2d0f-4a55-9a39-1d1d1d1d1d1d", "roles": ["citizen"]}


def test_broker_failures_are_told_apart_from_the_calls_own_errors():
    for error in (OperationalError("[Errno 111] ECONNREFUSED"), ConnectionForced("shutdown"),
                  RecoverableConnectionError("closed"), ConnectionRefusedError(111, "refused"), OSError("reset"),
                  RuntimeError("This consumer has been disconnected, and can no longer be used")):
        assert broker_failure(error), error
    for error in (InvalidInput(), RpcTimeout(5), ValueError("bad"), RuntimeError("a bug"), KeyError("x")):
        assert not broker_failure(error), error
    # a reply queue on a stopped cluster node: a channel error, the broker's doing too
    assert broker_failure(NotFound("Queue.declare: (404) NOT_FOUND - home node is down"))


def test_a_services_answer_is_told_apart_from_what_happened_to_the_proxy():
    for error in (InvalidInput(), trust.CallerNotTrusted(), RemoteError("ValueError", "a bug in the service"),
                  MethodNotFound("nope")):
        assert came_back(error), error
    for error in (OperationalError("refused"), AttributeError("'NoneType' object has no attribute 'drain_events'"),
                  NotFound("gone"), ValueError("bad")):
        assert not came_back(error), error


def test_every_address_of_a_failover_uri_is_masked_in_logs():
    assert masked("amqp://hub:s3cret@node1:5672/hub;amqp://hub:s3cret@node2:5672/hub") == \
        "amqp://hub:********@node1:5672/hub;amqp://hub:********@node2:5672/hub"
    assert "s3cret" not in masked("amqps://hub:s3cret@node1:5671/hub")


class Budget:
    name = "budget"  # the call table lets the gateway call budget.create_cycle
    acted = []

    @trust.rpc_decorator()
    def create_cycle(self, actor, data):
        Budget.acted.append(data["name"])
        return "done"


def replies_lost() -> float:
    return trust.REPLIES_LOST.labels("budget", "create_cycle")._value.get()


@pytest.mark.integration
def test_an_answer_the_broker_cannot_take_is_counted_and_the_service_lives_on(rabbit_config, container_factory,
                                                                              monkeypatch):
    Budget.acted.clear()
    container = container_factory(Budget, rabbit_config)
    container.start()
    real_send = Responder.send_response
    failures = iter([OperationalError("[Errno 111] ECONNREFUSED")])

    def send_response(responder, result, exc_info):
        failure = next(failures, None)
        if failure is not None:
            raise failure  # what nameko's publisher raises once its retries are spent on a stopped broker
        return real_send(responder, result, exc_info)

    monkeypatch.setattr(Responder, "send_response", send_response)
    lost_before = replies_lost()
    context = {"correlation_id": "req-1", trust.SUBJECT_KEY: trust.subject_of(CITIZEN)}
    with SignedClusterRpcProxy(rabbit_config, context_data=context, timeout=2) as gateway:
        with pytest.raises(RpcTimeout):
            gateway.budget.create_cycle(CITIZEN, {"name": "sans réponse"})
    with SignedClusterRpcProxy(rabbit_config, context_data={**context, "correlation_id": "req-2"}) as gateway:
        assert gateway.budget.create_cycle(CITIZEN, {"name": "répondu"}) == "done"  # the service is still there
    assert replies_lost() - lost_before == 1
    assert Budget.acted == ["sans réponse", "répondu"]

    # The unanswered request was acknowledged: a new container of the service is not given it again.
    container.stop()
    container_factory(Budget, rabbit_config).start()
    with SignedClusterRpcProxy(rabbit_config, context_data={**context, "correlation_id": "req-3"}) as gateway:
        assert gateway.budget.create_cycle(CITIZEN, {"name": "après"}) == "done"
    assert Budget.acted == ["sans réponse", "répondu", "après"]


@pytest.mark.integration
def test_a_proxy_whose_connection_and_reply_queue_went_away_is_not_lent_again(
        rabbit_config, rabbit_manager, container_factory, infra_db):
    """As when the cluster node holding a proxy's connection and reply queue stops: a request sent through that
    proxy would be done by the service and its answer lost (the person told 503 for a note that was written)."""
    container_factory(NotesService, rabbit_config).start()
    pool = RpcPool(rabbit_config["AMQP_URI"], size=1, timeout=3)
    try:
        assert write(pool, "req-1", "avant")["correlation_id"] == "req-1"
        runner, _proxy = pool._idle.queue[0]  # the one proxy, idle
        reply_socket = runner._reply_listener.queue_consumer.connection.connection.sock
        local_port = reply_socket.getsockname()[1]
        vhost = rabbit_config["vhost"]
        name = poll(lambda: next((c["name"] for c in rabbit_manager.get_connections()
                                  if c.get("vhost") == vhost and c.get("peer_port") == local_port), None))
        rabbit_manager.delete_connection(name)
        rabbit_manager._delete("queues", vhost, runner._reply_listener.queue.name)
        poll(lambda: select.select([reply_socket], [], [], 0)[0])  # the broker's close has reached the proxy

        assert write(pool, "req-2", "après")["correlation_id"] == "req-2"
        assert pool.discarded == 1
    finally:
        pool.close()
    engine = make_engine(infra_db)
    with engine.connect() as connection:
        assert sorted(connection.execute(sa.select(notes.c.text)).scalars()) == ["après", "avant"]  # each once
    engine.dispose()


def write(pool, correlation_id, text):
    with pool.cluster({"correlation_id": correlation_id}) as cluster:
        return cluster.hubkit_notes.write_note(text)


def poll(probe, timeout: float = 15.0):
    """The first true value of `probe()` (the management API lists a new connection after a moment)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        eventlet.sleep(0.2)
    raise AssertionError("not seen in time")
