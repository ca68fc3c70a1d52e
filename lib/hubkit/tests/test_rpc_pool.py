"""The gateway's pool of RPC proxies: reused, bounded, carrying context, failing fast and clearly."""
import time

import eventlet
import pytest

from hubkit.errors import ServiceUnavailable
from hubkit.rpc import RpcPool
from hubkit_sample_services import NotesService

pytestmark = pytest.mark.integration


def test_proxies_are_reused_and_carry_each_callers_context(rabbit_config, container_factory, infra_db):
    container_factory(NotesService, rabbit_config).start()
    pool = RpcPool(rabbit_config["AMQP_URI"], size=2, timeout=5)
    try:
        answers = eventlet.GreenPool(8).imap(
            lambda number: _write(pool, f"req-{number}", f"note {number}"), range(8))
        assert sorted(answer["correlation_id"] for answer in answers) == sorted(f"req-{n}" for n in range(8))
        assert pool._created <= 2
    finally:
        pool.close()


def _write(pool, correlation_id, text):
    with pool.cluster({"correlation_id": correlation_id}) as cluster:
        return cluster.hubkit_notes.write_note(text)


def test_an_unknown_service_is_unavailable_at_once(rabbit_config):
    pool = RpcPool(rabbit_config["AMQP_URI"], size=1, timeout=5)
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        with pool.cluster({"correlation_id": "x"}) as cluster:
            cluster.nobody_here.ping()
    assert time.monotonic() - started < 3
    pool.close()


def test_an_unreachable_broker_is_unavailable():
    pool = RpcPool("amqp://guest:guest@127.0.0.1:1//", size=1, timeout=1)
    with pytest.raises(ServiceUnavailable) as refused:
        with pool.cluster({"correlation_id": "x"}) as cluster:
            cluster.accounts.health()
    assert refused.value.details["reason"] in ("broker unreachable", "broker connection lost")

