"""The live counts are kept by the ballots' writes (handlers/vote_counts.py) and stay equal to a recount of every
ballot: online ballots one at a time and in batches, replaced within a batch and across, paper ballots counted or
superseded by their voter's online one in either order, accounts deleted; then the tally (SQLite and PostgreSQL).
"""
import random
import uuid

import eventlet
import sqlalchemy as sa
import pytest
from budget.handlers import vote_counts
from budget.models import VoteCount
from hubkit.envelope import make_event
from hubkit.errors import HubError
from alembic import command
from hubkit.runner import alembic_config
from tests.fakes.actors import citizen_actor

from .conftest import PACKAGE_DIR
from .test_batch_voting import cast, entry
from .test_handlers import ADMIN, AGENT, advance_to, ballot, run, vote_cycle, voter  # noqa: F401
from .test_tracking_and_paper import paper

PARIS_WIDE, LOCAL = ("P1", "P2", "P3"), ("S1", "S2")


def random_ballot(rng: random.Random, cycle: dict) -> dict:
    paris = rng.sample(PARIS_WIDE, rng.randint(0, 2))
    local = rng.sample(LOCAL, rng.randint(0 if paris else 1, 2))
    return ballot(cycle, paris, "paris-19" if local else None, local)


def recounted(store, cycle_id: str) -> tuple:
    with store.uow() as uow:
        return vote_counts.recount(uow.session, cycle_id)


def as_live(counted: tuple, cycle: dict) -> dict:
    """A recount in the shape of `live_counts`."""
    votes, ballots = counted
    return {"ballots_count": sum(ballots.values()), "ballots_online": ballots["online"],
            "ballots_paper": ballots["paper"],
            "projects": {cycle[name]: (votes.get(cycle[name], (0, 0))[0], votes.get(cycle[name], (0, 0))[1])
                         for name in PARIS_WIDE + LOCAL}}


def live(run, cycle: dict) -> dict:
    counts = run("live_counts", AGENT, cycle["id"])
    assert all(p["votes"] == p["votes_online"] + p["votes_paper"] for p in counts["projects"])
    return {"ballots_count": counts["ballots_count"], "ballots_online": counts["ballots_online"],
            "ballots_paper": counts["ballots_paper"],
            "projects": {p["project_id"]: (p["votes"], p["votes_paper"]) for p in counts["projects"]}}


def expected(cycle: dict, online: dict, on_paper: list) -> dict:
    """What counts, from the test's own record: each voter's last online ballot, the paper ballots still counted."""
    votes = {cycle[name]: [0, 0] for name in PARIS_WIDE + LOCAL}
    for command in online.values():
        for project_id in command["paris_projects"] + command["sector_projects"]:
            votes[project_id][0] += 1
    counted_paper = [choices for choices, counted in on_paper if counted()]
    for choices in counted_paper:
        for project_id in choices:
            votes[project_id][0] += 1
            votes[project_id][1] += 1
    return {"ballots_count": len(online) + len(counted_paper), "ballots_online": len(online),
            "ballots_paper": len(counted_paper), "projects": {k: tuple(v) for k, v in votes.items()}}


