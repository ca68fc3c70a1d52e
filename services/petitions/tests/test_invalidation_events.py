"""The personal event `petition_signatures_invalidated` (events.PERSONAL_EVENTS): next to each `signatures_invalidated`,
in the same transaction, the accounts whose signatures that moderator's action struck out, and nobody else; nothing
for a refused action (SQLite and PostgreSQL, real Redis)."""
import json

import pytest

from hubkit.errors import Conflict, HubError, InvalidInput, PermissionDenied
from hubkit.validation import load
from petitions import schemas
from petitions.handlers import Context
from petitions.handlers.common import utcnow

from .test_fraud import FARM, HOME, MODERATOR, REASON, invalidation, petition, run  # noqa: F401
from . import test_signing


def invalidated_events(store) -> list:
    return store.events("petition_signatures_invalidated")


def test_the_event_names_exactly_the_accounts_whose_signatures_were_invalidated(run, store, petition):
    run("invalidate_signatures", MODERATOR, invalidation(petition["id"], ip=FARM))
    [public] = store.events("signatures_invalidated")
    [personal] = invalidated_events(store)
    farm = sorted(signer["account_id"] for signer in petition["signers"][:4])
    assert (personal["version"], personal["subject"], personal["payload"]) == (
        1, {"kind": "petition", "id": petition["id"]}, {"petition_id": petition["id"], "account_ids": farm})
    assert personal["actor"] == public["actor"] == {"account_id": MODERATOR["account_id"], "role": "moderator"}
    dumped = json.dumps(personal)
    assert petition["signers"][4]["account_id"] not in dumped and FARM not in dumped and REASON not in dumped
    assert "account_ids" not in public["payload"]  # the public event still names nobody


def test_a_second_action_names_only_the_signatures_it_struck_out(run, store, petition):
    run("invalidate_signatures", MODERATOR, invalidation(petition["id"], ip=FARM))
    ids = [row.id for row in store.rows("petition_signatures") if row.client_ip == HOME]
    run("invalidate_signatures", MODERATOR, invalidation(petition["id"], signature_ids=ids))
    first, second = invalidated_events(store)
    assert second["payload"]["account_ids"] == [petition["signers"][4]["account_id"]]
    assert not set(first["payload"]["account_ids"]) & set(second["payload"]["account_ids"])


def test_a_refused_invalidation_emits_nothing(run, store, petition):
    citizen = {"account_id": petition["signers"][0]["account_id"], "roles": ["citizen"]}
    with pytest.raises(PermissionDenied):
        run("invalidate_signatures", citizen, invalidation(petition["id"], ip=FARM))
    with pytest.raises(InvalidInput):
        run("invalidate_signatures", MODERATOR, {**invalidation(petition["id"], ip=FARM), "reason": "court"})
    with pytest.raises(InvalidInput):
        run("invalidate_signatures", MODERATOR, invalidation(petition["id"], signature_ids=[999_999]))
    with pytest.raises(Conflict):
        run("invalidate_signatures", MODERATOR, invalidation(petition["id"], ip="192.0.2.1"))
    assert invalidated_events(store) == [] and store.events("signatures_invalidated") == []
    run("invalidate_signatures", MODERATOR, invalidation(petition["id"], ip=FARM))
    with pytest.raises(Conflict):  # all already invalidated: nothing named twice
        run("invalidate_signatures", MODERATOR, invalidation(petition["id"], ip=FARM))
    assert len(invalidated_events(store)) == 1


def test_more_than_500_accounts_make_events_of_500_at_most(store, throttle, accounts, use_case):
    def call(method, *args):
        with store.uow() as uow:
            return use_case(Context(uow, throttle, accounts, test_signing.SETTINGS, utcnow), method)(*args)
    petition_id = test_signing.opened(call, accounts)
    signers = test_signing.citizens(accounts, 620)
    outcomes = call("sign_batch", [test_signing.item(signer, petition_id, ip=f"10.0.{number // 200}.{number % 200}")
                                   for number, signer in enumerate(signers)])
    assert not any(isinstance(outcome, HubError) for outcome in outcomes)
    ids = sorted(row.id for row in store.rows("petition_signatures"))
    for start in (0, 600):
        call("invalidate_signatures", MODERATOR, load(schemas.InvalidationSchema(), {
            "petition_id": petition_id, "reason": REASON, "signature_ids": ids[start:start + 600]}))
    named = [event["payload"]["account_ids"] for event in invalidated_events(store)]
    assert [len(chunk) for chunk in named] == [500, 100, 20]
    assert sorted(account for chunk in named for account in chunk) == sorted(signers)
    assert all(chunk == sorted(set(chunk)) for chunk in named)
