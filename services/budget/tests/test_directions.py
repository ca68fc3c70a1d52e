"""Agents act only within their direction: study, selection, merges, paper ballots and implementation statuses
(SQLite and PostgreSQL). The owning agent and an admin act; an agent of another direction gets 403
OUTSIDE_DIRECTION and nothing is written; a moderator is refused."""
from datetime import date, timedelta

import pytest
from accounts.domain import DIRECTIONS
from hubkit.errors import PermissionDenied
from sqlalchemy import update

from budget import domain
from budget.models import Project

from .test_handlers import ADMIN, AGENT, CYCLE, advance_to, ballot, run, submit, vote_cycle, voter  # noqa: F401
from .test_tracking_and_paper import IDENTITY

DVD_AGENT = {"account_id": "5e4d3c2b-1a09-4f8e-8d7c-6b5a4f3e2d1c", "roles": ["citizen", "agent"], "direction": "DVD"}
DEVE_AGENT = {**DVD_AGENT, "direction": "DEVE"}
MODERATOR = {"account_id": "2c3d4e5f-6071-4829-93a4-b5c6d7e8f9a0", "roles": ["citizen", "moderator"]}
STUDY = {"admissible": True, "feasible": True, "admissibility_reason": "Relève de la compétence de la Ville.",
         "feasibility_reason": None, "cost": 90}


# --- the rule -------------------------------------------------------------------------------------------

def test_the_owning_agent_and_admins_pass():
    domain.check_owning_direction(DVD_AGENT, "DVD", DIRECTIONS)
    domain.check_owning_direction(ADMIN, "DVD", {})  # an admin needs no label


@pytest.mark.parametrize("actor, code", [(DEVE_AGENT, "OUTSIDE_DIRECTION"), ({**DVD_AGENT, "direction": None},
                                         "OUTSIDE_DIRECTION"), (MODERATOR, "FORBIDDEN")])
def test_anyone_else_is_refused_naming_the_owning_direction(actor, code):
    with pytest.raises(domain.NotAllowed) as refused:
        domain.check_owning_direction(actor, "DVD", DIRECTIONS)
    assert refused.value.code == code and refused.value.details == {"direction": "DVD"}
    assert "DVD (Direction de la voirie et des déplacements)" in refused.value.message


def test_a_project_without_a_delivery_direction_belongs_to_the_organiser():
    assert domain.owning_direction(None, "DDCT") == "DDCT" and domain.owning_direction("DVD", "DDCT") == "DVD"


# --- the use cases -----------------------------------------------------------------------------------------

def owned_by(store, project_id, direction):
    with store.uow() as uow:
        uow.session.execute(update(Project).where(Project.id == project_id).values(direction=direction))


def refused_for_outsiders(run, store, method, command):
    before = store.snapshot()
    for outsider, code in ((DEVE_AGENT, "OUTSIDE_DIRECTION"), (MODERATOR, "FORBIDDEN")):
        with pytest.raises(PermissionDenied) as refused:
            run(method, outsider, command)
        assert refused.value.code == code
        if code == "OUTSIDE_DIRECTION":
            assert refused.value.details == {"direction": "DVD"} and "direction DVD" in refused.value.message
    assert store.snapshot() == before


@pytest.fixture
def studied(run, store):
    """A cycle at the study with one project the DVD delivers."""
    cycle = run("create_cycle", ADMIN, CYCLE)
    project_id = submit(run, cycle["id"])["id"]
    owned_by(store, project_id, "DVD")
    advance_to(run, cycle["id"], "study")
    return {"cycle": cycle["id"], "project": project_id}


@pytest.mark.parametrize("who", [DVD_AGENT, ADMIN], ids=["owning agent", "admin"])
def test_study(run, store, studied, who):
    command = {**STUDY, "project_id": studied["project"]}
    refused_for_outsiders(run, store, "decide_study", command)
    assert run("decide_study", who, command)["admissible"] is True


