"""Use cases of the budget service on a real database (SQLite and PostgreSQL)."""
import uuid
from datetime import date

import pytest
from budget.adapters import pabulib
from budget.handlers import use_case
from hubkit.clock import utcnow
from budget.models import Carrier
from hubkit.envelope import make_event
from hubkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.fakes.actors import citizen_actor

from .conftest import PABULIB_DIR, context

ADMIN = {"account_id": "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9", "roles": ["citizen", "admin"]}
AGENT = {"account_id": "0a9d8c7b-6e5f-4a3b-9c2d-1e0f9a8b7c6d", "roles": ["citizen", "agent"], "direction": "DDCT"}
CYCLE = {"title": "Budget participatif 2026", "paris_envelope": 1000, "max_choices": 2,
         "sector_envelopes": {"paris-19": 300, "paris-centre": 100},
         "eligibility": {"email_verified": True, "lives_in_paris": True, "min_age": 16, "certification": None},
         "vote_day": date(2026, 9, 10)}
PROJECT = {"title": "Des fontaines à boire au parc", "description": "Quatre fontaines d'eau potable le long des "
           "allées du parc, pour l'été.", "theme": "Environnement", "scale": "arrondissement", "sector": "paris-19",
           "address": "Parc des Buttes-Chaumont", "origin_idea_id": None, "estimated_cost": 80}
SAINT_CYPRIEN = PABULIB_DIR / "France_Toulouse_2022_6_-_Saint-Cyprien.pb"


@pytest.fixture
def run(store, accounts):
    """Run one use case in its own unit of work, as a service worker does."""
    def run(method, *args, clock=utcnow, **kwargs):
        with store.uow() as uow:
            return use_case(context(uow, accounts=accounts, clock=clock, shuffle=lambda items: None), method)(
                *args, **kwargs)
    return run


@pytest.fixture
def voter(accounts):
    def make(**attributes) -> dict:
        actor = citizen_actor()
        accounts.add(actor["account_id"], **attributes)
        return actor
    return make


def advance_to(run, cycle_id, stage):
    cycle = run("get_cycle", cycle_id)
    while cycle["stage"] != stage:
        cycle = run("advance_stage", ADMIN, {"cycle_id": cycle_id, "stage": cycle["next_stage"]})
    return cycle


def submit(run, cycle_id, **changes):
    return run("submit_project", citizen_actor(), {**PROJECT, "cycle_id": cycle_id, **changes})


def study(run, project_id, cost, feasible=True):
    return run("decide_study", AGENT, {"project_id": project_id, "admissible": True, "feasible": feasible,
                                        "admissibility_reason": "Relève de la compétence de la Ville.",
                                        "feasibility_reason": None, "cost": cost if feasible else None})


@pytest.fixture
def vote_cycle(run):
    """A cycle at the vote: Paris-wide projects P1 (600), P2 (500), P3 (400); in the 19e S1 (200), S2 (150)."""
    cycle = run("create_cycle", ADMIN, CYCLE)
    made = {}
    for name, scale, sector, cost in (("P1", "paris", None, 600), ("P2", "paris", None, 500),
                                      ("P3", "paris", None, 400), ("S1", "arrondissement", "paris-19", 200),
                                      ("S2", "arrondissement", "paris-19", 150)):
        made[name] = submit(run, cycle["id"], title=f"Projet {name} pour le quartier", scale=scale,
                            sector=sector)["id"]
    advance_to(run, cycle["id"], "study")
    for name, cost in (("P1", 600), ("P2", 500), ("P3", 400), ("S1", 200), ("S2", 150)):
        study(run, made[name], cost)
    advance_to(run, cycle["id"], "selection")
    for project_id in made.values():
        run("select_project", AGENT, {"project_id": project_id, "selected": True})
    advance_to(run, cycle["id"], "vote")
    return {"id": cycle["id"], **made}


def ballot(cycle, paris=(), sector=None, local=()):
    return {"cycle_id": cycle["id"], "paris_projects": [cycle[p] for p in paris], "sector": sector,
            "sector_projects": [cycle[p] for p in local]}


# --- cycles and stages ---------------------------------------------------------------------------------

