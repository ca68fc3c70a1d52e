"""Use cases of the routing service on a real database (SQLite and PostgreSQL)."""
import json
import time
import uuid
from datetime import datetime, timedelta, timezone

import eventlet
import pytest

from hubkit import correlation
from hubkit.envelope import make_event
from hubkit.errors import (AuthenticationFailed, Conflict, IdempotencyKeyReused, InvalidInput, NotFound,
                           PermissionDenied)
from routing import domain
from routing.domain import webhooks as webhook_rules
from routing.handlers import (Catalogue, Context, DecisionEffects, Decisions, Deliveries, History, Inbox,
                              PersonalData, Receiving)
from routing.settings import Settings

pytestmark = pytest.mark.usefixtures("dns")

AGENT = {"account_id": "0a9d8c7b-6e5f-4a3b-9c2d-1e0f9a8b7c6d", "roles": ["citizen", "agent"], "direction": "DEVE"}
ADMIN = {"account_id": "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9", "roles": ["citizen", "admin"], "direction": None}
DVD_AGENT = {"account_id": "5e4d3c2b-1a09-4f8e-8d7c-6b5a4f3e2d1c", "roles": ["citizen", "agent"], "direction": "DVD"}
MODERATOR = {"account_id": "2c3d4e5f-6071-4829-93a4-b5c6d7e8f9a0", "roles": ["citizen", "moderator"], "direction": None}
CITIZEN = {"account_id": "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11", "roles": ["citizen"], "direction": None}
AUTHOR = "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99"
# Events carry the real time, so the fake clock starts at the real time of each test (not of the import: a long
# suite would put the test's clock minutes behind the events it orders against).
NOW = datetime.now(timezone.utc).replace(microsecond=0)
# The schemes' test receivers listen on 127.0.0.1: the allow-list must say so (without it: test_ssrf below).
LOCAL_RECEIVERS = webhook_rules.parse_allowed_networks("127.0.0.0/8")
IMMEDIATE = Settings(undo_seconds=0, webhook_backoff_seconds=10, allow_plain_http=True,
                     webhook_allowed_networks=LOCAL_RECEIVERS)
WITH_UNDO = Settings(undo_seconds=60, allow_plain_http=True, webhook_allowed_networks=LOCAL_RECEIVERS)
NO_ALLOW_LIST = Settings(undo_seconds=0, allow_plain_http=True)


class Clock:
    def __init__(self, now=NOW):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    global NOW
    NOW = datetime.now(timezone.utc).replace(microsecond=0)
    return Clock(NOW)


@pytest.fixture
def run(store, directions, clock):
    """Run one use case in its own unit of work, as a service worker does."""
    def run(cls, method, *args, settings=IMMEDIATE):
        with store.uow() as uow:
            return getattr(cls(Context(uow, settings, directions, clock)), method)(*args)
    return run


def submitted(ideas, title="Végétaliser la rue Manin", description="Des jardinières devant l'école.",
              theme="environnement", arrondissement=19, correlation_id="req-citizen-click") -> dict:
    idea_id = str(uuid.uuid4())
    ideas.add(idea_id, title, description, author_id=AUTHOR, correlation_id=correlation_id)
    return make_event(type="idea_submitted", version=1, producer="ideas", subject={"kind": "idea", "id": idea_id},
                      payload={"idea_id": idea_id, "theme": theme, "arrondissement": arrondissement},
                      actor={"account_id": AUTHOR, "role": "citizen"}, correlation_id=correlation_id,
                      causation_id=correlation_id)


def received(run, ideas, **idea) -> str:
    envelope = submitted(ideas, **idea)
    assert run(Receiving, "receive_idea", envelope, ideas.get_idea({"idea_id": envelope["payload"]["idea_id"]}))
    return envelope["payload"]["idea_id"]


def owner_agent(run, idea_id) -> dict:
    """AGENT, as an agent of the direction that owns the idea (the one who may decide on it)."""
    try:
        return {**AGENT, "direction": run(Inbox, "get_item", ADMIN, idea_id)["direction"]}
    except NotFound:
        return AGENT


def decide(run, idea_id, action="forward", key=None, settings=IMMEDIATE, request="req-agent-1", **fields):
    command = {"idea_id": idea_id, "action": action, "scheme": None, "message": "", "reason_code": None,
               "duplicate_of": None, "idempotency_key": key or uuid.uuid4().hex, **fields}
    tokens = correlation.bind(request)  # the gateway's request id, as the worker's Correlation binds it
    try:
        decision = run(Decisions, "decide", owner_agent(run, idea_id), command, settings=settings)
        for decision_id, _ in run(DecisionEffects, "due_decisions", settings=settings):
            run(DecisionEffects, "apply_decision", decision_id, settings=settings)
    finally:
        correlation.unbind(tokens)
    return decision


def event_of(envelope_type: str, producer: str, payload: dict, subject: dict, correlation_id="req-citizen-click"):
    return make_event(type=envelope_type, version=1, producer=producer, subject=subject, payload=payload,
                      actor={"account_id": None, "role": "system"}, correlation_id=correlation_id,
                      causation_id=str(uuid.uuid4()))


# --- receiving ideas ----------------------------------------------------------------------------------

