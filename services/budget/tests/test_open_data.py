"""The Paris winners 2014–2023 (the real open data the service ships) as past cycles, the CSV exports, and the drafts
of ideas forwarded by routing (SQLite and PostgreSQL)."""
import csv
import io
import uuid
from collections import Counter
from datetime import date

import pytest
from budget.adapters import paris_open_data
from budget.handlers.open_data import paris_cycle_id, paris_project_id
from hubkit.envelope import make_event
from hubkit.errors import NotFound, PermissionDenied

from tests.fakes import FakeIdeas
from tests.fakes.actors import citizen_actor

from .conftest import PARIS_CSV
from .test_handlers import ADMIN, CYCLE, advance_to, ballot, run, vote_cycle, voter  # noqa: F401

EDITIONS = {2014: 9, 2015: 187, 2016: 219, 2017: 196, 2018: 180, 2019: 194, 2021: 62, 2022: 62, 2023: 105}


@pytest.fixture(scope="module")
def paris_projects():
    return paris_open_data.parse(PARIS_CSV.read_text(encoding="utf-8-sig"))


# --- reading the file (no database) ---------------------------------------------------------------------

def test_the_file_reads_as_1214_winners_per_edition(paris_projects):
    assert len(paris_projects) == 1214
    assert Counter(p["edition"] for p in paris_projects) == EDITIONS


def test_statuses_are_mapped(paris_projects):
    assert Counter(p["status"] for p in paris_projects) == {
        "realise": 683, "en_cours_livraison": 160, "etudes_conception": 149, "realisation_travaux": 73,
        "lancement_procedures": 51, "non_demarre": 51, "non_realisable": 47}
    abandoned = next(p for p in paris_projects if p["status"] == "non_realisable")
    assert abandoned["timeline"][-1][0] == "non_realisable" and "abandonné" in abandoned["timeline"][-1][2]
    done = next(p for p in paris_projects if p["external_id"] == "2206")
    assert [step for step, _when, _note in done["timeline"]] == [
        "etudes_conception", "lancement_procedures", "realisation_travaux", "en_cours_livraison", "realise"]
    assert done["timeline"][0][1] == date(2015, 1, 1) and done["timeline"][-1][1] == date(2021, 12, 1)


def test_paris_centre_the_16e_and_empty_titles(paris_projects):
    centre = [p for p in paris_projects if p["sector"] == "paris-centre"]
    assert any(p["arrondissement"] is None for p in centre)  # 75123: Paris Centre as a whole
    assert {p["arrondissement"] for p in centre} - {None} <= {1, 2, 3, 4}
    sixteenth = [p for p in paris_projects if p["sector"] == "paris-16"]
    assert len(sixteenth) == 36 + 11 and all(p["arrondissement"] == 16 for p in sixteenth)  # 75016 and 75116
    untitled = [p for p in paris_projects if p["title"].startswith("Projet lauréat n°")]
    assert len(untitled) == 5
    assert sum(1 for p in paris_projects if p["scale"] == "paris") == 63
    assert all(p["sector"] is None for p in paris_projects if p["scale"] == "paris")


def test_an_unknown_status_is_refused():
    text = PARIS_CSV.read_text(encoding="utf-8-sig").splitlines()
    broken = "\n".join([text[0], text[1].replace(";FIN;", ";PEUT-ÊTRE;")])
    with pytest.raises(paris_open_data.OpenDataError):
        paris_open_data.parse(broken)


# --- importing (database) ---------------------------------------------------------------------------

def test_the_import_makes_one_past_cycle_per_edition_and_is_idempotent(run, store, paris_projects):
    imported = run("import_paris", ADMIN, paris_projects)
    assert imported["cycles_created"] == 9 and imported["projects_created"] == 1214
    again = run("import_paris", ADMIN, paris_projects)
    assert again["cycles_created"] == 0 and again["projects_created"] == 0
    assert len(store.rows("budget_projects")) == 1214
    cycles = {c["edition"]: c for c in run("list_cycles")}
    assert set(cycles) == set(EDITIONS) and cycles[2019]["stage"] == "implementation"
    page = run("list_projects", {"edition": 2019, "limit": 10, "offset": 0, "sort": "position"})
    assert page["total"] == 194 and sum(page["by_sector"].values()) == 194
    everything = run("list_projects", {"limit": 1, "offset": 0, "sort": "random", "seed": 7})
    assert everything["total"] == 1214
    centre = run("list_projects", {"sector": "paris-centre", "limit": 500, "offset": 0, "sort": "position"})
    assert centre["total"] == 124
    done = run("get_project", paris_project_id("2206"))
    assert done["status"] == "realise" and done["won"] is True and done["cost"] == 2_000_000
    assert done["direction"] == "DEVE" and [t["source"] for t in done["timeline"]] == ["import"] * 5
    assert done["timeline"][-1]["status"] == "realise"
    abandoned = run("list_projects", {"status": "non_realisable", "limit": 500, "offset": 0, "sort": "title"})
    assert abandoned["total"] == 47
    results = run("results", paris_cycle_id(2014))
    assert results["ballots_count"] is None and sum(len(s["projects"]) for s in results["scopes"]) == 9


