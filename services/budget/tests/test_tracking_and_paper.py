"""Paper ballots (one person counted once, the online ballot wins), implementation statuses with their timeline,
and follows (SQLite and PostgreSQL)."""
import re
from datetime import date, timedelta

import pytest
from hubkit.errors import Conflict, InvalidInput, PermissionDenied
from tests.fakes.actors import citizen_actor

from .test_handlers import ADMIN, AGENT, advance_to, ballot, run, vote_cycle, voter  # noqa: F401

IDENTITY = {"last_name": "Lefèvre-Dupont", "first_name": "Camille", "birth_date": "1990-05-14", "postcode": "75019",
            "id_document_kind": "cni", "id_document_last4": "4B7Z", "account_email": None,
            "ballot_box": "Marché Joinville, samedi"}


def paper(run, cycle, paris=(), sector=None, local=(), **identity):
    return run("record_paper_ballot", AGENT, {**ballot(cycle, paris, sector, local), **IDENTITY, **identity,
                                              "birth_date": date.fromisoformat(identity.get("birth_date",
                                                                                             IDENTITY["birth_date"]))})


# --- paper ballots --------------------------------------------------------------------------------------

def test_paper_ballots_are_counted_with_their_channel_and_keep_no_identity(run, store, voter, vote_cycle):
    receipt = paper(run, vote_cycle, paris=("P1",), sector="paris-19", local=("S1",))
    assert receipt["counted"] and receipt["status"] == "counted" and len(receipt["receipt"]) == 24
    run("cast_ballot", voter(), ballot(vote_cycle, paris=("P1", "P2")))
    counts = run("live_counts", AGENT, vote_cycle["id"])
    assert (counts["ballots_count"], counts["ballots_online"], counts["ballots_paper"]) == (2, 1, 1)
    p1 = next(p for p in counts["projects"] if p["project_id"] == vote_cycle["P1"])
    assert (p1["votes"], p1["votes_online"], p1["votes_paper"]) == (2, 1, 1)
    snapshot = repr(store.snapshot())
    for secret in ("Lefèvre", "Camille", "1990-05-14", "4B7Z"):
        assert secret not in snapshot
    # the postcode as a number of its own, not digits inside another (a timestamp's microseconds, "750198", once)
    assert not re.search(r"(?<!\d)75019(?!\d)", snapshot)
    [event] = [e for e in store.events("ballot_cast") if e["payload"]["channel"] == "paper"]
    assert event["actor"]["account_id"] is None and event["payload"] == {"cycle_id": vote_cycle["id"],
                                                                        "channel": "paper", "count": 1}
    advance_to(run, vote_cycle["id"], "results")
    assert [row.identity_digest for row in store.rows("budget_paper_ballots")] == [None]  # erased at the close
    results = run("results", vote_cycle["id"])
    assert (results["ballots_count"], results["ballots_online"], results["ballots_paper"]) == (2, 1, 1)
    paris = next(s for s in results["scopes"] if s["scope"] == "paris")
    top = paris["projects"][0]
    assert top["project_id"] == vote_cycle["P1"] and (top["votes_online"], top["votes_paper"]) == (1, 1)


def test_the_same_person_votes_once_on_paper(run, store, vote_cycle):
    paper(run, vote_cycle, paris=("P1",))
    before = store.snapshot()
    with pytest.raises(Conflict) as again:  # another box, the name written differently
        paper(run, vote_cycle, paris=("P2",), last_name="LEFEVRE DUPONT", first_name="camille",
              ballot_box="Mairie du 19e")
    assert again.value.code == "ALREADY_VOTED_ON_PAPER"
    assert store.snapshot() == before
    assert paper(run, vote_cycle, paris=("P2",), first_name="Dominique")["counted"]  # someone else


