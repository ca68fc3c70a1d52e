"""The action door « Agir »: a citizen's direct request opens a dossier as a forwarded idea does (reference, history,
event, signed webhook retried, or e-mail); who may ask, hostile input and forged references are refused with nothing
written. Use cases on a real database (SQLite and PostgreSQL)."""
import json
import re
import time
from datetime import datetime, timedelta, timezone

import pytest

from hubkit.errors import InvalidInput, NotFound, PermissionDenied
from routing.domain import actions as rules_of
from routing.domain import webhooks as webhook_rules
from routing.handlers import Catalogue, Context, Deliveries
from routing.handlers.actions import DirectRequests
from routing.settings import Settings

pytestmark = pytest.mark.usefixtures("dns")

CITIZEN = {"account_id": "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11", "roles": ["citizen"], "direction": None}
NEIGHBOUR = {"account_id": "9e8d7c6b-5a49-4382-8170-6f5e4d3c2b1a", "roles": ["citizen"], "direction": None}
ADMIN = {"account_id": "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9", "roles": ["citizen", "admin"], "direction": None}
PARISIAN = {"email_verified": True, "lives_in_paris": True}
SETTINGS = Settings(undo_seconds=0, webhook_backoff_seconds=10, allow_plain_http=True,
                    webhook_allowed_networks=webhook_rules.parse_allowed_networks("127.0.0.0/8"))


class Clock:
    def __init__(self):
        self.now = datetime.now(timezone.utc).replace(microsecond=0)

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def run(store, directions, clock):
    def run(cls, method, *args):
        with store.uow() as uow:
            return getattr(cls(Context(uow, SETTINGS, directions, clock)), method)(*args)
    return run


def greening(**changes) -> dict:
    return {"scheme": "greening_permit", "title": "Jardinière devant l'école Manin",
            "description": "Une jardinière de fleurs vivaces au pied du platane, entretenue par les parents.",
            "arrondissement": 19, "location": "Devant l'école, 12 rue Manin",
            "fields": {"support": "planter", "upkeep": True}, "idempotency_key": None, **changes}


def open_dossier(run, command=None, actor=CITIZEN, attributes=PARISIAN) -> dict:
    return run(DirectRequests, "open_dossier", actor, command or greening(), attributes)


def test_the_action_schemes_are_the_external_schemes_with_a_form(run):
    schemes = {scheme["code"]: scheme for scheme in run(DirectRequests, "action_schemes")}
    assert set(schemes) == {"greening_permit", "street_report", "volunteering"}
    greening_permit = schemes["greening_permit"]
    assert greening_permit["eligibility"] == rules_of.PARIS_RESIDENTS and "Paris" in greening_permit["who_may_ask"]
    assert [field["key"] for field in greening_permit["fields"]] == ["fields.support", "fields.upkeep"]
    assert schemes["volunteering"]["eligibility"] == rules_of.ANYONE
    for code in ("budget", "direct_answer", "no_such_scheme"):  # internal, or unknown: no door « Agir » to it
        with pytest.raises(NotFound):
            run(DirectRequests, "action_scheme", code)


