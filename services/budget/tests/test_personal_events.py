"""The budget's personal events (events.PERSONAL_EVENTS), for each person's own space: `project_followed` and
`project_unfollowed` when an account starts or stops following a project, `ballots_recorded` naming the accounts
whose online ballot a transaction recorded or replaced, once per cycle and transaction; the anonymous `ballot_cast`
still names nobody (SQLite and PostgreSQL)."""
import json

import eventlet
import pytest
from budget import events
from budget.handlers import use_case
from budget.schemas import dump_ballot_receipt
from hubkit.errors import HubError, NotFound

from .test_batch_voting import cast, entry
from .test_handlers import ADMIN, AGENT, CYCLE, advance_to, ballot, run, study, submit, vote_cycle, voter  # noqa: F401
from .conftest import context
from .test_tracking_and_paper import paper

PERSONAL = ("project_followed", "project_unfollowed", "ballots_recorded")
UNKNOWN = "4f9c1d2e-0000-4000-8000-000000000000"


def personal_events(store) -> list:
    return [event for event in store.events() if event["type"] in PERSONAL]


def follow(run, actor, project_id, kind="favorite", verb="follow_project"):
    return run(verb, actor, {"project_id": project_id, "kind": kind})


def another_cycle_at_the_vote(run) -> dict:
    """A second cycle at the vote, with one Paris-wide project Q1."""
    cycle = run("create_cycle", ADMIN, {**CYCLE, "title": "Budget participatif 2027"})
    project_id = submit(run, cycle["id"], title="Projet Q1 pour tout Paris", scale="paris", sector=None)["id"]
    advance_to(run, cycle["id"], "study")
    study(run, project_id, 300)
    advance_to(run, cycle["id"], "selection")
    run("select_project", AGENT, {"project_id": project_id, "selected": True})
    advance_to(run, cycle["id"], "vote")
    return {"id": cycle["id"], "Q1": project_id}


# --- following --------------------------------------------------------------------------------------------------

def test_following_emits_once_when_the_account_starts_and_once_when_it_stops(run, store, voter, vote_cycle):
    fan, project_id = voter(), vote_cycle["P1"]
    follow(run, fan, project_id)
    [followed] = personal_events(store)
    assert (followed["type"], followed["version"], followed["subject"], followed["actor"], followed["payload"]) == (
        "project_followed", 1, {"kind": "budget_project", "id": project_id},
        {"account_id": fan["account_id"], "role": "citizen"}, {"cycle_id": vote_cycle["id"], "project_id": project_id})
    follow(run, fan, project_id)  # again: nothing changes, nothing is emitted
    follow(run, fan, project_id, kind="associate")  # another kind: still one follower, nothing to say
    assert len(personal_events(store)) == 1
    follow(run, fan, project_id, verb="unfollow_project")  # the associate follow stays: still a follower
    assert len(personal_events(store)) == 1
    state = follow(run, fan, project_id, kind="associate", verb="unfollow_project")
    assert state["following"] is False and (state["favorites_count"], state["associates_count"]) == (0, 0)
    [_, unfollowed] = personal_events(store)
    assert (unfollowed["type"], unfollowed["actor"], unfollowed["payload"]) == (
        "project_unfollowed", {"account_id": fan["account_id"], "role": "citizen"},
        {"cycle_id": vote_cycle["id"], "project_id": project_id})
    before = store.snapshot()
    follow(run, fan, project_id, kind="associate", verb="unfollow_project")  # not followed any more
    follow(run, fan, project_id, verb="unfollow_project")
    assert store.snapshot() == before


def test_each_follower_is_named_in_their_own_event(run, store, voter, vote_cycle):
    fan, ally = voter(), voter()
    follow(run, fan, vote_cycle["P1"])
    follow(run, ally, vote_cycle["P1"], kind="associate")
    follow(run, fan, vote_cycle["P2"])
    assert [(e["actor"]["account_id"], e["payload"]["project_id"]) for e in personal_events(store)] == [
        (fan["account_id"], vote_cycle["P1"]), (ally["account_id"], vote_cycle["P1"]),
        (fan["account_id"], vote_cycle["P2"])]
    state = follow(run, fan, vote_cycle["P1"], kind="associate")
    assert (state["favorites_count"], state["associates_count"]) == (1, 2)