def test_an_admin_creates_a_cycle_with_every_sector_envelope(run, store):
    cycle = run("create_cycle", ADMIN, CYCLE)
    assert cycle["stage"] == "submission" and cycle["next_stage"] == "study"
    assert cycle["total_envelope"] == 1400 and len(cycle["sector_envelopes"]) == 17
    assert cycle["eligibility"]["min_age"] == 16
    assert [row.stage for row in store.rows("budget_stage_changes")] == ["submission"]


def test_only_admins_create_cycles_and_move_stages(run, store):
    with pytest.raises(PermissionDenied):
        run("create_cycle", AGENT, CYCLE)
    cycle = run("create_cycle", ADMIN, CYCLE)
    before = store.snapshot()
    with pytest.raises(PermissionDenied):
        run("advance_stage", AGENT, {"cycle_id": cycle["id"], "stage": "study"})
    assert store.snapshot() == before


def test_bad_envelopes_are_refused(run, store):
    with pytest.raises(InvalidInput) as refused:
        run("create_cycle", ADMIN, {**CYCLE, "sector_envelopes": {"paris-2": 10}})
    assert "sector_envelopes" in refused.value.details
    assert store.rows("budget_cycles") == []


def test_stages_cannot_be_skipped(run, store):
    cycle = run("create_cycle", ADMIN, CYCLE)
    before = store.snapshot()
    with pytest.raises(Conflict) as refused:
        run("advance_stage", ADMIN, {"cycle_id": cycle["id"], "stage": "vote"})
    assert refused.value.code == "WRONG_STAGE" and refused.value.details["next_stage"] == "study"
    assert store.snapshot() == before


def test_unknown_cycle(run):
    with pytest.raises(NotFound):
        run("get_cycle", str(uuid.uuid4()))


# --- projects ---------------------------------------------------------------------------------------------

def test_a_citizen_submits_a_project_during_submission(run, store):
    cycle = run("create_cycle", ADMIN, CYCLE)
    author = citizen_actor()
    project = run("submit_project", author, {**PROJECT, "cycle_id": cycle["id"]})
    assert project["status"] == "submitted" and project["carried_by_me"] and project["carriers_count"] == 1
    assert project["position"] == 1 and project["sector"] == "paris-19"
    [event] = store.events("project_submitted")
    assert event["payload"] == {"cycle_id": cycle["id"], "project_id": project["id"], "scale": "arrondissement",
                                "sector": "paris-19", "theme": "Environnement", "origin_idea_id": None}
    assert run("get_project", project["id"])["carried_by_me"] is False


def test_a_bad_project_is_refused_with_every_field_and_nothing_written(run, store):
    cycle = run("create_cycle", ADMIN, CYCLE)
    before = store.snapshot()
    with pytest.raises(InvalidInput) as refused:
        submit(run, cycle["id"], title="Banc", description="court", theme="Voirie", sector="paris-3")
    assert set(refused.value.details) == {"title", "description", "theme", "sector"}
    assert store.snapshot() == before


def test_submission_is_closed_after_its_stage(run, store):
    cycle = run("create_cycle", ADMIN, CYCLE)
    advance_to(run, cycle["id"], "study")
    before = store.snapshot()
    with pytest.raises(Conflict) as refused:
        submit(run, cycle["id"])
    assert refused.value.code == "WRONG_STAGE" and "Étude des projets" in refused.value.message
    assert store.snapshot() == before


