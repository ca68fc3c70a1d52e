"""A RabbitMQ outage of 60 s in the middle of a signature burst (issue 13 §2): the hub rides it out.

The platform (accounts, petitions, the gateway, on PostgreSQL) runs on a RabbitMQ node of the test's own
(tests/brokers.py). A few clients sign a petition for many seeded signers; once part of them have signed, the
broker's application is stopped (`rabbitmqctl stop_app`: every connection closed, its ports shut) for 60 s,
then started again. The clients behave as a browser or an app should: a 503 is tried again later with the same
`Idempotency-Key`, so a signature whose answer was lost is answered as the first (hubkit.idempotency), not
refused as a second one. What must hold:

- no process exited, and nobody restarted them: the services and the gateway reconnected by themselves;
- every answer, during the outage too, was a success or a 503 (never a 500), and /readyz answered 200 or 503;
- accepted signatures (201) = rows in the petitions database = the count the API shows = the `count`s of the
  `petition_signed` events, and the outbox is empty afterwards (every event published).
"""
import json
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from hubkit.db import make_engine
from hubkit.testing import Platform
from tests.brokers import RabbitNode

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SERVICES = {name: ROOT / "services" / name / name for name in ("accounts", "petitions")}
SIGNERS = 160
CLIENTS = 4
OUTAGE_SECONDS = 60
SIGNED_BEFORE_THE_OUTAGE = 40
PASSWORD = "Des-Arbres-Partout-2026"
# every request comes from 127.0.0.1: the limits per address would refuse the burst (they are checked still)
ENVIRONMENT = {"PETITIONS_SIGN_IP_PER_MINUTE": str(10**6), "PETITIONS_SIGN_IP_PER_HOUR": str(10**6)}


@pytest.fixture(scope="module")
def node():
    with RabbitNode.started() as started:
        yield started


@pytest.fixture(scope="module")
def hub(node):
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ENVIRONMENT.items():
            patch.setenv(name, value)
        platform = Platform(SERVICES, "postgresql", broker=node)
    try:
        yield platform
    finally:
        platform.stop()


def run_script(hub, *arguments) -> str:
    """A bench seeding script on the platform's databases, as the bench runs it."""
    done = subprocess.run([sys.executable, *map(str, arguments)], env=hub.env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def scalar(hub, service: str, statement: str, **parameters):
    engine = make_engine(hub.databases[service].url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(statement), parameters).scalar()
    finally:
        engine.dispose()


class Burst:
    """CLIENTS threads signing for every token; each 503 (or a connection the gateway dropped) is tried again
    with the same Idempotency-Key until a final answer. Every answer is kept with the moment it came."""

    def __init__(self, url: str, petition: str, tokens: list):
        self.url, self.petition, self.tokens = url, petition, tokens
        self.answers = []  # (monotonic time, status)
        self.final = {}  # token -> final status
        self.lock = threading.Lock()

    def sign(self, token: str):
        key = uuid.uuid4().hex
        while True:
            try:
                status = requests.post(f"{self.url}/api/v1/petitions/{self.petition}/signatures", timeout=30,
                                       json={"connection": {"lives": True}},
                                       headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key}).status_code
            except requests.RequestException:
                status = "no answer"
            with self.lock:
                self.answers.append((time.monotonic(), status))
            if status not in (503, "no answer"):
                self.final[token] = status
                return
            time.sleep(0.5)

    def signed(self) -> int:
        with self.lock:
            return sum(1 for status in self.final.values() if status == 201)

    def run(self):
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(self.sign, self.tokens))


def readiness_during(url: str, stop: threading.Event, seen: Counter):
    while not stop.is_set():
        try:
            seen[requests.get(f"{url}/readyz", timeout=10).status_code] += 1
        except requests.RequestException:
            seen["no answer"] += 1
        stop.wait(1.0)


def test_a_minute_without_the_broker_in_the_middle_of_a_signature_burst(hub, node):
    petition = run_script(hub, ROOT / "bench" / "seed_petition.py", 10**6).strip()
    tokens = json.loads(run_script(hub, ROOT / "bench" / "seed_signers.py", SIGNERS, f"outage-{uuid.uuid4().hex[:6]}",
                                   PASSWORD, "warm"))
    burst = Burst(hub.url, petition, tokens)
    signing = threading.Thread(target=burst.run)
    signing.start()
    deadline = time.monotonic() + 120
    while burst.signed() < SIGNED_BEFORE_THE_OUTAGE and time.monotonic() < deadline:
        time.sleep(0.05)
    assert burst.signed() >= SIGNED_BEFORE_THE_OUTAGE, "the burst did not start"

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
    signing.join(timeout=300)
    assert not signing.is_alive(), "signers still waiting five minutes after the broker came back"

    exited = {name: process.returncode for name, process in hub.processes.items() if process.poll() is not None}
    assert exited == {}, {name: hub.log(name)[-3000:] for name in exited}
    statuses = Counter(status for _moment, status in burst.answers)
    during = Counter(status for moment, status in burst.answers if outage_began <= moment <= outage_ended)
    print(f"answers: {dict(statuses)}; during the outage: {dict(during)}; readyz during: {dict(readiness)}")
    assert set(statuses) <= {201, 503}, statuses  # no 500, no lost connection, no second signature refused
    assert during[503] > 0, "the outage did not meet the burst"
    assert set(readiness) <= {200, 503}, readiness
    assert set(burst.final.values()) == {201}, Counter(burst.final.values())

    accepted = burst.signed()
    assert accepted == len(tokens)
    rows = scalar(hub, "petitions", "SELECT count(*) FROM petition_signatures WHERE petition_id = :p", p=petition)
    shown = requests.get(f"{hub.url}/api/v1/petitions/{petition}", timeout=10).json()["signatures_count"]
    assert accepted == rows == shown
    pending = "SELECT count(*) FROM outbox_events WHERE published_at IS NULL"
    deadline = time.monotonic() + 30
    while (scalar(hub, "petitions", pending) or scalar(hub, "accounts", pending)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert scalar(hub, "petitions", pending) == scalar(hub, "accounts", pending) == 0
    events = scalar(hub, "petitions", "SELECT coalesce(sum((envelope->'payload'->>'count')::int), 0) "
                                      "FROM outbox_events WHERE envelope->>'type' = 'petition_signed'")
    assert events == accepted