def test_following_an_unknown_project_writes_and_emits_nothing(run, store, voter, vote_cycle):
    fan = voter()
    before = store.snapshot()
    for verb in ("follow_project", "unfollow_project"):
        for project_id in (UNKNOWN, vote_cycle["id"]):  # a cycle's id is no project's
            with pytest.raises(NotFound):
                follow(run, fan, project_id, verb=verb)
    assert store.snapshot() == before


def test_two_unfollows_at_once_say_once_that_the_account_stopped_following(run, store, accounts, voter, vote_cycle,
                                                                           database_kind):
    if database_kind != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time")
    fan, project_id = voter(), vote_cycle["P1"]
    follow(run, fan, project_id)
    follow(run, fan, project_id, kind="associate")
    with store.uow() as first:
        use_case(context(first, accounts=accounts), "unfollow_project")(fan, {"project_id": project_id,
                                                                              "kind": "favorite"})
        second = eventlet.spawn(follow, run, fan, project_id, "associate", "unfollow_project")
        eventlet.sleep(0.5)
        assert not second.dead  # it waits for the follow rows the first one locked
    assert second.wait()["following"] is False
    [unfollowed] = store.events("project_unfollowed")  # without the lock each would see the other's row: none
    assert unfollowed["actor"]["account_id"] == fan["account_id"] and store.rows("budget_project_follows") == []


# --- ballots -----------------------------------------------------------------------------------------------------

def test_an_online_ballot_names_its_voter_in_ballots_recorded_and_nowhere_else(run, store, voter, vote_cycle):
    alix = voter()
    receipt = run("cast_ballot", alix, ballot(vote_cycle, paris=("P1",), sector="paris-19", local=("S1",)))
    [cast_event] = store.events("ballot_cast")
    assert cast_event["payload"] == {"cycle_id": vote_cycle["id"], "channel": "online", "count": 1}
    assert cast_event["actor"] == {"account_id": None, "role": "citizen"}
    assert alix["account_id"] not in json.dumps(cast_event)  # the anonymous event is unchanged
    [recorded] = store.events("ballots_recorded")
    assert (recorded["version"], recorded["subject"], recorded["actor"], recorded["payload"]) == (
        1, {"kind": "budget_cycle", "id": vote_cycle["id"]}, {"account_id": None, "role": "citizen"},
        {"cycle_id": vote_cycle["id"], "account_ids": [alix["account_id"]]})
    text = json.dumps(recorded)
    for secret in (receipt["receipt"], "paris-19", vote_cycle["P1"], vote_cycle["S1"]):
        assert secret not in text  # never the choices, the sector nor the receipt
    run("cast_ballot", alix, ballot(vote_cycle, paris=("P2",)))  # a replaced ballot is recorded too
    assert [e["payload"]["account_ids"] for e in store.events("ballots_recorded")] == [[alix["account_id"]]] * 2


