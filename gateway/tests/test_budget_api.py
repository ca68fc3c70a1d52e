"""/api/v1/budget with a fake budget service (and the fake accounts service) behind `remote.call`: validation at
the edge, roles at the edge, the service's errors as HTTP statuses, the pabulib download, the OpenAPI document."""
import pytest
from cachetools import TTLCache

from gateway.app import create_app
from gateway.config import Settings
from gateway.tests.fakes import route_to
from hubkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied

from .test_budget_pages import CYCLE_ID, P_LOCAL as PROJECT_ID, FakeBudget

ACCOUNT_ID = "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11"  # the signed-in account of gateway/tests/conftest.py
RECEIPT = "0123456789abcdef01234567"


@pytest.fixture
def budget(app, accounts, monkeypatch):
    """The fake budget service behind `remote.call` (accounts calls still go to the fake accounts)."""
    fake = FakeBudget()
    route_to(monkeypatch, accounts, batched=True, budget=fake)
    return fake


def test_the_public_reads_cycles_projects_and_receipts(client, budget):
    assert client.get("/api/v1/budget/cycles").json[0]["id"] == CYCLE_ID
    assert client.get(f"/api/v1/budget/cycles/{CYCLE_ID}").status_code == 200
    response = client.get(f"/api/v1/budget/cycles/{CYCLE_ID}/projects?scale=arrondissement&sector=paris-19")
    assert response.status_code == 200
    [(query, actor)] = budget.args_of("list_projects")
    assert query["sector"] == "paris-19" and query["cycle_id"] == CYCLE_ID and actor is None
    checked = client.get(f"/api/v1/budget/cycles/{CYCLE_ID}/receipts/{RECEIPT}")
    assert checked.json == {"cycle_id": CYCLE_ID, "counted": True, "status": "recorded"}


def test_a_bad_filter_is_refused_at_the_edge(client, budget):
    response = client.get(f"/api/v1/budget/cycles/{CYCLE_ID}/projects?sector=paris-3&limit=0")
    assert response.status_code == 400 and set(response.json["details"]) == {"sector", "limit"}
    assert budget.calls == []


def test_voting_needs_a_session_and_sends_the_asserted_actor(client, budget, bearer):
    body = {"paris_projects": [PROJECT_ID], "sector": "paris-19", "sector_projects": []}
    assert client.put(f"/api/v1/budget/cycles/{CYCLE_ID}/ballot", json=body).status_code == 401
    response = client.put(f"/api/v1/budget/cycles/{CYCLE_ID}/ballot", json=body, headers=bearer())
    assert response.status_code == 200 and response.json["receipt"] == RECEIPT
    [(payload,)] = budget.args_of("cast_ballots")  # one item of a batch (hubkit.batching)
    assert payload["actor"] == {"account_id": ACCOUNT_ID, "roles": ["citizen"]}
    assert payload["ballot"]["cycle_id"] == CYCLE_ID and payload["ballot"]["paris_projects"] == [PROJECT_ID]


@pytest.mark.parametrize("body, field", [
    ({"paris_projects": ["pas-un-identifiant"]}, "paris_projects"),
    ({"sector": "paris-2"}, "sector"),
    ({"paris_projects": [PROJECT_ID], "couleur": "rouge"}, "couleur"),
])
def test_a_malformed_ballot_is_refused_at_the_edge(client, budget, bearer, body, field):
    response = client.put(f"/api/v1/budget/cycles/{CYCLE_ID}/ballot", json=body, headers=bearer())
    assert response.status_code == 400 and field in response.json["details"]
    assert budget.args_of("cast_ballots") == []


@pytest.mark.parametrize("error, status, code", [
    (PermissionDenied("Réservé aux habitants.", code="NOT_ELIGIBLE", details={"rule": "lives_in_paris"}), 403,
     "NOT_ELIGIBLE"),
    (Conflict("Impossible de voter : étape « Campagne ».", code="WRONG_STAGE", details={"stage": "campaign"}), 409,
     "WRONG_STAGE"),
    (InvalidInput(details={"sector_projects": ["Ce projet n'est pas soumis au vote dans le secteur choisi."]}), 400,
     "VALIDATION_ERROR"),
    (NotFound("Cycle de budget participatif introuvable."), 404, "NOT_FOUND"),
])
def test_the_service_refusals_become_http_statuses(client, budget, bearer, error, status, code):
    budget.fail("cast_ballots", error)
    response = client.put(f"/api/v1/budget/cycles/{CYCLE_ID}/ballot", json={"paris_projects": [PROJECT_ID]},
                          headers=bearer())
    assert response.status_code == status and response.json["error"] == code
    assert response.json["details"] == error.details


