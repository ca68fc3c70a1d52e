"""The petitions' personal events (events.PERSONAL_EVENTS), for each person's own space: `petition_sponsored` when a
co-sponsorship is recorded, `petition_signatures_recorded` next to each `petition_signed` naming the accounts whose
signature the transaction recorded and counted; `petition_signed` still names nobody (SQLite and PostgreSQL, real
Redis)."""
import json
import uuid

import pytest

from hubkit.errors import Conflict, HubError
from petitions import events
from tests.fakes.actors import citizen_actor

from .test_handlers import forwarded, ideas_holding
from .test_signing import DRAFT, citizens, item, opened, run  # noqa: F401


def a_draft(run, accounts) -> dict:
    [author] = citizens(accounts, 1)
    return {**run("draft_petition", citizen_actor(author), DRAFT), "author": author}


def recorded(store, petition_id: str) -> list:
    return [e for e in store.events("petition_signatures_recorded") if e["payload"]["petition_id"] == petition_id]


# --- co-sponsorship ----------------------------------------------------------------------------------------------

def test_a_co_sponsorship_is_one_event_naming_the_co_sponsor(run, store, accounts):
    draft = a_draft(run, accounts)
    sponsor, other = citizens(accounts, 2)
    run("sponsor", citizen_actor(sponsor), draft["sponsor_token"])
    [sponsored] = store.events("petition_sponsored")
    assert (sponsored["version"], sponsored["subject"], sponsored["actor"], sponsored["payload"]) == (
        1, {"kind": "petition", "id": draft["id"]}, {"account_id": sponsor, "role": "citizen"},
        {"petition_id": draft["id"]})
    before = store.snapshot()
    for refused_actor, code in ((sponsor, "ALREADY_SPONSORED"), (draft["author"], "OWN_PETITION")):
        with pytest.raises(Conflict) as refused:
            run("sponsor", citizen_actor(refused_actor), draft["sponsor_token"])
        assert refused.value.code == code
    assert store.snapshot() == before  # a refused co-sponsorship emits nothing
    run("sponsor", citizen_actor(other), draft["sponsor_token"])
    assert [e["actor"]["account_id"] for e in store.events("petition_sponsored")] == [sponsor, other]


def test_a_petition_from_an_idea_names_the_idea_in_its_personal_events(run, store, accounts):
    [author] = citizens(accounts, 1)
    idea_id = str(uuid.uuid4())
    assert run("draft_from_forwarded_idea", forwarded(idea_id, author), ideas_holding(idea_id)) is True
    [drafted] = store.events("petition_drafted")
    petition_id = drafted["payload"]["petition_id"]
    token = run("get_petition", petition_id, citizen_actor(author))["sponsor_token"]
    [sponsor, signer] = citizens(accounts, 2)
    run("sponsor", citizen_actor(sponsor), token)
    [sponsored] = store.events("petition_sponsored")
    assert sponsored["payload"] == {"petition_id": petition_id, "origin_idea_id": idea_id}
    run("submit", citizen_actor(author), petition_id)
    run("publish", {"account_id": str(uuid.uuid4()), "roles": ["citizen", "moderator"]},
        {"petition_id": petition_id, "threshold": None, "eligibility": None})
    run("sign_batch", [item(signer, petition_id)])
    [signed] = recorded(store, petition_id)
    assert signed["payload"] == {"petition_id": petition_id, "origin_idea_id": idea_id, "account_ids": [signer],
                                 "notify_account_ids": [], "signatures_count": 1}


# --- signatures --------------------------------------------------------------------------------------------------