def test_a_batch_names_each_accepted_voter_once_per_cycle(run, store, accounts, voter, vote_cycle):
    other = another_cycle_at_the_vote(run)
    alix, bao, outsider, camille = voter(), voter(), voter(lives_in_paris=False), voter()
    run("cast_ballot", camille, ballot(vote_cycle, paris=("P3",)))
    in_other = {"cycle_id": other["id"], "paris_projects": [other["Q1"]], "sector": None, "sector_projects": []}
    commands = [(alix, ballot(vote_cycle, paris=("P1",))),
                (bao, in_other),
                (outsider, ballot(vote_cycle, paris=("P1",))),  # refused: lives outside Paris
                (alix, ballot(vote_cycle, paris=("P2",))),  # alix changes her mind in the same batch
                (camille, ballot(vote_cycle, paris=("P1",))),  # replaces her earlier ballot
                (bao, {**ballot(vote_cycle), "paris_projects": [UNKNOWN]}),  # refused: no such project
                (alix, in_other)]
    outcomes = cast(run, accounts, [entry(actor, command, f"req-{number}")
                                    for number, (actor, command) in enumerate(commands)])
    assert [isinstance(outcome, HubError) for outcome in outcomes] == [False, False, True, False, False, True, False]
    of_the_batch = {kind: {e["payload"]["cycle_id"]: e for e in store.events(kind)
                           if e["correlation_id"].startswith("req-")} for kind in ("ballots_recorded", "ballot_cast")}
    recorded, cast_events = of_the_batch["ballots_recorded"], of_the_batch["ballot_cast"]
    assert recorded[vote_cycle["id"]]["payload"]["account_ids"] == sorted([alix["account_id"], camille["account_id"]])
    assert recorded[other["id"]]["payload"]["account_ids"] == sorted([alix["account_id"], bao["account_id"]])
    assert len(store.events("ballots_recorded")) == 3 and len(store.events("ballot_cast")) == 3  # camille's first
    assert {cycle_id: e["payload"]["count"] for cycle_id, e in cast_events.items()} == {vote_cycle["id"]: 3,
                                                                                        other["id"]: 2}
    for cycle_id, first_request in ((vote_cycle["id"], "req-0"), (other["id"], "req-1")):  # the cycle's first ballot
        assert recorded[cycle_id]["correlation_id"] == cast_events[cycle_id]["correlation_id"] == first_request
    for cast_event in store.events("ballot_cast"):
        text = json.dumps(cast_event)
        assert not any(actor["account_id"] in text for actor in (alix, bao, outsider, camille))


def test_a_full_batch_is_one_event_of_500_distinct_accounts(run, store, accounts, voter, vote_cycle):
    voters = [voter() for _ in range(500)]
    outcomes = cast(run, accounts, [entry(one, ballot(vote_cycle, paris=("P1",))) for one in voters])
    assert not any(isinstance(outcome, HubError) for outcome in outcomes)
    [recorded] = store.events("ballots_recorded")
    named = recorded["payload"]["account_ids"]
    assert len(named) == len(set(named)) == 500 and named == sorted(one["account_id"] for one in voters)


def test_a_batch_with_every_ballot_refused_emits_nothing(run, store, accounts, voter, vote_cycle):
    outsider = voter(lives_in_paris=False)
    [outcome] = cast(run, accounts, [entry(outsider, ballot(vote_cycle, paris=("P1",)))])
    assert isinstance(outcome, HubError) and store.events("ballots_recorded") == []


def test_paper_ballots_and_replayed_keyed_ballots_emit_no_ballots_recorded(run, store, voter, vote_cycle):
    paper(run, vote_cycle, paris=("P1",))
    assert len(store.events("ballot_cast")) == 1 and store.events("ballots_recorded") == []
    alix = voter()
    command = {**ballot(vote_cycle, paris=("P2",)), "idempotency_key": "retry-after-a-lost-answer"}
    first = run("cast_ballot", alix, command, dump=dump_ballot_receipt)
    assert run("cast_ballot", alix, command, dump=dump_ballot_receipt) == first  # the retry casts nothing
    [recorded] = store.events("ballots_recorded")
    assert recorded["payload"]["account_ids"] == [alix["account_id"]]


def test_account_ids_are_chunked_by_500_each_once_and_sorted():
    ids = [f"{number:04d}" for number in reversed(range(1001))] + ["0007", "0500"]
    chunks = events.account_id_chunks(ids)
    assert [len(chunk) for chunk in chunks] == [500, 500, 1]
    assert sum(chunks, []) == sorted(set(ids))
    assert events.account_id_chunks([]) == []
    assert events.PERSONAL_EVENTS == {"project_followed", "project_unfollowed", "ballots_recorded"}
