"""petitions_signatures_total counts each signature written once, after its commit, by arrondissement (the
petition's, else the signer's, else "paris"): an idempotent replay, a refusal or a rolled-back transaction adds
nothing, and no input makes a new label. petitions_thresholds_reached_total counts each crossing once."""
import pytest
from prometheus_client import REGISTRY

from petitions.business_metrics import ARRONDISSEMENT_LABELS, arrondissement_label
from petitions.handlers import Context

from .test_signing import DRAFT, MODERATOR, SETTINGS, citizens, item, opened, run  # noqa: F401


def signatures(arrondissement: str) -> float:
    return REGISTRY.get_sample_value("petitions_signatures_total", {"arrondissement": arrondissement})


def thresholds_reached() -> float:
    return REGISTRY.get_sample_value("petitions_thresholds_reached_total") or 0


def city_wide(run, accounts) -> str:
    """An open petition about Paris as a whole (no arrondissement)."""
    [author] = citizens(accounts, 1)
    author_actor = {"account_id": author, "roles": ["citizen"]}
    draft = run("draft_petition", author_actor, {**DRAFT, "arrondissement": None})
    run("submit", author_actor, draft["id"])
    return run("publish", MODERATOR, {"petition_id": draft["id"], "threshold": None, "eligibility": None})["id"]


def test_every_arrondissement_label_exists_from_the_start_and_no_other():
    assert len(ARRONDISSEMENT_LABELS) == 22
    assert all(signatures(label) is not None for label in ARRONDISSEMENT_LABELS)
    labelled = {sample.labels["arrondissement"] for metric in REGISTRY.collect()
                if metric.name == "petitions_signatures" for sample in metric.samples
                if sample.name == "petitions_signatures_total"}
    assert labelled == set(ARRONDISSEMENT_LABELS)


@pytest.mark.parametrize("petition, signer, label", [
    (19, 11, "19"), (None, 11, "11"), (None, None, "paris"), ("7", None, "7"), (None, 21, "inconnu"),
    (0, 5, "inconnu"), (None, -3, "inconnu"), (True, None, "inconnu"), (None, 11.0, "inconnu"),
    ("x" * 500, None, "inconnu"), ([19], None, "inconnu"), (None, {"a": 1}, "inconnu")])
def test_the_label_is_one_of_the_bounded_values_whatever_the_input(petition, signer, label):
    assert arrondissement_label(petition, signer) == label


def test_a_keyed_signature_sent_again_is_counted_once(run, accounts):
    petition_id = opened(run, accounts)  # in the 19e
    [signer] = citizens(accounts, 1)
    before = signatures("19")
    [first] = run("sign_batch", [item(signer, petition_id, idempotency_key="lost-answer")])
    [again] = run("sign_batch", [item(signer, petition_id, ip="198.51.100.9", idempotency_key="lost-answer")])
    assert again == first and first["signed"]
    assert signatures("19") - before == 1


def test_a_key_twice_in_one_batch_is_counted_once(run, accounts):
    petition_id = opened(run, accounts)
    alix, bao = citizens(accounts, 2)
    before = signatures("19")
    run("sign_batch", [item(alix, petition_id, idempotency_key="double-click"),
                       item(bao, petition_id, idempotency_key="double-click"),
                       item(alix, petition_id, idempotency_key="double-click")])
    assert signatures("19") - before == 2


def test_a_city_wide_petition_counts_by_the_signer_s_arrondissement_else_paris(run, accounts):
    petition_id = city_wide(run, accounts)
    [resident] = citizens(accounts, 1, arrondissement=11)
    [commuter] = citizens(accounts, 1, lives_in_paris=False, arrondissement=None)
    before = {label: signatures(label) for label in ("11", "paris", "19")}
    run("sign_batch", [item(resident, petition_id), item(commuter, petition_id, connection={"works": True})])
    assert {label: signatures(label) - before[label] for label in before} == {"11": 1, "paris": 1, "19": 0}


def test_a_refused_signature_is_not_a_signature(run, accounts):
    petition_id = opened(run, accounts)
    [signer] = citizens(accounts, 1)
    run("sign_batch", [item(signer, petition_id)])
    before = {label: signatures(label) for label in ARRONDISSEMENT_LABELS}
    [refused] = run("sign_batch", [item(signer, petition_id)])
    assert refused.code == "ALREADY_SIGNED"
    assert {label: signatures(label) for label in ARRONDISSEMENT_LABELS} == before


def test_a_rolled_back_transaction_counts_nothing(store, throttle, accounts, use_case, run):
    petition_id = opened(run, accounts)
    [signer] = citizens(accounts, 1)
    before = signatures("19")
    with pytest.raises(RuntimeError):
        with store.uow() as uow:
            use_case(Context(uow, throttle, accounts, SETTINGS), "sign_batch")([item(signer, petition_id)])
            raise RuntimeError("the worker died before the commit")
    assert signatures("19") == before and store.rows("petition_signatures") == []


def test_the_threshold_is_counted_once_when_it_is_crossed(run, accounts):
    petition_id = opened(run, accounts)  # threshold 5 (the tests' settings)
    before = thresholds_reached()
    run("sign_batch", [item(signer, petition_id) for signer in citizens(accounts, 4)])
    assert thresholds_reached() == before
    run("sign_batch", [item(signer, petition_id) for signer in citizens(accounts, 3)])
    run("sign_batch", [item(signer, petition_id) for signer in citizens(accounts, 2)])
    assert thresholds_reached() - before == 1