def test_study_and_selection(run, store):
    cycle = run("create_cycle", ADMIN, CYCLE)
    kept, refused_project, unfeasible = (submit(run, cycle["id"])["id"] for _ in range(3))
    with pytest.raises(Conflict):  # not the study stage yet
        study(run, kept, 100)
    advance_to(run, cycle["id"], "study")
    with pytest.raises(PermissionDenied):
        run("decide_study", citizen_actor(), {"project_id": kept, "admissible": False,
                                        "admissibility_reason": "Hors compétence."})
    with pytest.raises(InvalidInput):
        run("decide_study", AGENT, {"project_id": kept, "admissible": True, "feasible": True, "cost": None,
                                    "admissibility_reason": "Recevable."})
    assert study(run, kept, 250)["status"] == "feasible"
    decided = run("decide_study", AGENT, {"project_id": refused_project, "admissible": False, "feasible": None,
                                          "cost": None, "admissibility_reason": "Ne relève pas de la Ville."})
    assert decided["status"] == "inadmissible" and decided["admissibility_reason"] == "Ne relève pas de la Ville."
    assert study(run, unfeasible, None, feasible=False)["status"] == "unfeasible"
    assert [e["payload"]["admissible"] for e in store.events("project_study_decided")] == [True, False, True]
    advance_to(run, cycle["id"], "selection")
    with pytest.raises(Conflict) as refused:
        run("select_project", AGENT, {"project_id": unfeasible, "selected": True})
    assert refused.value.code == "PROJECT_NOT_FEASIBLE"
    assert run("select_project", AGENT, {"project_id": kept, "selected": True})["status"] == "selected"
    run("select_project", AGENT, {"project_id": kept, "selected": True})  # twice: one event
    assert len(store.events("project_selected")) == 1
    listed = run("list_projects", {"cycle_id": cycle["id"], "selected": True, "limit": 50, "offset": 0})
    assert [p["id"] for p in listed["items"]] == [kept] and listed["total"] == 1


# --- the vote -------------------------------------------------------------------------------------------

def test_a_ballot_gives_a_receipt_and_can_be_changed_until_the_vote_closes(run, store, voter, vote_cycle):
    camille = voter()
    first = run("cast_ballot", camille, ballot(vote_cycle, ["P1", "P2"], "paris-19", ["S1"]))
    assert first["replaced"] is False and len(first["receipt"]) == 24
    assert run("check_receipt", {"cycle_id": vote_cycle["id"], "receipt": first["receipt"]}) == {
        "cycle_id": vote_cycle["id"], "counted": True, "status": "recorded"}
    second = run("cast_ballot", camille, ballot(vote_cycle, ["P3"]))
    assert second["replaced"] is True
    assert run("check_receipt", {"cycle_id": vote_cycle["id"], "receipt": first["receipt"]})["status"] == "replaced"
    mine = run("my_ballot", camille, vote_cycle["id"])
    assert mine["paris_projects"] == [vote_cycle["P3"]] and mine["sector_projects"] == [] and mine["changes"] == 1
    assert len(store.rows("budget_ballots")) == 1 and len(store.rows("budget_ballot_choices")) == 1
    assert first["receipt"] not in repr(store.snapshot())  # digests only
    events = store.events("ballot_cast")
    assert len(events) == 2 and all(e["payload"] == {"cycle_id": vote_cycle["id"], "channel": "online", "count": 1}
                                  for e in events)
    assert all(e["actor"]["account_id"] is None for e in events)
    with pytest.raises(NotFound):
        run("check_receipt", {"cycle_id": vote_cycle["id"], "receipt": "0" * 24})


@pytest.mark.parametrize("attributes, rule", [
    ({"lives_in_paris": False}, "lives_in_paris"),
    ({"birth_date": "2011-01-01"}, "min_age"),
    ({"email_verified": False}, "email_verified"),
])
def test_an_ineligible_voter_is_told_the_rule_and_nothing_is_written(run, store, voter, vote_cycle, attributes, rule):
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as refused:
        run("cast_ballot", voter(**attributes), ballot(vote_cycle, ["P1"]))
    assert refused.value.code == "NOT_ELIGIBLE" and refused.value.details["rule"] == rule
    assert store.snapshot() == before


def test_a_certification_rule(run, store, voter):
    cycle = run("create_cycle", ADMIN, {**CYCLE, "eligibility": {"certification": "verified"}})
    project = submit(run, cycle["id"], scale="paris", sector=None)["id"]
    advance_to(run, cycle["id"], "study")
    study(run, project, 100)
    advance_to(run, cycle["id"], "selection")
    run("select_project", AGENT, {"project_id": project, "selected": True})
    advance_to(run, cycle["id"], "vote")
    with pytest.raises(PermissionDenied) as refused:
        run("cast_ballot", voter(), {"cycle_id": cycle["id"], "paris_projects": [project], "sector": None,
                                     "sector_projects": []})
    assert refused.value.details == {"rule": "certification", "required": "verified"}
    assert run("cast_ballot", voter(certification="verified"), {
        "cycle_id": cycle["id"], "paris_projects": [project], "sector": None, "sector_projects": []})["receipt"]


