"""Routing on the running platform: a citizen's idea reaches the agents' inbox with a suggestion, an agent
forwards it to the participatory budget (a draft project linked to it appears in the budget service) and the
idea's timeline tells every step under one correlation id; a forward to the greening permit calls a real local
HTTP receiver that fails once then succeeds (one dossier, delivered on retry, answered by the scheme with a
signed message); re-routing and undo keep the history; an idea past its deadline is flagged; the agent a colleague
confides an idea to is e-mailed by the notifications service; ideas submitted while routing had no queue (stopped,
deployed later) reach the inbox by reconciliation, by hand and on restart, in their citizen's correlation chain,
and their author is told of the decision."""
import hashlib
import hmac
import http.server
import json
import subprocess
import sys
import threading
import time
import uuid
from email.header import decode_header, make_header
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from hubkit.db import make_engine
from hubkit.testing import Platform, body_of, free_port

from .people import administrator, citizen, read_mail_link, wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SERVICES = {path.parent.name: path.parent for path in sorted(ROOT.glob("services/*/*/__main__.py"))
            if path.parent.name == path.parent.parent.name}

# Short windows so the journey runs in seconds: undo 2 s, sweeps every half second, webhook retry after 1 s,
# and deadline "days" of one second (the street report's 7 days pass in 7 seconds).
ROUTING_ENV = {"ROUTING_UNDO_SECONDS": "2", "ROUTING_SWEEP_SECONDS": "0.5", "ROUTING_DELIVERY_SECONDS": "0.5",
               "ROUTING_WEBHOOK_BACKOFF_SECONDS": "1", "ROUTING_DEADLINE_DAY_SECONDS": "1",
               "ROUTING_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8"}  # the receiver below listens on 127.0.0.1


@pytest.fixture(scope="module")
def hub():
    """A platform of its own: the routing settings above are read when its processes start."""
    platform = Platform(SERVICES, "sqlite", settings=ROUTING_ENV)
    yield platform
    platform.stop()


