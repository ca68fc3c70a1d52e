"""Two replicas of every service and two gateway processes against one PostgreSQL and one RabbitMQ virtual host
(issue 13 §1): the main journeys and a burst of signatures and ballots, then what must hold when every timer,
relay and consumer runs twice: one e-mail per recipient and action (the platform's real SMTP server), one event
per action (counted on a tap queue of the test's own, tests/taps.py), counts exact (accepted = rows = shown by the
API = the `count`s of the events), each timer's work done once (a routing decision applied once: one
`idea_forwarded`; a petition's threshold crossed once), a retried request (same `Idempotency-Key`, through the
other gateway) answered as the first and not counted again.

The two gateways are independent processes on two ports (two pods behind a load balancer): the journeys cross
from one to the other and the burst's clients alternate between them.
"""
import itertools
import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from hubkit.db import make_engine
from hubkit.testing import Platform, body_of
from tests.signing_burst import ballot_of, make_residents_of_the_19th
from tests.taps import EventTap

from .people import administrator, read_mail_link, resident, wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SERVICES = {path.parent.name: path.parent for path in sorted(ROOT.glob("services/*/*/__main__.py"))
            if path.parent.name == path.parent.parent.name}
BURST_PEOPLE = 240  # each signs the petition and casts a ballot: a few hundred of each, in batches of several
BURST_CLIENTS = 12
RETRY_EVERY = 8  # every 8th request is sent again with its Idempotency-Key through the other gateway
THRESHOLD = 100  # the burst crosses the petition's threshold once
# the signers ask to be told: the crossing sends one e-mail to each (many mails at once for two mail relays)
SIGNATURE = {"connection": {"lives": True}, "notify": True}
# Routing's undo window and sweeps short enough for the journey to run in seconds; every request comes from
# 127.0.0.1, so the signing limits per address are out of reach (they are still checked).
ENVIRONMENT = {"ROUTING_UNDO_SECONDS": "1", "ROUTING_SWEEP_SECONDS": "0.5", "ROUTING_DELIVERY_SECONDS": "0.5",
               **{f"PETITIONS_SIGN_{limit}": str(10**6) for limit in ("IP_PER_MINUTE", "IP_PER_HOUR")}}


class ThroughGateway:
    """The platform as one of its gateway processes shows it: people.py's helpers take it for the platform."""

    def __init__(self, platform: Platform, url: str):
        self._platform, self.url = platform, url

    def __getattr__(self, name):
        return getattr(self._platform, name)


@pytest.fixture(scope="module")
def hub():
    saved = {name: os.environ.get(name) for name in ENVIRONMENT}
    os.environ.update(ENVIRONMENT)
    try:
        platform = Platform(SERVICES, "postgresql", replicas=2, gateway_processes=2)
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)
    try:
        # the gateway's /readyz needs one replica of each service; each replica answers on its own port
        for name, port in platform.http_ports.items():
            wait_for(lambda: healthy(f"http://127.0.0.1:{port}/healthz"), 60)
        yield platform
    finally:
        platform.stop()