def test_the_live_counts_equal_a_recount_of_a_few_hundred_ballots(run, store, accounts, voter, vote_cycle):
    rng = random.Random(17)
    online, on_paper = {}, []  # account id → its last ballot; (choices, whether it still counts)
    people = [voter() for _ in range(260)]
    for person in people[:200]:  # one at a time, a third of them changed afterwards
        command = random_ballot(rng, vote_cycle)
        run("cast_ballot", person, command)
        online[str(person["account_id"])] = command
    for person in rng.sample(people[:200], 60):
        command = random_ballot(rng, vote_cycle)
        run("cast_ballot", person, command)
        online[str(person["account_id"])] = command
    for start in (200, 230):  # batches: new voters, some twice in one batch, earlier voters changing their ballot
        batch = [(person, random_ballot(rng, vote_cycle)) for person in people[start:start + 30]]
        batch += [(person, random_ballot(rng, vote_cycle)) for person in rng.sample(people[start:start + 30], 8)]
        batch += [(person, random_ballot(rng, vote_cycle)) for person in rng.sample(people[:200], 12)]
        outcomes = cast(run, accounts, [entry(person, command) for person, command in batch])
        assert not any(isinstance(outcome, HubError) for outcome in outcomes)
        for person, command in batch:
            online[str(person["account_id"])] = command
    for number in range(24):  # paper ballots of people without an account
        choices = random_ballot(rng, vote_cycle)
        names = {"first_name": f"Personne{number}", "birth_date": f"19{50 + number}-03-0{1 + number % 9}"}
        paper(run, vote_cycle, paris=[k for k in PARIS_WIDE if vote_cycle[k] in choices["paris_projects"]],
              sector=choices["sector"], local=[k for k in LOCAL if vote_cycle[k] in choices["sector_projects"]],
              **names)
        on_paper.append((choices["paris_projects"] + choices["sector_projects"], lambda: True))
    for number in range(6):  # paper then online, online then paper: the online ballot wins either way
        person = citizen_actor()
        email, born = f"double{number}@example.org", f"1980-01-1{number}"
        accounts.add(person["account_id"], birth_date=born, email=email)
        account_id = str(person["account_id"])
        if number % 2:
            run("cast_ballot", person, ballot(vote_cycle, ["P3"]))
            online[account_id] = ballot(vote_cycle, ["P3"])
        paper(run, vote_cycle, paris=("P1", "P2"), first_name=f"Double{number}", birth_date=born,
              account_email=email)
        on_paper.append(([vote_cycle["P1"], vote_cycle["P2"]],
                         lambda account_id=account_id: account_id not in online))
        if not number % 2:
            assert live(run, vote_cycle) == expected(vote_cycle, online, on_paper)  # the paper one counts, for now
            run("cast_ballot", person, ballot(vote_cycle, ["P3"], "paris-19", ["S2"]))
            online[account_id] = ballot(vote_cycle, ["P3"], "paris-19", ["S2"])
    for person in people[:5]:  # a deleted account's ballot stays counted
        account_id, chain = str(person["account_id"]), str(uuid.uuid4())
        assert run("forget_account", make_event(
            type="account_deleted", version=1, producer="accounts", subject={"kind": "account", "id": account_id},
            payload={"account_id": account_id}, correlation_id=chain, causation_id=chain))

    counts = live(run, vote_cycle)
    assert counts["ballots_count"] == len(online) + 24 > 280
    assert counts == as_live(recounted(store, vote_cycle["id"]), vote_cycle) == expected(vote_cycle, online, on_paper)

    advance_to(run, vote_cycle["id"], "results")
    results = run("results", vote_cycle["id"])
    assert (results["ballots_count"], results["ballots_online"], results["ballots_paper"]) == (
        counts["ballots_count"], counts["ballots_online"], counts["ballots_paper"])
    published = {p["project_id"]: (p["votes"], p["votes_paper"]) for s in results["scopes"] for p in s["projects"]}
    assert published == counts["projects"]
    assert live(run, vote_cycle) == counts  # rewritten from the tally's recount at the close: the same figures


