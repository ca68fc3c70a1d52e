"""hub_rpc_client_*: every RPC a process makes through hubkit.rpc is counted once, by target, method and outcome,
whether the gateway makes it (RpcPool) or a service calling another (SignedRpcProxy, BoundedRpc)."""
import eventlet
import pytest
from nameko.rpc import rpc
from prometheus_client import REGISTRY

from hubkit import metrics
from hubkit.errors import Conflict, ServiceUnavailable
from hubkit.rpc import BoundedRpc, RpcPool, SignedRpcProxy

pytestmark = pytest.mark.integration


class NappingService:
    name = "hubkit_napping"

    @rpc
    def nap(self, seconds):
        eventlet.sleep(seconds)
        return "rested"

    @rpc
    def refuse(self):
        raise Conflict("non")


class AskingService:
    name = "hubkit_asking"
    napping = SignedRpcProxy("hubkit_napping")

    @rpc
    def ask(self, seconds, timeout):
        try:
            return BoundedRpc(self.napping, timeout).nap(seconds)
        except ServiceUnavailable:
            return "gave up"


def calls(target: str, method: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("hub_rpc_client_calls_total",
                                     {"target": target, "method": method, "outcome": outcome}) or 0.0


def timed(target: str, method: str) -> float:
    return REGISTRY.get_sample_value("hub_rpc_client_duration_seconds_count",
                                     {"target": target, "method": method}) or 0.0


@pytest.fixture
def pool(rabbit_config, container_factory):
    container_factory(NappingService, rabbit_config).start()
    pool = RpcPool(rabbit_config["AMQP_URI"], size=1, timeout=0.5)
    yield pool
    pool.close()


def call(pool, method: str, *args):
    with pool.cluster({"correlation_id": "req-metrics"}) as cluster:
        return getattr(cluster.hubkit_napping, method)(*args)


def test_the_gateways_calls_are_counted_once_each_by_outcome(pool):
    before = {outcome: calls("hubkit_napping", method, outcome)
              for method, outcome in (("nap", "ok"), ("refuse", "CONFLICT"), ("nap", "TIMEOUT"))}
    timed_before = timed("hubkit_napping", "nap")
    assert call(pool, "nap", 0) == "rested"
    assert call(pool, "nap", 0) == "rested"
    with pytest.raises(Conflict):
        call(pool, "refuse")
    with pytest.raises(ServiceUnavailable):  # no answer within the pool's 0.5 s
        call(pool, "nap", 2)
    assert calls("hubkit_napping", "nap", "ok") == before["ok"] + 2
    assert calls("hubkit_napping", "refuse", "CONFLICT") == before["CONFLICT"] + 1
    assert calls("hubkit_napping", "nap", "TIMEOUT") == before["TIMEOUT"] + 1
    assert timed("hubkit_napping", "nap") == timed_before + 3  # failures are timed too


def test_a_call_that_cannot_be_delivered_is_counted(pool):
    before = calls("nobody_here", "ping", "SERVICE_UNAVAILABLE")
    with pytest.raises(ServiceUnavailable):
        with pool.cluster({"correlation_id": "req-metrics"}) as cluster:
            cluster.nobody_here.ping()
    assert calls("nobody_here", "ping", "SERVICE_UNAVAILABLE") == before + 1


def test_a_services_calls_to_another_are_counted_with_their_timeouts(rabbit_config, container_factory, pool):
    container_factory(AskingService, rabbit_config).start()
    before_ok, before_timeout = calls("hubkit_napping", "nap", "ok"), calls("hubkit_napping", "nap", "TIMEOUT")
    with pool.cluster({"correlation_id": "req-metrics"}) as cluster:
        assert cluster.hubkit_asking.ask(0, 0.4) == "rested"
        assert cluster.hubkit_asking.ask(1, 0.1) == "gave up"  # BoundedRpc's own timeout
    assert calls("hubkit_napping", "nap", "ok") == before_ok + 1
    assert calls("hubkit_napping", "nap", "TIMEOUT") == before_timeout + 1
    assert calls("hubkit_asking", "ask", "ok") >= 2  # and the test's own calls, through the pool


class _Answered:
    def __init__(self, body):
        self.body = body

    def wait(self):
        return self.body


@pytest.mark.unit
def test_a_reply_read_twice_is_counted_once():
    before = calls("unit_target", "read_twice", "ok")
    reply = metrics.CountedReply(_Answered({"result": 7, "error": None}), "unit_target", "read_twice", 0.0)
    assert reply.result() == 7 and reply.result() == 7
    assert calls("unit_target", "read_twice", "ok") == before + 1


@pytest.mark.unit
@pytest.mark.parametrize("error, outcome", [
    (Conflict("non", code="ALREADY_SIGNED"), "ALREADY_SIGNED"), (eventlet.Timeout(), "TIMEOUT"),
    (ConnectionRefusedError(), "SERVICE_UNAVAILABLE"), (KeyError("paul@exemple.fr"), "INTERNAL")])
def test_an_rpcs_outcome_is_an_error_name_never_free_text(error, outcome):
    assert metrics.rpc_outcome(error) == outcome