def test_online_ballot_wins_over_paper_whatever_the_order(run, accounts, vote_cycle):
    camille = citizen_actor()
    accounts.add(camille["account_id"], birth_date="1990-05-14", email="camille@example.org")
    on_paper = paper(run, vote_cycle, paris=("P1",), account_email="camille@example.org")
    assert on_paper["counted"]
    assert run("live_counts", AGENT, vote_cycle["id"])["ballots_paper"] == 1
    run("cast_ballot", camille, ballot(vote_cycle, paris=("P2",)))  # then online: the paper one stops counting
    counts = run("live_counts", AGENT, vote_cycle["id"])
    assert (counts["ballots_count"], counts["ballots_online"], counts["ballots_paper"]) == (1, 1, 0)
    assert {p["project_id"]: p["votes"] for p in counts["projects"]}[vote_cycle["P1"]] == 0
    assert run("check_receipt", {"cycle_id": vote_cycle["id"], "receipt": on_paper["receipt"]})["status"] == \
        "superseded_by_online"
    dominique = citizen_actor()
    accounts.add(dominique["account_id"], birth_date="1985-02-01", email="dominique@example.org")
    run("cast_ballot", dominique, ballot(vote_cycle, paris=("P3",)))  # online first, then on paper
    late = paper(run, vote_cycle, paris=("P1",), first_name="Dominique", birth_date="1985-02-01",
                 account_email="dominique@example.org")
    assert not late["counted"] and late["status"] == "superseded_by_online"
    assert run("live_counts", AGENT, vote_cycle["id"])["ballots_count"] == 2


def test_paper_ballot_refusals_name_their_rule(run, store, accounts, vote_cycle):
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as outside:
        paper(run, vote_cycle, paris=("P1",), postcode="93100")
    assert outside.value.details["rule"] == "lives_in_paris"
    with pytest.raises(PermissionDenied) as young:
        paper(run, vote_cycle, paris=("P1",), birth_date="2015-01-01")
    assert young.value.details["rule"] == "min_age"
    with pytest.raises(InvalidInput) as unknown:
        paper(run, vote_cycle, paris=("P1",), account_email="nobody@example.org")
    assert "account_email" in unknown.value.details
    camille = citizen_actor()
    accounts.add(camille["account_id"], birth_date="1970-01-01", email="camille@example.org")
    with pytest.raises(InvalidInput) as not_hers:
        paper(run, vote_cycle, paris=("P1",), account_email="camille@example.org")
    assert "account_email" in not_hers.value.details
    with pytest.raises(PermissionDenied):
        run("record_paper_ballot", citizen_actor(), {**ballot(vote_cycle, ("P1",)), **IDENTITY,
                                               "birth_date": date(1990, 5, 14)})
    assert store.snapshot() == before


# --- implementation tracking -------------------------------------------------------------------------

@pytest.fixture
def winners(run, voter, vote_cycle):
    """Results published: P1 (Paris-wide, direction DVD) and S1 (19e) won."""
    run("cast_ballot", voter(), ballot(vote_cycle, paris=("P1",), sector="paris-19", local=("S1",)))
    advance_to(run, vote_cycle["id"], "results")
    return vote_cycle


def change(run, project_id, status, actor=AGENT, days_ago=1, justification="Études lancées par la direction."):
    return run("change_project_status", actor, {"project_id": project_id, "status": status,
                                                "justification": justification,
                                                "effective_date": date.today() - timedelta(days=days_ago)})


def test_agents_move_a_winner_along_its_timeline(run, store, winners):
    project = run("get_project", winners["P1"])
    assert project["implementation_status"] == "non_demarre" and project["status"] == "winner"
    change(run, winners["P1"], "etudes_conception", days_ago=10)
    moved = change(run, winners["P1"], "realisation_travaux", justification="Les travaux ont commencé.")
    assert moved["status"] == "realisation_travaux" and moved["implementation_status_label"] == \
        "Réalisation des travaux"
    assert [(t["status"], t["source"]) for t in moved["timeline"]] == [("etudes_conception", "agent"),
                                                                       ("realisation_travaux", "agent")]
    [first, second] = store.events("project_status_changed")
    assert second["payload"]["from_status"] == "etudes_conception" and second["payload"]["status"] == \
        "realisation_travaux" and "origin_idea_id" in second["payload"]
    listed = run("list_projects", {"cycle_id": winners["id"], "status": "realisation_travaux", "limit": 50,
                                   "offset": 0})
    assert [p["id"] for p in listed["items"]] == [winners["P1"]]


