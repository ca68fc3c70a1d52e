"""Co-construction: merging projects, the lineage, carriers' invitations and answers (SQLite and PostgreSQL)."""
import pytest
from hubkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.fakes.actors import citizen_actor

from .test_handlers import ADMIN, AGENT, CYCLE, advance_to, run, study, submit  # noqa: F401  (fixture)


@pytest.fixture
def co_cycle(run):
    """A cycle at co-construction: A and B (19e, carried by Alix and Bao), C inadmissible, D Paris-wide."""
    cycle = run("create_cycle", ADMIN, CYCLE)
    alix, bao = citizen_actor(), citizen_actor()
    made = {"alix": alix, "bao": bao, "id": cycle["id"]}
    for name, carrier in (("A", alix), ("B", bao), ("C", bao)):
        made[name] = run("submit_project", carrier, {
            "cycle_id": cycle["id"], "title": f"Un jardin partagé {name}", "description": "Un jardin partagé au "
            "pied des immeubles, avec des bacs et un composteur.", "theme": "Environnement",
            "scale": "arrondissement", "sector": "paris-19", "address": None, "origin_idea_id": None,
            "estimated_cost": 50})["id"]
    made["D"] = submit(run, cycle["id"], scale="paris", sector=None)["id"]
    advance_to(run, cycle["id"], "study")
    study(run, made["A"], 40)
    study(run, made["B"], 70)
    run("decide_study", AGENT, {"project_id": made["C"], "admissible": False, "admissibility_reason": "Hors compétence.",
                                "feasible": None, "feasibility_reason": None, "cost": None})
    study(run, made["D"], 500)
    advance_to(run, cycle["id"], "co_construction")
    return made


def merge(run, cycle, *names, **changes):
    return run("merge_projects", AGENT, {"cycle_id": cycle["id"], "project_ids": [cycle[n] for n in names],
                                         "title": "Un grand jardin partagé", "description": "Les deux jardins "
                                         "réunis en un seul, plus grand, avec un composteur.", **changes})


def test_agents_merge_projects_into_a_new_one_with_its_lineage(run, store, co_cycle):
    merged = merge(run, co_cycle, "A", "B")
    assert merged["cost"] == 110 and merged["admissible"] and merged["feasible"] and merged["status"] == "feasible"
    assert [s["project_id"] for s in merged["lineage"]] == [co_cycle["A"], co_cycle["B"]]
    assert merged["scale"] == "arrondissement" and merged["sector"] == "paris-19"
    assert merged["carriers_count"] == 0 and merged["pending_invitations"] == 2
    source = run("get_project", co_cycle["A"])
    assert source["status"] == "merged" and source["merged_into"] == merged["id"]
    assert source["merged_into_title"] == "Un grand jardin partagé"
    [event] = store.events("projects_merged")
    assert event["payload"]["project_id"] == merged["id"] and event["payload"]["invited_count"] == 2
    assert [s["project_id"] for s in event["payload"]["sources"]] == [co_cycle["A"], co_cycle["B"]]
    listed = run("list_projects", {"cycle_id": co_cycle["id"], "limit": 50, "offset": 0})
    assert co_cycle["A"] not in [p["id"] for p in listed["items"]] and merged["id"] in [p["id"] for p in listed["items"]]


def test_a_carrier_accepts_and_another_refuses_the_merge_stands(run, co_cycle):
    merged = merge(run, co_cycle, "A", "B", cost=95)
    assert merged["cost"] == 95
    invited = run("get_project", merged["id"], co_cycle["alix"])
    assert invited["viewer"]["merge_invitation"] == "pending"
    assert [p["id"] for p in run("my_projects", co_cycle["alix"])["invitations"]] == [merged["id"]]
    accepted = run("answer_merge_invitation", co_cycle["alix"], {"project_id": merged["id"], "accept": True})
    assert accepted["carried_by_me"] and accepted["carriers_count"] == 1
    refused = run("answer_merge_invitation", co_cycle["bao"], {"project_id": merged["id"], "accept": False})
    assert not refused["carried_by_me"] and refused["carriers_count"] == 1 and refused["pending_invitations"] == 0
    assert run("get_project", co_cycle["B"])["merged_into"] == merged["id"]  # the merge stands
    with pytest.raises(Conflict) as again:
        run("answer_merge_invitation", co_cycle["bao"], {"project_id": merged["id"], "accept": True})
    assert again.value.code == "ALREADY_ANSWERED"
    with pytest.raises(PermissionDenied):
        run("answer_merge_invitation", citizen_actor(), {"project_id": merged["id"], "accept": True})


def test_merges_that_break_a_rule_write_nothing(run, store, co_cycle):
    before = store.snapshot()
    with pytest.raises(Conflict) as inadmissible:
        merge(run, co_cycle, "A", "C")
    assert inadmissible.value.code == "PROJECT_NOT_ADMISSIBLE"
    with pytest.raises(InvalidInput) as twice:
        merge(run, co_cycle, "A", "A")
    assert "project_ids" in twice.value.details
    with pytest.raises(InvalidInput) as short:
        merge(run, co_cycle, "A", "B", title="Bof")
    assert "title" in short.value.details
    with pytest.raises(PermissionDenied):
        run("merge_projects", co_cycle["alix"], {"cycle_id": co_cycle["id"], "project_ids": [co_cycle["A"],
                                                 co_cycle["B"]], "title": "Un grand jardin", "description": "x" * 30})
    assert store.snapshot() == before
    merge(run, co_cycle, "A", "B")
    with pytest.raises(Conflict) as merged_twice:
        merge(run, co_cycle, "A", "D", scale="paris")
    assert merged_twice.value.code == "ALREADY_MERGED"


def test_merging_happens_during_co_construction_only(run, co_cycle):
    advance_to(run, co_cycle["id"], "selection")
    with pytest.raises(Conflict) as refused:
        merge(run, co_cycle, "A", "B")
    assert refused.value.code == "WRONG_STAGE"


def test_a_merged_source_cannot_be_selected(run, co_cycle):
    merged = merge(run, co_cycle, "A", "B")
    advance_to(run, co_cycle["id"], "selection")
    with pytest.raises(Conflict) as refused:
        run("select_project", AGENT, {"project_id": co_cycle["A"], "selected": True})
    assert refused.value.code == "ALREADY_MERGED"
    assert run("select_project", AGENT, {"project_id": merged["id"], "selected": True})["selected"]


def test_unknown_project_in_a_merge(run, co_cycle):
    with pytest.raises(NotFound):
        run("merge_projects", AGENT, {"cycle_id": co_cycle["id"], "project_ids": [co_cycle["A"],
                                      "00000000-0000-4000-8000-000000000001"], "title": "Un grand jardin",
                                      "description": "Les deux jardins réunis en un seul."})