class Receiver(http.server.BaseHTTPRequestHandler):
    """The greening permit's system: answers 500 to the first dossier call, 200 after; keeps what it got."""
    calls = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.calls.append({"headers": dict(self.headers), "body": body})
        self.send_response(500 if len(Receiver.calls) == 1 else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def receiver():
    Receiver.calls = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def people(hub):
    """Two citizens (the idea box takes 5 ideas an hour from one account) and an administrator acting as agent."""
    return {"author": citizen(hub, read_mail_link, "Idealiste"), "neighbour": citizen(hub, read_mail_link, "Voisine"),
            "agent": administrator(hub).headers}


def submit(hub, author, title, description, theme="cadre_de_vie", arrondissement=18) -> tuple:
    """The citizen's click: returns (idea id, the request id that starts the idea's correlation chain)."""
    request_id = f"e2e-click-{uuid.uuid4().hex[:12]}"
    response = requests.post(f"{hub.url}/api/v1/ideas", headers={**author.headers, "X-Request-ID": request_id},
                             json={"title": title, "description": description, "theme": theme,
                                   "arrondissement": arrondissement})
    assert response.status_code == 201, response.text
    return response.json()["id"], request_id


def in_inbox(hub, agent, idea_id) -> dict:
    url = f"{hub.url}/api/v1/routing/inbox/{idea_id}"
    assert wait_for(lambda: requests.get(url, headers=agent).status_code == 200, 20), "the idea never reached the inbox"
    return requests.get(url, headers=agent).json()


def decide(hub, agent, idea_id, key=None, **body):
    headers = {**agent, **({"Idempotency-Key": key} if key else {})}
    return requests.post(f"{hub.url}/api/v1/routing/inbox/{idea_id}/decisions", headers=headers, json=body)


def item_of(hub, agent, idea_id) -> dict:
    return requests.get(f"{hub.url}/api/v1/routing/inbox/{idea_id}", headers=agent).json()


def timeline_types(hub, idea_id) -> list:
    return [entry["type"] for entry in
            requests.get(f"{hub.url}/api/v1/routing/ideas/{idea_id}/timeline").json()["entries"]]


def test_an_idea_forwarded_to_the_budget_becomes_a_draft_project_with_one_traceable_history(hub, people):
    agent, author = people["agent"], people["author"]
    cycle = requests.post(f"{hub.url}/api/v1/budget/cycles", headers=agent,
                          json={"title": "Budget participatif 2027", "paris_envelope": 1_000_000})
    assert cycle.status_code == 201, cycle.text
    idea_id, click = submit(hub, author, "Aménager un terrain de pétanque square Léon",
                            "Installer deux pistes et des bancs à l'ombre des platanes du square.")
    item = in_inbox(hub, agent, idea_id)
    assert item["suggested_scheme"] == "budget" and "« Aménager »" in item["suggestion_reason"]
    assert item["correlation_id"] == click and item["status"] == "waiting"
    listed = requests.get(f"{hub.url}/api/v1/routing/inbox?scheme=budget", headers=agent).json()
    assert idea_id in [entry["idea_id"] for entry in listed["items"]]

    # a double click: one decision
    first = decide(hub, agent, idea_id, key="double-click-0001", action="forward", scheme="budget",
                   message="Complétez votre projet pour le budget participatif.")
    again = decide(hub, agent, idea_id, key="double-click-0001", action="forward", scheme="budget",
                   message="Complétez votre projet pour le budget participatif.")
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert first.json()["state"] == "pending"
    assert wait_for(lambda: item_of(hub, agent, idea_id)["status"] == "forwarded", 15)

    def draft():
        carried = requests.get(f"{hub.url}/api/v1/budget/me/projects", headers=author.headers).json()["carried"]
        return [project for project in carried if project.get("origin_idea_id") == idea_id]
    assert wait_for(draft, 20), "budget drafted no project from the forwarded idea"
    assert len(draft()) == 1

    expected = {"idea_submitted", "idea_routing_suggested", "idea_forwarded", "project_drafted"}
    assert wait_for(lambda: expected <= set(timeline_types(hub, idea_id)), 20), timeline_types(hub, idea_id)
    timeline = requests.get(f"{hub.url}/api/v1/routing/ideas/{idea_id}/timeline").json()
    assert {entry["correlation_id"] for entry in timeline["entries"]} == {click}
    assert all("agent_note" not in entry for entry in timeline["entries"])
    types = [entry["type"] for entry in timeline["entries"]]
    assert types.index("idea_submitted") < types.index("idea_forwarded") < types.index("project_drafted")
    trace = requests.get(f"{hub.url}/api/v1/routing/traces/{click}", headers=agent).json()
    assert {entry["type"] for entry in trace["entries"]} >= expected

    # the idea's status follows in the ideas service, and its author is told by e-mail
    assert wait_for(lambda: requests.get(f"{hub.url}/api/v1/ideas/{idea_id}").json()["status"] == "forwarded", 20)
    hub.smtp.wait_for(lambda m: m["To"] == author.email and "transmise" in m["Subject"])

    # re-routing to petitions keeps the budget step in the history
    rerouted = decide(hub, agent, idea_id, action="forward", scheme="petition", message="Plutôt une pétition.")
    assert rerouted.status_code == 201 and rerouted.json()["replaces"] == first.json()["id"]
    assert wait_for(lambda: [d["state"] for d in item_of(hub, agent, idea_id)["decisions"]] ==
                    ["superseded", "effective"], 15)
    assert wait_for(lambda: timeline_types(hub, idea_id).count("idea_forwarded") == 2, 10)
    assert wait_for(lambda: "petition_drafted" in timeline_types(hub, idea_id), 20), timeline_types(hub, idea_id)


def test_a_greening_permit_dossier_is_delivered_once_after_a_failed_call_and_answered(hub, people, receiver):
    agent, author = people["agent"], people["author"]
    url = f"http://127.0.0.1:{receiver.server_address[1]}/dossiers"
    scheme = requests.patch(f"{hub.url}/api/v1/routing/schemes/greening_permit", headers=agent,
                            json={"webhook_url": url, "rotate_secret": True})
    assert scheme.status_code == 200, scheme.text
    secret = scheme.json()["webhook_secret"]
    idea_id, click = submit(hub, author, "Végétaliser les pieds d'arbre rue Myrha",
                            "Des jardinières et des fleurs au pied de chaque arbre de la rue.", theme="environnement")
    assert in_inbox(hub, agent, idea_id)["suggested_scheme"] == "greening_permit"
    assert decide(hub, agent, idea_id, action="forward", scheme="greening_permit").status_code == 201

    def delivered():
        dossiers = item_of(hub, agent, idea_id)["dossiers"]
        return dossiers and dossiers[0]["status"] == "delivered"
    assert wait_for(delivered, 30), item_of(hub, agent, idea_id)["dossiers"]
    time.sleep(2)  # a few more delivery sweeps: nothing is sent again
    [dossier] = item_of(hub, agent, idea_id)["dossiers"]
    assert dossier["attempts"] == 2 and dossier["reference"].startswith("DEVE-")
    assert len(Receiver.calls) == 2
    for call in Receiver.calls:
        headers = {name.lower(): value for name, value in call["headers"].items()}
        assert headers["x-hub-delivery"] == dossier["reference"]
        expected = hmac.new(secret.encode(), headers["x-hub-timestamp"].encode() + b"." + call["body"],
                            hashlib.sha256).hexdigest()
        assert headers["x-hub-signature-256"] == f"sha256={expected}"
    document = json.loads(Receiver.calls[-1]["body"])
    assert document["idea_id"] == idea_id and document["reference"] == dossier["reference"]

    # the scheme's signed answer reaches the idea's timeline and its author
    answer = json.dumps({"answer": "Permis accordé : trois jardinières.", "status": "granted"}).encode()
    timestamp = str(int(time.time()))
    answer_path = f"/api/v1/routing/dossiers/{dossier['reference']}/answer"
    signed = f"POST\n{answer_path}\n{timestamp}\n".encode() + answer  # docs/operations/webhooks.md
    signature = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    answer_url = f"{hub.url}{answer_path}"
    forged = requests.post(answer_url, data=answer, headers={"Content-Type": "application/json",
                                                             "X-Hub-Timestamp": timestamp,
                                                             "X-Hub-Signature-256": "sha256=" + "0" * 64})
    assert forged.status_code == 401
    answered = requests.post(answer_url, data=answer, headers={"Content-Type": "application/json",
                                                               "X-Hub-Timestamp": timestamp,
                                                               "X-Hub-Signature-256": signature})
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    replayed = requests.post(answer_url, data=answer, headers={"Content-Type": "application/json",
                                                               "X-Hub-Timestamp": timestamp,
                                                               "X-Hub-Signature-256": signature})
    assert replayed.status_code == 409 and replayed.json()["error"] == "ANSWER_REPLAYED"
    timeline = requests.get(f"{hub.url}/api/v1/routing/ideas/{idea_id}/timeline").json()
    assert timeline["dossiers"][0]["answer"] == "Permis accordé : trois jardinières."
    assert {"dossier_created", "dossier_answered"} <= {entry["type"] for entry in timeline["entries"]}
    assert {entry["correlation_id"] for entry in timeline["entries"]} == {click}
    message = hub.smtp.wait_for(lambda m: m["To"] == author.email and dossier["reference"] in m["Subject"])
    assert "trois jardinières" in body_of(message)


def test_undo_within_the_window_and_too_late_after(hub, people):
    agent, author = people["agent"], people["author"]
    idea_id, _ = submit(hub, author, "Horaires d'ouverture de la mairie du 18e",
                        "Ouvrir plus tard le jeudi soir pour ceux qui travaillent.", theme="solidarites")
    assert in_inbox(hub, agent, idea_id)["suggested_scheme"] == "direct_answer"
    decision = decide(hub, agent, idea_id, action="answer", message="La mairie ouvre déjà le jeudi jusqu'à 19 h.")
    undone = requests.post(f"{hub.url}/api/v1/routing/decisions/{decision.json()['id']}/undo", headers=agent)
    assert undone.status_code == 200 and undone.json()["state"] == "cancelled"
    time.sleep(3)  # past the window: the undone decision never took effect
    item = item_of(hub, agent, idea_id)
    assert item["status"] == "waiting" and [d["state"] for d in item["decisions"]] == ["cancelled"]
    assert "idea_answered" not in timeline_types(hub, idea_id)

    final = decide(hub, agent, idea_id, action="not_retain", reason_code="already_done",
                   message="Déjà en place le jeudi.")
    assert wait_for(lambda: item_of(hub, agent, idea_id)["status"] == "not_retained", 15)
    late = requests.post(f"{hub.url}/api/v1/routing/decisions/{final.json()['id']}/undo", headers=agent)
    assert late.status_code == 409 and late.json()["error"] == "UNDO_TOO_LATE"
    assert [d["state"] for d in item_of(hub, agent, idea_id)["decisions"]] == ["cancelled", "effective"]


def test_an_idea_past_its_deadline_is_flagged(hub, people):
    agent, author = people["agent"], people["author"]
    idea_id, _ = submit(hub, author, "Nid-de-poule rue Ordener", "Un trou dangereux devant le numéro 12.",
                        theme="mobilites")
    item = in_inbox(hub, agent, idea_id)
    assert item["suggested_scheme"] == "street_report" and item["overdue"] is False
    assert wait_for(lambda: item_of(hub, agent, idea_id)["overdue"], 15)  # 7 "days" of one second
    overdue = requests.get(f"{hub.url}/api/v1/routing/inbox?overdue=true", headers=agent).json()
    assert idea_id in [entry["idea_id"] for entry in overdue["items"]] and overdue["overdue"] >= 1
    page = requests.get(f"{hub.url}/back-office/orientation", cookies={}, allow_redirects=False)
    assert page.status_code == 302  # the inbox page needs a signed-in agent


def test_an_agent_given_an_idea_by_a_colleague_is_e_mailed_by_the_notifications_service(hub, people):
    """routing publishes idea_assigned and e-mails nobody itself; notifications tells the colleague (issue 15 §1)."""
    agent, colleague = people["agent"], administrator(hub, "collegue", "Collègue")
    author = citizen(hub, read_mail_link, "Confiante")
    idea_id, _ = submit(hub, author, "Bancs place de Clichy", "Des bancs à l'ombre des platanes de la place.")
    in_inbox(hub, agent, idea_id)
    assigned = requests.post(f"{hub.url}/api/v1/routing/inbox/{idea_id}/assignment", headers=agent,
                             json={"agent_id": colleague.id})
    assert assigned.status_code == 200, assigned.text
    link = read_mail_link(hub, colleague.email, f"/back-office/orientation/{idea_id}")
    [mail] = [m for m in hub.smtp.messages() if m["To"] == colleague.email and link in body_of(m)]
    assert str(make_header(decode_header(mail["Subject"]))) == "Une idée vous est confiée"
    assert "L'idée « Bancs place de Clichy » vous est confiée (direction" in body_of(mail)
    assert "/notifications/desabonnement/" in str(make_header(decode_header(mail["List-Unsubscribe"])))


def test_a_duplicate_is_merged_by_the_ideas_service(hub, people):
    agent, author = people["agent"], people["neighbour"]
    original, _ = submit(hub, author, "Des fontaines le long du canal de l'Ourcq",
                         "Installer des fontaines d'eau potable le long du canal.", theme="environnement", arrondissement=19)
    copy, click = submit(hub, author, "Fontaines d'eau au bord du canal de l'Ourcq",
                         "Des fontaines d'eau potable au bord du canal, pour l'été.", theme="environnement",
                         arrondissement=19)
    in_inbox(hub, agent, original)
    in_inbox(hub, agent, copy)
    assert decide(hub, agent, copy, action="duplicate", duplicate_of=original).status_code == 201
    assert wait_for(lambda: item_of(hub, agent, copy)["status"] == "merged", 15), item_of(hub, agent, copy)
    assert wait_for(lambda: requests.get(f"{hub.url}/api/v1/ideas/{copy}").json()["status"] == "merged", 15)
    assert wait_for(lambda: "idea_merged" in timeline_types(hub, copy), 15), timeline_types(hub, copy)
    timeline = requests.get(f"{hub.url}/api/v1/routing/ideas/{copy}/timeline").json()
    assert {entry["correlation_id"] for entry in timeline["entries"]} == {click}


# The queue nameko binds for routing's `receive_idea`: while it does not exist, ideas' idea_submitted is dropped.
IDEA_SUBMITTED_QUEUE = "evt-ideas-idea_submitted--routing.receive_idea"
# The restarted routing reconciles every 2 s, an idea once 3 s old (its event, if any, has long arrived); the
# CLI, run while routing is stopped, at once.
RECONCILING_ENV = {"ROUTING_RECONCILE_SECONDS": "2", "ROUTING_RECONCILE_GRACE_SECONDS": "3"}
CLI_ENV = {"ROUTING_RECONCILE_GRACE_SECONDS": "0"}


def events_published_by_ideas(hub) -> bool:
    engine = make_engine(hub.databases["ideas"].url)
    try:
        with engine.connect() as connection:
            outbox = sa.Table("outbox_events", sa.MetaData(), autoload_with=connection)
            return connection.execute(sa.select(sa.func.count()).select_from(outbox)
                                      .where(outbox.c.published_at.is_(None))).scalar_one() == 0
    finally:
        engine.dispose()


def test_ideas_submitted_while_routing_had_no_queue_reach_the_inbox_by_reconciliation(hub, people):
    """Routing deployed after the idea box, or stopped with its queue gone: the idea box's `idea_submitted` finds
    no queue bound and is dropped. `python -m routing reconcile` and, after a (re)start, routing itself bring
    those ideas into the inbox once, with their author and the correlation id of the citizen's click (read from
    the idea box's internal submissions feed); the queue, declared again, carries the next ones."""
    agent, late = people["agent"], citizen(hub, read_mail_link, "Tardive")
    hub.stop_process("routing")
    deleted = requests.delete(f"http://127.0.0.1:15672/api/queues/{hub.vhost}/{IDEA_SUBMITTED_QUEUE}",
                              auth=("guest", "guest"))
    assert deleted.status_code == 204, deleted.text
    by_hand, by_hand_click = submit(hub, late, "Végétaliser la cour de l'école Guy Môquet",
                        "Des jardinières et des arbres fruitiers dans la cour.", theme="environnement")
    on_restart, on_restart_click = submit(hub, late, "Nid-de-poule boulevard Ney", "Un trou dangereux au niveau du numéro 40.",
                           theme="mobilites")
    assert wait_for(lambda: events_published_by_ideas(hub), 15)  # published to an exchange no queue listens on

    ops = subprocess.run([sys.executable, "-m", "routing", "reconcile"], env={**hub.env, **CLI_ENV},
                         capture_output=True, text=True, timeout=60)
    assert ops.returncode == 0, ops.stderr
    assert "2 recovered into the inbox" in ops.stdout and by_hand in ops.stdout and on_restart in ops.stdout

    # the restarted routing recovers what the CLI could not see (submitted after it ran) by itself
    later, later_click = submit(hub, late, "Des jardinières rue Marcadet", "Des jardinières fleuries devant les commerces.",
                      theme="environnement")
    assert wait_for(lambda: events_published_by_ideas(hub), 15)
    saved = {name: hub.env.get(name) for name in RECONCILING_ENV}
    hub.env.update(RECONCILING_ENV)
    try:
        hub.restart_process("routing")
    finally:
        for name, value in saved.items():
            if value is None:
                hub.env.pop(name)
            else:
                hub.env[name] = value
    hub.wait_ready()
    recovered = ((by_hand, by_hand_click, "greening_permit"), (on_restart, on_restart_click, "street_report"),
                 (later, later_click, "greening_permit"))
    for idea_id, click, scheme in recovered:
        item = in_inbox(hub, agent, idea_id)
        assert item["suggested_scheme"] == scheme and item["status"] == "waiting"
        assert item["correlation_id"] == click  # the citizen's, not a fresh one
        submission = item["trace"][0]
        assert submission["type"] == "idea_submitted" and "Retrouvée" in submission["agent_note"]
        assert wait_for(lambda: "idea_routing_suggested" in timeline_types(hub, idea_id), 10)
        assert timeline_types(hub, idea_id).count("idea_submitted") == 1
        timeline = requests.get(f"{hub.url}/api/v1/routing/ideas/{idea_id}/timeline").json()
        assert {entry["correlation_id"] for entry in timeline["entries"]} == {click}
        trace = requests.get(f"{hub.url}/api/v1/routing/traces/{click}", headers=agent).json()
        assert {"idea_submitted", "idea_routing_suggested"} <= {entry["type"] for entry in trace["entries"]}

    # the recovered idea's author is known: told by e-mail of the City's answer
    answer = decide(hub, agent, on_restart, action="answer", message="La voirie rebouche le trou cette semaine.")
    assert answer.status_code == 201, answer.text
    hub.smtp.wait_for(lambda m: m["To"] == late.email
                      and "répondu" in str(make_header(decode_header(m["Subject"]))), 20)
    assert wait_for(lambda: "idea_answered" in timeline_types(hub, on_restart), 15)
    timeline = requests.get(f"{hub.url}/api/v1/routing/ideas/{on_restart}/timeline").json()
    assert {entry["correlation_id"] for entry in timeline["entries"]} == {on_restart_click}

    # the queue is back: the next idea arrives by its event, in its citizen's correlation chain
    fresh, click = submit(hub, late, "Des bancs rue Championnet", "Trois bancs à l'ombre devant la bibliothèque.")
    item = in_inbox(hub, agent, fresh)
    assert item["correlation_id"] == click and item["trace"][0]["agent_note"] is None