def test_a_greening_request_opens_a_dossier_delivered_by_signed_webhook_with_its_history(run, store, clock):
    secret = run(Catalogue, "update_scheme", ADMIN, {"code": "greening_permit", "rotate_secret": True,
                                                      "webhook_url": "http://127.0.0.1:9/dossiers"})["webhook_secret"]
    dossier = open_dossier(run)
    assert dossier["reference"].startswith(f"DEVE-{clock.now.year}-") and dossier["status"] == "sent"
    assert dossier["subject_kind"] == "direct_request" and dossier["idea_id"] is None
    assert [entry["type"] for entry in dossier["trace"]] == ["dossier_created"]
    [event] = store.events("dossier_created")
    assert event["subject"]["kind"] == "direct_request" and event["actor"] == {"account_id": CITIZEN["account_id"],
                                                                                 "role": "citizen"}
    assert event["payload"]["subject_kind"] == "direct_request" and event["payload"]["idea_id"] is None
    assert event["payload"]["requester_id"] == CITIZEN["account_id"]
    assert "Manin" not in json.dumps(event)  # the request's text (and its place) is the scheme's, not the bus's
    [claim] = run(Deliveries, "claim_due")
    document = json.loads(claim["body"])
    assert document["reference"] == dossier["reference"] and document["location"] == "Devant l'école, 12 rue Manin"
    assert {"code": "support", "label": "Ce que vous souhaitez végétaliser", "value": "planter",
            "value_label": "Une jardinière ou un bac"} in document["fields"]
    assert Deliveries.signed_headers(claim, now=1767225600)["X-Hub-Signature-256"] == webhook_rules.sign(
        secret, 1767225600, claim["body"].encode())
    assert run(Deliveries, "record_attempt", claim["id"], 503, None) is False  # retried later, with backoff
    delayed = run(DirectRequests, "dossier", CITIZEN, dossier["reference"])
    assert delayed["delivery_state"] == "delayed" and delayed["next_attempt_at"] > clock.now
    # the failure is the agents' business (a number of its own: a timestamp's microseconds may hold 503)
    assert not re.search(r"(?<!\d)503(?!\d)", repr(delayed)) and delayed.get("last_error") is None
    clock.now += timedelta(seconds=11)
    [claim] = run(Deliveries, "claim_due")
    assert run(Deliveries, "record_attempt", claim["id"], 200, None) is True
    assert run(DirectRequests, "dossier", CITIZEN, dossier["reference"])["status"] == "delivered"
    # the scheme answers, signed: on the request's own history
    body = json.dumps({"answer": "Permis accordé.", "status": "granted"})
    timestamp = int(time.time())
    path = webhook_rules.answer_path(dossier["reference"])
    run(Deliveries, "receive_answer", {"reference": dossier["reference"], "body": body, "timestamp": str(timestamp),
                                       "signature": webhook_rules.sign_answer(secret, "POST", path, timestamp,
                                                                              body.encode())})
    answered = run(DirectRequests, "dossier", CITIZEN, dossier["reference"])
    assert answered["status"] == "answered" and answered["answer"] == "Permis accordé."
    assert [entry["type"] for entry in answered["trace"]] == ["dossier_created", "dossier_answered"]
    assert store.events("dossier_answered")[0]["subject"]["kind"] == "direct_request"


def test_a_scheme_delivered_by_email_gets_the_request_by_mail(run, store):
    dossier = open_dossier(run, {"scheme": "volunteering", "title": "Aider aux maraudes",
                                 "description": "Je voudrais aider aux maraudes du samedi soir.", "arrondissement": 11,
                                 "fields": {"field": "solidarity", "availability": "le samedi soir"}},
                           attributes={"email_verified": True, "lives_in_paris": False})
    assert dossier["status"] == "delivered" and dossier["reference"].startswith("DDCT-")
    [mail] = store.rows("outgoing_mails")
    assert mail.recipient == "benevolat@paris.local" and dossier["reference"] in mail.subject
    assert "Solidarité (maraudes, aide alimentaire)" in mail.body and "le samedi soir" in mail.body
    assert CITIZEN["account_id"] not in mail.body and store.rows("webhook_deliveries") == []


@pytest.mark.parametrize("changes, field", [
    ({"title": "   "}, "title"),
    ({"title": "x" * 141}, "title"),
    ({"description": "trop court"}, "description"),
    ({"arrondissement": 21}, "arrondissement"),
    ({"arrondissement": None}, "arrondissement"),
    ({"location": "l" * 201}, "location"),
    ({"fields": {"support": "rooftop", "upkeep": True}}, "fields.support"),
    ({"fields": {"support": "planter"}}, "fields.upkeep"),  # the upkeep commitment is required
    ({"fields": {"support": "planter", "upkeep": "oui"}}, "fields.upkeep"),
    ({"fields": {"support": ["planter"], "upkeep": True}}, "fields.support"),
    ({"fields": {"support": "planter", "upkeep": True, "owner_email": "a@b.fr"}}, "fields"),
])
def test_hostile_input_is_refused_field_by_field_and_nothing_is_written(run, store, changes, field):
    before = store.snapshot()
    with pytest.raises(InvalidInput) as refused:
        open_dossier(run, greening(**changes))
    assert field in refused.value.details and all(refused.value.details[field])
    assert store.snapshot() == before