def test_results_before_publication_are_forbidden(client, budget):
    budget.fail("results", PermissionDenied("Les résultats ne sont pas encore publiés.", code="RESULTS_NOT_PUBLISHED"))
    response = client.get(f"/api/v1/budget/cycles/{CYCLE_ID}/results")
    assert response.status_code == 403 and response.json["error"] == "RESULTS_NOT_PUBLISHED"


def test_back_office_routes_check_roles_at_the_edge(client, budget, bearer):
    citizen = bearer()
    calls = [("post", "/api/v1/budget/cycles", {"title": "BP 2026", "paris_envelope": 10}),
             ("post", f"/api/v1/budget/cycles/{CYCLE_ID}/stage", {"stage": "results"}),
             ("post", f"/api/v1/budget/projects/{PROJECT_ID}/study", {"admissible": False,
                                                                       "admissibility_reason": "Hors compétence."}),
             ("post", f"/api/v1/budget/projects/{PROJECT_ID}/selection", {"selected": True}),
             ("get", f"/api/v1/budget/cycles/{CYCLE_ID}/counts", None),
             ("post", "/api/v1/budget/cycles/pabulib", {"content": "META"})]
    for method, url, body in calls:
        assert getattr(client, method)(url, json=body, headers=citizen).status_code == 403, url
    assert budget.calls == []
    agent = bearer("agent")
    assert client.get(f"/api/v1/budget/cycles/{CYCLE_ID}/counts", headers=agent).json["ballots_count"] == 42
    assert client.post(f"/api/v1/budget/projects/{PROJECT_ID}/selection", json={}, headers=agent).status_code == 200
    assert client.post("/api/v1/budget/cycles", json={}, headers=agent).status_code == 403


def test_an_admin_runs_a_cycle(client, budget, bearer):
    admin = bearer("admin")
    created = client.post("/api/v1/budget/cycles", headers=admin, json={
        "title": "Budget participatif 2026", "paris_envelope": 30_000_000, "vote_day": "2026-09-10",
        "sector_envelopes": {"paris-centre": 3_000_000}, "eligibility": {"min_age": 7}})
    assert created.status_code == 201
    [(_actor, data)] = budget.args_of("create_cycle")
    assert data["vote_day"] == "2026-09-10" and data["max_choices"] == 4 and data["eligibility"]["min_age"] == 7
    bad = client.post("/api/v1/budget/cycles", headers=admin, json={"title": "BP", "paris_envelope": -1,
                                                                    "sector_envelopes": {"paris-1": 5}})
    assert bad.status_code == 400 and {"paris_envelope", "sector_envelopes"} <= set(bad.json["details"])
    assert client.post(f"/api/v1/budget/cycles/{CYCLE_ID}/stage", headers=admin,
                       json={"stage": "resultats"}).status_code == 400
    assert client.post(f"/api/v1/budget/cycles/{CYCLE_ID}/stage", headers=admin,
                       json={"stage": "results"}).json["stage"] == "results"
    imported = client.post("/api/v1/budget/cycles/pabulib", headers=admin, json={"content": "META\n"})
    assert imported.status_code == 201 and imported.json["projects_count"] == 10


def test_a_citizen_submits_a_project(client, budget, bearer):
    body = {"title": "Des fontaines", "description": "Quatre fontaines le long du canal.", "theme": "Environnement",
            "scale": "arrondissement", "sector": "paris-19"}
    assert client.post(f"/api/v1/budget/cycles/{CYCLE_ID}/projects", json=body,
                       headers=bearer()).status_code == 201
    assert client.post(f"/api/v1/budget/cycles/{CYCLE_ID}/projects", json={**body, "scale": "quartier"},
                       headers=bearer()).status_code == 400
    budget.fail("submit_project", Conflict("Impossible de déposer un projet : étape « Vote ».", code="WRONG_STAGE"))
    refused = client.post(f"/api/v1/budget/cycles/{CYCLE_ID}/projects", json=body, headers=bearer())
    assert refused.status_code == 409 and "Vote" in refused.json["message"]


def test_the_pabulib_export_is_a_download(client, budget):
    response = client.get(f"/api/v1/budget/cycles/{CYCLE_ID}/pabulib")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"] == f'attachment; filename="budget-{CYCLE_ID}.pb"'
    assert response.get_data(as_text=True).startswith("META")


