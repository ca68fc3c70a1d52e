"""A retried signature is not a new attempt: with its idempotency key, the same signature again answers the first
result (not 409 ALREADY_SIGNED) and writes and emits nothing (hubkit.idempotency), alone or twice in a batch, on
SQLite and PostgreSQL."""
import pytest

from hubkit.errors import IdempotencyKeyReused, InvalidInput

from .test_events import account_event
from .test_signing import citizens, item, opened, run  # noqa: F401


def counted(store) -> int:
    return sum(row.signatures for row in store.rows("petition_signature_counters"))


def test_the_same_key_twice_answers_the_first_result_and_signs_once(run, store, accounts):
    petition_id = opened(run, accounts)
    [signer] = citizens(accounts, 1)
    [first] = run("sign_batch", [item(signer, petition_id, idempotency_key="lost-answer-1")])
    # the retry may come from another address: the same signature all the same
    [again] = run("sign_batch", [item(signer, petition_id, ip="198.51.100.9", idempotency_key="lost-answer-1")])
    assert again == first and first["signed"] and first["signatures_count"] == 1
    assert len(store.rows("petition_signatures")) == 1 and counted(store) == 1
    assert len(store.events("petition_signed")) == 1
    [row] = store.rows("idempotency_keys")
    assert row.scope == f"sign_petition:{signer}"
    [unkeyed] = run("sign_batch", [item(signer, petition_id)])  # without a key, as before: already signed
    assert unkeyed.code == "ALREADY_SIGNED"


def test_a_key_twice_in_one_batch_gives_the_second_the_first_outcome(run, store, accounts):
    petition_id = opened(run, accounts)
    alix, bao = citizens(accounts, 2)
    outcomes = run("sign_batch", [item(alix, petition_id, idempotency_key="double-click"),
                                  item(bao, petition_id, idempotency_key="double-click"),
                                  item(alix, petition_id, idempotency_key="double-click")])
    assert outcomes[2] == outcomes[0] and [o["signatures_count"] for o in outcomes] == [1, 2, 1]
    [signed] = store.events("petition_signed")
    assert signed["payload"]["count"] == 2 and counted(store) == 2


def test_a_key_reused_for_another_signature_is_refused_and_writes_nothing(run, store, accounts):
    first_petition, second_petition = opened(run, accounts), opened(run, accounts)
    [signer] = citizens(accounts, 1)
    run("sign_batch", [item(signer, first_petition, idempotency_key="one-key")])
    before = store.snapshot()
    [reused] = run("sign_batch", [item(signer, second_petition, idempotency_key="one-key")])
    assert isinstance(reused, IdempotencyKeyReused) and store.snapshot() == before
    [other_choice] = run("sign_batch", [item(signer, first_petition, notify=True, idempotency_key="one-key")])
    assert isinstance(other_choice, IdempotencyKeyReused)


def test_another_account_with_the_same_key_signs_for_itself(run, store, accounts):
    petition_id = opened(run, accounts)
    alix, bao = citizens(accounts, 2)
    [mine] = run("sign_batch", [item(alix, petition_id, idempotency_key="shared-key")])
    [theirs] = run("sign_batch", [item(bao, petition_id, idempotency_key="shared-key")])
    assert (mine["signatures_count"], theirs["signatures_count"]) == (1, 2)
    assert len(store.rows("idempotency_keys")) == 2 and counted(store) == 2


def test_a_refused_signature_keeps_no_key(run, store, accounts):
    petition_id = opened(run, accounts)
    [signer] = citizens(accounts, 1)
    run("sign_batch", [item(signer, petition_id)])
    [refused] = run("sign_batch", [item(signer, petition_id, idempotency_key="after-the-fact")])
    assert refused.code == "ALREADY_SIGNED" and store.rows("idempotency_keys") == []


@pytest.mark.parametrize("key", ["", "k" * 65, "deux mots", "é", 42])
def test_a_malformed_key_is_refused_as_bad_input(run, accounts, key):
    petition_id = opened(run, accounts)
    [signer] = citizens(accounts, 1)
    [refused] = run("sign_batch", [item(signer, petition_id, idempotency_key=key)])
    assert isinstance(refused, InvalidInput) and "idempotency_key" in refused.details


def test_erasing_an_account_deletes_its_keys(run, store, accounts):
    petition_id = opened(run, accounts)
    alix, bao = citizens(accounts, 2)
    run("sign_batch", [item(alix, petition_id, idempotency_key="alix-key"),
                       item(bao, petition_id, idempotency_key="bao-key")])
    assert run("forget_account", account_event("account_deleted", alix)) is True
    assert [row.scope for row in store.rows("idempotency_keys")] == [f"sign_petition:{bao}"]