def test_every_broken_field_is_named_at_once(run):
    with pytest.raises(InvalidInput) as refused:
        open_dossier(run, greening(title="", description="", arrondissement=0, fields={}))
    assert {"title", "description", "arrondissement", "fields.support", "fields.upkeep"} <= set(refused.value.details)


@pytest.mark.parametrize("attributes, code", [
    ({"email_verified": True, "lives_in_paris": False}, "NOT_ELIGIBLE"),
    ({"email_verified": False, "lives_in_paris": True}, "EMAIL_NOT_VERIFIED"),
])
def test_who_may_not_ask_is_refused_and_nothing_is_written(run, store, attributes, code):
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as refused:
        open_dossier(run, attributes=attributes)
    assert refused.value.code == code and store.snapshot() == before


def test_a_non_action_scheme_is_not_found_and_nothing_is_written(run, store):
    run(Catalogue, "update_scheme", ADMIN, {"code": "street_report", "active": False})
    before = store.snapshot()
    for code in ("budget", "petition", "direct_answer", "nope", "street_report"):  # the last one is inactive
        with pytest.raises(NotFound):
            open_dossier(run, greening(scheme=code))
    assert store.snapshot() == before


def test_the_same_form_sent_twice_opens_one_dossier_and_its_token_is_no_one_elses(run, store):
    key = "4f7c2e1a-9b3d-4e8f-a6c5-1d2e3f4a5b6c"
    first = open_dossier(run, greening(idempotency_key=key))
    assert open_dossier(run, greening(idempotency_key=key))["reference"] == first["reference"]
    assert len(store.rows("dossiers")) == 1 and len(store.events("dossier_created")) == 1
    # another person sending the same token (copied, or forged) opens their own dossier, never reads the first
    theirs = open_dossier(run, greening(idempotency_key=key), actor=NEIGHBOUR)
    assert theirs["reference"] != first["reference"] and len(store.rows("dossiers")) == 2


def test_a_person_reads_their_own_dossiers_only(run):
    mine = open_dossier(run)
    theirs = open_dossier(run, actor=NEIGHBOUR)
    assert [d["reference"] for d in run(DirectRequests, "my_dossiers", CITIZEN)] == [mine["reference"]]
    listed = run(DirectRequests, "my_dossiers", NEIGHBOUR)[0]
    assert listed["title"] == "Jardinière devant l'école Manin" and listed["scheme_name"] == "Permis de végétaliser"
    for reference in (theirs["reference"], "DEVE-2026-999999"):  # another's reference, or a forged one
        with pytest.raises(NotFound):
            run(DirectRequests, "dossier", CITIZEN, reference)


def test_a_deleted_account_is_no_longer_linked_to_its_requests(run, store):
    dossier = open_dossier(run)
    assert run(DirectRequests, "export", CITIZEN["account_id"])[0]["reference"] == dossier["reference"]
    run(DirectRequests, "forget", CITIZEN["account_id"])
    assert store.one("dossiers").requester_id is None and run(DirectRequests, "my_dossiers", CITIZEN) == []
    assert run(DirectRequests, "export", CITIZEN["account_id"]) == []


def test_the_domain_s_field_rules():
    consent = {"code": "upkeep", "kind": "consent", "required": True}
    assert rules_of.check_answer(consent, True) is True
    choice = {"code": "c", "kind": "choice", "choices": [{"code": "a", "label": "A"}]}
    assert rules_of.check_answer(choice, " a ") == "a" and rules_of.answer_label(choice, "a") == "A"
    assert rules_of.check_answer({"code": "t", "kind": "text"}, "  ") is None
    assert rules_of.check_location("  ") is None
    with pytest.raises(rules_of.RuleBroken):
        rules_of.check_arrondissement(True)  # a boolean is no arrondissement