def test_the_routes_are_documented(client, budget):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "put" in paths["/api/v1/budget/cycles/{cycle_id}/ballot"]
    assert "403" in paths["/api/v1/budget/cycles/{cycle_id}/results"]["get"]["responses"]
    assert paths["/api/v1/budget/cycles/{cycle_id}/counts"]["get"]["security"] == [{"bearer": []}]


# --- co-construction, paper ballots, implementation tracking, follows, open data ------------------------

OTHER_ID = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
PAPER = {"last_name": "Lefèvre", "first_name": "Camille", "birth_date": "1990-05-14", "postcode": "75019",
         "id_document_kind": "cni", "id_document_last4": "4B7Z", "ballot_box": "Marché Joinville",
         "paris_projects": [PROJECT_ID]}


def test_agents_merge_projects_and_carriers_answer(client, budget, bearer):
    body = {"project_ids": [PROJECT_ID, OTHER_ID], "title": "Un grand jardin", "description": "Deux jardins réunis."}
    assert client.post(f"/api/v1/budget/cycles/{CYCLE_ID}/merges", json=body, headers=bearer()).status_code == 403
    merged = client.post(f"/api/v1/budget/cycles/{CYCLE_ID}/merges", json=body, headers=bearer("agent"))
    assert merged.status_code == 201 and len(merged.json["lineage"]) == 2
    [(_actor, command)] = budget.args_of("merge_projects")
    assert command["cycle_id"] == CYCLE_ID and command["project_ids"] == [PROJECT_ID, OTHER_ID]
    one = client.post(f"/api/v1/budget/cycles/{CYCLE_ID}/merges", json={**body, "project_ids": [PROJECT_ID]},
                      headers=bearer("agent"))
    assert one.status_code == 400 and "project_ids" in one.json["details"]
    answered = client.post(f"/api/v1/budget/projects/{PROJECT_ID}/invitation", json={"accept": False},
                           headers=bearer())
    assert answered.status_code == 200 and answered.json["carried_by_me"] is False
    budget.fail("answer_merge_invitation", Conflict("Déjà répondu.", code="ALREADY_ANSWERED"))
    again = client.post(f"/api/v1/budget/projects/{PROJECT_ID}/invitation", json={"accept": True}, headers=bearer())
    assert again.status_code == 409 and again.json["error"] == "ALREADY_ANSWERED"
    mine = client.get("/api/v1/budget/me/projects", headers=bearer()).json
    assert [carried["id"] for carried in mine["carried"]] == [PROJECT_ID]


def test_paper_ballots_are_for_agents_and_checked_at_the_edge(client, budget, bearer):
    url = f"/api/v1/budget/cycles/{CYCLE_ID}/paper-ballots"
    assert client.post(url, json=PAPER, headers=bearer()).status_code == 403
    recorded = client.post(url, json=PAPER, headers=bearer("agent"))
    assert recorded.status_code == 201 and recorded.json["status"] == "superseded_by_online"
    [(_actor, command)] = budget.args_of("record_paper_ballot")
    assert command["birth_date"] == "1990-05-14" and command["paris_projects"] == [PROJECT_ID]
    bad = client.post(url, json={**PAPER, "postcode": "750", "id_document_kind": "carte-vitale"},
                      headers=bearer("agent"))
    assert bad.status_code == 400 and {"postcode", "id_document_kind"} <= set(bad.json["details"])
    budget.fail("record_paper_ballot", Conflict("Déjà voté sur papier.", code="ALREADY_VOTED_ON_PAPER"))
    twice = client.post(url, json=PAPER, headers=bearer("agent"))
    assert twice.status_code == 409 and twice.json["error"] == "ALREADY_VOTED_ON_PAPER"


def test_status_changes_carry_the_agents_direction(client, budget, bearer):
    url = f"/api/v1/budget/projects/{PROJECT_ID}/status"
    body = {"status": "realisation_travaux", "justification": "Les travaux ont commencé.",
            "effective_date": "2026-10-01"}
    assert client.post(url, json=body, headers=bearer()).status_code == 403
    headers = bearer("agent", direction="DVD")
    changed = client.post(url, json=body, headers=headers)
    assert changed.status_code == 200 and changed.json["status"] == "realisation_travaux"
    [(actor, command)] = budget.args_of("change_project_status")
    assert actor["direction"] == "DVD" and command["effective_date"] == "2026-10-01"
    assert client.post(url, json={**body, "status": "termine"}, headers=headers).status_code == 400
    budget.fail("change_project_status", PermissionDenied("Autre direction.", code="NOT_OWNING_DIRECTION"))
    assert client.post(url, json=body, headers=headers).json["error"] == "NOT_OWNING_DIRECTION"