@pytest.mark.parametrize("paris, sector, local, field", [
    (["P1", "P2", "P3"], None, [], "paris_projects"),  # more than N = 2
    (["S1"], None, [], "paris_projects"),
    ([], "paris-20", ["S1"], "sector_projects"),
    ([], None, [], "paris_projects"),
])
def test_a_bad_ballot_is_refused_and_nothing_is_written(run, store, voter, vote_cycle, paris, sector, local, field):
    before = store.snapshot()
    with pytest.raises(InvalidInput) as refused:
        run("cast_ballot", voter(), ballot(vote_cycle, paris, sector, local))
    assert field in refused.value.details
    assert store.snapshot() == before


def test_voting_outside_the_vote_stage(run, store, voter):
    cycle = run("create_cycle", ADMIN, CYCLE)
    with pytest.raises(Conflict) as refused:
        run("cast_ballot", voter(), {"cycle_id": cycle["id"], "paris_projects": [], "sector": None,
                                     "sector_projects": []})
    assert refused.value.code == "WRONG_STAGE" and refused.value.details["stage"] == "submission"


def test_tally_counts_and_greedy_winners_within_each_envelope(run, store, voter, vote_cycle):
    for paris, local in ((["P1", "P2"], ["S1", "S2"]), (["P2", "P3"], ["S2"]), (["P2"], []), (["P3"], ["S1"])):
        run("cast_ballot", voter(), ballot(vote_cycle, paris, "paris-19" if local else None, local))
    with pytest.raises(PermissionDenied) as hidden:
        run("results", vote_cycle["id"])
    assert hidden.value.code == "RESULTS_NOT_PUBLISHED"
    with pytest.raises(PermissionDenied):
        run("live_counts", citizen_actor(), vote_cycle["id"])
    live = run("live_counts", AGENT, vote_cycle["id"])
    assert live["ballots_count"] == 4
    assert {p["project_id"]: p["votes"] for p in live["projects"]}[vote_cycle["P2"]] == 3
    assert run("get_project", vote_cycle["P2"])["votes"] is None  # the public sees no count during the vote
    receipt = run("cast_ballot", voter(), ballot(vote_cycle, ["P1"]))["receipt"]
    cycle = run("advance_stage", ADMIN, {"cycle_id": vote_cycle["id"], "stage": "results"})
    assert cycle["ballots_count"] == 5
    results = run("results", vote_cycle["id"])
    paris = next(s for s in results["scopes"] if s["scope"] == "paris")
    # votes: P2 3, P1 2, P3 2 (P3 cheaper: before P1); envelope 1000: P2 (500) + P3 (400); P1 (600) does not fit
    assert [(p["votes"], p["won"]) for p in paris["projects"]] == [(3, True), (2, True), (2, False)]
    assert paris["used"] == 900 and paris["envelope"] == 1000
    sector = next(s for s in results["scopes"] if s["scope"] == "paris-19")
    assert [p["project_id"] for p in sector["projects"] if p["won"]] == [vote_cycle["S2"]]  # 2 votes, 150 each
    assert sector["used"] == 150  # S1 (200) no longer fits in 300 - 150
    assert results["envelope_used"] == 1050
    assert run("check_receipt", {"cycle_id": vote_cycle["id"], "receipt": receipt})["status"] == "counted"
    [closed] = store.events("vote_closed")
    assert closed["payload"] == {"cycle_id": vote_cycle["id"], "ballots_count": 5}
    [published] = store.events("results_published")
    assert published["payload"]["envelope_used"] == 1050
    assert sorted(published["payload"]["winner_project_ids"]) == sorted([vote_cycle["P2"], vote_cycle["P3"],
                                                                         vote_cycle["S2"]])
    assert run("get_project", vote_cycle["P1"])["status"] == "not_winner"
    with pytest.raises(Conflict):
        run("cast_ballot", voter(), ballot(vote_cycle, ["P1"]))
    exported = pabulib.parse(run("export_pabulib", vote_cycle["id"])["content"])
    assert exported["meta"]["num_votes"] == "5"
    assert sorted(len(pabulib.choices_of(v["vote"])) for v in exported["votes"]) == [1, 1, 2, 3, 4]
    assert {p["project_id"]: int(p["votes"]) for p in exported["projects"]}["1"] == 2


