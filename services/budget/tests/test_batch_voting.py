"""Ballots applied a batch at a time, in one transaction: each item its own outcome, replacement semantics exactly
those of one ballot at a time, nothing lost nor counted twice (SQLite and PostgreSQL)."""
import uuid

import pytest
from budget.service import _ballot_entry
from hubkit.batching import BatchItem
from hubkit.errors import HubError, InvalidInput, NotFound, PermissionDenied

from .test_handlers import AGENT, advance_to, ballot, citizen, run, vote_cycle, voter  # noqa: F401

pytestmark = pytest.mark.integration


def entry(actor, command, correlation_id=None):
    correlation_id = correlation_id or str(uuid.uuid4())
    return _ballot_entry(BatchItem({"correlation_id": correlation_id, "causation_id": correlation_id},
                                   {"actor": actor, "ballot": {**command}}))


def cast(run, accounts, entries):
    attributes = {}
    for e in entries:
        if not isinstance(e, HubError) and str(e[1]["account_id"]) in accounts.attributes:
            attributes[str(e[1]["account_id"])] = accounts.attributes[str(e[1]["account_id"])]
    return run("cast_ballots", entries, attributes)


def test_a_batch_is_applied_with_one_outcome_per_item(run, store, accounts, voter, vote_cycle):
    alix, bao, outsider = voter(), voter(), voter(lives_in_paris=False)
    ghost = citizen()  # no account at accounts
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
