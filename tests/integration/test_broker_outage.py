"""A RabbitMQ outage of 60 s in the middle of a signature burst (issue 13 §2): the hub rides it out.

The platform (accounts, petitions, the gateway, on PostgreSQL) runs on a RabbitMQ node of the test's own
(tests/brokers.py). A few clients sign a petition for many seeded signers, at a steady pace (tests/signing_burst.py);
once part of them have signed, the broker's application is stopped (`rabbitmqctl stop_app`: every connection
closed, its ports shut) for 60 s, then started again. The clients try a 503 again later with the same
`Idempotency-Key`. What must hold:

- no process exited, and nobody restarted them: the services and the gateway reconnected by themselves;
- every answer, during the outage too, was a success or a 503 (never a 500), and /readyz answered 200 or 503;
- accepted signatures (201) = rows in the petitions database = the count the API shows = the `count`s of the
  `petition_signed` events, and the outboxes are empty afterwards (every event published).
"""
import threading
import time
from collections import Counter

import pytest
import requests

from hubkit.testing import Platform
from tests.brokers import RabbitNode
from tests.signing_burst import (SIGNING_SERVICES, Burst, assert_counts_agree, fault_report, no_process_exited, seed,
                                 signing_environment)

pytestmark = pytest.mark.e2e
# Enough for the burst to run before, through and after the outage (40 signers before it, the rest after, at four
# clients' pace); what is checked, every count agreeing, does not depend on the number (the cluster test signs 200).
SIGNERS = 200
# Longer than every wait the outage meets: a signed call's validity (HUB_ASSERTION_SECONDS, 30 s: a call queued
# when the broker went is stale when it comes back), the clients' 30 s request timeout (a request the gateway held
# for the whole outage would be seen), the outbox's 10 s publish confirm, the 5 s RPC timeout and the consumers'
# 3 s reconnection steps; and the minute issue 13 requires every part to ride out.
OUTAGE_SECONDS = 60
SIGNED_BEFORE_THE_OUTAGE = 40


@pytest.fixture(scope="module")
def node():
    with RabbitNode.started() as started:
        yield started


@pytest.fixture(scope="module")
def hub(node):
    with signing_environment():
        platform = Platform(SIGNING_SERVICES, "postgresql", broker=node)
    try:
        yield platform
    finally:
        platform.stop()


def readiness_during(url: str, stop: threading.Event, seen: Counter):
    while not stop.is_set():
        try:
            seen[requests.get(f"{url}/readyz", timeout=10).status_code] += 1
        except requests.RequestException:
            seen["no answer"] += 1
        stop.wait(1.0)


def test_a_minute_without_the_broker_in_the_middle_of_a_signature_burst(hub, node):
    petition, tokens = seed(hub, SIGNERS)
    burst = Burst(hub.url, petition, tokens)
    burst.start()
    burst.wait_for_signed(SIGNED_BEFORE_THE_OUTAGE)

    readiness, stop_watching = Counter(), threading.Event()
    watcher = threading.Thread(target=readiness_during, args=(hub.url, stop_watching, readiness))
    node.stop_app()
    outage_began = time.monotonic()
    watcher.start()
    time.sleep(OUTAGE_SECONDS)
    stop_watching.set()
    node.start_app()
    outage_ended = time.monotonic()
    watcher.join()
    burst.join()

    print(f"{fault_report(hub, burst, outage_ended)}; readyz during the outage {dict(readiness)}")
    no_process_exited(hub)
    assert burst.statuses(since=outage_began, until=outage_ended)[503] > 0, "the outage did not meet the burst"
    assert set(readiness) <= {200, 503}, readiness
    assert_counts_agree(hub, petition, burst)
