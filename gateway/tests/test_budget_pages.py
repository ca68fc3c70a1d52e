"""The participatory budget's pages, with fake accounts and budget services behind `remote.call`."""
import html as html_entities
import re

import pytest

from gateway.paris_map import paris_map
from gateway.tests.fakes import RecordingFake, route_to
from hubkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.fakes import FakeIdeas

ACCOUNT_ID = "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11"  # the signed-in account of gateway/tests/conftest.py
CYCLE_ID = "11111111-2222-4333-8444-555555555555"
PAST_ID = "99999999-2222-4333-8444-555555555555"
P_PARIS = "aaaaaaaa-0000-4000-8000-000000000001"
P_LOCAL = "aaaaaaaa-0000-4000-8000-000000000002"
P_OTHER = "aaaaaaaa-0000-4000-8000-000000000003"
IDEA_ID = "bbbbbbbb-0000-4000-8000-000000000001"
XSS = "<script>alert(1)</script>"
SECTORS = [{"code": "paris-centre", "label": "Paris Centre", "insee": "75123"}] + [
    {"code": f"paris-{n}", "label": f"{n}e arrondissement", "insee": f"751{n:02d}"} for n in range(5, 21)]
STAGES = ["submission", "study", "co_construction", "selection", "campaign", "vote", "results", "implementation"]
STAGE_LABELS = {"submission": "Dépôt des projets", "study": "Étude des projets par la Ville",
                "co_construction": "Co-construction", "selection": "Sélection des projets soumis au vote",
                "campaign": "Campagne", "vote": "Vote", "results": "Résultats",
                "implementation": "Réalisation des projets lauréats"}
REFERENCE = {
    "stages": [{"code": code, "label": STAGE_LABELS[code]} for code in STAGES],
    "themes": ["Cadre de vie", "Environnement", "Mobilités"],
    "scales": [{"code": "paris", "label": "Tout Paris"}, {"code": "arrondissement", "label": "Arrondissement"}],
    "sectors": SECTORS,
    "project_statuses": [{"code": "submitted", "label": "Déposé"}, {"code": "feasible", "label": "Réalisable"},
                         {"code": "selected", "label": "Soumis au vote"}, {"code": "winner", "label": "Lauréat"}],
    "eligibility_rules": [], "default_max_choices": 4,
    "implementation_statuses": [{"code": "non_demarre", "label": "Non démarré", "settable": False},
                                {"code": "etudes_conception", "label": "Études et conception", "settable": True},
                                {"code": "realise", "label": "Réalisé", "settable": True}],
    "directions": [{"code": "DEVE", "label": "Direction des espaces verts et de l'environnement"}],
    "id_document_kinds": [{"code": "cni", "label": "Carte nationale d'identité"},
                          {"code": "passeport", "label": "Passeport"}],
}


def raw(response) -> str:
    return response.get_data(as_text=True)


def html(response) -> str:
    return html_entities.unescape(raw(response))