def healthy(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def run_script(hub, *arguments) -> str:
    """A bench seeding script (bench/) on the platform's databases, as the bench runs it."""
    done = subprocess.run([sys.executable, *map(str, arguments)], env=hub.env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def database_rows(hub, service: str, statement: str, **parameters) -> list:
    engine = make_engine(hub.databases[service].url)
    with engine.connect() as connection:
        found = connection.execute(sa.text(statement), parameters).all()
    engine.dispose()
    return found


def published_event_ids(hub) -> set:
    return {event_id for service in hub.databases for (event_id,) in database_rows(
        hub, service, "SELECT event_id FROM outbox_events WHERE published_at IS NOT NULL")}


def all_event_ids(hub) -> set:
    return {event_id for service in hub.databases
            for (event_id,) in database_rows(hub, service, "SELECT event_id FROM outbox_events")}


def pending_work(hub) -> dict:
    """{service: {"events": unpublished outbox rows, "mails": unsent e-mails}} where anything is left."""
    mailing = mail_tables(hub)
    found = {service: {"events": database_rows(hub, service, "SELECT count(*) FROM outbox_events "
                                                             "WHERE published_at IS NULL")[0][0],
                       "mails": database_rows(hub, service, "SELECT count(*) FROM outgoing_mails "
                                                            "WHERE sent_at IS NULL")[0][0] if service in mailing else 0}
             for service in hub.databases}
    return {service: left for service, left in found.items() if any(left.values())}


def nothing_pending(hub) -> bool:
    """Every outbox row published and every queued e-mail sent, in every service."""
    return not pending_work(hub)


def mail_tables(hub) -> list:
    return [service for service in hub.databases if database_rows(
        hub, service, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'outgoing_mails'")[0][0]]


def mails_received_and_queued(hub, pause: float) -> bool:
    """Every queued e-mail received, and none more queued nor received in `pause` seconds."""
    before = (len(hub.smtp.messages()), mails_queued(hub))
    time.sleep(pause)
    return before[0] == before[1] == len(hub.smtp.messages()) == mails_queued(hub) and not pending_work(hub)


def mails_queued(hub) -> int:
    return sum(database_rows(hub, service, "SELECT count(*) FROM outgoing_mails")[0][0] for service in mail_tables(hub))


@pytest.fixture(scope="module")
def seeded(hub):
    """What the burst needs, seeded in the databases as the bench seeds it: an open petition, a cycle at the vote
    and BURST_PEOPLE residents of the 19e with an API session each."""
    petition = run_script(hub, ROOT / "bench" / "seed_petition.py", THRESHOLD).strip()
    cycle = json.loads(run_script(hub, ROOT / "bench" / "ballots.py", "seed-cycle"))
    prefix = f"replicas-{uuid.uuid4().hex[:6]}"
    tokens = json.loads(run_script(hub, ROOT / "bench" / "seed_signers.py", BURST_PEOPLE, prefix,
                                   "Des-Arbres-Partout-2026", "warm"))
    make_residents_of_the_19th(hub, prefix)
    return {"petition": petition, "cycle": cycle, "tokens": tokens}


def send(url: str, method: str, path: str, token: str, body: dict, key: str) -> requests.Response:
    return requests.request(method, f"{url}{path}", json=body, timeout=30,
                            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})


def burst(hub, seeded) -> dict:
    """Every seeded person signs and votes, BURST_CLIENTS at a time, alternating the gateways; every RETRY_EVERY-th
    request is sent again with the same key through the other gateway, as a client that lost the answer would."""
    petition, cycle = seeded["petition"], seeded["cycle"]
    turns = itertools.count()

    def one(number: int, token: str) -> dict:
        first, other = (hub.urls[number % 2], hub.urls[(number + 1) % 2])
        key = uuid.uuid4().hex
        signed = send(first, "POST", f"/api/v1/petitions/{petition}/signatures", token,
                      SIGNATURE, f"sign-{key}")
        voted = send(first, "PUT", f"/api/v1/budget/cycles/{cycle['cycle_id']}/ballot", token,
                     ballot_of(cycle, number), f"vote-{key}")
        outcome = {"signed": signed.status_code, "voted": voted.status_code,
                   "receipt": voted.json().get("receipt") if voted.ok else None}
        if next(turns) % RETRY_EVERY == 0:
            again_signed = send(other, "POST", f"/api/v1/petitions/{petition}/signatures", token,
                                SIGNATURE, f"sign-{key}")
            again_voted = send(other, "PUT", f"/api/v1/budget/cycles/{cycle['cycle_id']}/ballot", token,
                               ballot_of(cycle, number), f"vote-{key}")
            outcome["retry"] = {"signed": again_signed.status_code, "voted": again_voted.status_code,
                                "receipt": again_voted.json().get("receipt") if again_voted.ok else None}
        return outcome

    with ThreadPoolExecutor(BURST_CLIENTS) as pool:
        outcomes = list(pool.map(one, range(len(seeded["tokens"])), seeded["tokens"]))
    return {"outcomes": outcomes, "signatures": sum(o["signed"] == 201 for o in outcomes),
            "ballots": sum(o["voted"] == 200 for o in outcomes)}


def metric_total(port: int, entrypoint: str) -> float:
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("hub_entrypoint_calls_total{") and f'entrypoint="{entrypoint}"' in line)


def test_two_replicas_of_everything_do_each_action_once(hub, seeded):
    wait_for(lambda: nothing_pending(hub), 60)  # the seeding's events and mails are out before the tap opens
    already_published = published_event_ids(hub)
    with EventTap(hub.amqp_uri, hub.databases) as tap:
        one, two = ThroughGateway(hub, hub.urls[0]), ThroughGateway(hub, hub.urls[1])
        # registration, the mailed link, sign-in and the profile through the second gateway
        author = resident(two, read_mail_link, "Replique")
        agent = administrator(one).headers
        submission = requests.post(f"{one.url}/api/v1/budget/cycles", headers=agent,
                                   json={"title": "Budget participatif des répliques", "paris_envelope": 1_000_000})
        assert submission.status_code == 201, submission.text
        idea = requests.post(f"{one.url}/api/v1/ideas", headers=author.headers, json={
            "title": "Aménager un terrain de pétanque square Léon", "theme": "cadre_de_vie", "arrondissement": 19,
            "description": "Installer deux pistes et des bancs à l'ombre des platanes du square."})
        assert idea.status_code == 201, idea.text
        idea_id = idea.json()["id"]
        inbox = f"/api/v1/routing/inbox/{idea_id}"
        wait_for(lambda: requests.get(f"{two.url}{inbox}", headers=agent).status_code == 200, 30)
        decision = {"action": "forward", "scheme": "budget", "message": "Complétez votre projet."}
        first, again = (requests.post(f"{url}{inbox}/decisions", json=decision,
                                      headers={**agent, "Idempotency-Key": f"decision-{idea_id}"})
                        for url in hub.urls)  # a double click landing on each gateway
        assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
        wait_for(lambda: requests.get(f"{one.url}{inbox}", headers=agent).json()["status"] == "forwarded", 30)
        hub.smtp.wait_for(lambda m: m["To"] == author.email and "transmise" in m["Subject"], 30)
        # the author votes and signs through the first gateway, then everyone else at once
        cycle, petition = seeded["cycle"], seeded["petition"]
        ballot = requests.put(f"{one.url}/api/v1/budget/cycles/{cycle['cycle_id']}/ballot", headers=author.headers,
                              json=ballot_of(cycle, 0))
        assert ballot.status_code == 200, ballot.text
        signature = requests.post(f"{one.url}/api/v1/petitions/{petition}/signatures", headers=author.headers,
                                  json={"connection": {"lives": True}})
        assert signature.status_code == 201, signature.text
        done = burst(hub, seeded)
        signatures, ballots = done["signatures"] + 1, done["ballots"] + 1

        told = settled(lambda: signers_told(hub) >= THRESHOLD - 1, True, 30)  # all who signed before the crossing
        left = settled(lambda: pending_work(hub), {}, 60)
        # the notifications of late signatures' events are asked of accounts after the outboxes emptied (the events
        # wait in the broker, not in an outbox): every queued e-mail received, the same count twice a second apart
        settled(lambda: mails_received_and_queued(hub, pause=1.0), True, 60)
        left = left or pending_work(hub)
        tap.drain()
        # the tap holds every event of its queue once the outboxes are empty: a relay publishes with confirms
        expected_events = all_event_ids(hub) - already_published
        shown = settled(lambda: requests.get(f"{two.url}/api/v1/petitions/{petition}").json()["signatures_count"],
                        signatures)  # visitors see a view of the petition kept a second by each gateway
        counts = requests.get(f"{two.url}/api/v1/budget/cycles/{cycle['cycle_id']}/counts", headers=agent).json()
        signature_rows = database_rows(hub, "petitions", "SELECT count(*) FROM petition_signatures "
                                                         "WHERE petition_id = :id", id=petition)[0][0]
        ballot_rows = database_rows(hub, "budget", "SELECT count(*) FROM budget_ballots WHERE cycle_id = :id",
                                    id=cycle["cycle_id"])[0][0]

    messages = hub.smtp.messages()
    sent = Counter((m["To"], m["Subject"], body_of(m)) for m in messages)
    retries = [o for o in done["outcomes"] if "retry" in o]
    alive = {name: process.poll() is None and healthy(f"http://127.0.0.1:{hub.http_ports[name]}/healthz")
             for name, process in hub.processes.items() if name in hub.http_ports}
    alive.update({url: healthy(f"{url}/readyz") for url in hub.urls})
    findings = {
        # the burst went through: nothing refused (a 5xx or a 409 would leave the counts exact but say nothing)
        "burst answered 201 / 200 each": (done["signatures"], done["ballots"]) == (BURST_PEOPLE, BURST_PEOPLE),
        "signatures: accepted = rows = shown = petition_signed counts":
            signatures == signature_rows == shown == tap.units("petition_signed", petition),
        "ballots: accepted = rows = live count = ballot_cast counts":
            ballots == ballot_rows == counts.get("ballots_count") == tap.units("ballot_cast", cycle["cycle_id"]),
        "a retry answered as the first (same status, same receipt)": len(retries) == -(-BURST_PEOPLE // RETRY_EVERY)
            and all(
            (o["retry"]["signed"], o["retry"]["voted"], o["retry"]["receipt"]) == (o["signed"], o["voted"],
                                                                                   o["receipt"]) for o in retries),
        "every event published crossed the broker once": not tap.duplicates()
            and {e["event_id"] for e in tap.envelopes} == expected_events,
        "the threshold crossed once": tap.count("petition_threshold_reached", petition) == 1,
        "the idea submitted, suggested, forwarded and drafted once": [
            tap.count(kind, idea_id) for kind in ("idea_submitted", "idea_routing_suggested", "idea_forwarded")]
            == [1, 1, 1] and [e["payload"]["origin_idea_id"] for e in tap.of("project_drafted")] == [idea_id],
        "one registration and one verification for the author": (
            tap.count("account_registered", author.id), tap.count("account_email_verified", author.id)) == (1, 1),
        "one e-mail per recipient and action": max(sent.values(), default=0) == 1,
        "the crossing told the signers who asked, once each": told and signers_told(hub) <= signatures,
        "every event published and every e-mail sent": not left,
        "every queued e-mail sent once": len(messages) == mails_queued(hub),
        "the author's mails: one link, one forward": [
            sum(m["To"] == author.email and kind in body_of(m) + m["Subject"] for m in messages)
            for kind in ("/compte/verifier", "transmise")] == [1, 1],
        "every replica and gateway alive, both replicas signing and counting": all(alive.values())
            and all(metric_total(hub.http_ports[name], call) for name, call in (
                ("petitions", "sign_petitions"), ("petitions#2", "sign_petitions"),
                ("budget", "cast_ballots"), ("budget#2", "cast_ballots"))),
    }
    failed = [name for name, held in findings.items() if not held]
    assert not failed, json.dumps({
        "failed": failed, "signatures": [signatures, signature_rows, shown, tap.units("petition_signed", petition)],
        "ballots": [ballots, ballot_rows, counts.get("ballots_count"), tap.units("ballot_cast", cycle["cycle_id"])],
        "answers": Counter((o["signed"], o["voted"]) for o in done["outcomes"]).most_common(),
        "retries": Counter(json.dumps(o["retry"], sort_keys=True) for o in retries).most_common(4),
        "events": tap.types(), "duplicated_events": len(tap.duplicates()),
        "events_not_seen": len(expected_events - {e["event_id"] for e in tap.envelopes}),
        "mails_received_queued": [len(messages), mails_queued(hub)], "left_pending": left,
        "mails_twice": [key[:2] for key, times in sent.items() if times > 1][:5], "alive": alive},
        indent=1, default=str)


def signers_told(hub) -> int:
    return sum(message["To"].endswith("@bench.example.org") for message in hub.smtp.messages())


def settled(probe, expected, timeout: float = 10.0):
    """`probe()` once it gives `expected`, or its last value after `timeout` (for the report, not an exception)."""
    deadline = time.monotonic() + timeout
    while (value := probe()) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    return value