def test_the_close_rewrites_counts_that_drifted_with_the_recount(run, store, voter, vote_cycle):
    """Should a count ever drift (a row edited by hand), the tally is still exact and the results show its figures."""
    run("cast_ballot", voter(), ballot(vote_cycle, ["P1"]))
    with store.uow() as uow:
        uow.session.add(VoteCount(cycle_id=vote_cycle["id"], project_id=vote_cycle["P2"], channel="online", shard=3,
                                  total=1000))
    assert {p["project_id"]: p["votes"] for p in run("live_counts", AGENT, vote_cycle["id"])["projects"]}[
        vote_cycle["P2"]] == 1000
    advance_to(run, vote_cycle["id"], "results")
    paris = next(s for s in run("results", vote_cycle["id"])["scopes"] if s["scope"] == "paris")
    assert {p["project_id"]: p["votes"] for p in paris["projects"]} == {
        vote_cycle["P1"]: 1, vote_cycle["P2"]: 0, vote_cycle["P3"]: 0}
    assert [p["project_id"] for p in paris["projects"] if p["won"]] == [vote_cycle["P1"]]
    assert {p["project_id"]: p["votes"] for p in run("live_counts", AGENT, vote_cycle["id"])["projects"]}[
        vote_cycle["P2"]] == 0


def test_concurrent_batches_keep_exact_counts(run, store, accounts, voter, vote_cycle):
    """Eight batches at once, each with voters of its own and voters every batch changes (their ballots locked in
    turn): nothing refused, no deadlock, and the counts equal the recount."""
    rng = random.Random(5)
    shared = [voter() for _ in range(40)]
    assert not any(isinstance(o, HubError) for o in cast(run, accounts, [
        entry(person, random_ballot(rng, vote_cycle)) for person in shared]))
    batches = [[entry(person, random_ballot(rng, vote_cycle))
                for person in [voter() for _ in range(12)] + rng.sample(shared, 12)] for _ in range(8)]
    outcomes = list(eventlet.GreenPool(8).imap(lambda batch: cast(run, accounts, batch), batches))
    assert not any(isinstance(o, HubError) for batch in outcomes for o in batch)
    counts = live(run, vote_cycle)
    assert counts == as_live(recounted(store, vote_cycle["id"]), vote_cycle)
    assert counts["ballots_online"] == 40 + 8 * 12


def test_the_migration_counts_the_ballots_already_cast(budget_db, store, run, voter, vote_cycle):
    """A database upgraded to revision 0004 counts the ballots cast before it (the figures a recount gives)."""
    for number in range(12):
        run("cast_ballot", voter(), ballot(vote_cycle, ["P1", "P2"][:1 + number % 2], "paris-19", ["S1"]))
    paper(run, vote_cycle, paris=("P3",))
    before = live(run, vote_cycle)
    config = alembic_config(PACKAGE_DIR, budget_db.url)
    command.downgrade(config, "0003")
    command.upgrade(config, "head")
    assert live(run, vote_cycle) == before == as_live(recounted(store, vote_cycle["id"]), vote_cycle)


def test_the_lookups_that_grew_with_the_data_have_their_index(budget_db, store):
    """The personal-data export finds an account's ballots by account alone; the lists read a cycle's projects in
    their order of submission or of title, and count the listed ones per cycle and place (issue 17)."""
    indexes = {table: {tuple(index["column_names"]) for index in sa.inspect(store.engine).get_indexes(table)}
               for table in ("budget_ballots", "budget_projects")}
    assert ("account_id",) in indexes["budget_ballots"]
    assert {("cycle_id", "position", "id"), ("cycle_id", "title"),
            ("cycle_id", "arrondissement", "sector")} <= indexes["budget_projects"]


def test_recounting_every_cycle_restores_counts_changed_by_hand(run, store, voter, vote_cycle):
    """`python -m budget recount-votes`: after rows were changed by hand, every cycle's counts are its ballots'."""
    for _ in range(3):
        run("cast_ballot", voter(), ballot(vote_cycle, ["P1"]))
    expected_counts = live(run, vote_cycle)
    with store.uow() as uow:
        uow.session.execute(sa.delete(VoteCount))
    assert live(run, vote_cycle)["ballots_count"] == 0
    with store.uow() as uow:
        assert vote_counts.recount_every_cycle(uow.session) == {vote_cycle["id"]: 3}
    assert live(run, vote_cycle) == expected_counts