def text(response) -> str:
    """What a reader sees: no tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html(response)).split())


def cycle(stage="vote", **changes) -> dict:
    base = {"id": CYCLE_ID, "title": "Budget participatif 2026", "stage": stage, "stage_label": STAGE_LABELS[stage],
            "next_stage": STAGES[STAGES.index(stage) + 1] if stage != "implementation" else None,
            "paris_envelope": 30_000_000, "sector_envelopes": {s["code"]: 1_000_000 for s in SECTORS},
            "total_envelope": 47_000_000, "max_choices": 2, "eligibility": {}, "vote_day": None, "source": None,
            "ballots_count": None, "created_at": "2026-01-05T10:00:00+00:00", "vote_closed_at": None,
            "projects_count": 3}
    return {**base, **changes}


def project(project_id=P_LOCAL, **changes) -> dict:
    base = {"id": project_id, "cycle_id": CYCLE_ID, "position": 2, "external_id": None,
            "title": "Végétaliser la rue Gay-Lussac", "description": "Des arbres.\n\nEt des bancs " + XSS,
            "theme": "Cadre de vie", "scale": "arrondissement", "sector": "paris-5", "address": "rue Gay-Lussac",
            "origin_idea_id": None, "estimated_cost": 20000, "status": "selected", "admissible": True,
            "admissibility_reason": "Projet d'investissement.", "feasible": True,
            "feasibility_reason": "Trottoirs assez larges.", "cost": 15000, "selected": True, "votes": None,
            "won": None, "carriers_count": 2, "carried_by_me": False, "submitted_at": "2026-01-10T10:00:00+00:00",
            "status_label": "Soumis au vote", "cycle_title": "Budget participatif 2026", "sector_label": None,
            "arrondissement": None, "direction": None, "direction_label": None, "popular_district": None,
            "draft": False, "votes_online": None, "votes_paper": None, "implementation_status": None,
            "implementation_status_label": None, "merged_into": None, "merged_into_title": None, "lineage": [],
            "pending_invitations": 0, "favorites_count": 3, "associates_count": 1, "timeline": [], "viewer": None}
    return {**base, **changes}


class FakeBudget(RecordingFake):
    """Stands in for the budget service: canned answers, every call recorded, failures on demand."""

    copies_arguments = True

    def __init__(self):
        super().__init__()
        self.cycle = cycle()
        self.projects = [
            project(P_PARIS, title="Un grand parc " + XSS, scale="paris", sector=None, cost=2_000_000, position=1),
            project(P_LOCAL),
            project(P_OTHER, title="Isolation phonique de l'école Murat", sector="paris-16", cost=200_000,
                    position=3, theme="Environnement", status="feasible", selected=False),
        ]
        self.ballot = None

    def reference_data(self):
        return REFERENCE

    def list_cycles(self):
        return [self.cycle, cycle("results", id=PAST_ID, title="Budget participatif 2019", source="paris:2019")]

    def get_cycle(self, data):
        if data["cycle_id"] == PAST_ID:
            return self.list_cycles()[1]
        return self.cycle

    def list_projects(self, query, actor=None):
        items = [p for p in self.projects
                 if all(query.get(key) is None or p.get(key) == query[key]
                        for key in ("scale", "sector", "theme", "status", "selected"))
                 and (query.get("studied") is None or (p["admissible"] is not None) == query["studied"])
                 and (query.get("feasible") is None or bool(p["admissible"] and p["feasible"]) == query["feasible"])]
        by_sector = {}
        for p in items:
            by_sector[p["sector"] or "paris"] = by_sector.get(p["sector"] or "paris", 0) + 1
        offset = query.get("offset", 0)
        return {"items": items[offset:offset + query["limit"]], "total": len(items), "by_sector": by_sector,
                "by_arrondissement": {}}

    def project_counts(self, data):
        by_status = {}
        for p in self.projects:
            by_status[p["status"]] = by_status.get(p["status"], 0) + 1
        return {"total": len(self.projects), "by_status": by_status}

    def my_projects(self, actor):
        return {"carried": [self.projects[1]], "favorites": [], "associated": [self.projects[0]],
                "invitations": []}

    def follow_project(self, actor, data):
        return {"project_id": data["project_id"], "kind": data["kind"], "following": True, "favorites_count": 1,
                "associates_count": 0}

    def unfollow_project(self, actor, data):
        return {**self.follow_project(actor, data), "following": False}

    def answer_merge_invitation(self, actor, data):
        return project(data["project_id"])

    def confirm_draft_project(self, actor, data):
        return project(data["project_id"], draft=False, status="submitted", status_label="Déposé")

    def change_project_status(self, actor, data):
        return project(data["project_id"], status=data["status"], status_label="Études et conception")

    def merge_projects(self, actor, data):
        return project(P_LOCAL, title=data["title"], lineage=[{"project_id": merged, "title": "Un projet fusionné",
                                                               "position": 1} for merged in data["project_ids"]])

    def record_paper_ballot(self, actor, data):
        return {"cycle_id": CYCLE_ID, "receipt": "0123456789abcdef01234567", "counted": False,
                "status": "superseded_by_online", "paris_projects": data["paris_projects"], "sector": data["sector"],
                "sector_projects": data["sector_projects"], "ballot_box": data["ballot_box"],
                "cast_at": "2026-05-02T10:00:00+00:00"}

    def export_projects_csv(self, data):
        return {"cycle_id": data["cycle_id"], "filename": "projets.csv", "content": "\ufeffid;titre\n1;Bancs\n"}

    def export_results_csv(self, data):
        return {"cycle_id": data["cycle_id"], "filename": "resultats.csv",
                "content": "\ufeffechelle;rang;projet_id;titre;voix\r\nparis;1;1;Bancs;3\r\n"}

    def import_pabulib(self, actor, data):
        return cycle("results", source="pabulib", projects_count=10)

    def export_pabulib(self, data):
        return {"cycle_id": data["cycle_id"], "filename": f"budget-{data['cycle_id']}.pb",
                "content": "META\nkey;value\n"}

    def get_project(self, data, actor=None):
        found = next((p for p in self.projects if p["id"] == data["project_id"]), None)
        if found is None:
            raise NotFound("Projet introuvable.")
        return found

    def submit_project(self, actor, data):
        return project(P_OTHER, **{k: v for k, v in data.items() if k != "cycle_id"})

    def my_ballot(self, actor, data):
        if self.ballot is None:
            raise NotFound("Vous n'avez pas voté pour ce budget participatif.")
        return self.ballot

    def cast_ballots(self, payload):  # one command of the batch (remote.batched_call)
        data = payload["ballot"]
        return {"cycle_id": CYCLE_ID, "receipt": "0123456789abcdef01234567", "replaced": False,
                "paris_projects": data["paris_projects"], "sector": data["sector"],
                "sector_projects": data["sector_projects"], "cast_at": "2026-05-02T10:00:00+00:00"}

    def check_receipt(self, data):
        return {"cycle_id": CYCLE_ID, "counted": True, "status": "recorded"}

    def results(self, data):
        return {"cycle_id": CYCLE_ID, "title": "Budget participatif 2026", "ballots_count": 1234,
                "envelope_used": 2_015_000, "tie_break": "À égalité de voix : le coût le plus bas.",
                "scopes": [{"scope": "paris", "label": "Tout Paris", "envelope": 30_000_000, "used": 2_000_000,
                            "projects": [{"project_id": P_PARIS, "title": "Un grand parc " + XSS, "cost": 2_000_000,
                                          "votes": 800, "won": True, "external_id": None}]},
                           {"scope": "paris-5", "label": "5e arrondissement", "envelope": 1_000_000, "used": 15_000,
                            "projects": [{"project_id": P_LOCAL, "title": "Végétaliser", "cost": 15_000,
                                          "votes": 300, "won": True, "external_id": None},
                                         {"project_id": P_OTHER, "title": "Un autre", "cost": 990_000,
                                          "votes": 100, "won": False, "external_id": None}]}]}

    def live_counts(self, actor, data):
        return {"cycle_id": CYCLE_ID, "stage": "vote", "ballots_count": 42,
                "projects": [{"project_id": P_PARIS, "title": "Un grand parc " + XSS, "scale": "paris",
                              "sector": None, "votes": 30},
                             {"project_id": P_LOCAL, "title": "Végétaliser", "scale": "arrondissement",
                              "sector": "paris-5", "votes": 12}]}

    def create_cycle(self, actor, data):
        return cycle("submission", title=data["title"])

    def advance_stage(self, actor, data):
        return cycle(data["stage"])

    def decide_study(self, actor, data):
        return project(data["project_id"])

    def select_project(self, actor, data):
        return project(data["project_id"], selected=data["selected"])


@pytest.fixture
def budget(app, accounts, monkeypatch):
    """The fake budget service; the ideas service holds the idea a project may come from."""
    fake, ideas = FakeBudget(), FakeIdeas()
    ideas.add(IDEA_ID, "Des arbres partout", author_id=ACCOUNT_ID)
    route_to(monkeypatch, accounts, batched=True, budget=fake, ideas=ideas)
    return fake


# --- public pages ---------------------------------------------------------------------------------------

def test_the_landing_page_shows_the_current_edition_and_its_stage(client, budget):
    page = html(client.get("/budget-participatif"))
    assert "<h1>Budget participatif 2026</h1>" in page
    assert "Étape en cours : Vote" in page and 'aria-current="step"' in page
    assert f'href="/budget-participatif/{CYCLE_ID}/vote"' in page
    assert "Budget participatif 2019" in page  # the other editions


def test_the_list_counts_filters_and_escapes(client, budget):
    response = client.get(f"/budget-participatif/projets?edition={CYCLE_ID}&theme=Cadre+de+vie")
    page = raw(response)
    assert response.status_code == 200
    assert "<strong>2</strong> projet(s) trouvé(s)" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "style=" not in page
    [(query, actor)] = budget.args_of("list_projects")
    assert actor is None
    assert query == {"cycle_id": CYCLE_ID, "theme": "Cadre de vie", "sort": "random", "seed": query["seed"],
                     "limit": 20, "offset": 0}
    assert "15\u202f000\u00a0€" in page


def test_a_search_shows_the_best_matches_first_with_the_words_marked(client, budget):
    page = html(client.get("/budget-participatif/projets?recherche=v%C3%A9g%C3%A9talisation"))
    assert "<mark>Végétaliser</mark> la rue Gay-Lussac</a>" in page
    query = budget.args_of("list_projects")[0][0]
    assert query["query"] == "végétalisation" and query["sort"] == "relevance" and "seed" not in query
    assert '<option value="pertinence" selected>Les plus pertinents</option>' in page
    chosen = client.get("/budget-participatif/projets?recherche=arbres&tri=cout-croissant")
    assert chosen.status_code == 200 and budget.args_of("list_projects")[1][0]["sort"] == "cost"
    unsearched = html(client.get("/budget-participatif/projets?tri=pertinence"))  # nothing to rank: random
    assert budget.args_of("list_projects")[2][0]["sort"] == "random" and 'value="pertinence"' not in unsearched


def test_the_list_filters_by_arrondissement_and_status_and_sorts_by_cost(client, budget):
    page = html(client.get("/budget-participatif/projets?arrondissement=paris-16&statut=feasible&tri=cout-croissant"
                           "&page=2&recherche=+%C3%A9cole++Murat+"))
    assert budget.args_of("list_projects")[0][0] == {"cycle_id": CYCLE_ID, "sector": "paris-16", "status": "feasible",
                                                      "query": "école Murat", "sort": "cost", "limit": 20, "offset": 20}
    assert 'value="école Murat"' in page and "recherche=%C3%A9cole+Murat" in raw(client.get(
        "/budget-participatif/projets?recherche=école+Murat&page=1&tri=cout-croissant&arrondissement=paris-16"))
    every = client.get("/budget-participatif/projets?arrondissement=tout-paris&tri=cout-decroissant&edition=toutes")
    assert every.status_code == 200 and '<option value="toutes" selected>Toutes les éditions</option>' in html(every)
    assert budget.args_of("list_projects")[2][0] == {"scale": "paris", "sort": "-cost", "limit": 20, "offset": 0}
    assert "Page 2" in page and "Page précédente" in page


def test_votes_sort_only_once_the_results_are_out(client, budget):
    client.get("/budget-participatif/projets?tri=votes")
    assert budget.args_of("list_projects")[0][0]["sort"] == "random"
    budget.cycle = cycle("results")
    client.get("/budget-participatif/projets?tri=votes")
    assert budget.args_of("list_projects")[1][0]["sort"] == "-votes"


def test_the_random_order_stays_the_same_during_the_visit(client, budget):
    client.get("/budget-participatif/projets")
    client.get("/budget-participatif/projets?page=2")
    first, second = (args[0]["seed"] for args in budget.args_of("list_projects"))
    assert first == second


def test_bad_list_parameters_fall_back_to_the_defaults(client, budget):
    response = client.get("/budget-participatif/projets?edition=x&theme=nope&arrondissement=99&statut=x&tri=x"
                          "&vue=x&page=-2")
    assert response.status_code == 200
    assert "3 projet(s) trouvé(s)" in re.sub("<[^>]+>", "", html(response))


def test_the_map_view_draws_the_arrondissements_with_counts_and_links(client, budget):
    page = html(client.get("/budget-participatif/projets?vue=carte"))
    assert page.count("<path ") == 17  # Paris Centre (four polygons in one path) and the 5e to the 20e
    assert "<title>5e arrondissement : 1 projet(s)</title>" in page
    assert budget.args_of("list_projects")[0][0] == {"cycle_id": CYCLE_ID, "sort": "random",
                                                      "seed": budget.args_of("list_projects")[0][0]["seed"], "limit": 1}
    assert "<title>Paris Centre (1er, 2e, 3e et 4e) : 0 projet(s)</title>" in page
    assert f'href="/budget-participatif/projets?edition={CYCLE_ID}&arrondissement=paris-16"' in page
    assert (f'<th scope="row"><a href="/budget-participatif/projets?edition={CYCLE_ID}&arrondissement=tout-paris">'
            'Tout Paris</a></th><td>1</td>') in page
    assert "<script" not in page


def test_the_map_is_projected_once_and_keeps_paris_centre_together():
    drawn = paris_map()
    assert drawn is paris_map()
    assert [area.sector for area in drawn.areas][:2] == ["paris-centre", "paris-5"]
    assert drawn.areas[0].arrondissements == (1, 2, 3, 4) and drawn.areas[0].path.count("M") >= 4
    assert 0 < drawn.areas[0].label_x < drawn.width and 0 < drawn.areas[0].label_y < drawn.height


def test_the_project_page_shows_study_cost_place_and_escapes(client, budget):
    page = raw(client.get(f"/budget-participatif/projets/{P_LOCAL}"))
    assert "<h1>Végétaliser la rue Gay-Lussac</h1>" in page
    assert "&lt;script&gt;" in page and "<script>" not in page
    assert "Trottoirs assez larges." in page and "15\u202f000\u00a0€" in page
    assert "5e arrondissement" in html(client.get(f"/budget-participatif/projets/{P_LOCAL}"))
    assert f'href="/budget-participatif/projets/{P_LOCAL}/campagne"' in page


def test_the_project_page_links_the_idea_it_came_from(client, budget):
    budget.projects[1]["origin_idea_id"] = IDEA_ID
    page = html(client.get(f"/budget-participatif/projets/{P_LOCAL}"))
    assert f'<a href="/idees/{IDEA_ID}">Des arbres partout</a>' in page


def test_an_unknown_project_is_a_404(client, budget):
    assert client.get("/budget-participatif/projets/pas-un-id").status_code == 404
    response = client.get("/budget-participatif/projets/aaaaaaaa-0000-4000-8000-00000000ffff")
    assert response.status_code == 404 and "Projet introuvable." in html(response)


def test_campaign_and_poster_pages_exist_only_for_projects_on_the_ballot(client, budget):
    campaign = html(client.get(f"/budget-participatif/projets/{P_LOCAL}/campagne"))
    assert "Je vote pour ce projet" in campaign and f"/budget-participatif/projets/{P_LOCAL}/campagne" in campaign
    poster = raw(client.get(f"/budget-participatif/projets/{P_LOCAL}/affiche"))
    assert 'href="/static/budget.css"' in poster and "Votez pour ce projet !" in poster
    assert client.get(f"/budget-participatif/projets/{P_OTHER}/campagne").status_code == 404


def test_results_show_counts_envelopes_and_winners(client, budget):
    budget.cycle = cycle("results", ballots_count=1234)
    page = raw(client.get(f"/budget-participatif/{CYCLE_ID}/resultats"))
    assert "1\u202f234" in page and "Lauréat" in page and "Non retenu" in page
    assert '<meter class="bp-bar" min="0" max="300" value="100"' in page
    assert f'href="/api/v1/budget/cycles/{CYCLE_ID}/pabulib"' in page
    assert "1 / 2" in page and "15\u202f000\u00a0€ sur 1\u202f000\u202f000\u00a0€" in page
    assert "&lt;script&gt;" in page and "<script>" not in page


def test_results_are_not_public_before_the_vote_closes(client, budget):
    response = client.get(f"/budget-participatif/{CYCLE_ID}/resultats")
    assert response.status_code == 403 and "pas encore publiés" in html(response)
    assert budget.args_of("results") == []


def test_checking_a_receipt(client, budget):
    page = html(client.get(f"/budget-participatif/{CYCLE_ID}/verifier-recu?recu=0123 4567 89ab cdef 0123 4567"))
    assert "Ce bulletin est enregistré." in page
    assert budget.args_of("check_receipt") == [({"cycle_id": CYCLE_ID, "receipt": "0123456789abcdef01234567"},)]
    budget.fail("check_receipt", NotFound("Aucun bulletin ne correspond à ce reçu.", code="UNKNOWN_RECEIPT"))
    response = client.get(f"/budget-participatif/{CYCLE_ID}/verifier-recu?recu=ffff")
    assert response.status_code == 404 and "Aucun bulletin ne correspond à ce reçu." in html(response)


# --- submitting -------------------------------------------------------------------------------------------

def test_submitting_needs_a_session(client, budget):
    response = client.get(f"/budget-participatif/{CYCLE_ID}/deposer")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_submitting_a_project_sends_the_right_command(client, budget, sign_in, post):
    budget.cycle = cycle("submission")
    sign_in()
    assert "Déposer le projet" in html(client.get(f"/budget-participatif/{CYCLE_ID}/deposer?idee={IDEA_ID}"))
    response = post(f"/budget-participatif/{CYCLE_ID}/deposer", {
        "title": "Des bancs", "description": "Des bancs partout dans le square.", "theme": "Cadre de vie",
        "scale": "arrondissement", "sector": "paris-5", "address": "", "estimated_cost": "12 000",
        "origin_idea_id": IDEA_ID})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/budget-participatif/projets/{P_OTHER}")
    [(actor, command)] = budget.args_of("submit_project")
    assert actor == {"account_id": ACCOUNT_ID, "roles": ["citizen"]}
    assert command == {"cycle_id": CYCLE_ID, "title": "Des bancs", "description": "Des bancs partout dans le square.",
                       "theme": "Cadre de vie", "scale": "arrondissement", "sector": "paris-5", "address": None,
                       "origin_idea_id": IDEA_ID, "estimated_cost": 12000}


def test_a_refused_project_shows_the_messages_next_to_the_fields(client, budget, sign_in, post):
    budget.cycle = cycle("submission")
    sign_in()
    budget.fail("submit_project", InvalidInput(details={"sector": ["Choisissez le secteur du projet."]}))
    response = post(f"/budget-participatif/{CYCLE_ID}/deposer", {
        "title": XSS, "description": "Une description assez longue.", "theme": "Cadre de vie",
        "scale": "arrondissement", "estimated_cost": "beaucoup"})
    assert response.status_code == 400
    assert "Indiquez un montant en euros" in html(response)
    assert budget.args_of("submit_project") == []  # the amount is checked first
    response = post(f"/budget-participatif/{CYCLE_ID}/deposer", {
        "title": XSS, "description": "Une description assez longue.", "theme": "Cadre de vie",
        "scale": "arrondissement"})
    assert response.status_code == 400 and "Choisissez le secteur du projet." in html(response)
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in raw(response)


def test_forms_need_the_csrf_token(client, budget, sign_in):
    sign_in()
    response = client.post(f"/budget-participatif/{CYCLE_ID}/deposer", data={"title": "x"})
    assert response.status_code == 400 and "Le formulaire a expiré" in html(response)
    assert budget.args_of("submit_project") == []


# --- the ballot ------------------------------------------------------------------------------------------

def test_the_ballot_opens_on_the_voters_sector_with_checkboxes(client, budget, sign_in):
    sign_in()
    page = html(client.get(f"/budget-participatif/{CYCLE_ID}/vote"))
    assert "Projets – Paris Centre" in page  # the sector of the fake account's address
    assert f'name="paris" value="{P_PARIS}"' in page
    page = html(client.get(f"/budget-participatif/{CYCLE_ID}/vote?secteur=paris-5"))
    assert f'name="local" value="{P_LOCAL}"' in page and "Jusqu'à 2 projets." in page


def test_the_check_step_shows_choices_and_what_is_left_then_the_vote_gives_a_receipt(client, budget, sign_in, post):
    sign_in()
    page = html(post(f"/budget-participatif/{CYCLE_ID}/vote/verifier",
                     {"secteur": "paris-5", "paris": P_PARIS, "local": P_LOCAL}))
    assert "Confirmer mon vote" in page and "Il vous reste 1 choix sur 2." in page
    assert f'<input type="hidden" name="local" value="{P_LOCAL}">' in page
    assert budget.args_of("cast_ballots") == []
    [token] = re.findall(r'name="idempotency_key" value="([A-Za-z0-9_-]{32})"', page)  # the form token
    response = post(f"/budget-participatif/{CYCLE_ID}/vote", {"secteur": "paris-5", "paris": P_PARIS,
                                                               "local": P_LOCAL, "idempotency_key": token})
    assert response.status_code == 302
    [(payload,)] = budget.args_of("cast_ballots")
    command = payload["ballot"]
    assert command == {"cycle_id": CYCLE_ID, "paris_projects": [P_PARIS], "sector": "paris-5",
                       "sector_projects": [P_LOCAL], "idempotency_key": token}
    page = html(client.get(response.headers["Location"]))
    assert "0123 4567 89ab cdef 0123 4567" in page
    again = client.get(f"/budget-participatif/{CYCLE_ID}/vote/recu")  # shown once
    assert again.status_code == 302


def test_too_many_choices_are_refused_before_the_service(client, budget, sign_in, post):
    sign_in()
    response = post(f"/budget-participatif/{CYCLE_ID}/vote/verifier",
                    {"secteur": "paris-5", "local": [P_LOCAL, P_OTHER, P_PARIS]})
    assert response.status_code == 400 and "au plus 2." in html(response)
    assert "c'est 1 de trop." in html(response)


def test_an_ineligible_voter_is_told_which_rule(client, budget, sign_in, post):
    sign_in()
    budget.fail("cast_ballots", PermissionDenied(
        "Ce vote est réservé aux personnes qui habitent à Paris (déclarez votre adresse parisienne dans votre "
        "compte).", code="NOT_ELIGIBLE", details={"rule": "lives_in_paris"}))
    response = post(f"/budget-participatif/{CYCLE_ID}/vote", {"secteur": "paris-5", "local": P_LOCAL})
    assert response.status_code == 403
    page = html(response)
    assert "réservé aux personnes qui habitent à Paris" in page and "Déclarer mon adresse parisienne" in page
    assert f'name="local" value="{P_LOCAL}" checked' in page  # the choices are kept


@pytest.mark.parametrize("rule, action", [("email_verified", "Renvoyer l'e-mail de vérification"),
                                          ("min_age", "Indiquer ma date de naissance"),
                                          ("certification", "Voir mon niveau de certification")])
def test_each_eligibility_rule_points_to_what_the_voter_can_do(client, budget, sign_in, post, rule, action):
    sign_in()
    budget.fail("cast_ballots", PermissionDenied("Règle non respectée.", code="NOT_ELIGIBLE", details={"rule": rule}))
    page = html(post(f"/budget-participatif/{CYCLE_ID}/vote", {"paris": P_PARIS}))
    assert "Règle non respectée." in page and action in page


def test_a_closed_vote_is_explained(client, budget, sign_in, post):
    sign_in()
    budget.cycle = cycle("campaign")
    assert "Le vote n'est pas ouvert" in html(client.get(f"/budget-participatif/{CYCLE_ID}/vote"))
    budget.fail("cast_ballots", Conflict("Impossible de voter : le cycle est à l'étape « Résultats ».",
                                        code="WRONG_STAGE"))
    response = post(f"/budget-participatif/{CYCLE_ID}/vote", {"paris": P_PARIS})
    assert response.status_code == 409 and "Impossible de voter" in html(response)


def test_an_earlier_ballot_is_shown_ticked(client, budget, sign_in):
    sign_in()
    budget.ballot = {"cycle_id": CYCLE_ID, "paris_projects": [P_PARIS], "sector": "paris-5",
                     "sector_projects": [P_LOCAL], "cast_at": "2026-05-01T10:00:00+00:00", "changes": 0}
    page = html(client.get(f"/budget-participatif/{CYCLE_ID}/vote"))
    assert "Vous avez déjà voté le 1er mai 2026" in page
    assert f'name="local" value="{P_LOCAL}" checked' in page and f'name="paris" value="{P_PARIS}" checked' in page


# --- back-office -----------------------------------------------------------------------------------------

def test_the_back_office_is_for_agents_and_admins(client, budget, sign_in):
    assert client.get("/back-office/budget").status_code == 302  # anonymous: to the login page
    sign_in()
    assert client.get("/back-office/budget").status_code == 403
    assert client.get(f"/back-office/budget/{CYCLE_ID}/decomptes").status_code == 403
    sign_in("agent")
    page = html(client.get("/back-office/budget"))
    assert "Budget participatif 2026" in page and "Créer l'édition" not in page


def test_an_admin_creates_an_edition(client, budget, sign_in, post):
    sign_in("admin")
    assert "Créer l'édition" in html(client.get("/back-office/budget"))
    response = post("/back-office/budget/editions", {
        "title": "Budget participatif 2027", "paris_envelope": "30 000 000", "envelope_paris-5": "1000000",
        "max_choices": "4", "lives_in_paris": "on", "min_age": "16", "certification": "", "vote_day": "2027-09-10"})
    assert response.status_code == 302
    [(actor, command)] = budget.args_of("create_cycle")
    assert actor["roles"] == ["citizen", "admin"]
    assert command["paris_envelope"] == 30_000_000 and command["sector_envelopes"]["paris-5"] == 1_000_000
    assert command["sector_envelopes"]["paris-centre"] == 0
    assert command["eligibility"] == {"lives_in_paris": True, "email_verified": False, "min_age": 16,
                                      "certification": None}
    assert command["vote_day"] == "2027-09-10" and command["max_choices"] == 4


def test_an_agent_cannot_create_an_edition_or_move_a_stage(client, budget, sign_in, post):
    sign_in("agent")
    assert post("/back-office/budget/editions", {"title": "x"}).status_code == 403
    assert post(f"/back-office/budget/{CYCLE_ID}/etape", {"stage": "results"}).status_code == 403
    assert budget.args_of("create_cycle") == [] and budget.args_of("advance_stage") == []


def test_closing_the_vote_needs_a_confirmation(client, budget, sign_in, post):
    sign_in("admin")
    page = html(client.get(f"/back-office/budget/{CYCLE_ID}"))
    assert "Passer à l'étape « Résultats »" in page and 'name="confirm"' in page
    response = post(f"/back-office/budget/{CYCLE_ID}/etape", {"stage": "results", "closing_vote": "1"})
    assert response.status_code == 400 and "confirmer la clôture" in html(response)
    response = post(f"/back-office/budget/{CYCLE_ID}/etape", {"stage": "results", "closing_vote": "1",
                                                              "confirm": "on"})
    assert response.status_code == 302
    assert budget.args_of("advance_stage")[0][1] == {"cycle_id": CYCLE_ID, "stage": "results"}


def test_the_study_queue_and_a_decision(client, budget, sign_in, post):
    budget.cycle = cycle("study")
    budget.projects[2].update(admissible=None, feasible=None, status="submitted")
    sign_in("agent")
    page = html(client.get(f"/back-office/budget/{CYCLE_ID}/etude"))
    assert "À étudier (1)" in page and "Déjà étudiés (2)" in page
    response = post(f"/back-office/budget/{CYCLE_ID}/projets/{P_OTHER}/etude", {
        "admissible": "oui", "admissibility_reason": "Un investissement.", "feasible": "oui",
        "feasibility_reason": "Faisable.", "cost": "180 000", "direction": "DEVE"})
    assert response.status_code == 302
    assert budget.args_of("decide_study")[0][1] == {
        "project_id": P_OTHER, "admissible": True, "admissibility_reason": "Un investissement.", "feasible": True,
        "feasibility_reason": "Faisable.", "cost": 180000, "direction": "DEVE"}
    budget.fail("decide_study", InvalidInput(details={"cost": ["Un projet réalisable a un coût estimé."]}))
    response = post(f"/back-office/budget/{CYCLE_ID}/projets/{P_OTHER}/etude", {
        "admissible": "oui", "admissibility_reason": "Un investissement.", "feasible": "oui"})
    assert response.status_code == 400 and "Un projet réalisable a un coût estimé." in html(response)


def test_a_commission_selects_its_projects(client, budget, sign_in, post):
    budget.cycle = cycle("selection")
    sign_in("agent")
    page = html(client.get(f"/back-office/budget/{CYCLE_ID}/selection"))
    assert "Commission centrale" in page and "16e arrondissement" in page
    response = post(f"/back-office/budget/{CYCLE_ID}/selection?commission=paris-16",
                    {"scope": "paris-16", "shown": P_OTHER, "selected": P_OTHER})
    assert response.status_code == 302
    assert [args[1] for args in budget.args_of("select_project")] == [{"project_id": P_OTHER, "selected": True}]


def test_live_counts_are_for_staff(client, budget, sign_in):
    sign_in("agent")
    page = raw(client.get(f"/back-office/budget/{CYCLE_ID}/decomptes"))
    assert "42" in page and "&lt;script&gt;" in page and "<script>" not in page


def test_the_home_page_and_the_menu_link_the_budget(client, budget):
    page = html(client.get("/"))
    assert 'href="/budget-participatif"' in page
    assert "Budget participatif" in page


# --- new service features: timeline, lineage, follows, merge invitations, drafts -----------------------------

def test_the_project_page_shows_the_planning_timeline_and_the_lineage(client, budget):
    budget.projects[1].update(
        status="realisation_travaux", status_label="Réalisation des travaux", won=True, votes=300, votes_paper=20,
        votes_online=280, lineage=[{"project_id": P_OTHER, "title": "Murs végétaux " + XSS, "position": 3}],
        timeline=[{"status": "etudes_conception", "status_label": "Études et conception", "justification": "Lancé.",
                   "effective_date": "2017-10-01", "recorded_at": "2017-10-02T10:00:00+00:00", "source": "agent"},
                  {"status": "realisation_travaux", "status_label": "Réalisation des travaux",
                   "justification": "Chantier " + XSS, "effective_date": "2018-11-05",
                   "recorded_at": "2018-11-05T10:00:00+00:00", "source": "agent"}])
    response = client.get(f"/budget-participatif/projets/{P_LOCAL}")
    page = html(response)
    assert "1. Études et conception – depuis le 1er octobre 2017" in text(response)
    assert "2. Réalisation des travaux – depuis le 5 novembre 2018" in text(response)
    assert "Projet élaboré à partir du projet" in page and f'href="/budget-participatif/projets/{P_OTHER}"' in page
    assert "dont 280 en ligne et 20 sur papier" in text(response)
    assert "&lt;script&gt;" in raw(response) and "<script>" not in raw(response)


def test_following_and_associating(client, budget, sign_in, post):
    page = html(client.get(f"/budget-participatif/projets/{P_LOCAL}"))
    assert "Connectez-vous et associez-vous au projet !" in page
    sign_in()
    budget.projects[1]["viewer"] = {"carrier": False, "favorite": True, "associate": False, "merge_invitation": None}
    page = html(client.get(f"/budget-participatif/projets/{P_LOCAL}"))
    assert "Je m'associe au projet" in page and "Retirer de mes favoris" in page
    response = post(f"/budget-participatif/projets/{P_LOCAL}/suivre", {"kind": "associate"})
    assert response.status_code == 302
    assert budget.args_of("follow_project")[0][1] == {"project_id": P_LOCAL, "kind": "associate"}
    post(f"/budget-participatif/projets/{P_LOCAL}/ne-plus-suivre", {"kind": "favorite"})
    assert budget.args_of("unfollow_project")[0][1] == {"project_id": P_LOCAL, "kind": "favorite"}
    response = post(f"/budget-participatif/projets/{P_LOCAL}/suivre", {"kind": "autre"})
    assert response.status_code == 400 and "Choisissez : favori" in html(response)


def test_answering_a_merge_invitation(client, budget, sign_in, post):
    sign_in()
    budget.projects[1]["viewer"] = {"carrier": False, "favorite": False, "associate": False,
                                    "merge_invitation": "pending"}
    assert "Porter ce projet co-construit ?" in html(client.get(f"/budget-participatif/projets/{P_LOCAL}"))
    assert post(f"/budget-participatif/projets/{P_LOCAL}/invitation", {"reponse": "accepter"}).status_code == 302
    assert budget.args_of("answer_merge_invitation")[0][1] == {"project_id": P_LOCAL, "accept": True}
    budget.fail("answer_merge_invitation", Conflict("Vous avez déjà répondu.", code="ALREADY_ANSWERED"))
    response = post(f"/budget-participatif/projets/{P_LOCAL}/invitation", {"reponse": "refuser"})
    assert response.status_code == 409 and "Vous avez déjà répondu." in html(response)


def test_completing_a_draft_from_an_idea(client, budget, sign_in, post):
    sign_in()
    budget.cycle = cycle("submission")
    budget.projects[1].update(draft=True, status="draft", viewer={"carrier": True, "favorite": False,
                                                                  "associate": False, "merge_invitation": None})
    assert "Compléter et déposer" in html(client.get(f"/budget-participatif/projets/{P_LOCAL}"))
    form = html(client.get(f"/budget-participatif/projets/{P_LOCAL}/completer"))
    assert "<h1>Compléter mon projet</h1>" in form and 'value="Végétaliser la rue Gay-Lussac"' in form
    response = post(f"/budget-participatif/projets/{P_LOCAL}/completer", {
        "title": "Végétaliser", "description": "Des arbres dans toute la rue.", "theme": "Cadre de vie",
        "scale": "arrondissement", "sector": "paris-5", "address": "rue Gay-Lussac", "estimated_cost": ""})
    assert response.status_code == 302
    assert budget.args_of("confirm_draft_project")[0][1] == {
        "project_id": P_LOCAL, "title": "Végétaliser", "description": "Des arbres dans toute la rue.",
        "theme": "Cadre de vie", "scale": "arrondissement", "sector": "paris-5", "address": "rue Gay-Lussac",
        "estimated_cost": None}


@pytest.mark.parametrize("role", ["agent", "admin"])
def test_staff_reading_a_draft_get_no_completion_form(client, budget, sign_in, post, role):
    """Staff may read a draft, but only its carrier completes it: not found, as its sending answers them."""
    sign_in(role, direction="DDCT")
    budget.cycle = cycle("submission")
    budget.projects[1].update(draft=True, status="draft", viewer={"carrier": False, "favorite": False,
                                                                  "associate": False, "merge_invitation": None})
    url = f"/budget-participatif/projets/{P_LOCAL}/completer"
    response = client.get(url)
    assert response.status_code == 404 and "Compléter mon projet" not in html(response)
    assert post(url, {"title": "Végétaliser", "description": "Des arbres.", "theme": "Cadre de vie",
                      "scale": "arrondissement", "sector": "paris-5"}).status_code == 404
    assert budget.args_of("confirm_draft_project") == []
    budget.projects[1].update(draft=False, status="submitted")  # a submitted project: refused, with the reason
    submitted_one = client.get(url)
    assert submitted_one.status_code == 403 and "Seul le porteur du projet le complète." in html(submitted_one)


def test_my_projects(client, budget, sign_in):
    sign_in()
    page = html(client.get("/budget-participatif/mes-projets"))
    assert "Les projets que je porte" in page and "Végétaliser la rue Gay-Lussac" in page
    assert "Les projets auxquels je m'associe" in page and "Aucun projet dans vos favoris." in page
    assert "attendent ma réponse" not in page


# --- back-office: co-construction, paper ballots, implementation statuses, open data -----------------------------

def test_agents_merge_projects(client, budget, sign_in, post):
    budget.cycle = cycle("co_construction")
    sign_in("agent")
    page = html(client.get(f"/back-office/budget/{CYCLE_ID}/fusion?secteur=paris-5"))
    assert "Fusionner les projets cochés" in page
    assert budget.args_of("list_projects")[0][0]["sector"] == "paris-5"
    response = post(f"/back-office/budget/{CYCLE_ID}/fusion", {"project_ids": [P_LOCAL], "title": "X",
                                                              "description": "Y"})
    assert response.status_code == 400 and "Cochez au moins deux projets" in html(response)
    assert budget.args_of("merge_projects") == []
    response = post(f"/back-office/budget/{CYCLE_ID}/fusion", {
        "project_ids": [P_LOCAL, P_OTHER], "title": "Végétaliser le quartier", "description": "Les deux projets.",
        "theme": "", "scale": "", "sector": "", "address": "", "cost": "250 000"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/projets/{P_LOCAL}")
    assert budget.args_of("merge_projects")[0][1] == {
        "cycle_id": CYCLE_ID, "project_ids": [P_LOCAL, P_OTHER], "title": "Végétaliser le quartier",
        "description": "Les deux projets.", "theme": None, "scale": None, "sector": None, "address": None,
        "cost": 250000}


def test_merging_is_for_staff(client, budget, sign_in, post):
    sign_in()
    assert client.get(f"/back-office/budget/{CYCLE_ID}/fusion").status_code == 403
    assert post(f"/back-office/budget/{CYCLE_ID}/fusion", {"project_ids": [P_LOCAL, P_OTHER]}).status_code == 403


def test_entering_a_paper_ballot(client, budget, sign_in, post):
    sign_in("agent")
    page = html(client.get(f"/back-office/budget/{CYCLE_ID}/bulletins-papier?secteur=paris-5&urne=Marché+Bastille"))
    assert 'value="Marché Bastille"' in page and f'name="local" value="{P_LOCAL}"' in page
    response = post(f"/back-office/budget/{CYCLE_ID}/bulletins-papier", {
        "secteur": "paris-5", "ballot_box": "Marché Bastille", "last_name": "Dupont", "first_name": "Camille",
        "birth_date": "1990-05-14", "postcode": "75005", "id_document_kind": "cni", "id_document_last4": "1234",
        "account_email": "", "local": P_LOCAL, "paris": P_PARIS})
    assert response.status_code == 302
    [(actor, command)] = budget.args_of("record_paper_ballot")
    assert command == {"cycle_id": CYCLE_ID, "ballot_box": "Marché Bastille", "last_name": "Dupont",
                       "first_name": "Camille", "birth_date": "1990-05-14", "postcode": "75005",
                       "id_document_kind": "cni", "id_document_last4": "1234", "account_email": None,
                       "paris_projects": [P_PARIS], "sector": "paris-5", "sector_projects": [P_LOCAL]}
    page = html(client.get(response.headers["Location"]))
    assert "Bulletin enregistré, non compté" in page and "son vote en ligne compte" in page
    assert "0123456789abcdef01234567" in page


def test_a_refused_paper_ballot_keeps_what_was_typed(client, budget, sign_in, post):
    sign_in("agent")
    budget.fail("record_paper_ballot", Conflict("Cette personne a déjà voté sur papier.", code="ALREADY_VOTED"))
    response = post(f"/back-office/budget/{CYCLE_ID}/bulletins-papier", {
        "ballot_box": "Marché", "last_name": XSS, "first_name": "Camille", "birth_date": "1990-05-14",
        "postcode": "75005", "id_document_kind": "cni", "id_document_last4": "1234", "paris": P_PARIS})
    assert response.status_code == 409 and "déjà voté sur papier" in html(response)
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in raw(response)
    assert f'name="paris" value="{P_PARIS}" checked' in html(response)


def test_status_updates_of_the_winners(client, budget, sign_in, post):
    budget.cycle = cycle("implementation")
    budget.projects[1].update(status="winner", won=True)
    sign_in("agent")
    page = html(client.get(f"/back-office/budget/{CYCLE_ID}/realisation"))
    assert "Végétaliser la rue Gay-Lussac" in page and "Études et conception" in page
    assert budget.args_of("list_projects")[0][0]["status"] == "winner"
    response = post(f"/back-office/budget/{CYCLE_ID}/projets/{P_LOCAL}/statut", {
        "status": "etudes_conception", "effective_date": "2026-10-01", "justification": "Les études commencent."})
    assert response.status_code == 302
    assert budget.args_of("change_project_status")[0][0] == {"account_id": ACCOUNT_ID, "roles": ["citizen", "agent"],
                                                            "direction": None}
    assert budget.args_of("change_project_status")[0][1] == {
        "project_id": P_LOCAL, "status": "etudes_conception", "effective_date": "2026-10-01",
        "justification": "Les études commencent."}
    budget.fail("change_project_status", InvalidInput(details={"effective_date": [
        "La date d'effet ne peut pas être dans le futur."]}))
    response = post(f"/back-office/budget/{CYCLE_ID}/projets/{P_LOCAL}/statut", {
        "status": "realise", "effective_date": "2099-01-01", "justification": "Livré."})
    assert response.status_code == 400 and "ne peut pas être dans le futur" in html(response)


def test_open_data_csv_exports(client, budget):
    response = client.get(f"/budget-participatif/{CYCLE_ID}/projets.csv")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert 'filename="projets.csv"' in response.headers["Content-Disposition"]
    assert client.get(f"/budget-participatif/{CYCLE_ID}/resultats.csv").get_data(as_text=True).startswith("\ufeff")


def test_back_office_forms_need_the_csrf_token(client, budget, sign_in):
    sign_in("admin")
    response = client.post(f"/back-office/budget/{CYCLE_ID}/etape", data={"stage": "results", "confirm": "on"})
    assert response.status_code == 400 and "Le formulaire a expiré" in html(response)
    assert budget.args_of("advance_stage") == []


def test_without_any_edition_the_pages_say_so(client, budget):
    budget.list_cycles = lambda: []
    assert "Aucune édition du budget participatif" in html(client.get("/budget-participatif"))
    assert "Aucune édition du budget participatif" in html(client.get("/budget-participatif/projets"))


def test_voting_from_a_project_page_ticks_it(client, budget, sign_in):
    sign_in()
    page = html(client.get(f"/budget-participatif/projets/{P_LOCAL}"))
    assert f'href="/budget-participatif/{CYCLE_ID}/vote?secteur=paris-5&projet={P_LOCAL}"' in page
    page = html(client.get(f"/budget-participatif/{CYCLE_ID}/vote?secteur=paris-5&projet={P_LOCAL}"))
    assert f'name="local" value="{P_LOCAL}" checked' in page and "il vous reste 1 choix." in page


def test_without_a_running_edition_the_latest_imported_one_comes_first(client, budget):
    budget.list_cycles = lambda: [cycle("results", id=PAST_ID, title="Budget participatif de Paris 2019",
                                        source="paris", edition=2019),
                                  cycle("implementation", title="Budget participatif de Paris 2023", source="paris",
                                        edition=2023)]
    assert "<h1>Budget participatif de Paris 2023</h1>" in html(client.get("/budget-participatif"))
    assert 'href="/budget-participatif/projets?edition=toutes&amp;statut=winner"' in raw(
        client.get("/budget-participatif"))


def test_results_show_the_delivery_status_of_winners(client, budget):
    budget.cycle = cycle("implementation")
    outcome = budget.results({"cycle_id": CYCLE_ID})
    outcome["scopes"][1]["projects"][0]["implementation_status"] = "etudes_conception"
    budget.results = lambda data: outcome
    assert "Études et conception" in html(client.get(f"/budget-participatif/{CYCLE_ID}/resultats"))


def test_a_new_edition_with_nothing_published_yet_shows_the_past_editions_instead(client, budget):
    budget.projects = []
    response = client.get("/budget-participatif/projets")
    assert response.status_code == 302 and "edition=toutes" in response.headers["Location"]
    page = raw(client.get(response.headers["Location"]))
    assert "pas encore de projet publié" in page
    # a visitor who chose the edition or a filter sees what they asked for, even if it is empty
    assert client.get(f"/budget-participatif/projets?edition={CYCLE_ID}").status_code == 200
    assert client.get("/budget-participatif/projets?theme=Cadre+de+vie").status_code == 200
