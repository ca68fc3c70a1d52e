"""budget_ballots_total counts each ballot written once, after its commit, by the arrondissement of its voting
sector: an idempotent replay, a refusal or a rolled-back transaction adds nothing, and no input makes a new label."""
import pytest
from budget.business_metrics import (ARRONDISSEMENT_LABELS, arrondissement_of_sector, count_refusals,
                                     refusal_reason)
from budget.schemas import dump_ballot_receipt
from hubkit.errors import InvalidInput, PermissionDenied
from prometheus_client import REGISTRY

from .test_batch_voting import entry
from .test_handlers import ballot, run, vote_cycle, voter  # noqa: F401
from .test_idempotent_ballots import cast_once, keyed
from .test_tracking_and_paper import paper


def ballots(arrondissement: str) -> float:
    return REGISTRY.get_sample_value("budget_ballots_total", {"arrondissement": arrondissement})


def refused(reason: str) -> float:
    return REGISTRY.get_sample_value("budget_ballots_refused_total", {"reason": reason}) or 0


def test_every_arrondissement_label_exists_from_the_start_and_no_other():
    assert len(ARRONDISSEMENT_LABELS) == 22
    assert all(ballots(label) is not None for label in ARRONDISSEMENT_LABELS)
    labelled = {sample.labels["arrondissement"] for metric in REGISTRY.collect() if metric.name == "budget_ballots"
                for sample in metric.samples if sample.name == "budget_ballots_total"}
    assert labelled == set(ARRONDISSEMENT_LABELS)


@pytest.mark.parametrize("sector, label", [(None, "paris"), ("paris-19", "19"), ("paris-5", "5"),
                                           ("paris-centre", "1"), ("paris-21", "inconnu"), ("19", "inconnu"),
                                           ("", "inconnu"), (["paris-19"], "inconnu"), ({"a": 1}, "inconnu")])
def test_a_sector_is_one_of_the_bounded_labels(sector, label):
    assert arrondissement_of_sector(sector) == label


def test_a_keyed_ballot_sent_again_is_counted_once(run, accounts, voter, vote_cycle):
    alix = voter()
    command = keyed(ballot(vote_cycle, paris=("P1",), sector="paris-19", local=("S1",)), "lost-answer")
    before = ballots("19")
    [first] = cast_once(run, accounts, [entry(alix, command)])
    [again] = cast_once(run, accounts, [entry(alix, command)])
    assert again == first
    assert ballots("19") - before == 1


def test_a_key_twice_in_one_batch_is_counted_once(run, accounts, voter, vote_cycle):
    alix, bao = voter(), voter()
    command = keyed(ballot(vote_cycle, paris=("P1",)), "double-click")
    before = ballots("paris")
    cast_once(run, accounts, [entry(alix, command), entry(bao, ballot(vote_cycle, paris=("P2",))),
                              entry(alix, command)])
    assert ballots("paris") - before == 2


def test_a_single_keyed_ballot_sent_again_is_counted_once(run, voter, vote_cycle):
    alix = voter()
    command = keyed(ballot(vote_cycle, paris=("P2",)), "single-call")
    before = ballots("paris")
    run("cast_ballot", alix, command, dump=dump_ballot_receipt)
    run("cast_ballot", alix, command, dump=dump_ballot_receipt)
    assert ballots("paris") - before == 1


def test_ballots_are_counted_by_arrondissement_and_a_change_is_a_ballot(run, accounts, voter, vote_cycle):
    alix, bao = voter(), voter()
    before = {label: ballots(label) for label in ("paris", "19")}
    cast_once(run, accounts, [entry(alix, ballot(vote_cycle, paris=("P1",))),
                              entry(bao, ballot(vote_cycle, sector="paris-19", local=("S1",)))])
    cast_once(run, accounts, [entry(alix, ballot(vote_cycle, paris=("P3",), sector="paris-19", local=("S2",)))])
    assert {label: ballots(label) - before[label] for label in before} == {"paris": 1, "19": 2}


def test_a_paper_ballot_is_counted_by_its_sector(run, vote_cycle):
    before = ballots("19")
    paper(run, vote_cycle, paris=("P1",), sector="paris-19", local=("S1",))
    assert ballots("19") - before == 1


def test_a_refused_ballot_is_not_a_ballot(run, accounts, voter, vote_cycle):
    too_young = voter(birth_date="2015-01-01")
    before = {label: ballots(label) for label in ARRONDISSEMENT_LABELS}
    [outcome] = cast_once(run, accounts, [entry(too_young, ballot(vote_cycle, paris=("P1",)))])
    assert isinstance(outcome, PermissionDenied)
    assert {label: ballots(label) for label in ARRONDISSEMENT_LABELS} == before


def test_a_rolled_back_transaction_counts_nothing(store, accounts, voter, vote_cycle):
    from budget.handlers import use_case

    from .conftest import context
    alix = voter()
    before = ballots("paris")
    with pytest.raises(RuntimeError):
        with store.uow() as uow:
            use_case(context(uow, accounts=accounts), "cast_ballot")(alix, ballot(vote_cycle, paris=("P1",)))
            raise RuntimeError("the worker died before the commit")
    assert ballots("paris") == before and store.rows("budget_ballots") == []


def test_refusals_are_counted_by_bounded_reasons():
    hostile = InvalidInput(details={"rule": ["Unknown field."], "x" * 50: ["Unknown field."]})
    not_eligible = PermissionDenied("trop jeune", details={"rule": "min_age"}, code="NOT_ELIGIBLE")
    made_up = PermissionDenied("?", details={"rule": "anything-a-client-wants"}, code="NOT_ELIGIBLE")
    assert [refusal_reason(error) for error in (hostile, not_eligible, made_up)] == [
        "validation_error", "min_age", "not_eligible"]
    before = (refused("validation_error"), refused("min_age"))
    count_refusals([hostile, {"receipt": "…"}, not_eligible, hostile])
    assert (refused("validation_error") - before[0], refused("min_age") - before[1]) == (2, 1)