def test_citizens_follow_projects(client, budget, bearer):
    url = f"/api/v1/budget/projects/{PROJECT_ID}/follows/favorite"
    assert client.put(url).status_code == 401
    assert client.put(url, headers=bearer()).json["following"] is True
    assert client.delete(url, headers=bearer()).json["following"] is False
    budget.fail("follow_project", InvalidInput(details={"kind": ["Must be one of: favorite, associate."]}))
    assert client.put(f"/api/v1/budget/projects/{PROJECT_ID}/follows/like", headers=bearer()).status_code == 400


def test_a_carrier_confirms_a_draft(client, budget, bearer):
    body = {"title": "Des bancs", "description": "Six bancs à l'ombre des platanes.", "theme": "Cadre de vie", "scale": "paris"}
    confirmed = client.post(f"/api/v1/budget/projects/{PROJECT_ID}/confirmation", json=body, headers=bearer())
    assert confirmed.status_code == 200 and confirmed.json["status"] == "submitted"
    assert client.post(f"/api/v1/budget/projects/{PROJECT_ID}/confirmation", json={**body, "origin_idea_id": "x"},
                       headers=bearer()).status_code == 400


def test_every_edition_and_the_open_data_csv(client, budget):
    listed = client.get("/api/v1/budget/projects?edition=2019&status=realise&sort=-cost&arrondissement=16")
    assert listed.status_code == 200
    [(query, _viewer)] = budget.args_of("list_projects")
    assert query["edition"] == 2019 and query["arrondissement"] == 16 and "cycle_id" not in query
    assert client.get("/api/v1/budget/projects?sort=popular").status_code == 400
    projects = client.get(f"/api/v1/budget/projects.csv?cycle_id={CYCLE_ID}")
    assert projects.status_code == 200 and projects.mimetype == "text/csv"
    assert projects.headers["Content-Disposition"].startswith("attachment; filename=")
    assert budget.args_of("export_projects_csv") == [({"cycle_id": CYCLE_ID},)]
    results = client.get(f"/api/v1/budget/cycles/{CYCLE_ID}/results.csv")
    assert results.status_code == 200 and results.get_data(as_text=True).startswith("\ufeffechelle")
    budget.fail("export_results_csv", PermissionDenied("Pas encore publiés.", code="RESULTS_NOT_PUBLISHED"))
    assert client.get(f"/api/v1/budget/cycles/{CYCLE_ID}/results.csv").status_code == 403


def test_hot_path_batchers_follow_the_tuning_table_and_the_in_flight_setting(monkeypatch):
    from gateway import remote
    monkeypatch.setenv("HUB_BATCHES_IN_FLIGHT", "1")
    application = create_app(Settings(secret_key="test", environment="test"))
    with application.app_context():
        ballots, signatures = remote.batcher("budget", "cast_ballots"), remote.batcher("petitions", "sign_petitions")
        assert remote.batcher("budget", "cast_ballots") is ballots  # one per process and method
    assert (ballots.max_in_flight, ballots.max_wait, ballots.max_items) == (1, 0.02, 500)
    assert (signatures.max_in_flight, signatures.max_wait) == (1, 0.002)


def test_reference_data_is_asked_once_per_process_and_each_caller_gets_its_own_copy(app, monkeypatch):
    from gateway import remote
    asked = []

    def call(service, method, *args):
        asked.append((service, method))
        return {"themes": ["Environnement"]}
    monkeypatch.setattr(remote, "call", call)
    with app.app_context():
        first = remote.reference_data("budget")
        first["themes"].append("changed by a caller")
        assert remote.reference_data("budget") == {"themes": ["Environnement"]}
        remote.reference_data("ideas")
        assert asked == [("budget", "reference_data"), ("ideas", "reference_data")]
        now = [0.0]
        app.extensions["reference_data"] = TTLCache(maxsize=16, ttl=remote.REFERENCE_SECONDS, timer=lambda: now[0])
        remote.reference_data("budget")
        now[0] += remote.REFERENCE_SECONDS - 1
        remote.reference_data("budget")
        assert asked.count(("budget", "reference_data")) == 2  # kept for REFERENCE_SECONDS
        now[0] += 1
        remote.reference_data("budget")
        assert asked.count(("budget", "reference_data")) == 3  # then asked again
