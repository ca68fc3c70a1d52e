"""The hub on a local 3-node RabbitMQ cluster with quorum queues, and the node leading the petitions RPC queue
stopped in the middle of a signature burst (issue 13 §2).

Three nodes of the test's own (tests/brokers.py: their own names, ports and directories, clustered with
`join_cluster`, torn down after). Accounts, petitions and the gateway (on PostgreSQL) run with
HUB_AMQP_QUEUE_TYPE=quorum (hubkit.queues) and a HUB_AMQP_URI listing the three nodes in kombu's failover form
(`amqp://…node1;amqp://…node2;amqp://…node3`): nameko's consumers and publishers, the outbox relay and the
gateway's pool all take it, and move to the next node when theirs goes. Once part of the signers have signed, the
node leading `rpc-petitions` is stopped; the quorum queue elects a leader among the two left, the processes
reconnect to a live node by themselves, the signers whose answers were lost try again with the same
Idempotency-Key (tests/signing_burst.py). Then: no process exited, every answer a 201 or a 503, accepted = rows =
shown = events, outboxes empty. The stopped node is started again and rejoins.
"""
import time

import pytest
import requests

from hubkit.testing import Platform
from tests.brokers import RabbitCluster
from tests.signing_burst import (SIGNING_SERVICES, Burst, assert_counts_agree, fault_report, no_process_exited, seed,
                                 signing_environment)

pytestmark = pytest.mark.e2e
SIGNERS = 200
SIGNED_BEFORE_THE_FAILURE = 40


@pytest.fixture(scope="module")
def cluster():
    with RabbitCluster.started(3) as started:
        yield started


@pytest.fixture(scope="module")
def hub(cluster):
    with signing_environment(HUB_AMQP_QUEUE_TYPE="quorum"):
        platform = Platform(SIGNING_SERVICES, "postgresql", broker=cluster)
    try:
        yield platform
    finally:
        platform.management_url = cluster.management_url  # a running node's, whichever was stopped
        platform.stop()


def queue_info(cluster, vhost: str, queue: str) -> dict:
    answer = requests.get(f"{cluster.management_url}/api/queues/{requests.utils.quote(vhost, safe='')}/{queue}",
                          auth=("guest", "guest"), timeout=10)
    answer.raise_for_status()
    return answer.json()


def test_the_node_leading_the_petitions_queue_stops_in_the_middle_of_a_signature_burst(hub, cluster):
    assert hub.amqp_uri.count(";") == 2  # every process was given the three nodes
    assert queue_info(cluster, hub.vhost, "rpc-petitions")["type"] == "quorum"
    petition, tokens = seed(hub, SIGNERS)
    burst = Burst(hub.url, petition, tokens)
    burst.start()
    burst.wait_for_signed(SIGNED_BEFORE_THE_FAILURE)

    leader = cluster.leader_of("rpc-petitions", hub.vhost)
    cluster.stop_node(leader)
    stopped = time.monotonic()
    burst.join()
    new_leader = cluster.leader_of("rpc-petitions", hub.vhost)

    print(f"leader {leader} stopped, then {new_leader}; {fault_report(hub, burst, stopped)}")
    assert new_leader != leader
    assert burst.statuses(since=stopped)[201] > 0, "the burst ended before the node did: nothing was tested"
    no_process_exited(hub)
    assert_counts_agree(hub, petition, burst)

    cluster.start_node(leader)  # it rejoins from its own data, and the queue has its three members again
    assert len(queue_info(cluster, hub.vhost, "rpc-petitions").get("members", [])) == 3