def test_a_submitted_idea_lands_in_the_inbox_with_a_suggestion_a_checklist_and_a_deadline(run, ideas, store):
    idea_id = received(run, ideas)
    item = run(Inbox, "get_item", AGENT, idea_id)
    assert item["status"] == "waiting" and item["suggested_scheme"] == "greening_permit"
    assert "« jardinières »" in item["suggestion_reason"] and item["direction"] == "DEVE"
    assert item["deadline_at"] == NOW + timedelta(days=30) and item["overdue"] is False
    assert {check["code"] for check in item["checklist"]} == set(domain.CHECKS)
    assert item["next_actions"] == ["forward", "answer", "not_retain", "duplicate"]
    [suggested] = store.events("idea_routing_suggested")
    assert suggested["payload"]["scheme"] == "greening_permit" and suggested["correlation_id"] == "req-citizen-click"
    assert [entry["type"] for entry in item["trace"]] == ["idea_submitted", "idea_routing_suggested"]


def test_a_redelivered_idea_is_received_once(run, ideas, store):
    envelope = submitted(ideas)
    idea = ideas.get_idea({"idea_id": envelope["payload"]["idea_id"]})
    assert run(Receiving, "receive_idea", envelope, idea) is True
    assert run(Receiving, "receive_idea", envelope, idea) is False
    assert len(store.rows("inbox_items")) == 1 and len(store.rows("trace_entries")) == 2
    assert len(store.events("idea_routing_suggested")) == 1


# --- the inbox ------------------------------------------------------------------------------------------

def test_the_inbox_filters_counts_down_and_flags_overdue_ideas(run, ideas, clock):
    greening = received(run, ideas)
    clock.advance(days=3)
    pothole = received(run, ideas, title="Nid-de-poule rue Oberkampf", description="Un trou dangereux.",
                       theme="mobilites", arrondissement=11)
    query = {"status": "open", "page": 1, "per_page": 50}
    page = run(Inbox, "inbox", AGENT, query)
    assert page["total"] == 2 and page["overdue"] == 0
    assert [item["idea_id"] for item in page["items"]] == [pothole, greening]  # the nearest deadline first
    assert run(Inbox, "inbox", AGENT, {**query, "scheme": "street_report"})["total"] == 1
    assert run(Inbox, "inbox", AGENT, {**query, "direction": "DEVE"})["items"][0]["idea_id"] == greening
    assert run(Inbox, "inbox", AGENT, {**query, "arrondissement": 11})["items"][0]["idea_id"] == pothole
    assert run(Inbox, "inbox", AGENT, {**query, "min_age_days": 2})["items"][0]["idea_id"] == greening
    assert run(Inbox, "inbox", AGENT, {**query, "max_age_days": 1})["items"][0]["idea_id"] == pothole
    clock.advance(days=8)  # the street report's 7 days passed, not the greening permit's 30
    page = run(Inbox, "inbox", AGENT, {**query, "overdue": True})
    assert page["total"] == 1 and page["items"][0]["overdue"] and page["items"][0]["countdown"]["seconds"] < 0
    with pytest.raises(PermissionDenied):
        run(Inbox, "inbox", CITIZEN, query)


def test_assignment_and_checklist(run, ideas, store):
    """The owning direction (DEVE) hands the idea to a DVD agent: DVD owns it from then on."""
    idea_id = received(run, ideas)
    item = run(Decisions, "assign", AGENT, {"idea_id": idea_id, "agent_id": DVD_AGENT["account_id"], "direction": "DVD"})
    assert item["assigned_agent_id"] == DVD_AGENT["account_id"] and item["direction"] == "DVD"
    [assigned] = store.events("idea_assigned")
    deadline = run(Inbox, "get_item", AGENT, idea_id)["deadline_at"].isoformat()
    assert assigned["payload"] == {"idea_id": idea_id, "agent_id": DVD_AGENT["account_id"], "direction": "DVD",
                                   "deadline_at": deadline}  # the agent's e-mail (notifications) gives it
    assert assigned["correlation_id"] == "req-citizen-click"
    page = run(Inbox, "inbox", DVD_AGENT, {"status": "open", "assigned": "me", "page": 1, "per_page": 50})
    assert page["total"] == 1
    item = run(Decisions, "update_checklist", DVD_AGENT, {"idea_id": idea_id, "values": {"general_interest": "yes"}})
    assert {c["code"]: c["value"] for c in item["checklist"]}["general_interest"] == "yes"
    before = store.snapshot()
    with pytest.raises(InvalidInput):
        run(Decisions, "update_checklist", DVD_AGENT, {"idea_id": idea_id, "values": {"nope": "yes"}})
    with pytest.raises(PermissionDenied) as refused:  # DEVE gave it away
        run(Decisions, "update_checklist", AGENT, {"idea_id": idea_id, "values": {"general_interest": "no"}})
    assert refused.value.code == "OUTSIDE_DIRECTION"
    assert store.snapshot() == before


# --- deciding -------------------------------------------------------------------------------------------

def test_forwarding_to_the_budget_emits_the_contract_event_in_the_idea_chain(run, ideas, store):
    idea_id = received(run, ideas, title="Aménager le square", description="Installer des bancs.",
                       theme="cadre_de_vie")
    decision = decide(run, idea_id, scheme="budget", message="Complétez votre projet !", request="req-agent-7")
    [forwarded] = store.events("idea_forwarded")
    assert forwarded["payload"] == {"decision_id": decision["id"], "idea_id": idea_id, "scheme": "budget",
                                    "scheme_kind": "internal", "author_id": AUTHOR,
                                    "message": "Complétez votre projet !", "dossier_reference": None}
    assert forwarded["correlation_id"] == "req-citizen-click" and forwarded["causation_id"] == "req-agent-7"
    assert forwarded["actor"] == {"account_id": AGENT["account_id"], "role": "agent"}
    item = run(Inbox, "get_item", AGENT, idea_id)
    assert item["status"] == "forwarded" and item["next_actions"] == ["forward"]
    assert store.rows("dossiers") == []
    assert {e["correlation_id"] for e in item["trace"]} == {"req-citizen-click"}


