"""The participatory budget on the running platform, through the gateway: an admin opens a cycle; a citizen
submits projects; the City studies and selects them; stage gates answer 409 naming the stage; Paris residents
vote (an ineligible one is told the rule), change their ballot and check their receipt; agents see live counts,
the public does not; closing the vote tallies and publishes the results; the .pb export; account deletion
keeps the ballot counted; events on the bus carry no personal data."""
import time

import pytest
import requests
import sqlalchemy as sa
from hubkit.db import make_engine

from .test_petitions import admin_headers, citizen, mail_link_of, wait_for

pytestmark = pytest.mark.e2e
PASSWORD = "Des-Arbres-Partout-2026"


def rows(platform, table: str) -> list:
    engine = make_engine(platform.databases["budget"].url)
    with engine.connect() as connection:
        found = connection.execute(sa.select(sa.Table(table, sa.MetaData(), autoload_with=connection))).all()
    engine.dispose()
    return found


def resident(platform, name: str, postcode="75019") -> dict:
    person = citizen(platform, mail_link_of, name)
    response = requests.patch(f"{platform.url}/api/v1/me", headers=person["headers"], json={
        "lives_in_paris": True, "address_line": "12 rue Manin", "postcode": postcode, "birth_date": "1990-05-14"})
    assert response.ok, response.text
    return person


@pytest.fixture(scope="module")
def people(platform):
    return {"admin": admin_headers(platform), "carrier": resident(platform, "Porteuse"),
            "voters": [resident(platform, f"Votant{n}") for n in range(3)],
            "outsider": citizen(platform, mail_link_of, "Banlieusard")}