def test_an_unowned_project_is_studied_by_the_organiser_who_hands_it_over(run, store):
    cycle = run("create_cycle", ADMIN, CYCLE)
    project_id = submit(run, cycle["id"])["id"]
    advance_to(run, cycle["id"], "study")
    with pytest.raises(PermissionDenied) as refused:
        run("decide_study", DVD_AGENT, {**STUDY, "project_id": project_id})
    assert refused.value.code == "OUTSIDE_DIRECTION" and refused.value.details == {"direction": "DDCT"}
    handed = run("decide_study", AGENT, {**STUDY, "project_id": project_id, "direction": "DVD"})
    assert handed["direction"] == "DVD"
    assert run("decide_study", DVD_AGENT, {**STUDY, "project_id": project_id, "cost": 95})["cost"] == 95
    with pytest.raises(PermissionDenied):  # the organiser handed it over
        run("decide_study", AGENT, {**STUDY, "project_id": project_id})


@pytest.mark.parametrize("who", [DVD_AGENT, ADMIN], ids=["owning agent", "admin"])
def test_selection(run, store, studied, who):
    run("decide_study", DVD_AGENT, {**STUDY, "project_id": studied["project"]})
    advance_to(run, studied["cycle"], "selection")
    command = {"project_id": studied["project"], "selected": True}
    refused_for_outsiders(run, store, "select_project", command)
    assert run("select_project", who, command)["selected"] is True


@pytest.mark.parametrize("who", [DVD_AGENT, ADMIN], ids=["owning agent", "admin"])
def test_merges_need_every_source(run, store, who):
    cycle = run("create_cycle", ADMIN, CYCLE)
    first, second = (submit(run, cycle["id"], title=f"Un jardin partagé {n}")["id"] for n in "AB")
    owned_by(store, first, "DVD")
    owned_by(store, second, "DVD")
    advance_to(run, cycle["id"], "study")
    for project_id in (first, second):
        run("decide_study", DVD_AGENT, {**STUDY, "project_id": project_id})
    advance_to(run, cycle["id"], "co_construction")
    command = {"cycle_id": cycle["id"], "project_ids": [first, second], "title": "Un grand jardin partagé",
               "description": "Les deux jardins réunis en un seul, plus grand, avec un composteur."}
    refused_for_outsiders(run, store, "merge_projects", command)
    owned_by(store, second, "DEVE")  # one source of another direction: the DVD may not merge it
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as refused:
        run("merge_projects", DVD_AGENT, command)
    assert refused.value.code == "OUTSIDE_DIRECTION" and refused.value.details == {"direction": "DEVE"}
    assert store.snapshot() == before
    if who is ADMIN:
        assert run("merge_projects", ADMIN, command)["direction"] == "DVD"
    else:
        owned_by(store, second, "DVD")
        assert run("merge_projects", DVD_AGENT, command)["direction"] == "DVD"


def test_paper_ballots_are_the_organising_directions(run, store, vote_cycle):
    command = {**ballot(vote_cycle, paris=("P1",)), **IDENTITY, "birth_date": date(1990, 5, 14)}
    before = store.snapshot()
    for outsider, code in ((DVD_AGENT, "OUTSIDE_DIRECTION"), (MODERATOR, "FORBIDDEN")):
        with pytest.raises(PermissionDenied) as refused:
            run("record_paper_ballot", outsider, command)
        assert refused.value.code == code
        if code == "OUTSIDE_DIRECTION":
            assert refused.value.details == {"direction": "DDCT"}
    assert refused.value.message == "Réservé aux agents de la Ville et aux administrateurs."  # the moderator
    assert store.snapshot() == before
    assert run("record_paper_ballot", AGENT, command)["counted"]  # the DDCT's agent
    assert run("record_paper_ballot", ADMIN, {**command, "first_name": "Dominique"})["counted"]


@pytest.mark.parametrize("who", [DVD_AGENT, ADMIN], ids=["owning agent", "admin"])
def test_implementation_statuses(run, store, voter, vote_cycle, who):
    run("cast_ballot", voter(), ballot(vote_cycle, paris=("P1",)))
    advance_to(run, vote_cycle["id"], "results")
    owned_by(store, vote_cycle["P1"], "DVD")
    command = {"project_id": vote_cycle["P1"], "status": "etudes_conception", "justification": "Études lancées.",
               "effective_date": date.today() - timedelta(days=1)}
    refused_for_outsiders(run, store, "change_project_status", command)
    assert run("change_project_status", who, command)["implementation_status"] == "etudes_conception"