def test_the_same_decision_twice_is_one_decision_and_one_dossier(run, ideas, store):
    idea_id = received(run, ideas)
    first = decide(run, idea_id, scheme="greening_permit", key="form-token-123456")
    again = decide(run, idea_id, scheme="greening_permit", key="form-token-123456")
    assert again["id"] == first["id"]
    assert len(store.rows("decisions")) == 1 and len(store.rows("dossiers")) == 1
    assert len(store.rows("webhook_deliveries")) == 1 and len(store.events("idea_forwarded")) == 1
    [dossier] = store.rows("dossiers")
    assert dossier.reference == f"DEVE-{NOW.year}-{dossier.id:06d}"
    assert store.events("idea_forwarded")[0]["payload"]["dossier_reference"] == dossier.reference
    with pytest.raises(IdempotencyKeyReused) as refused:
        decide(run, idea_id, action="answer", key="form-token-123456", message="Non.")
    assert refused.value.code == "IDEMPOTENCY_KEY_REUSED"
    other_agent = {**AGENT, "account_id": str(uuid.uuid4())}  # another agent's key is theirs alone
    with pytest.raises(Conflict) as decided:
        run(Decisions, "decide", other_agent, {"idea_id": idea_id, "action": "answer", "scheme": None,
                                               "message": "Non.", "reason_code": None, "duplicate_of": None,
                                               "idempotency_key": "form-token-123456"}, settings=WITH_UNDO)
    assert decided.value.code == "ALREADY_DECIDED"  # judged as its own decision, not as the first agent's


def test_a_double_click_at_the_same_moment_gets_the_one_decision_back(run, ideas, store):
    """Two requests with the same form token at once: the second waits for the first, then finds its decision."""
    idea_id = received(run, ideas)
    command = {"idea_id": idea_id, "action": "forward", "scheme": "greening_permit", "message": "",
               "reason_code": None, "duplicate_of": None, "idempotency_key": "form-token-double-click"}
    clicks = [eventlet.spawn(run, Decisions, "decide", AGENT, dict(command), settings=WITH_UNDO) for _ in range(2)]
    first, second = [click.wait() for click in clicks]
    assert first["id"] == second["id"] and first["state"] == second["state"] == "pending"
    assert len(store.rows("decisions")) == 1


def test_a_second_decision_while_one_is_pending_is_refused(run, ideas, store):
    idea_id = received(run, ideas)
    decide(run, idea_id, scheme="budget", settings=WITH_UNDO)
    with pytest.raises(Conflict) as refused:
        decide(run, idea_id, scheme="petition", settings=WITH_UNDO)
    assert refused.value.code == "DECISION_PENDING"


def test_undo_within_the_window_leaves_nothing_outside_routing_and_keeps_the_history(run, ideas, store, clock):
    idea_id = received(run, ideas)
    decision = decide(run, idea_id, scheme="greening_permit", settings=WITH_UNDO)
    assert decision["state"] == "pending" and decision["undo_seconds_left"] == 60
    assert run(Inbox, "get_item", AGENT, idea_id)["status"] == "pending"
    clock.advance(seconds=30)
    colleague = {**AGENT, "account_id": "9f8e7d6c-5b4a-4392-8170-6e5d4c3b2a19"}
    with pytest.raises(PermissionDenied):
        run(Decisions, "undo", colleague, decision["id"], settings=WITH_UNDO)
    undone = run(Decisions, "undo", AGENT, decision["id"], settings=WITH_UNDO)
    assert undone["state"] == "cancelled"
    clock.advance(seconds=60)
    assert run(DecisionEffects, "due_decisions", settings=WITH_UNDO) == []
    assert store.events("idea_forwarded") == [] and store.rows("dossiers") == []
    item = run(Inbox, "get_item", AGENT, idea_id)
    assert item["status"] == "waiting" and [d["state"] for d in item["decisions"]] == ["cancelled"]
    assert item["trace"][-1]["type"] == "decision_undone"
    assert run(History, "idea_timeline", idea_id)["entries"][-1]["type"] == "idea_routing_suggested"  # not public
    with pytest.raises(Conflict) as refused:
        run(Decisions, "undo", AGENT, decision["id"], settings=WITH_UNDO)
    assert refused.value.code == "ALREADY_UNDONE"


def test_undo_after_the_decision_took_effect_is_refused_clearly(run, ideas, clock):
    idea_id = received(run, ideas)
    decision = decide(run, idea_id, action="answer", message="Merci, c'est prévu en 2027.", settings=WITH_UNDO)
    clock.advance(seconds=61)
    [(due, _)] = run(DecisionEffects, "due_decisions", settings=WITH_UNDO)
    assert run(DecisionEffects, "apply_decision", due, settings=WITH_UNDO)["action"] == "answer"
    assert run(DecisionEffects, "apply_decision", due, settings=WITH_UNDO) is None  # once
    with pytest.raises(Conflict) as refused:
        run(Decisions, "undo", AGENT, decision["id"], settings=WITH_UNDO)
    assert refused.value.code == "UNDO_TOO_LATE" and "Trop tard" in refused.value.message