def test_a_cycle_from_submission_to_results(platform, people):
    api, admin = f"{platform.url}/api/v1/budget", people["admin"]
    carrier, voters = people["carrier"], people["voters"]
    cycle = requests.post(f"{api}/cycles", headers=admin, json={
        "title": f"Budget participatif 2026 {time.monotonic_ns()}", "paris_envelope": 1000, "max_choices": 2,
        "sector_envelopes": {"paris-19": 300}, "eligibility": {"lives_in_paris": True, "min_age": 16}})
    assert cycle.status_code == 201, cycle.text
    cycle = cycle.json()
    assert requests.post(f"{api}/cycles", headers=carrier["headers"], json={
        "title": "Pas pour moi", "paris_envelope": 1}).status_code == 403

    def project(title, scale, sector=None):
        response = requests.post(f"{api}/cycles/{cycle['id']}/projects", headers=carrier["headers"], json={
            "title": title, "description": "Un projet pour le quartier, décrit en plus de vingt caractères.",
            "theme": "Cadre de vie", "scale": scale, "sector": sector, "estimated_cost": 100})
        assert response.status_code == 201, response.text
        return response.json()["id"]

    p1, p2, s1 = project("Des bancs partout", "paris"), project("Des fontaines", "paris"), \
        project("Un jardin partagé", "arrondissement", "paris-19")
    bad = requests.post(f"{api}/cycles/{cycle['id']}/projects", headers=carrier["headers"], json={
        "title": "Jardin", "description": "court", "theme": "Jardinage", "scale": "arrondissement"})
    assert bad.status_code == 400 and {"description", "theme", "sector"} <= set(bad.json()["details"])

    def advance(stage):
        response = requests.post(f"{api}/cycles/{cycle['id']}/stage", headers=admin, json={"stage": stage})
        assert response.ok, response.text
        return response.json()

    skipped = requests.post(f"{api}/cycles/{cycle['id']}/stage", headers=admin, json={"stage": "vote"})
    assert skipped.status_code == 409 and skipped.json()["details"]["next_stage"] == "study"
    advance("study")
    late = requests.post(f"{api}/cycles/{cycle['id']}/projects", headers=carrier["headers"], json={
        "title": "Trop tard", "description": "Un projet déposé après la fin du dépôt des projets.",
        "theme": "Sport", "scale": "paris"})
    assert late.status_code == 409 and late.json()["error"] == "WRONG_STAGE"
    assert "Étude des projets" in late.json()["message"]
    for project_id, cost in ((p1, 600), (p2, 500), (s1, 200)):
        studied = requests.post(f"{api}/projects/{project_id}/study", headers=admin, json={
            "admissible": True, "admissibility_reason": "Relève de la Ville.", "feasible": True, "cost": cost})
        assert studied.ok and studied.json()["status"] == "feasible", studied.text
    assert requests.post(f"{api}/projects/{p1}/study", headers=carrier["headers"], json={
        "admissible": False, "admissibility_reason": "Non."}).status_code == 403
    advance("co_construction")
    advance("selection")
    for project_id in (p1, p2, s1):
        assert requests.post(f"{api}/projects/{project_id}/selection", headers=admin, json={}).ok
    advance("campaign")
    early = requests.put(f"{api}/cycles/{cycle['id']}/ballot", headers=voters[0]["headers"],
                         json={"paris_projects": [p1]})
    assert early.status_code == 409 and early.json()["details"]["stage"] == "campaign"
    advance("vote")

    refused = requests.put(f"{api}/cycles/{cycle['id']}/ballot", headers=people["outsider"]["headers"],
                           json={"paris_projects": [p1]})
    assert refused.status_code == 403 and refused.json()["details"]["rule"] == "lives_in_paris"
    too_many = requests.put(f"{api}/cycles/{cycle['id']}/ballot", headers=voters[0]["headers"],
                            json={"paris_projects": [p1, p2, s1]})
    assert too_many.status_code == 400
    first = requests.put(f"{api}/cycles/{cycle['id']}/ballot", headers=voters[0]["headers"],
                         json={"paris_projects": [p1], "sector": "paris-19", "sector_projects": [s1]}).json()
    second = requests.put(f"{api}/cycles/{cycle['id']}/ballot", headers=voters[0]["headers"],
                          json={"paris_projects": [p2, p1]}).json()
    assert second["replaced"] is True and first["receipt"] != second["receipt"]
    for voter in voters[1:]:
        assert requests.put(f"{api}/cycles/{cycle['id']}/ballot", headers=voter["headers"],
                            json={"paris_projects": [p2], "sector": "paris-19", "sector_projects": [s1]}).ok
    assert requests.get(f"{api}/cycles/{cycle['id']}/receipts/{first['receipt']}").json()["status"] == "replaced"
    assert requests.get(f"{api}/cycles/{cycle['id']}/receipts/{second['receipt']}").json()["counted"] is True
    mine = requests.get(f"{api}/cycles/{cycle['id']}/ballot", headers=voters[0]["headers"]).json()
    assert sorted(mine["paris_projects"]) == sorted([p1, p2]) and mine["sector_projects"] == []

    assert requests.get(f"{api}/cycles/{cycle['id']}/results").status_code == 403
    assert requests.get(f"{api}/cycles/{cycle['id']}/counts", headers=carrier["headers"]).status_code == 403
    live = requests.get(f"{api}/cycles/{cycle['id']}/counts", headers=admin).json()
    assert {p["project_id"]: p["votes"] for p in live["projects"]} == {p1: 1, p2: 3, s1: 2}

    closed = advance("results")
    assert closed["ballots_count"] == 3
    results = requests.get(f"{api}/cycles/{cycle['id']}/results").json()
    paris = next(s for s in results["scopes"] if s["scope"] == "paris")
    assert [(p["project_id"], p["votes"], p["won"]) for p in paris["projects"]] == [(p2, 3, True), (p1, 1, False)]
    assert results["envelope_used"] == 700  # p2 (500); p1 (600) does not fit in 1000; s1 (200) in the 19e
    exported = requests.get(f"{api}/cycles/{cycle['id']}/pabulib")
    assert exported.ok and "VOTES" in exported.text and people["voters"][0]["id"] not in exported.text
    assert requests.get(f"{api}/cycles/{cycle['id']}/receipts/{second['receipt']}").json()["status"] == "counted"

    # The voter deletes their account: the ballot stays counted, unlinked; the carrier is pseudonymised.
    for person in (carrier, voters[0]):
        deleted = requests.post(f"{platform.url}/api/v1/me/deletion", headers=person["headers"],
                                json={"password": PASSWORD})
        assert deleted.ok, deleted.text
    assert wait_for(lambda: carrier["id"] not in {row.account_id for row in rows(platform, "budget_project_carriers")})
    assert wait_for(lambda: voters[0]["id"] not in {row.account_id for row in rows(platform, "budget_ballots")})
    ballots = [row for row in rows(platform, "budget_ballots") if row.cycle_id == cycle["id"]]
    assert len(ballots) == 3 and sum(row.account_id is None for row in ballots) == 1
    assert requests.get(f"{api}/cycles/{cycle['id']}/results").json()["ballots_count"] == 3

    outbox = [row.envelope for row in rows(platform, "outbox_events")]
    cast = [e for e in outbox if e["type"] == "ballot_cast" and e["payload"]["cycle_id"] == cycle["id"]]
    assert len(cast) == 4 and all(e["payload"] == {"cycle_id": cycle["id"]} for e in cast)
    assert all(e["actor"]["account_id"] is None for e in cast)
    assert {e["type"] for e in outbox} >= {"project_submitted", "project_study_decided", "project_selected",
                                           "ballot_cast", "vote_closed", "results_published"}
