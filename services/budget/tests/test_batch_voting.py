"""Ballots applied a batch at a time, in one transaction: each item its own outcome, replacement semantics exactly
those of one ballot at a time, nothing lost nor counted twice (SQLite and PostgreSQL)."""
import uuid

import pytest
from budget.service import _ballot_entry
from hubkit.batching import BatchItem
from hubkit.errors import HubError, InvalidInput, NotFound, PermissionDenied
from tests.fakes.actors import citizen_actor

from .test_handlers import AGENT, advance_to, ballot, run, vote_cycle, voter  # noqa: F401


def entry(actor, command, correlation_id=None):
    correlation_id = correlation_id or str(uuid.uuid4())
    return _ballot_entry(BatchItem({"correlation_id": correlation_id, "causation_id": correlation_id},
                                   {"actor": actor, "ballot": {**command}}))


def cast(run, accounts, entries):
    """The batch, with the attributes accounts answers for its voters (as the service asks them, at once)."""
    voters = [str(e[1]["account_id"]) for e in entries if not isinstance(e, HubError)]
    attributes = {found["account_id"]: found
                  for found in accounts.eligibility_attributes_many({"account_ids": voters})} if voters else {}
    return run("cast_ballots", entries, attributes)


def test_a_batch_is_applied_with_one_outcome_per_item(run, store, accounts, voter, vote_cycle):
    alix, bao, outsider = voter(), voter(), voter(lives_in_paris=False)
    ghost = citizen_actor()  # no account at accounts
    ids = [str(uuid.uuid4()) for _ in range(6)]
    entries = [entry(alix, ballot(vote_cycle, paris=("P1",)), ids[0]),
               entry(bao, ballot(vote_cycle, paris=("P2",), sector="paris-19", local=("S1",)), ids[1]),
               entry(outsider, ballot(vote_cycle, paris=("P1",)), ids[2]),
               entry(ghost, ballot(vote_cycle, paris=("P1",)), ids[3]),
               entry(alix, {"cycle_id": vote_cycle["id"], "paris_projects": ["pas-un-id"]}, ids[4]),
               entry(bao, ballot(vote_cycle, paris=("P1", "P2", "P3")), ids[5])]
    outcomes = cast(run, accounts, entries)
    assert outcomes[0]["replaced"] is False and outcomes[1]["sector_projects"] == [vote_cycle["S1"]]
    assert isinstance(outcomes[2], PermissionDenied) and outcomes[2].details["rule"] == "lives_in_paris"
    assert isinstance(outcomes[3], NotFound) and isinstance(outcomes[4], InvalidInput)
    assert isinstance(outcomes[5], InvalidInput)  # three Paris-wide choices out of two
    counts = run("live_counts", AGENT, vote_cycle["id"])
    assert counts["ballots_count"] == 2
    assert {p["project_id"]: p["votes"] for p in counts["projects"]} == {
        vote_cycle["P1"]: 1, vote_cycle["P2"]: 1, vote_cycle["P3"]: 0, vote_cycle["S1"]: 1, vote_cycle["S2"]: 0}
    [cast_event] = store.events("ballot_cast")  # one per cycle and batch, with the ids of its first ballot
    assert cast_event["payload"] == {"cycle_id": vote_cycle["id"], "channel": "online", "count": 2}
    assert cast_event["correlation_id"] == ids[0] and cast_event["actor"]["account_id"] is None


def test_the_same_voter_twice_in_a_batch_and_after_the_last_ballot_counts(run, store, accounts, voter, vote_cycle):
    camille = voter()
    first = run("cast_ballot", camille, ballot(vote_cycle, paris=("P1",)))
    outcomes = cast(run, accounts, [entry(camille, ballot(vote_cycle, paris=("P2",))),
                                    entry(camille, ballot(vote_cycle, paris=("P3",), sector="paris-19",
                                                          local=("S2",)))])
    assert [o["replaced"] for o in outcomes] == [True, True]
    check = {o["receipt"]: run("check_receipt", {"cycle_id": vote_cycle["id"], "receipt": o["receipt"]})["status"]
             for o in [first, *outcomes]}
    assert list(check.values()) == ["replaced", "replaced", "recorded"]
    mine = run("my_ballot", camille, vote_cycle["id"])
    assert mine["paris_projects"] == [vote_cycle["P3"]] and mine["sector_projects"] == [vote_cycle["S2"]]
    assert mine["changes"] == 2 and len(store.rows("budget_ballots")) == 1
    newcomer = voter()
    twice = cast(run, accounts, [entry(newcomer, ballot(vote_cycle, paris=("P1",))),
                                 entry(newcomer, ballot(vote_cycle, paris=("P2",)))])
    assert [o["replaced"] for o in twice] == [False, True]
    assert run("my_ballot", newcomer, vote_cycle["id"])["changes"] == 1
    assert run("check_receipt", {"cycle_id": vote_cycle["id"], "receipt": twice[0]["receipt"]})["status"] == \
        "replaced"
    assert run("live_counts", AGENT, vote_cycle["id"])["ballots_count"] == 2