def test_rerouting_keeps_the_history(run, ideas, store):
    idea_id = received(run, ideas, title="Aménager le square", description="Installer des bancs.")
    first = decide(run, idea_id, scheme="budget")
    with pytest.raises(InvalidInput):
        decide(run, idea_id, scheme="budget")  # already there
    second = decide(run, idea_id, scheme="petition", message="Mieux vaut une pétition.")
    assert second["replaces"] == first["id"]
    item = run(Inbox, "get_item", AGENT, idea_id)
    assert [(d["scheme"], d["state"]) for d in item["decisions"]] == [("budget", "superseded"),
                                                                     ("petition", "effective")]
    assert [e["payload"]["scheme"] for e in store.events("idea_forwarded")] == ["budget", "petition"]
    summaries = [entry["summary"] for entry in run(History, "idea_timeline", idea_id)["entries"]]
    assert any("« Budget participatif »" in s for s in summaries)
    assert any("« Pétitions » (réorientation)" in s for s in summaries)
    with pytest.raises(Conflict):
        decide(run, idea_id, action="answer", message="Non.")


def test_not_retained_and_answered_carry_the_contract_payloads(run, ideas, store):
    one, two = received(run, ideas), received(run, ideas)
    decide(run, one, action="not_retain", reason_code="private_land", message="C'est une cour privée.")
    decide(run, two, action="answer", message="La DEVE passera la semaine prochaine.")
    [not_retained] = store.events("idea_not_retained")
    assert not_retained["payload"]["reason_code"] == "private_land"
    assert not_retained["payload"]["reason"] == "C'est une cour privée."
    [answered] = store.events("idea_answered")
    assert answered["payload"]["direction"] == "DEVE" and answered["payload"]["author_id"] == AUTHOR


def test_bad_decisions_write_nothing(run, ideas, store):
    idea_id = received(run, ideas)
    before = store.snapshot()
    for fields in ({"scheme": "nope"}, {"action": "answer"}, {"action": "not_retain", "message": "x"},
                   {"action": "duplicate", "duplicate_of": idea_id}):
        with pytest.raises(InvalidInput):
            decide(run, idea_id, **fields)
    with pytest.raises(PermissionDenied):
        run(Decisions, "decide", CITIZEN, {"idea_id": idea_id, "action": "answer", "message": "x"})
    with pytest.raises(NotFound):
        decide(run, str(uuid.uuid4()), scheme="budget")
    assert store.snapshot() == before


def test_a_duplicate_that_ideas_refused_fails_and_the_idea_waits_again(run, ideas, store):
    idea_id, other = received(run, ideas), received(run, ideas)
    decision = run(Decisions, "decide", AGENT, {"idea_id": idea_id, "action": "duplicate", "duplicate_of": other,
                                            "message": "", "idempotency_key": "dup-key-0001"})
    plan = run(DecisionEffects, "merge_plan", decision["id"])
    assert plan["command"] == {"idea_id": idea_id, "into": other, "message": decision["message"]}
    assert plan["correlation_id"] == "req-citizen-click"  # the merge continues the idea's chain
    assert run(DecisionEffects, "apply_decision", decision["id"], "L'idée cible est fusionnée.") is None
    item = run(Inbox, "get_item", AGENT, idea_id)
    assert item["status"] == "waiting" and item["decisions"][0]["state"] == "failed"
    decision = run(Decisions, "decide", AGENT, {"idea_id": idea_id, "action": "duplicate", "duplicate_of": other,
                                            "message": "", "idempotency_key": "dup-key-0002"})
    assert run(DecisionEffects, "apply_decision", decision["id"])["action"] == "duplicate"
    assert run(Inbox, "get_item", AGENT, idea_id)["status"] == "merged"


# --- external schemes ---------------------------------------------------------------------------------

def greening_webhook(run, url="http://127.0.0.1:9/dossiers") -> str:
    return run(Catalogue, "update_scheme", ADMIN, {"code": "greening_permit", "webhook_url": url,
                                                   "rotate_secret": True})["webhook_secret"]


def test_a_webhook_is_retried_with_backoff_until_2xx_and_delivered_once(run, ideas, store, clock):
    secret = greening_webhook(run)
    idea_id = received(run, ideas)
    decide(run, idea_id, scheme="greening_permit")
    [claim] = run(Deliveries, "claim_due")
    assert run(Deliveries, "claim_due") == []  # claimed: no other worker sends it meanwhile
    body = claim["body"].encode()
    headers = Deliveries.signed_headers(claim, now=1767225600)
    assert headers["X-Hub-Signature-256"] == domain.sign(secret, 1767225600, body)
    assert headers["X-Hub-Delivery"] == claim["reference"] and json.loads(body)["idea_id"] == idea_id
    assert run(Deliveries, "record_attempt", claim["id"], 500, None) is False
    [row] = store.rows("webhook_deliveries")
    assert row.attempts == 1 and row.last_error == "HTTP 500"
    assert run(Deliveries, "claim_due") == []  # waits its backoff
    clock.advance(seconds=11)
    [claim] = run(Deliveries, "claim_due")
    assert run(Deliveries, "record_attempt", claim["id"], None, "ConnectionError") is False
    clock.advance(seconds=15)
    assert run(Deliveries, "claim_due") == []  # the second wait is twice as long
    clock.advance(seconds=6)
    [claim] = run(Deliveries, "claim_due")
    assert run(Deliveries, "record_attempt", claim["id"], 200, None) is True
    assert run(Deliveries, "record_attempt", claim["id"], 200, None) is False
    clock.advance(days=1)
    assert run(Deliveries, "claim_due") == []
    [dossier] = store.rows("dossiers")
    assert dossier.status == "delivered" and store.one("webhook_deliveries").attempts == 3