def test_a_batch_names_only_the_signatures_recorded_and_counted(run, store, accounts):
    petition_id, residents_only = opened(run, accounts), opened(run, accounts, eligibility="paris_residents")
    good, again, outsider, unverified, other = citizens(accounts, 5)
    accounts.add(outsider, "Hors Paris", lives_in_paris=False)
    accounts.add(unverified, "Pas vérifié", email_verified=False)
    run("sign", citizen_actor(again), {"petition_id": petition_id, "connection": {"lives": True}, "notify": False,
                                 "client": {"ip": "198.51.100.1"}})
    [earlier] = recorded(store, petition_id)
    assert earlier["payload"] == {"petition_id": petition_id, "account_ids": [again], "notify_account_ids": [],
                                 "signatures_count": 1}
    assert earlier["actor"] == {"account_id": None, "role": "citizen"}
    outcomes = run("sign_batch", [
        item(good, petition_id, "req-0"),
        item(again, petition_id, "req-1"),  # already signed
        item(outsider, residents_only, "req-2"),  # not eligible
        item(unverified, petition_id, "req-3"),  # e-mail not verified
        item(str(uuid.uuid4()), petition_id, "req-4"),  # unknown to accounts
        item(good, petition_id, "req-5", connection={}),  # a double click
        item(other, petition_id, "req-6"),
    ])
    assert [isinstance(outcome, HubError) for outcome in outcomes] == [False, True, True, True, True, True, False]
    [_, batch] = recorded(store, petition_id)
    assert batch["payload"] == {"petition_id": petition_id, "account_ids": sorted([good, other]),
                                "notify_account_ids": [], "signatures_count": 3}
    [signed] = [e for e in store.events("petition_signed") if e["correlation_id"] == "req-0"]
    assert signed["payload"] == {"petition_id": petition_id, "signatures_count": 3, "count": 2}
    assert batch["correlation_id"] == "req-0" and batch["causation_id"] == signed["causation_id"]
    assert recorded(store, residents_only) == []  # nothing recorded there: no event
    for anonymous in store.events("petition_signed"):  # the anonymous event is unchanged: nobody in it
        text = json.dumps(anonymous)
        assert anonymous["actor"]["account_id"] is None
        assert not any(account_id in text for account_id in (good, again, outsider, unverified, other))


def test_each_petition_of_a_batch_has_its_own_event_with_its_signers(run, store, accounts):
    first, second = opened(run, accounts), opened(run, accounts)
    alix, bao, camille = citizens(accounts, 3)
    run("sign_batch", [item(alix, first), item(bao, second), item(camille, first), item(alix, second)])
    assert [e["payload"] for e in recorded(store, first)] == [
        {"petition_id": first, "account_ids": sorted([alix, camille]), "notify_account_ids": [],
         "signatures_count": 2}]
    assert [e["payload"] for e in recorded(store, second)] == [
        {"petition_id": second, "account_ids": sorted([alix, bao]), "notify_account_ids": [],
         "signatures_count": 2}]


def test_the_signers_who_asked_to_be_told_are_named_among_the_signers(run, store, accounts):
    """« Être informé·e » ticked: the signer is named in `notify_account_ids` too (notifications tells them of the
    petition's steps); not ticked: in `account_ids` only."""
    petition_id = opened(run, accounts)
    told, quiet = citizens(accounts, 2)
    run("sign_batch", [item(told, petition_id, notify=True), item(quiet, petition_id, notify=False)])
    [batch] = recorded(store, petition_id)
    assert batch["payload"]["account_ids"] == sorted([told, quiet])
    assert batch["payload"]["notify_account_ids"] == [told]


def test_a_retried_signature_is_not_named_again(run, store, accounts):
    petition_id = opened(run, accounts)
    [signer] = citizens(accounts, 1)
    [first] = run("sign_batch", [item(signer, petition_id, idempotency_key="lost-answer")])
    [again] = run("sign_batch", [item(signer, petition_id, idempotency_key="lost-answer")])
    assert again == first
    assert [e["payload"]["account_ids"] for e in recorded(store, petition_id)] == [[signer]]


def test_more_than_500_signers_of_one_petition_in_a_batch_make_events_of_500_at_most(run, store, accounts):
    petition_id = opened(run, accounts)
    signers = citizens(accounts, 620)
    outcomes = run("sign_batch", [item(signer, petition_id, ip=f"10.0.{number // 200}.{number % 200}")
                                  for number, signer in enumerate(signers)])
    assert not any(isinstance(outcome, HubError) for outcome in outcomes)
    events_of_the_batch = recorded(store, petition_id)
    named = [account_id for event in events_of_the_batch for account_id in event["payload"]["account_ids"]]
    assert [len(event["payload"]["account_ids"]) for event in events_of_the_batch] == [500, 120]
    assert named == sorted(signers) and len(set(named)) == 620
    assert {event["payload"]["signatures_count"] for event in events_of_the_batch} == {620}
    [signed] = store.events("petition_signed")
    assert signed["payload"]["count"] == 620


def test_the_personal_types_are_declared():
    assert events.PERSONAL_EVENTS == {"petition_sponsored", "petition_signatures_recorded",
                                      "petition_signatures_invalidated"}
    assert [len(chunk) for chunk in events.account_id_chunks(str(n) for n in range(1001))] == [500, 500, 1]
    assert events.account_id_chunks(["b", "a", "b"]) == [["a", "b"]] and events.account_id_chunks([]) == []