def test_a_batch_outside_the_vote_is_refused_item_by_item(run, store, accounts, voter, vote_cycle):
    advance_to(run, vote_cycle["id"], "results")
    before = store.snapshot()
    [outcome] = cast(run, accounts, [entry(voter(), ballot(vote_cycle, paris=("P1",)))])
    assert outcome.code == "WRONG_STAGE"
    [unknown] = cast(run, accounts, [entry(voter(), {"cycle_id": str(uuid.uuid4()), "paris_projects": []})])
    assert isinstance(unknown, NotFound)
    assert store.snapshot() == before


def test_a_batch_mixing_new_and_replacing_ballots(run, store, accounts, voter, vote_cycle):
    """Several voters replace their ballot while others vote for the first time, some of them twice, in one batch."""
    alix, bao, chris, dana = voter(), voter(), voter(), voter()
    earlier = [run("cast_ballot", actor, ballot(vote_cycle, paris=("P1",), sector="paris-19", local=("S1",)))
               for actor in (alix, bao)]
    outcomes = cast(run, accounts, [
        entry(alix, ballot(vote_cycle, paris=("P2",))),  # replaces, without a sector now
        entry(chris, ballot(vote_cycle, paris=("P3",), sector="paris-19", local=("S2",))),
        entry(bao, ballot(vote_cycle, paris=("P2", "P3"))),
        entry(chris, ballot(vote_cycle, paris=("P1",))),  # chris's first ballot, replaced within the batch
        entry(dana, ballot(vote_cycle, sector="paris-19", local=("S1",))),
        entry(bao, ballot(vote_cycle, sector="paris-19", local=("S2",)))])  # bao's second change
    assert [o["replaced"] for o in outcomes] == [True, False, True, True, False, True]
    assert len({o["receipt"] for o in outcomes + earlier}) == 8
    mine = {name: run("my_ballot", actor, vote_cycle["id"])
            for name, actor in (("alix", alix), ("bao", bao), ("chris", chris), ("dana", dana))}
    assert {name: (b["paris_projects"], b["sector"], b["sector_projects"], b["changes"]) for name, b in mine.items()} \
        == {"alix": ([vote_cycle["P2"]], None, [], 1), "bao": ([], "paris-19", [vote_cycle["S2"]], 2),
            "chris": ([vote_cycle["P1"]], None, [], 1), "dana": ([], "paris-19", [vote_cycle["S1"]], 0)}
    status = [run("check_receipt", {"cycle_id": vote_cycle["id"], "receipt": o["receipt"]})["status"]
              for o in earlier + outcomes]
    assert status == ["replaced", "replaced",
                      "recorded", "replaced", "replaced", "recorded", "recorded", "recorded"]
    counts = run("live_counts", AGENT, vote_cycle["id"])
    assert counts["ballots_count"] == 4 and len(store.rows("budget_ballots")) == 4
    assert {p["project_id"]: p["votes"] for p in counts["projects"]} == {
        vote_cycle["P1"]: 1, vote_cycle["P2"]: 1, vote_cycle["P3"]: 0, vote_cycle["S1"]: 1, vote_cycle["S2"]: 1}
    assert [e["payload"]["count"] for e in store.events("ballot_cast")] == [1, 1, 6]
    assert len(store.rows("budget_replaced_receipts")) == 4


def test_a_project_off_the_ballot_paper_is_refused_in_a_batch(run, store, accounts, voter, vote_cycle):
    """The batch reads only the candidates its items name: an unknown project or one of the wrong scale is refused,
    its neighbours are not."""
    unknown = str(uuid.uuid4())
    outcomes = cast(run, accounts, [
        entry(voter(), ballot(vote_cycle, paris=("P1",), sector="paris-19", local=("S1",))),
        entry(voter(), {"cycle_id": vote_cycle["id"], "paris_projects": [unknown]}),
        entry(voter(), ballot(vote_cycle, paris=("S2",))),
        entry(voter(), ballot(vote_cycle, sector="paris-19", local=("P2",)))])
    assert outcomes[0]["paris_projects"] == [vote_cycle["P1"]]
    assert outcomes[1].details["_context"] == {"project_id": unknown} and "paris_projects" in outcomes[1].details
    assert outcomes[2].details["_context"] == {"project_id": vote_cycle["S2"]}
    assert outcomes[3].details["_context"] == {"project_id": vote_cycle["P2"]}
    assert "sector_projects" in outcomes[3].details
    assert run("live_counts", AGENT, vote_cycle["id"])["ballots_count"] == 1