def test_an_email_scheme_gets_its_dossier_by_mail(run, ideas, store):
    idea_id = received(run, ideas, title="Nid-de-poule rue Oberkampf", description="Un trou.", theme="mobilites")
    decide(run, idea_id, scheme="street_report", message="Merci du signalement.")
    [dossier] = store.rows("dossiers")
    assert dossier.reference.startswith(f"DPE-{NOW.year}-") and dossier.status == "delivered"
    [mail] = store.rows("outgoing_mails")
    assert mail.recipient == "dansmarue@paris.local" and dossier.reference in mail.subject
    assert "Nid-de-poule rue Oberkampf" in mail.body and store.rows("webhook_deliveries") == []


def signed_answer(secret: str, reference: str, body: str, timestamp: int = None, path: str = None) -> dict:
    """What the gateway passes on from a scheme that signs as docs/operations/webhooks.md says."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    path = path or webhook_rules.answer_path(reference)
    return {"reference": reference, "body": body, "timestamp": str(timestamp),
            "signature": webhook_rules.sign_answer(secret, "POST", path, timestamp, body.encode())}


GRANTED = json.dumps({"answer": "Permis accordé pour 3 jardinières.", "status": "granted"})


def test_a_signed_answer_is_accepted_once_on_the_timeline(run, ideas, store):
    secret = greening_webhook(run)
    idea_id = received(run, ideas)
    decide(run, idea_id, scheme="greening_permit")
    reference = store.one("dossiers").reference
    answered = run(Deliveries, "receive_answer", signed_answer(secret, reference, GRANTED))
    assert answered["status"] == "answered" and answered["answer"] == "Permis accordé pour 3 jardinières."
    [event] = store.events("dossier_answered")
    assert event["payload"]["status"] == "granted" and event["correlation_id"] == "req-citizen-click"
    timeline = run(History, "idea_timeline", idea_id)
    assert timeline["dossiers"][0]["answer"] == "Permis accordé pour 3 jardinières."
    # the scheme, unsure its answer arrived, signs it again (a new timestamp): nothing changes, nothing is refused
    again = signed_answer(secret, reference, GRANTED, timestamp=int(time.time()) + 1)
    assert run(Deliveries, "receive_answer", again)["status"] == "answered"
    assert len(store.events("dossier_answered")) == 1
    with pytest.raises(NotFound):
        run(Deliveries, "receive_answer", signed_answer(secret, "DEVE-1999-999999", GRANTED))


def test_a_replayed_answer_is_refused_and_writes_nothing(run, ideas, store, clock):
    secret = greening_webhook(run)
    decide(run, received(run, ideas), scheme="greening_permit")
    reference = store.one("dossiers").reference
    captured = signed_answer(secret, reference, GRANTED)
    run(Deliveries, "receive_answer", captured)
    before = store.snapshot()
    clock.advance(seconds=200)  # still inside the 5 minutes the timestamp is accepted
    with pytest.raises(Conflict) as refused:
        run(Deliveries, "receive_answer", captured)
    assert refused.value.code == "ANSWER_REPLAYED"
    assert store.snapshot() == before
    [remembered] = store.rows("received_answer_signatures")
    assert remembered.dossier_reference == reference
    assert remembered.signature_digest != captured["signature"] and captured["signature"][7:] not in repr(before)


def test_an_answer_signed_for_another_dossier_or_path_is_refused(run, ideas, store):
    secret = greening_webhook(run)
    for title in ("Végétaliser la rue Manin", "Végétaliser la rue Myrha"):
        decide(run, received(run, ideas, title=title), scheme="greening_permit")
    first, second = sorted(row.reference for row in store.rows("dossiers"))
    refusal = json.dumps({"answer": "Permis refusé.", "status": "refused"})
    before = store.snapshot()
    for command in (
            {**signed_answer(secret, first, refusal), "reference": second},  # moved to another dossier
            signed_answer(secret, second, refusal, path=f"/api/v1/routing/dossiers/{first}/answer"),
            signed_answer(secret, second, refusal, path=f"/routing/dossiers/{second}/answer"),
            {**signed_answer(secret, second, refusal), "body": refusal.replace("refused", "granted")}):
        with pytest.raises(AuthenticationFailed) as refused:
            run(Deliveries, "receive_answer", command)
        assert refused.value.code == "BAD_SIGNATURE"
    assert store.snapshot() == before


def test_a_stale_future_forged_or_unsigned_answer_is_refused(run, ideas, store, clock):
    secret = greening_webhook(run)
    decide(run, received(run, ideas), scheme="greening_permit")
    reference = store.one("dossiers").reference
    now = int(clock().timestamp())  # the service's clock, not the wall's: a slow set-up must not move the edges
    before = store.snapshot()
    for command in (signed_answer(secret, reference, GRANTED, timestamp=now - 301),
                    signed_answer(secret, reference, GRANTED, timestamp=now - 3600),
                    signed_answer(secret, reference, GRANTED, timestamp=now + 120),
                    signed_answer("not-the-secret", reference, GRANTED),
                    {**signed_answer(secret, reference, GRANTED), "signature": ""},
                    {**signed_answer(secret, reference, GRANTED), "timestamp": ""},
                    # the format before method and path were signed: "<timestamp>.<body>"
                    {**signed_answer(secret, reference, GRANTED, timestamp=now),
                     "signature": domain.sign(secret, now, GRANTED.encode())}):
        with pytest.raises(AuthenticationFailed):
            run(Deliveries, "receive_answer", command)
    assert store.snapshot() == before


def test_a_refused_answer_body_leaves_the_signature_unspent(run, ideas, store):
    secret = greening_webhook(run)
    decide(run, received(run, ideas), scheme="greening_permit")
    reference = store.one("dossiers").reference
    empty = signed_answer(secret, reference, json.dumps({"answer": "  "}))
    with pytest.raises(InvalidInput):
        run(Deliveries, "receive_answer", empty)
    assert store.rows("received_answer_signatures") == [] and store.one("dossiers").status == "sent"


def test_answers_remembered_are_forgotten_once_too_old_to_be_accepted(run, ideas, store, clock):
    secret = greening_webhook(run)
    decide(run, received(run, ideas), scheme="greening_permit")
    reference = store.one("dossiers").reference
    run(Deliveries, "receive_answer", signed_answer(secret, reference, GRANTED))
    clock.advance(seconds=webhook_rules.ANSWER_MAX_AGE_SECONDS + 5)
    run(Deliveries, "receive_answer", signed_answer(secret, reference, GRANTED, timestamp=int(clock().timestamp())))
    [kept] = store.rows("received_answer_signatures")  # the first one was forgotten, the second remembered
    assert kept.expires_at.timestamp() > clock().timestamp()


# --- where a webhook may point (SSRF) -------------------------------------------------------------------

def test_ssrf_a_webhook_on_loopback_is_refused_at_save_without_the_allow_list(run, store, dns):
    before = store.snapshot()
    dns.names["localhost"] = ["127.0.0.1", "::1"]
    dns.names["rebind.example.org"] = ["93.184.215.14", "10.0.0.7"]  # one internal address is enough
    for url, host in (("http://127.0.0.1:8199/dossiers", "127.0.0.1"), ("http://localhost:8199/x", "localhost"),
                      ("https://[::1]/hook", "::1"), ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
                      ("https://metadata.google.internal/x", "metadata.google.internal"),
                      ("https://rebind.example.org/hook", "rebind.example.org")):
        with pytest.raises(InvalidInput) as refused:
            run(Catalogue, "update_scheme", ADMIN, {"code": "greening_permit", "webhook_url": url},
                settings=NO_ALLOW_LIST)
        [message] = refused.value.details["webhook_url"]
        assert message.startswith(f"« {host} »") and ("interdite" in message or "métadonnées" in message), message
    with pytest.raises(InvalidInput) as refused:
        run(Catalogue, "create_scheme", ADMIN, {"code": "compost", "name": "Compost", "direction": "DPE",
                                                "kind": "external", "delivery": "webhook",
                                                "webhook_url": "https://nowhere.paris.local/hook"})
    assert refused.value.details["webhook_url"] == ["« nowhere.paris.local » ne correspond à aucune adresse (DNS)."]
    assert store.snapshot() == before


def test_ssrf_a_local_receiver_is_accepted_when_the_allow_list_says_so(run, store):
    assert run(Catalogue, "update_scheme", ADMIN, {"code": "greening_permit",
                                                   "webhook_url": "http://127.0.0.1:8199/dossiers"})["webhook_url"]
    with pytest.raises(InvalidInput):  # the allow-list opens 127.0.0.0/8, not the private networks
        run(Catalogue, "update_scheme", ADMIN, {"code": "greening_permit", "webhook_url": "http://10.0.0.7/hook"})


def test_ssrf_a_saved_webhook_is_not_resolved_again_when_other_fields_change(run, store, dns):
    greening_webhook(run, "https://dossiers.example.org/hook")
    dns.names["dossiers.example.org"] = ["10.0.0.7"]  # its DNS changed since: each delivery refuses it
    dns.asked.clear()
    updated = run(Catalogue, "update_scheme", ADMIN, {"code": "greening_permit", "active": False})
    assert updated["active"] is False and dns.asked == []  # an admin can still deactivate it


# --- the one history ----------------------------------------------------------------------------------

def test_other_services_events_join_the_timeline_once(run, ideas, store):
    idea_id = received(run, ideas, title="Aménager le square", description="Installer des bancs.")
    decision = decide(run, idea_id, scheme="budget")
    project = str(uuid.uuid4())
    drafted = event_of("project_drafted", "budget", {"project_id": project, "cycle_id": "c", "origin_idea_id": idea_id,
                                                     "decision_id": decision["id"]},
                       {"kind": "budget_project", "id": project})
    assert run(History, "record_event", drafted) is True
    assert run(History, "record_event", drafted) is False  # redelivered
    submitted_event = event_of("project_submitted", "budget", {"project_id": project, "cycle_id": "c"},
                               {"kind": "budget_project", "id": project})
    assert run(History, "record_event", submitted_event) is True  # found through the link, without origin_idea_id
    won = event_of("results_published", "budget", {"cycle_id": "c", "winner_project_ids": [project]},
                   {"kind": "budget_cycle", "id": "c"})
    assert run(History, "record_event", won) is True
    unrelated = event_of("project_submitted", "budget", {"project_id": str(uuid.uuid4()), "cycle_id": "c"},
                         {"kind": "budget_project", "id": "x"})
    assert run(History, "record_event", unrelated) is False
    status = event_of("idea_status_changed", "ideas", {"idea_id": idea_id, "from_status": "submitted",
                                                       "status": "forwarded", "scheme": "budget"},
                      {"kind": "idea", "id": idea_id})
    assert run(History, "record_event", status) is True
    timeline = run(History, "idea_timeline", idea_id)
    assert [e["type"] for e in timeline["entries"]] == [
        "idea_submitted", "idea_routing_suggested", "idea_forwarded", "project_drafted", "project_submitted",
        "results_published", "idea_status_changed"]
    assert len(store.rows("trace_entries")) == 7
    assert all(entry["agent_note"] is None for entry in timeline["entries"])
    assert {e["correlation_id"] for e in timeline["entries"]} == {"req-citizen-click"}
    trace = run(History, "lookup", AGENT, "req-citizen-click")
    assert any(entry["agent_note"] for entry in trace["entries"])
    with pytest.raises(NotFound):
        run(History, "lookup", AGENT, "unknown-correlation")
    with pytest.raises(PermissionDenied):
        run(History, "lookup", CITIZEN, "req-citizen-click")


def test_an_idea_merged_in_the_ideas_service_leaves_the_open_inbox(run, ideas):
    idea_id = received(run, ideas)
    merged = event_of("idea_merged", "ideas", {"idea_id": idea_id, "merged_into": str(uuid.uuid4())},
                      {"kind": "idea", "id": idea_id})
    assert run(History, "record_event", merged)
    assert run(Inbox, "get_item", AGENT, idea_id)["status"] == "merged"


def test_the_personal_data_export_tells_how_the_ideas_were_routed(run, ideas):
    idea_id = received(run, ideas)
    decide(run, idea_id, scheme="greening_permit", message="Transmise à la DEVE.")
    export = run(PersonalData, "export_personal_data", AUTHOR)
    assert [i["idea_id"] for i in export["ideas"]] == [idea_id] and export["ideas"][0]["status"] == "forwarded"
    assert export["dossiers"][0]["reference"].startswith("DEVE-") and export["decisions_taken"] == []
    agent = run(PersonalData, "export_personal_data", AGENT["account_id"])
    assert agent["ideas"] == [] and agent["decisions_taken"][0]["message"] == "Transmise à la DEVE."
    json.dumps(export)  # plain JSON, ready for the gateway's download


def test_a_deleted_account_is_unlinked(run, ideas, store):
    idea_id = received(run, ideas)
    decide(run, idea_id, action="answer", message="C'est prévu.")
    deleted = event_of("account_deleted", "accounts", {"account_id": AUTHOR}, {"kind": "account", "id": AUTHOR})
    assert run(PersonalData, "forget_account", deleted)
    assert run(PersonalData, "forget_account", deleted) is False
    assert store.one("inbox_items").author_id is None
    agent_id = AGENT["account_id"]
    gone = event_of("account_deleted", "accounts", {"account_id": agent_id}, {"kind": "account", "id": agent_id})
    assert run(PersonalData, "forget_account", gone)
    assert store.one("decisions").actor_id is None
    notes = [row.agent_note or "" for row in store.rows("trace_entries")]
    assert not any(agent_id in note for note in notes) and any("(compte supprimé)" in note for note in notes)


# --- the catalogue --------------------------------------------------------------------------------------

def test_the_catalogue_is_seeded_and_published_as_open311(run, directions):
    codes = {scheme["code"] for scheme in run(Catalogue, "list_schemes")}
    assert codes == {"budget", "petition", "greening_permit", "street_report", "direct_answer", "volunteering"}
    services = {service["service_code"]: service for service in run(Catalogue, "open311_services")}
    assert services["greening_permit"]["group"] == directions.table()["DEVE"]
    assert services["greening_permit"]["metadata"] is True and "arbre" in services["greening_permit"]["keywords"]
    definition = run(Catalogue, "open311_definition", "street_report")
    assert [a["code"] for a in definition["attributes"]] == ["title", "arrondissement", "deadline_days"]
    with pytest.raises(NotFound):
        run(Catalogue, "open311_definition", "nope")


def test_admins_manage_schemes_with_every_error_at_once(run, store):
    created = run(Catalogue, "create_scheme", ADMIN, {
        "code": "compost", "name": "Composteurs de quartier", "direction": "DPE", "kind": "external",
        "delivery": "webhook", "webhook_url": "https://compost.paris.local/hook", "deadline_days": 20,
        "keywords": ["Composteur", "compost"]})
    assert created["webhook_secret"] and created["has_secret"] and created["keywords"] == ["composteur", "compost"]
    assert run(Catalogue, "get_scheme", "compost", ADMIN)["webhook_secret"] is None  # shown once only
    assert run(Catalogue, "get_scheme", "compost", ADMIN)["webhook_url"] == "https://compost.paris.local/hook"
    public = run(Catalogue, "get_scheme", "compost")
    assert public["webhook_url"] is None and public["has_secret"] is False  # where dossiers go: staff only
    with pytest.raises(Conflict):
        run(Catalogue, "create_scheme", ADMIN, {"code": "compost", "name": "X", "direction": "DPE",
                                                "kind": "internal", "delivery": "event", "deadline_days": 3})
    before = store.snapshot()
    with pytest.raises(InvalidInput) as refused:
        run(Catalogue, "create_scheme", ADMIN, {"code": "Bad Code", "name": " ", "direction": "DPE",
                                                "kind": "external", "delivery": "webhook", "webhook_url": "ftp://x",
                                                "deadline_days": 0})
    assert set(refused.value.details) == {"code", "name", "deadline_days", "webhook_url"}
    with pytest.raises(PermissionDenied):
        run(Catalogue, "create_scheme", AGENT, {"code": "x1", "name": "X", "direction": "DPE", "kind": "internal",
                                                "delivery": "event", "deadline_days": 3})
    assert store.snapshot() == before
    updated = run(Catalogue, "update_scheme", ADMIN, {"code": "compost", "active": False, "deadline_days": 10})
    assert updated["active"] is False and updated["deadline_days"] == 10 and updated["webhook_secret"] is None
    assert "compost" not in {s["code"] for s in run(Catalogue, "list_schemes")}
    assert "compost" in {s["code"] for s in run(Catalogue, "list_schemes", True)}


def test_a_webhook_that_always_fails_is_given_up_after_the_last_attempt_and_counted(run, ideas, store, clock):
    greening_webhook(run)
    decide(run, received(run, ideas), scheme="greening_permit")
    assert run(Deliveries, "given_up_counts") == {} and run(Deliveries, "failing_count") == 0
    for _attempt in range(IMMEDIATE.webhook_max_attempts):
        [claim] = run(Deliveries, "claim_due")
        assert run(Deliveries, "record_attempt", claim["id"], 503, None) is False
        if _attempt == 0:  # failed once, retried later: failing, not given up (the admins' "État du hub")
            assert run(Deliveries, "failing_count") == 1 and run(Deliveries, "given_up_counts") == {}
        clock.advance(hours=7)  # past the longest backoff
    assert run(Deliveries, "claim_due") == []  # no more calls
    assert run(Deliveries, "given_up_counts") == {"greening_permit": 1} and run(Deliveries, "failing_count") == 0
    assert store.one("webhook_deliveries").attempts == IMMEDIATE.webhook_max_attempts
    assert run(Deliveries, "record_attempt", claim["id"], 200, None) is True  # a delivery that succeeds after all leaves the count
    assert run(Deliveries, "given_up_counts") == {}


def test_the_given_up_gauge_follows_each_fresh_count_back_to_zero():
    from prometheus_client import REGISTRY

    from routing import business_metrics

    def gauge(scheme):
        return REGISTRY.get_sample_value("routing_webhook_deliveries_given_up", {"scheme": scheme})
    business_metrics.set_given_up({"greening_permit": 2, "street_report": 1})
    assert (gauge("greening_permit"), gauge("street_report")) == (2, 1)
    business_metrics.set_given_up({"street_report": 1})  # the greening dossiers were delivered after all
    assert (gauge("greening_permit"), gauge("street_report")) == (0, 1)


# --- agents act only on the ideas their direction owns ---------------------------------------------------

def _decide_command(idea_id: str, key: str) -> dict:
    return {"idea_id": idea_id, "action": "answer", "scheme": None, "message": "La DEVE s'en charge.",
            "reason_code": None, "duplicate_of": None, "idempotency_key": key}


ACTIONS_ON_AN_IDEA = {
    "decide": lambda idea_id: ("decide", _decide_command(idea_id, uuid.uuid4().hex)),
    "assign": lambda idea_id: ("assign", {"idea_id": idea_id, "agent_id": None, "direction": "DPE"}),
    "update_checklist": lambda idea_id: ("update_checklist", {"idea_id": idea_id, "values": {"investment": "no"}}),
}


@pytest.mark.parametrize("action", sorted(ACTIONS_ON_AN_IDEA))
def test_an_agent_of_another_direction_or_a_moderator_is_refused_and_nothing_is_written(run, ideas, store, action):
    idea_id = received(run, ideas)  # a greening idea: DEVE owns it
    before = store.snapshot()
    for outsider, code in ((DVD_AGENT, "OUTSIDE_DIRECTION"), ({**AGENT, "direction": None}, "OUTSIDE_DIRECTION"),
                           (MODERATOR, "FORBIDDEN")):
        method, command = ACTIONS_ON_AN_IDEA[action](idea_id)
        with pytest.raises(PermissionDenied) as refused:
            run(Decisions, method, outsider, command)
        assert refused.value.code == code and refused.value.details == {"direction": "DEVE"}
        assert "direction DEVE" in refused.value.message
    assert store.snapshot() == before


@pytest.mark.parametrize("action", sorted(ACTIONS_ON_AN_IDEA))
@pytest.mark.parametrize("who", ["owning agent", "admin"])
def test_an_agent_of_the_owning_direction_or_an_admin_acts(run, ideas, store, action, who):
    idea_id = received(run, ideas)
    method, command = ACTIONS_ON_AN_IDEA[action](idea_id)
    result = run(Decisions, method, AGENT if who == "owning agent" else ADMIN, command, settings=WITH_UNDO)
    item = run(Inbox, "get_item", ADMIN, idea_id)
    if action == "decide":
        assert result["state"] == "pending" and item["status"] == "pending"
    elif action == "assign":
        assert item["direction"] == "DPE" and store.events("idea_assigned")
    else:
        assert {c["code"]: c["value"] for c in item["checklist"]}["investment"] == "no"


def test_undo_stays_with_the_owning_direction(run, ideas, store):
    idea_id = received(run, ideas)
    decision = run(Decisions, "decide", AGENT, _decide_command(idea_id, "undo-key-000001"), settings=WITH_UNDO)
    before = store.snapshot()
    for outsider, code in (({**AGENT, "direction": "DVD"}, "OUTSIDE_DIRECTION"),
                           ({**MODERATOR, "account_id": AGENT["account_id"]}, "FORBIDDEN")):
        with pytest.raises(PermissionDenied) as refused:
            run(Decisions, "undo", outsider, decision["id"], settings=WITH_UNDO)
        assert refused.value.code == code
    assert store.snapshot() == before
    assert run(Decisions, "undo", ADMIN, decision["id"], settings=WITH_UNDO)["state"] == "cancelled"