def test_the_import_is_for_admins(run, store, paris_projects):
    with pytest.raises(PermissionDenied):
        run("import_paris", citizen_actor(), paris_projects[:3])
    assert store.rows("budget_projects") == []


# --- CSV exports -----------------------------------------------------------------------------------

def rows_of(content: str) -> list:
    assert content.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(content[1:]), delimiter=";"))


def test_csv_exports_of_projects_and_results(run, voter, vote_cycle):
    run("cast_ballot", voter(), ballot(vote_cycle, paris=("P1", "P2")))
    projects = rows_of(run("export_projects_csv", {"cycle_id": vote_cycle["id"]})["content"])
    assert len(projects) == 5 and all(row["voix"] == "" for row in projects)  # not published yet
    with pytest.raises(PermissionDenied):
        run("export_results_csv", vote_cycle["id"])
    advance_to(run, vote_cycle["id"], "results")
    projects = rows_of(run("export_projects_csv", {"cycle_id": vote_cycle["id"]})["content"])
    assert {row["voix"] for row in projects} == {"1", "0"}
    results = run("export_results_csv", vote_cycle["id"])
    rows = rows_of(results["content"])
    first = rows[0]
    assert first["echelle"] == "paris" and first["rang"] == "1" and first["voix"] == "1" and \
        first["voix_en_ligne"] == "1" and first["voix_papier"] == "0"
    assert results["filename"].endswith(".csv")


# --- drafts of forwarded ideas ---------------------------------------------------------------------

def forwarded(idea_id, author_id, scheme="budget", decision_id=None):
    chain = str(uuid.uuid4())
    return make_event(type="idea_forwarded", version=1, producer="routing", subject={"kind": "idea", "id": idea_id},
                      payload={"decision_id": decision_id or str(uuid.uuid4()), "idea_id": idea_id,
                               "scheme": scheme, "scheme_kind": "internal", "author_id": author_id, "message": "",
                               "dossier_reference": None}, correlation_id=chain, causation_id=chain)


def test_a_forwarded_idea_becomes_one_draft_its_author_confirms(run, store):
    ideas, author = FakeIdeas(), citizen_actor()
    idea_id = ideas.add(title="Des bancs rue de Belleville",
                        description="Il manque des bancs pour se reposer en montant la rue.",
                        theme="cadre_de_vie", theme_label="Cadre de vie", arrondissement=20,
                        address_line="Rue de Belleville")["id"]
    assert run("draft_forwarded_idea", forwarded(idea_id, None, scheme="petition"), ideas) is False
    event = forwarded(idea_id, author["account_id"])
    assert run("draft_forwarded_idea", event, ideas) is True  # no cycle yet: it waits
    assert len(store.rows("budget_pending_ideas")) == 1
    cycle = run("create_cycle", ADMIN, CYCLE)  # the next cycle drafts it
    assert store.rows("budget_pending_ideas") == []
    assert run("draft_forwarded_idea", event, ideas) is False  # redelivered
    assert run("draft_forwarded_idea", forwarded(idea_id, author["account_id"]), ideas) is False  # same idea
    [drafted] = store.events("project_drafted")
    project_id = drafted["payload"]["project_id"]
    assert drafted["payload"]["origin_idea_id"] == idea_id and drafted["payload"]["cycle_id"] == cycle["id"]
    with pytest.raises(NotFound):
        run("get_project", project_id)  # not public
    draft = run("get_project", project_id, author)
    assert draft["status"] == "draft" and draft["sector"] == "paris-20" and draft["carried_by_me"]
    assert run("list_projects", {"cycle_id": cycle["id"], "limit": 50, "offset": 0})["total"] == 0
    with pytest.raises(NotFound):
        run("confirm_draft_project", citizen_actor(), {"project_id": project_id, "title": "x", "description": "y",
                                                  "theme": "Sport", "scale": "paris"})
    confirmed = run("confirm_draft_project", author, {
        "project_id": project_id, "title": "Des bancs rue de Belleville", "description": "Six bancs le long de la "
        "rue, entre le métro et le parc.", "theme": "Cadre de vie", "scale": "arrondissement", "sector": "paris-20",
        "address": "Rue de Belleville", "estimated_cost": 12000})
    assert confirmed["status"] == "submitted" and confirmed["origin_idea_id"] == idea_id
    [submitted] = store.events("project_submitted")
    assert submitted["payload"]["origin_idea_id"] == idea_id
