"""A retried ballot is not a new ballot: with its idempotency key, the same ballot again gets the first receipt and
casts and emits nothing (hubkit.idempotency), alone or in a batch, on SQLite and PostgreSQL."""
import uuid

import pytest
from budget.schemas import dump_ballot_receipt
from hubkit.envelope import make_event
from hubkit.errors import IdempotencyKeyReused, InvalidInput

from .test_batch_voting import entry
from .test_handlers import ballot, run, vote_cycle, voter  # noqa: F401


def cast_once(run, accounts, entries):
    """The batch as the service applies it: keyed ballots once, answers in their wire form."""
    voters = [str(e[1]["account_id"]) for e in entries if not isinstance(e, Exception)]
    attributes = {found["account_id"]: found
                  for found in accounts.eligibility_attributes_many({"account_ids": voters})} if voters else {}
    return run("cast_ballots_once", entries, attributes, dump_ballot_receipt)


def keyed(command: dict, key: str) -> dict:
    return {**command, "idempotency_key": key}


def test_the_same_key_twice_answers_the_first_receipt_and_casts_once(run, store, accounts, voter, vote_cycle):
    alix = voter()
    command = keyed(ballot(vote_cycle, paris=("P1",)), "retry-after-a-lost-answer")
    [first] = cast_once(run, accounts, [entry(alix, command)])
    [again] = cast_once(run, accounts, [entry(alix, command)])
    assert again == first and first["replaced"] is False
    assert len(store.rows("budget_ballots")) == 1 and len(store.rows("budget_replaced_receipts")) == 0
    assert len(store.events("ballot_cast")) == 1
    assert run("check_receipt", {"cycle_id": vote_cycle["id"], "receipt": first["receipt"]})["status"] == "recorded"
    assert run("my_ballot", alix, vote_cycle["id"])["changes"] == 0
    [row] = store.rows("idempotency_keys")
    assert row.scope == f"cast_ballot:{alix['account_id']}" and row.key == "retry-after-a-lost-answer"


def test_a_single_ballot_call_is_keyed_too(run, store, voter, vote_cycle):
    alix = voter()
    command = keyed(ballot(vote_cycle, paris=("P2",)), "single-call")
    first = run("cast_ballot", alix, command, dump=dump_ballot_receipt)
    assert run("cast_ballot", alix, command, dump=dump_ballot_receipt) == first
    assert len(store.events("ballot_cast")) == 1 and len(store.rows("budget_ballots")) == 1


def test_a_key_twice_in_one_batch_gives_the_second_the_first_outcome(run, store, accounts, voter, vote_cycle):
    alix, bao = voter(), voter()
    command = keyed(ballot(vote_cycle, paris=("P1",)), "double-click")
    outcomes = cast_once(run, accounts, [entry(alix, command), entry(bao, ballot(vote_cycle, paris=("P2",))),
                                         entry(alix, command)])
    assert outcomes[2] == outcomes[0] and outcomes[0]["replaced"] is False
    [cast_event] = store.events("ballot_cast")
    assert cast_event["payload"]["count"] == 2
    assert run("my_ballot", alix, vote_cycle["id"])["changes"] == 0


def test_a_key_reused_for_another_ballot_is_refused_and_writes_nothing(run, store, accounts, voter, vote_cycle):
    alix = voter()
    [first] = cast_once(run, accounts, [entry(alix, keyed(ballot(vote_cycle, paris=("P1",)), "same-key"))])
    before = store.snapshot()
    [reused] = cast_once(run, accounts, [entry(alix, keyed(ballot(vote_cycle, paris=("P3",)), "same-key"))])
    assert isinstance(reused, IdempotencyKeyReused) and reused.code == "IDEMPOTENCY_KEY_REUSED"
    assert store.snapshot() == before
    assert run("my_ballot", alix, vote_cycle["id"])["paris_projects"] == first["paris_projects"]
    # in one batch: the second item with the key and another ballot is refused, the first cast
    bao = voter()
    outcomes = cast_once(run, accounts, [entry(bao, keyed(ballot(vote_cycle, paris=("P2",)), "bao-key")),
                                         entry(bao, keyed(ballot(vote_cycle, paris=("P3",)), "bao-key"))])
    assert outcomes[0]["paris_projects"] == [vote_cycle["P2"]] and isinstance(outcomes[1], IdempotencyKeyReused)


def test_another_account_with_the_same_key_casts_its_own_ballot(run, store, accounts, voter, vote_cycle):
    alix, bao = voter(), voter()
    command = keyed(ballot(vote_cycle, paris=("P1",)), "a-common-key")
    [mine] = cast_once(run, accounts, [entry(alix, command)])
    [theirs] = cast_once(run, accounts, [entry(bao, command)])
    assert theirs["receipt"] != mine["receipt"]
    assert len(store.rows("budget_ballots")) == 2 and len(store.rows("idempotency_keys")) == 2


def test_a_refused_ballot_keeps_no_key_and_a_new_ballot_needs_a_new_key(run, store, accounts, voter, vote_cycle):
    alix, outsider = voter(), voter(lives_in_paris=False)
    [refused] = cast_once(run, accounts, [entry(outsider, keyed(ballot(vote_cycle, paris=("P1",)), "refused"))])
    assert refused.code == "NOT_ELIGIBLE" and store.rows("idempotency_keys") == []
    [first] = cast_once(run, accounts, [entry(alix, keyed(ballot(vote_cycle, paris=("P1",)), "first-key"))])
    [changed] = cast_once(run, accounts, [entry(alix, keyed(ballot(vote_cycle, paris=("P2",)), "second-key"))])
    assert changed["replaced"] is True and changed["receipt"] != first["receipt"]
    assert len(store.events("ballot_cast")) == 2
    [unkeyed] = cast_once(run, accounts, [entry(alix, ballot(vote_cycle, paris=("P3",)))])  # as before
    assert unkeyed["replaced"] is True and len(store.rows("idempotency_keys")) == 2


@pytest.mark.parametrize("key", ["", "a" * 65, "avec espace", "clé", "x;drop"])
def test_a_malformed_key_is_refused_as_bad_input(run, accounts, voter, vote_cycle, key):
    [refused] = cast_once(run, accounts, [entry(voter(), keyed(ballot(vote_cycle, paris=("P1",)), key))])
    assert isinstance(refused, InvalidInput) and "idempotency_key" in refused.details


def test_erasing_an_account_deletes_its_keys_and_the_receipts_they_keep(run, store, accounts, voter, vote_cycle):
    alix, bao = voter(), voter()
    cast_once(run, accounts, [entry(alix, keyed(ballot(vote_cycle, paris=("P1",)), "alix-key")),
                              entry(bao, keyed(ballot(vote_cycle, paris=("P1",)), "bao-key"))])
    chain = str(uuid.uuid4())
    envelope = make_event(type="account_deleted", version=1, producer="accounts",
                          subject={"kind": "account", "id": alix["account_id"]},
                          payload={"account_id": alix["account_id"]}, correlation_id=chain, causation_id=chain)
    assert run("forget_account", envelope) is True
    assert [row.scope for row in store.rows("idempotency_keys")] == [f"cast_ballot:{bao['account_id']}"]
