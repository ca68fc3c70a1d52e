"""The participatory budget on the running platform, through the gateway: an admin opens a cycle; citizens
submit projects; the City studies them, merges two of them during co-construction (the carriers are invited by
e-mail, one accepts, one refuses) and selects; stage gates answer 409 naming the stage; Paris residents vote
(an ineligible one is told the rule), change their ballot and check their receipt; agents enter paper ballots
(a person who voted online too is counted once: the online ballot wins); agents see live counts, the public
does not; closing the vote tallies and publishes the results with the online/paper breakdown; the .pb and CSV
exports; a winner moves along its planning timeline and its follower gets the e-mail; account deletion keeps
the ballot counted; events on the bus carry no personal data."""
import time

import pytest
import requests

from .people import PASSWORD, administrator, citizen, read_mail_link, resident, wait_for
from .platform_db import rows

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def people(platform):
    return {"admin": administrator(platform).headers, "carrier": resident(platform, read_mail_link, "Porteuse"),
            "voters": [resident(platform, read_mail_link, f"Votant{n}") for n in range(3)],
            "outsider": citizen(platform, read_mail_link, "Banlieusard")}


def test_a_cycle_from_submission_to_results(platform, people):
    api, admin = f"{platform.url}/api/v1/budget", people["admin"]
    carrier, voters = people["carrier"], people["voters"]
    cycle = requests.post(f"{api}/cycles", headers=admin, json={
        "title": f"Budget participatif 2026 {time.monotonic_ns()}", "paris_envelope": 1000, "max_choices": 2,
        "sector_envelopes": {"paris-19": 300}, "eligibility": {"lives_in_paris": True, "min_age": 16}})
    assert cycle.status_code == 201, cycle.text
    cycle = cycle.json()
    assert requests.post(f"{api}/cycles", headers=carrier.headers, json={
        "title": "Pas pour moi", "paris_envelope": 1}).status_code == 403

    def project(title, scale, sector=None):
        response = requests.post(f"{api}/cycles/{cycle['id']}/projects", headers=carrier.headers, json={
            "title": title, "description": "Un projet pour le quartier, décrit en plus de vingt caractères.",
            "theme": "Cadre de vie", "scale": scale, "sector": sector, "estimated_cost": 100})
        assert response.status_code == 201, response.text
        return response.json()["id"]

    p1, p2, s1 = project("Des bancs partout", "paris"), project("Des fontaines", "paris"), \
        project("Un jardin partagé", "arrondissement", "paris-19")
    j1 = project("Des jeux pour les petits", "arrondissement", "paris-19")
    j2 = requests.post(f"{api}/cycles/{cycle['id']}/projects", headers=voters[1].headers, json={
        "title": "Une aire de jeux au square", "description": "Des jeux pour les enfants du quartier, au square.",
        "theme": "Cadre de vie", "scale": "arrondissement", "sector": "paris-19"}).json()["id"]
    bad = requests.post(f"{api}/cycles/{cycle['id']}/projects", headers=carrier.headers, json={
        "title": "Jardin", "description": "court", "theme": "Jardinage", "scale": "arrondissement"})
    assert bad.status_code == 400 and {"description", "theme"} <= set(bad.json()["details"])
    no_sector = requests.post(f"{api}/cycles/{cycle['id']}/projects", headers=carrier.headers, json={
        "title": "Un jardin partagé", "description": "Un jardin partagé au square, ouvert à tous.",
        "theme": "Environnement", "scale": "arrondissement"})
    assert no_sector.status_code == 400 and "sector" in no_sector.json()["details"]

    def advance(stage):
        response = requests.post(f"{api}/cycles/{cycle['id']}/stage", headers=admin, json={"stage": stage})
        assert response.ok, response.text
        return response.json()

    skipped = requests.post(f"{api}/cycles/{cycle['id']}/stage", headers=admin, json={"stage": "vote"})
    assert skipped.status_code == 409 and skipped.json()["details"]["next_stage"] == "study"
    advance("study")
    late = requests.post(f"{api}/cycles/{cycle['id']}/projects", headers=carrier.headers, json={
        "title": "Trop tard", "description": "Un projet déposé après la fin du dépôt des projets.",
        "theme": "Sport", "scale": "paris"})
    assert late.status_code == 409 and late.json()["error"] == "WRONG_STAGE"
    assert "Étude des projets" in late.json()["message"]
    for project_id, cost in ((p1, 600), (p2, 500), (s1, 200), (j1, 60), (j2, 90)):
        studied = requests.post(f"{api}/projects/{project_id}/study", headers=admin, json={
            "admissible": True, "admissibility_reason": "Relève de la Ville.", "feasible": True, "cost": cost})
        assert studied.ok and studied.json()["status"] == "feasible", studied.text
    assert requests.post(f"{api}/projects/{p1}/study", headers=carrier.headers, json={
        "admissible": False, "admissibility_reason": "Non."}).status_code == 403
    advance("co_construction")
    merged = requests.post(f"{api}/cycles/{cycle['id']}/merges", headers=admin, json={
        "project_ids": [j1, j2], "title": "Une aire de jeux pour tout le quartier",
        "description": "Les deux projets de jeux réunis : une seule aire, plus grande, au square."})
    assert merged.status_code == 201, merged.text
    merged = merged.json()
    m = merged["id"]
    assert merged["cost"] == 150 and [s["project_id"] for s in merged["lineage"]] == [j1, j2]
    assert requests.get(f"{api}/projects/{j1}").json()["merged_into"] == m
    read_mail_link(platform, carrier.email, f"/budget-participatif/projets/{m}")  # the invitation
    accepted = requests.post(f"{api}/projects/{m}/invitation", headers=carrier.headers, json={"accept": True})
    assert accepted.ok and accepted.json()["carried_by_me"] is True, accepted.text
    refused_merge = requests.post(f"{api}/projects/{m}/invitation", headers=voters[1].headers,
                                  json={"accept": False})
    assert refused_merge.ok and refused_merge.json()["carriers_count"] == 1
    advance("selection")
    assert requests.post(f"{api}/projects/{j1}/selection", headers=admin, json={}).status_code == 409
    for project_id in (p1, p2, s1, m):
        assert requests.post(f"{api}/projects/{project_id}/selection", headers=admin, json={}).ok
    advance("campaign")
    early = requests.put(f"{api}/cycles/{cycle['id']}/ballot", headers=voters[0].headers,
                         json={"paris_projects": [p1]})
    assert early.status_code == 409 and early.json()["details"]["stage"] == "campaign"
    advance("vote")

    refused = requests.put(f"{api}/cycles/{cycle['id']}/ballot", headers=people["outsider"].headers,
                           json={"paris_projects": [p1]})
    assert refused.status_code == 403 and refused.json()["details"]["rule"] == "lives_in_paris"
    too_many = requests.put(f"{api}/cycles/{cycle['id']}/ballot", headers=voters[0].headers,
                            json={"paris_projects": [p1, p2, s1]})
    assert too_many.status_code == 400
    first = requests.put(f"{api}/cycles/{cycle['id']}/ballot", headers=voters[0].headers,
                         json={"paris_projects": [p1], "sector": "paris-19", "sector_projects": [s1]}).json()
    second = requests.put(f"{api}/cycles/{cycle['id']}/ballot", headers=voters[0].headers,
                          json={"paris_projects": [p2, p1]}).json()
    assert second["replaced"] is True and first["receipt"] != second["receipt"]
    same = {"paris_projects": [p2], "sector": "paris-19", "sector_projects": [s1]}
    assert requests.put(f"{api}/cycles/{cycle['id']}/ballot", headers=voters[1].headers, json=same).ok
    # voters[2]'s client lost the answer and sends the ballot again with its Idempotency-Key: the same receipt,
    # nothing cast again (the ballot_cast count below stays 4 online); the key with another ballot: 422
    keyed = {**voters[2].headers, "Idempotency-Key": f"bulletin-{voters[2].id}"}
    sent, resent = [requests.put(f"{api}/cycles/{cycle['id']}/ballot", headers=keyed, json=same) for _ in "12"]
    assert sent.ok and resent.json() == sent.json() and sent.json()["replaced"] is False, resent.text
    reused = requests.put(f"{api}/cycles/{cycle['id']}/ballot", headers=keyed, json={"paris_projects": [p1]})
    assert reused.status_code == 422 and reused.json()["error"] == "IDEMPOTENCY_KEY_REUSED"
    assert requests.get(f"{api}/cycles/{cycle['id']}/receipts/{first['receipt']}").json()["status"] == "replaced"
    assert requests.get(f"{api}/cycles/{cycle['id']}/receipts/{second['receipt']}").json()["counted"] is True
    mine = requests.get(f"{api}/cycles/{cycle['id']}/ballot", headers=voters[0].headers).json()
    assert sorted(mine["paris_projects"]) == sorted([p1, p2]) and mine["sector_projects"] == []

    # Paper ballots from a mobile ballot box: someone without an account, and voters[1], who voted online too.
    identity = {"last_name": "Martin", "first_name": "Léa", "birth_date": "1980-03-02", "postcode": "75019",
                "id_document_kind": "cni", "id_document_last4": "12AB", "ballot_box": "Marché de Joinville"}
    on_paper = requests.post(f"{api}/cycles/{cycle['id']}/paper-ballots", headers=admin, json={
        **identity, "paris_projects": [p1], "sector": "paris-19", "sector_projects": [m]})
    assert on_paper.status_code == 201 and on_paper.json()["counted"] is True, on_paper.text
    twice = requests.post(f"{api}/cycles/{cycle['id']}/paper-ballots", headers=admin, json={
        **identity, "last_name": "MARTIN", "ballot_box": "Mairie du 19e", "paris_projects": [p2]})
    assert twice.status_code == 409 and twice.json()["error"] == "ALREADY_VOTED_ON_PAPER"
    double = requests.post(f"{api}/cycles/{cycle['id']}/paper-ballots", headers=admin, json={
        **identity, "last_name": "Votant", "first_name": "Un", "birth_date": "1990-05-14",
        "account_email": voters[1].email, "paris_projects": [p1]})
    assert double.status_code == 201 and double.json()["status"] == "superseded_by_online", double.text
    assert requests.post(f"{api}/cycles/{cycle['id']}/paper-ballots", headers=carrier.headers,
                         json={**identity, "paris_projects": [p1]}).status_code == 403

    assert requests.get(f"{api}/cycles/{cycle['id']}/results").status_code == 403
    assert requests.get(f"{api}/cycles/{cycle['id']}/counts", headers=carrier.headers).status_code == 403
    live = requests.get(f"{api}/cycles/{cycle['id']}/counts", headers=admin).json()
    assert {p["project_id"]: p["votes"] for p in live["projects"]} == {p1: 2, p2: 3, s1: 2, m: 1}
    assert (live["ballots_count"], live["ballots_online"], live["ballots_paper"]) == (4, 3, 1)

    closed = advance("results")
    assert closed["ballots_count"] == 4  # the double voter counted once
    results = requests.get(f"{api}/cycles/{cycle['id']}/results").json()
    assert (results["ballots_online"], results["ballots_paper"]) == (3, 1)
    paris = next(s for s in results["scopes"] if s["scope"] == "paris")
    assert [(p["project_id"], p["votes"], p["votes_online"], p["votes_paper"], p["won"])
            for p in paris["projects"]] == [(p2, 3, 3, 0, True), (p1, 2, 1, 1, False)]
    assert results["envelope_used"] == 700  # p2 (500); p1 (600) does not fit in 1000; s1 (200) in the 19e
    csv_results = requests.get(f"{api}/cycles/{cycle['id']}/results.csv")
    assert csv_results.ok and csv_results.headers["Content-Type"].startswith("text/csv")
    assert f"{p1};" in csv_results.text and "voix_papier" in csv_results.text

    # Implementation: voters[2] follows the winner p2 and wants « Ce que je suis » by e-mail at once (a weekly digest
    # by default); an agent moves it along; the follower gets the e-mail (from the notifications service).
    followed = requests.put(f"{api}/projects/{p2}/follows/favorite", headers=voters[2].headers)
    assert followed.ok and followed.json()["favorites_count"] == 1
    chosen = requests.put(f"{platform.url}/api/v1/me/notification-preferences", headers=voters[2].headers,
                          json={"preferences": {"followed": "email"}})
    assert chosen.ok, chosen.text
    # the follow reaches the notifications service as an event of its own (another queue than the status change's):
    # once « Mon espace » shows it, the service knows whom the status change tells
    space = f"{platform.url}/api/v1/me/space?kind=budget_project"
    assert wait_for(lambda: any(item["id"] == p2 and "follower" in item["roles"]
                                for item in requests.get(space, headers=voters[2].headers).json()["items"]))
    advance("implementation")
    moved = requests.post(f"{api}/projects/{p2}/status", headers=admin, json={
        "status": "etudes_conception", "justification": "La direction a lancé les études des fontaines.",
        "effective_date": time.strftime("%Y-%m-%d")})
    assert moved.ok and moved.json()["status"] == "etudes_conception", moved.text
    assert requests.post(f"{api}/projects/{p2}/status", headers=carrier.headers, json={
        "status": "realise", "justification": "Non.", "effective_date": "2026-01-01"}).status_code == 403
    sheet = requests.get(f"{api}/projects/{p2}").json()
    assert [t["status"] for t in sheet["timeline"]] == ["etudes_conception"]
    read_mail_link(platform, voters[2].email, f"/budget-participatif/projets/{p2}")
    exported = requests.get(f"{api}/cycles/{cycle['id']}/pabulib")
    assert exported.ok and "VOTES" in exported.text and people["voters"][0].id not in exported.text
    assert requests.get(f"{api}/cycles/{cycle['id']}/receipts/{second['receipt']}").json()["status"] == "counted"

    # The voter deletes their account: the ballot stays counted, unlinked; the carrier is pseudonymised.
    for person in (carrier, voters[0]):
        deleted = requests.post(f"{platform.url}/api/v1/me/deletion", headers=person.headers,
                                json={"password": PASSWORD})
        assert deleted.ok, deleted.text
    assert wait_for(lambda: carrier.id not in {row.account_id
                                               for row in rows(platform, "budget", "budget_project_carriers")})
    assert wait_for(lambda: voters[0].id not in {row.account_id for row in rows(platform, "budget", "budget_ballots")})
    ballots = [row for row in rows(platform, "budget", "budget_ballots") if row.cycle_id == cycle["id"]
               and row.channel == "online"]
    assert len(ballots) == 3 and sum(row.account_id is None for row in ballots) == 1
    assert requests.get(f"{api}/cycles/{cycle['id']}/results").json()["ballots_count"] == 4
    assert all(row.identity_digest is None for row in rows(platform, "budget", "budget_paper_ballots"))  # erased

    outbox = [row.envelope for row in rows(platform, "budget", "outbox_events")]
    cast = [e for e in outbox if e["type"] == "ballot_cast" and e["payload"]["cycle_id"] == cycle["id"]]
    assert sum(e["payload"]["count"] for e in cast) == 6  # 4 online (one replaced), 2 on paper
    assert sum(e["payload"]["count"] for e in cast if e["payload"]["channel"] == "paper") == 2
    assert all(e["actor"]["account_id"] is None for e in cast)
    assert {e["type"] for e in outbox} >= {"project_submitted", "project_study_decided", "project_selected",
                                           "ballot_cast", "vote_closed", "results_published", "projects_merged",
                                           "project_status_changed"}
    for secret in ("Martin", "1980-03-02", "12AB", voters[1].email):
        assert secret not in repr(outbox)
