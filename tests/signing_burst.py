"""A signature burst through the gateway while something breaks, and the counts that must agree afterwards: what the
broker fault tests share (tests/integration/test_broker_outage.py, test_rabbitmq_cluster.py).

    hub = Platform(SIGNING_SERVICES, "postgresql", broker=node)      # under `signing_environment()`
    petition, tokens = seed(hub, 300)
    burst = Burst(hub.url, petition, tokens); burst.start()
    burst.wait_for_signed(40); ... break something ...; burst.join()
    assert_counts_agree(hub, petition, burst)

The clients behave as a browser or an app should: a 503 (or a connection the gateway dropped) is tried again
after a moment with the same `Idempotency-Key`, so a signature whose answer was lost is answered as the first
(hubkit.idempotency), not refused as a second one.
"""
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import requests
import sqlalchemy as sa

from hubkit.db import make_engine

ROOT = Path(__file__).resolve().parents[1]
SIGNING_SERVICES = {name: ROOT / "services" / name / name for name in ("accounts", "petitions")}
PASSWORD = "Des-Arbres-Partout-2026"
PAUSE_SECONDS = 0.2  # between a signer's final answer and the next one's request: the burst lasts, anywhere
UNANSWERED = "no answer"


@contextmanager
def signing_environment(**extra):
    """The environment the platform inherits: every request comes from 127.0.0.1, so the signing limits per address
    would refuse the burst (they are still checked); plus `extra` (HUB_AMQP_QUEUE_TYPE...)."""
    values = {"PETITIONS_SIGN_IP_PER_MINUTE": str(10**6), "PETITIONS_SIGN_IP_PER_HOUR": str(10**6), **extra}
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)


def run_script(hub, *arguments) -> str:
    """A bench seeding script on the platform's databases, as the bench runs it."""
    done = subprocess.run([sys.executable, *map(str, arguments)], env=hub.env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def seed(hub, signers: int) -> tuple:
    """An open petition and `signers` verified accounts with a warm API session each: (petition id, tokens)."""
    petition = run_script(hub, ROOT / "bench" / "seed_petition.py", 10**6).strip()
    tokens = json.loads(run_script(hub, ROOT / "bench" / "seed_signers.py", signers, f"burst-{uuid.uuid4().hex[:6]}",
                                   PASSWORD, "warm"))
    return petition, tokens


def make_residents_of_the_19th(hub, prefix: str):
    """The seeded signers named `<prefix>-signer-…` live in Paris, in the 19th: eligible to vote there."""
    engine = make_engine(hub.databases["accounts"].url)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "UPDATE accounts SET lives_in_paris = true, postcode = '75019', arrondissement = 19, "
            "address_line = '1 rue Manin' WHERE email LIKE :pattern"), {"pattern": f"{prefix}-signer-%"})
    engine.dispose()


def ballot_of(cycle: dict, number: int) -> dict:
    """A valid ballot of the cycle bench/ballots.py seeds (two Paris projects, two of the 19th), varied by `number`."""
    paris, local = cycle["paris"], cycle["local"]
    return {"paris_projects": [paris[number % len(paris)], paris[(number + 3) % len(paris)]], "sector": "paris-19",
            "sector_projects": [local[(number * 7) % len(local)], local[(number * 7 + 1) % len(local)]]}


def scalar(hub, service: str, statement: str, **parameters):
    engine = make_engine(hub.databases[service].url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(statement), parameters).scalar()
    finally:
        engine.dispose()