def test_export_waits_for_the_results(run, vote_cycle):
    with pytest.raises(Conflict):
        run("export_pabulib", vote_cycle["id"])


# --- pabulib --------------------------------------------------------------------------------------------

def test_an_imported_pabulib_file_tallies_to_its_votes_column_and_greedy_winners(run, store, voter):
    text = SAINT_CYPRIEN.read_text(encoding="utf-8")
    parsed = pabulib.parse(text)
    with pytest.raises(PermissionDenied):
        run("import_pabulib", AGENT, {"content": text})
    cycle = run("import_pabulib", ADMIN, {"content": text, "title": None, "filename": SAINT_CYPRIEN.name})
    assert cycle["stage"] == "vote" and cycle["projects_count"] == 10 and cycle["max_choices"] == 3
    projects = run("list_projects", {"cycle_id": cycle["id"], "limit": 500, "offset": 0})["items"]
    by_external = {p["external_id"]: p["id"] for p in projects}
    for vote in parsed["votes"]:
        run("cast_ballot", voter(), {"cycle_id": cycle["id"], "sector": None, "sector_projects": [],
                                     "paris_projects": [by_external[c] for c in pabulib.choices_of(vote["vote"])]})
    run("advance_stage", ADMIN, {"cycle_id": cycle["id"], "stage": "results"})
    results = run("results", cycle["id"])
    [paris] = results["scopes"]
    assert {p["external_id"]: p["votes"] for p in paris["projects"]} == {
        row["project_id"]: int(row["votes"]) for row in parsed["projects"]}
    expected, left = [], int(float(parsed["meta"]["budget"]))
    for row in sorted(parsed["projects"], key=lambda r: (-int(r["votes"]), float(r["cost"]),
                                                         parsed["projects"].index(r))):
        if float(row["cost"]) <= left:
            expected.append(row["project_id"])
            left -= int(float(row["cost"]))
    assert [p["external_id"] for p in paris["projects"] if p["won"]] == expected
    assert results["ballots_count"] == len(parsed["votes"])


@pytest.mark.parametrize("content", ["META\nkey;value\nbudget;0\nPROJECTS\nproject_id;cost\n1;10\n",
                                     "PROJECTS\nproject_id;cost\n1;10\n1;20\n",
                                     "bonjour", "META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost\n1;-5\n"])
def test_an_unreadable_pabulib_file_is_refused_and_nothing_is_written(run, store, content):
    with pytest.raises(InvalidInput) as refused:
        run("import_pabulib", ADMIN, {"content": content})
    assert "content" in refused.value.details
    assert store.rows("budget_cycles") == [] and store.rows("budget_projects") == []


# --- accounts' events -------------------------------------------------------------------------------------

def test_account_deleted_pseudonymises_carriers_and_keeps_the_ballot_counted(run, store, voter, vote_cycle):
    camille = voter()
    carrier = store.one("budget_project_carriers", Carrier.project_id == vote_cycle["P1"])
    run("cast_ballot", camille, ballot(vote_cycle, ["P1"]))
    for account_id in (camille["account_id"], carrier.account_id):
        chain = str(uuid.uuid4())
        envelope = make_event(type="account_deleted", version=1, producer="accounts",
                              subject={"kind": "account", "id": account_id}, payload={"account_id": account_id},
                              correlation_id=chain, causation_id=chain)
        assert run("forget_account", envelope) is True
        assert run("forget_account", envelope) is False  # the same event again: applied once
    assert store.one("budget_project_carriers", Carrier.project_id == vote_cycle["P1"]).account_id is None
    assert [row.account_id for row in store.rows("budget_ballots")] == [None]
    assert run("live_counts", AGENT, vote_cycle["id"])["ballots_count"] == 1
    assert run("export_personal_data", camille["account_id"]) == {
        "projects_carried": [], "ballots": [], "projects_followed": [], "merge_invitations": []}