def test_the_dashboard_counts_a_winner_as_a_winner_whatever_its_implementation_status(run, winners):
    before = run("project_counts", winners["id"])
    change(run, winners["P1"], "realisation_travaux")
    after = run("project_counts", winners["id"])
    assert after == before and after["by_status"]["winner"] == 2
    assert after["total"] == sum(after["by_status"].values())
    assert set(after["by_status"]) <= {"winner", "not_winner", "inadmissible", "infeasible", "feasible", "submitted"}


def test_status_rules(run, store, winners):
    before = store.snapshot()
    with pytest.raises(InvalidInput) as future:
        change(run, winners["P1"], "etudes_conception", days_ago=-3)
    assert "effective_date" in future.value.details
    with pytest.raises(InvalidInput) as no_reason:
        change(run, winners["P1"], "non_realisable", justification=" ")
    assert "justification" in no_reason.value.details
    with pytest.raises(Conflict) as loser:
        change(run, winners["P2"], "etudes_conception")
    assert loser.value.code == "NOT_A_WINNER"
    with pytest.raises(PermissionDenied):
        change(run, winners["P1"], "etudes_conception", actor=citizen_actor())
    assert store.snapshot() == before
    change(run, winners["P1"], "non_realisable", justification="Le site est classé : aucun aménagement possible.")
    with pytest.raises(Conflict) as final:
        change(run, winners["P1"], "etudes_conception")
    assert final.value.code == "FINAL_STATUS"
    assert change(run, winners["P1"], "etudes_conception", actor=ADMIN)["status"] == "etudes_conception"


def test_owning_direction(run, store, accounts, winners):
    from budget.models import Project
    from sqlalchemy import update
    with store.uow() as uow:
        uow.session.execute(update(Project).where(Project.id == winners["P1"]).values(direction="DVD"))
    with pytest.raises(PermissionDenied) as other:
        change(run, winners["P1"], "etudes_conception", actor={**AGENT, "direction": "DEVE"})
    assert other.value.code == "OUTSIDE_DIRECTION" and other.value.details == {"direction": "DVD"}
    accounts.add(AGENT["account_id"], "Agent DEVE", roles=AGENT["roles"], direction="DEVE")  # accounts says which
    unasserted = {"account_id": AGENT["account_id"], "roles": AGENT["roles"]}
    with pytest.raises(PermissionDenied):
        change(run, winners["P1"], "etudes_conception", actor=unasserted)
    assert (AGENT["account_id"],) in accounts.args_of("get_account")
    assert change(run, winners["P1"], "etudes_conception", actor={**AGENT, "direction": "DVD"})["status"] == \
        "etudes_conception"


def test_followers_follow_once_and_a_status_change_is_one_event(run, store, winners):
    """Who is told of the change is the notifications service's (services/notifications/tests/test_owner_notices.py):
    here, following is idempotent and the change is the one event it reads."""
    fan, ally = citizen_actor(), citizen_actor()
    state = run("follow_project", fan, {"project_id": winners["P1"], "kind": "favorite"})
    assert state == {"project_id": winners["P1"], "kind": "favorite", "following": True, "favorites_count": 1,
                     "associates_count": 0}
    run("follow_project", fan, {"project_id": winners["P1"], "kind": "favorite"})  # idempotent
    run("follow_project", ally, {"project_id": winners["P1"], "kind": "associate"})
    run("follow_project", ally, {"project_id": winners["P2"], "kind": "favorite"})
    viewed = run("get_project", winners["P1"], fan)
    assert viewed["viewer"]["favorite"] and not viewed["viewer"]["associate"] and viewed["favorites_count"] == 1
    assert [p["id"] for p in run("my_projects", ally)["associated"]] == [winners["P1"]]
    change(run, winners["P1"], "etudes_conception")
    [event] = store.events("project_status_changed")
    assert (event["payload"]["project_id"], event["payload"]["status"]) == (winners["P1"], "etudes_conception")
    unfollowed = run("unfollow_project", fan, {"project_id": winners["P1"], "kind": "favorite"})
    assert unfollowed["following"] is False and unfollowed["favorites_count"] == 0