class Burst:
    """`clients` threads signing for every token, each answer kept with the moment it came (time.monotonic())."""

    def __init__(self, url: str, petition: str, tokens: list, clients: int = 4):
        self.url, self.petition, self.tokens, self.clients = url, petition, tokens, clients
        self.answers = []  # (moment, status)
        self.final = {}  # token -> final status
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run)

    def start(self):
        self.thread.start()

    def join(self, timeout: float = 300.0):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"signers still waiting {timeout:.0f} s later: {self.statuses()}"

    def wait_for_signed(self, count: int, timeout: float = 120.0):
        deadline = time.monotonic() + timeout
        while self.signed() < count:
            assert time.monotonic() < deadline, f"only {self.signed()} signatures: {self.statuses()}"
            time.sleep(0.05)

    def sign(self, token: str):
        key = uuid.uuid4().hex
        while True:
            try:
                status = requests.post(
                    f"{self.url}/api/v1/petitions/{self.petition}/signatures", json={"connection": {"lives": True}},
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key}, timeout=30).status_code
            except requests.RequestException:
                status = UNANSWERED
            with self.lock:
                self.answers.append((time.monotonic(), status))
            if status not in (503, UNANSWERED):
                self.final[token] = status
                time.sleep(PAUSE_SECONDS)
                return
            time.sleep(0.5)

    def _run(self):
        with ThreadPoolExecutor(self.clients) as pool:
            list(pool.map(self.sign, self.tokens))

    def signed(self) -> int:
        with self.lock:
            return sum(1 for status in self.final.values() if status == 201)

    def statuses(self, since: float = None, until: float = None) -> Counter:
        with self.lock:
            return Counter(status for moment, status in self.answers
                           if (since is None or moment >= since) and (until is None or moment <= until))

    def first_success_after(self, moment: float) -> float | None:
        """Seconds from `moment` to the first signature accepted after it."""
        with self.lock:
            found = min((at for at, status in self.answers if at > moment and status == 201), default=None)
        return None if found is None else found - moment


def no_process_exited(hub):
    exited = {name: process.returncode for name, process in hub.processes.items() if process.poll() is not None}
    assert exited == {}, {name: hub.log(name)[-3000:] for name in exited}


def assert_counts_agree(hub, petition: str, burst: Burst):
    """Every signer got a final 201 and accepted = rows = the count the API shows = the `count`s of the
    `petition_signed` events, every event published (the outboxes empty)."""
    assert set(burst.statuses()) <= {201, 503}, burst.statuses()  # no 500, no dropped connection, no refusal
    assert Counter(burst.final.values()) == Counter({201: len(burst.tokens)})
    accepted = burst.signed()
    rows = scalar(hub, "petitions", "SELECT count(*) FROM petition_signatures WHERE petition_id = :p", p=petition)
    shown = requests.get(f"{hub.url}/api/v1/petitions/{petition}", timeout=10).json()["signatures_count"]
    assert accepted == rows == shown
    pending = "SELECT count(*) FROM outbox_events WHERE published_at IS NULL"
    deadline = time.monotonic() + 30
    while any(scalar(hub, service, pending) for service in hub.databases) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert {service: scalar(hub, service, pending) for service in hub.databases} == dict.fromkeys(hub.databases, 0)
    events = scalar(hub, "petitions", "SELECT coalesce(sum((envelope->'payload'->>'count')::int), 0) "
                                      "FROM outbox_events WHERE envelope->>'type' = 'petition_signed'")
    assert events == accepted


def fault_report(hub, burst: Burst, since: float) -> str:
    """What the run looked like from inside, for the record (no assertion): how long the gateway took to refuse a
    signature with a 503, answers the services could not send, and how soon signing worked again."""
    unavailable = sorted(line["duration_ms"] for line in hub.log_lines("gateway") if line.get("status") == 503
                         and "/signatures" in line.get("message", "") and "duration_ms" in line)
    lost = {name: sum(1 for line in hub.log_lines(name) if line.get("message") == "rpc answer not sent: broker "
                      "unreachable") for name in hub.processes if name != "gateway"}
    middle = unavailable[len(unavailable) // 2] if unavailable else None
    back = burst.first_success_after(since)
    return (f"answers {dict(burst.statuses())}; signing 503s {len(unavailable)}, median {middle} ms, longest "
            f"{unavailable[-1] if unavailable else None} ms; answers not sent {lost}; first signature accepted "
            f"{back if back is None else round(back, 1)} s after the broker was back")
