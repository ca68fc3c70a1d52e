"""The « Boîte à idées » pages and API, with fake accounts and ideas services behind `gateway.remote.call`."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from gateway.auth import CSRF_FIELD
from gateway.tests.fakes import FakeSimilarContent, route_to
from hubkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RateLimited, ServiceUnavailable
from tests.fakes import FakeIdeas
from tests.fakes.ideas import THEMES

ACCOUNT_ID = "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11"  # the signed-in account of conftest's FakeAccounts
IDEA_ID = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"
OTHER_IDEA_ID = "9e8d7c6b-5a49-4837-a625-14f3e2d1c0b9"
XSS = '<script>alert("idée")</script>'


def html(response) -> str:
    return response.get_data(as_text=True)


def an_idea(**changes) -> dict:
    idea = {
        "id": IDEA_ID, "title": "Des fontaines le long du canal", "excerpt": "Il manque des points d'eau.",
        "description": "Il manque des points d'eau.\nSurtout l'été.", "theme": "environnement",
        "theme_label": "Environnement", "arrondissement": 10, "address_line": "Quai de Valmy",
        "status": "under_review", "status_label": "À l'étude", "author_pseudonym": "Camille du 11e",
        "supports_count": 3, "comments_count": 1, "created_at": "2026-03-02T09:30:00+00:00",
        "updated_at": "2026-03-03T09:30:00+00:00", "scheme": None, "scheme_label": None, "merged_into": None,
        "followers_count": 2, "next_statuses": ["forwarded", "answered", "not_retained", "merged"],
        "accepts_supports": True, "accepts_comments": True,
        "history": [
            {"status": "submitted", "status_label": "Déposée", "scheme": None, "scheme_label": None,
             "merged_into": None, "message": None, "role": "citizen", "changed_at": "2026-03-02T09:30:00+00:00"},
            {"status": "under_review", "status_label": "À l'étude", "scheme": None, "scheme_label": None,
             "merged_into": None, "message": "La direction de l'eau étudie les emplacements.", "role": "agent",
             "changed_at": "2026-03-03T09:30:00+00:00"}],
        "comments": [{"id": 7, "idea_id": IDEA_ID, "author_pseudonym": "Dominique", "body": "Bonne idée !",
                      "created_at": "2026-03-02T10:00:00+00:00"}],
        "viewer": None, "hidden": False, "imported_supports": 0, "similar": [],
    }
    return {**idea, **changes}


def a_similar(idea_id=OTHER_IDEA_ID, title="Fontaines quai de Valmy", similarity=0.61) -> dict:
    return {"id": idea_id, "title": title, "excerpt": "…", "theme": "environnement", "theme_label": "Environnement",
            "arrondissement": 10, "status": "submitted", "status_label": "Déposée", "author_pseudonym": "Lou",
            "hidden": False, "supports_count": 5, "imported_supports": 0, "comments_count": 0,
            "created_at": "2026-03-01T09:30:00+00:00", "similarity": similarity}


def ideas_of_the_pages() -> FakeIdeas:
    """ideas as the pages meet it: the idea of these tests and one like it among thirty (the list has pages), a
    similar idea, and a moderation queue with a script in its texts."""
    ideas = FakeIdeas()
    ideas.put(an_idea())
    ideas.put(an_idea(id=OTHER_IDEA_ID))
    for number in range(28):
        ideas.put(an_idea(id=f"10000000-0000-4000-8000-{number:012d}", title=f"Une idée numéro {number}",
                          created_at="2026-02-01T09:30:00+00:00"))
    ideas.similar = [a_similar()]
    ideas.queue = {"items": [
        {"kind": "comment", "content_id": "7", "idea_id": IDEA_ID, "idea_title": "Des fontaines le long du canal",
         "text": XSS, "author_pseudonym": "Dominique", "hidden": False, "pending_reports": 2,
         "reasons": {"offensive": 2}},
        {"kind": "idea", "content_id": IDEA_ID, "idea_id": IDEA_ID, "idea_title": "Des fontaines le long du canal",
         "text": "Il manque des points d'eau.", "author_pseudonym": "Camille", "hidden": True,
         "pending_reports": 0, "reasons": {}}],
        "log": [{"kind": "idea", "content_id": IDEA_ID, "idea_id": IDEA_ID, "action": "hidden",
                 "reason": f"Publicité {XSS}", "role": "moderator", "created_at": "2026-03-05T10:00:00+00:00"},
                {"kind": "comment", "content_id": "7", "idea_id": IDEA_ID, "action": "hidden",
                 "reason": "Masqué automatiquement après 3 signalements.", "role": "system",
                 "created_at": "2026-03-04T10:00:00+00:00"}]}
    return ideas


class Journey:
    """The idea's journey as the routing service tells it (`idea_timeline`); `down` makes it unavailable."""
    down = False
    timeline = {"idea_id": IDEA_ID, "dossiers": [], "entries": []}

    def __call__(self, method, *args):
        assert method == "idea_timeline", method
        if self.down:
            raise ServiceUnavailable()
        return self.timeline


@pytest.fixture
def journey():
    return Journey()


@pytest.fixture
def budget():
    return FakeSimilarContent()


@pytest.fixture
def petitions():
    return FakeSimilarContent()


@pytest.fixture
def ideas(accounts, journey, budget, petitions, monkeypatch):
    fake = ideas_of_the_pages()
    route_to(monkeypatch, accounts, ideas=fake, routing=journey, budget=budget, petitions=petitions)
    return fake


CITIZEN = {"account_id": ACCOUNT_ID, "roles": ["citizen"]}


# --- the list ------------------------------------------------------------------------------------

def test_the_list_shows_the_ideas_with_their_counters_to_anyone(client, ideas):
    response = client.get("/idees")
    page = html(response)
    assert response.status_code == 200
    assert f'href="/idees/{IDEA_ID}"' in page and "Des fontaines le long du canal" in page
    assert "<strong>3</strong> soutiens" in page and "<strong>1</strong> commentaire<" in page
    assert "10e arrondissement" in page and "Camille du 11e" in page and "À l&#39;étude" in page
    assert "30 idées." in page and 'href="/idees/proposer"' in page
    assert 'aria-current="page">Boîte à idées' in page
    assert "<script" not in page
    (query,) = ideas.args_of("list_ideas")[0]
    assert query == {"q": "", "theme": None, "status": None, "arrondissement": None, "scheme": None,
                     "sort": "newest", "limit": 12, "offset": 0}


def test_the_filters_go_to_the_service_and_the_pages_keep_them(client, ideas):
    page = html(client.get("/idees?recherche=fontaine&theme=environnement&statut=under_review"
                           "&arrondissement=10&tri=most_supported&page=2"))
    (query,) = ideas.args_of("list_ideas")[0]
    assert query == {"q": "fontaine", "theme": "environnement", "status": "under_review", "arrondissement": 10,
                     "scheme": None, "sort": "most_supported", "limit": 12, "offset": 12}
    assert 'value="fontaine"' in page and 'value="environnement" selected' in page
    assert "30 idées correspondent à votre recherche (page 2)." in page
    previous = re.search(r'href="([^"]+)" rel="prev"', page).group(1)
    following = re.search(r'href="([^"]+)" rel="next"', page).group(1)
    assert parse_qs(urlsplit(previous.replace("&amp;", "&")).query) == {
        "recherche": ["fontaine"], "theme": ["environnement"], "statut": ["under_review"],
        "arrondissement": ["10"], "tri": ["most_supported"]}
    assert parse_qs(urlsplit(following.replace("&amp;", "&")).query)["page"] == ["3"]


def test_a_filter_the_service_refuses_is_shown_on_its_field(client, ideas):
    ideas.fail("list_ideas", InvalidInput(details={"status": ["Doit être l'une des valeurs : submitted, …"]}))
    response = client.get("/idees?statut=archivee")
    page = html(response)
    assert response.status_code == 400
    assert 'id="filtre-statut-erreur"' in page and "Doit être l&#39;une des valeurs" in page


def test_an_arrondissement_that_is_not_a_number_is_refused_without_calling_the_service(client, ideas):
    response = client.get("/idees?arrondissement=onze")
    assert response.status_code == 400 and "Choisissez un arrondissement de la liste." in html(response)
    assert ideas.args_of("list_ideas") == []


# --- proposing ------------------------------------------------------------------------------------

def test_proposing_an_idea_requires_login(client, ideas):
    response = client.get("/idees/proposer")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion?suivant=/idees/proposer")


def test_the_form_sends_the_idea_with_the_author_and_leads_to_its_page(client, ideas, sign_in, post):
    sign_in()
    page = html(client.get("/idees/proposer"))
    assert '<textarea id="idee-description" name="description"' in page and "Camille du 3e" in page
    assert '<option value="environnement">Environnement</option>' in page
    [token] = re.findall(r'name="idempotency_key" value="([A-Za-z0-9_-]{32})"', page)  # the form token
    assert token not in html(client.get("/idees/proposer"))  # a fresh one at each rendering
    response = post("/idees/proposer", {"title": " Des fontaines ", "description": "Il manque des points d'eau.",
                                        "theme": "environnement", "arrondissement": "10", "address_line": "",
                                        "idempotency_key": token})
    [submitted] = [idea for idea in ideas.ideas.values() if idea["author_id"] == ACCOUNT_ID]
    assert response.status_code == 302 and response.headers["Location"] == f"/idees/{submitted['id']}"
    (actor, data), = ideas.args_of("submit_idea")
    assert actor == CITIZEN
    assert data == {"title": "Des fontaines", "description": "Il manque des points d'eau.", "theme": "environnement",
                    "arrondissement": 10, "address_line": None, "author_pseudonym": "Camille du 3e",
                    "idempotency_key": token}


def test_every_field_at_fault_is_shown_at_once(client, ideas, sign_in, post):
    sign_in()
    ideas.fail("submit_idea", InvalidInput(details={"title": ["Entre 5 et 140 caractères."],
                                                    "description": ["Décrivez votre idée."],
                                                    "theme": ["Choisissez une thématique de la liste."]}))
    response = post("/idees/proposer", {"title": "Abc", "description": "", "theme": ""})
    page = html(response)
    assert response.status_code == 400
    for field in ("title", "description", "theme"):
        assert f'id="idee-{field}-erreur"' in page
    assert 'value="Abc"' in page and "Décrivez votre idée." in page


def test_an_arrondissement_outside_the_list_is_refused_before_calling_the_service(client, ideas, sign_in, post):
    sign_in()
    response = post("/idees/proposer", {"title": "Une idée", "description": "Sa description.", "theme": "sport",
                                        "arrondissement": "onzième"})
    assert response.status_code == 400 and 'id="idee-arrondissement-erreur"' in html(response)
    assert ideas.args_of("submit_idea") == []


def test_the_service_errors_go_next_to_the_fields_and_what_was_typed_is_kept(client, ideas, sign_in, post):
    sign_in()
    ideas.fail("submit_idea", InvalidInput(details={"title": ["Entre 5 et 140 caractères."]}))
    response = post("/idees/proposer", {"title": "Abc", "description": f"Texte {XSS}", "theme": "mobilites"})
    page = html(response)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*name="title"[^>]*>', page).group(0)
    assert "Entre 5 et 140 caractères." in page
    assert "Texte &lt;script&gt;alert(&#34;idée&#34;)&lt;/script&gt;</textarea>" in page
    assert '<option value="mobilites" selected>' in page


def test_too_many_ideas_give_a_429_with_the_wait(client, ideas, sign_in, post):
    sign_in()
    ideas.fail("submit_idea", RateLimited("Vous avez atteint la limite de 5 idées proposées par heure. "
                                          "Réessayez dans 12 minutes.", details={"retry_after": 700}))
    response = post("/idees/proposer", {"title": "Encore une idée", "description": "Et sa description.",
                                        "theme": "mobilites"})
    assert response.status_code == 429 and response.headers["Retry-After"] == "700"
    assert "limite de 5 idées proposées par heure" in html(response)


# --- the page of an idea --------------------------------------------------------------------------

def test_the_page_escapes_what_citizens_typed_and_keeps_their_line_breaks(client, ideas):
    ideas.put(an_idea(title=f"Des bancs {XSS}", description=f"Ligne 1\nLigne 2 {XSS}",
                      comments=[{"id": 7, "idea_id": IDEA_ID, "author_pseudonym": "<b>Dom</b>", "body": XSS,
                                 "created_at": "2026-03-02T10:00:00+00:00"}]))
    page = html(client.get(f"/idees/{IDEA_ID}"))
    assert "<script" not in page and "<b>Dom</b>" not in page
    assert "Des bancs &lt;script&gt;alert(&#34;idée&#34;)&lt;/script&gt;" in page
    assert '<div class="idea__description">Ligne 1\nLigne 2 &lt;script&gt;' in page
    assert "&lt;b&gt;Dom&lt;/b&gt;" in page


def test_a_visitor_sees_the_timeline_and_comments_and_is_asked_to_log_in(client, ideas):
    page = html(client.get(f"/idees/{IDEA_ID}"))
    assert "Déposée" in page and "par Camille du 11e" in page
    assert "La direction de l&#39;eau étudie les emplacements." in page
    assert "par la Ville de Paris (Agent·e de la Ville)" in page
    assert page.index("Déposée") < page.index("La direction de l&#39;eau")
    assert 'id="commentaire-7"' in page and "Bonne idée !" in page
    assert f'href="/connexion?suivant=/idees/{IDEA_ID}"' in page
    assert "Soutenir cette idée" not in page and "Changer le statut" not in page
    assert "Suivie par 2 personnes" in page
    assert ideas.args_of("get_idea") == [({"idea_id": IDEA_ID}, None)]


def test_an_unknown_or_malformed_idea_is_a_404(client, ideas):
    assert client.get(f"/idees/{'0' * 8}-0000-4000-8000-{'0' * 12}").status_code == 404
    ideas.fail("get_idea", InvalidInput(details={"idea_id": ["Identifiant invalide."]}))
    response = client.get("/idees/pas-une-idee")
    assert response.status_code == 404 and "Idée introuvable." in html(response)


def test_a_citizen_supports_then_withdraws(client, ideas, sign_in, post):
    sign_in()
    page = html(client.get(f"/idees/{IDEA_ID}"))
    assert "Soutenir cette idée" in page and "Changer le statut" not in page
    assert ideas.args_of("get_idea")[-1] == ({"idea_id": IDEA_ID}, CITIZEN)
    response = post(f"/idees/{IDEA_ID}/soutien")
    assert response.status_code == 302 and response.headers["Location"] == f"/idees/{IDEA_ID}#soutenir"
    assert ideas.args_of("support_idea") == [(CITIZEN, {"idea_id": IDEA_ID})]
    ideas.viewer["supports"] = True
    page = html(client.get(f"/idees/{IDEA_ID}"))
    assert "Vous soutenez cette idée." in page and "Retirer mon soutien" in page
    post(f"/idees/{IDEA_ID}/soutien/retirer")
    assert ideas.args_of("withdraw_support") == [(CITIZEN, {"idea_id": IDEA_ID})]


def test_a_second_support_is_a_409_that_says_so(client, ideas, sign_in, post):
    sign_in()
    ideas.fail("support_idea", Conflict("Vous soutenez déjà cette idée.", code="ALREADY_SUPPORTED"))
    response = post(f"/idees/{IDEA_ID}/soutien")
    assert response.status_code == 409
    assert "Le soutien n&#39;a pas été enregistré" in html(response)
    assert "Vous soutenez déjà cette idée." in html(response)


def test_a_closed_idea_has_no_support_button(client, ideas, sign_in):
    ideas.put(an_idea(status="answered", status_label="Réponse apportée", accepts_supports=False, next_statuses=[]))
    page = html(client.get(f"/idees/{IDEA_ID}"))
    assert "Cette idée ne recueille plus de soutiens." in page and "Me connecter pour soutenir" not in page
    sign_in()
    page = html(client.get(f"/idees/{IDEA_ID}"))
    assert "Cette idée ne recueille plus de soutiens." in page and "Soutenir cette idée" not in page


def test_following_and_unfollowing(client, ideas, sign_in, post):
    sign_in()
    assert "Suivre cette idée" in html(client.get(f"/idees/{IDEA_ID}"))
    post(f"/idees/{IDEA_ID}/suivre")
    ideas.viewer["follows"] = True
    page = html(client.get(f"/idees/{IDEA_ID}"))
    assert "Vous suivez cette idée." in page and "Ne plus suivre" in page
    post(f"/idees/{IDEA_ID}/ne-plus-suivre")
    assert ideas.args_of("follow_idea") == ideas.args_of("unfollow_idea") == [(CITIZEN, {"idea_id": IDEA_ID})]


def test_commenting(client, ideas, sign_in, post):
    sign_in()
    response = post(f"/idees/{IDEA_ID}/commentaires", {"body": " Oui !\r\nVraiment. "})
    assert response.status_code == 302 and response.headers["Location"] == f"/idees/{IDEA_ID}#commentaire-8"
    assert ideas.args_of("post_comment") == [(CITIZEN, {"idea_id": IDEA_ID, "body": "Oui !\r\nVraiment.",
                                                        "author_pseudonym": "Camille du 3e"})]


def test_an_empty_comment_is_refused_on_its_field(client, ideas, sign_in, post):
    sign_in()
    response = post(f"/idees/{IDEA_ID}/commentaires", {"body": "   "})
    assert response.status_code == 400 and 'id="commentaire-body-erreur"' in html(response)
    assert ideas.args_of("post_comment") == []


def test_a_form_without_its_csrf_token_changes_nothing(client, ideas, sign_in):
    sign_in()
    response = client.post(f"/idees/{IDEA_ID}/soutien", data={CSRF_FIELD: "forged"})
    assert response.status_code == 400 and ideas.args_of("support_idea") == []


# --- status (staff) ------------------------------------------------------------------------------

def test_an_admin_sees_the_status_form_with_the_next_statuses_only(client, ideas, sign_in):
    sign_in("admin")
    page = html(client.get(f"/idees/{IDEA_ID}"))
    form = re.search(r'<form[^>]*action="/idees/[^"]+/statut#gerer"[^>]*>.*?</form>', page, re.S).group(0)
    assert '<option value="answered">Réponse apportée</option>' in form
    assert 'value="submitted"' not in form and 'value="under_review"' not in form
    assert 'name="scheme"' in form and 'name="merged_into"' in form


def test_an_admin_changes_the_status(client, ideas, sign_in, post):
    sign_in("admin")
    response = post(f"/idees/{IDEA_ID}/statut", {"status": "forwarded", "message": "Vers le budget.",
                                                  "scheme": "budget", "merged_into": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith("#historique")
    (actor, data), = ideas.args_of("change_status")
    assert actor == {"account_id": ACCOUNT_ID, "roles": ["citizen", "admin"]}
    assert data == {"idea_id": IDEA_ID, "status": "forwarded", "message": "Vers le budget.", "scheme": "budget",
                    "merged_into": None}


def test_a_refused_transition_is_shown_on_the_status_field(client, ideas, sign_in, post):
    sign_in("admin")
    ideas.fail("change_status", Conflict("L'idée est close.", code="INVALID_TRANSITION",
                                         details={"status": ["L'idée est close."]}))
    response = post(f"/idees/{IDEA_ID}/statut", {"status": "under_review", "message": "Encore."})
    page = html(response)
    assert response.status_code == 409 and 'id="statut-status-erreur"' in page
    assert "Encore.</textarea>" in page


def test_a_citizen_cannot_post_a_status_change(client, ideas, sign_in, post):
    sign_in()
    assert post(f"/idees/{IDEA_ID}/statut", {"status": "answered", "message": "Oui."}).status_code == 403
    assert ideas.args_of("change_status") == []


@pytest.mark.parametrize("role", ["agent", "moderator"])
def test_agents_and_moderators_change_no_status_in_the_idea_box_and_are_shown_the_routing_inbox(
        client, ideas, sign_in, post, bearer, role):
    sign_in(role, direction="DEVE" if role == "agent" else None)
    page = html(client.get(f"/idees/{IDEA_ID}"))
    assert 'action="/idees/' + IDEA_ID + '/statut' not in page and "Changer le statut" not in page
    assert f'href="/back-office/orientation/{IDEA_ID}"' in page
    assert "Idées similaires et fusion" in page  # merging duplicates stays theirs
    refused = post(f"/idees/{IDEA_ID}/statut", {"status": "answered", "message": "Oui."})
    assert refused.status_code == 403 and "les droits nécessaires" in html(refused)
    api = client.post(f"/api/v1/ideas/{IDEA_ID}/status", headers=bearer(role),
                      json={"status": "answered", "message": "Oui."})
    assert api.status_code == 403 and api.get_json()["error"] == "FORBIDDEN"
    assert ideas.args_of("change_status") == []


# --- home, back-office and API ----------------------------------------------------------------------

def test_the_home_card_leads_to_the_idea_box(client, ideas):
    page = html(client.get("/"))
    card = re.search(r'<li class="card[^"]*" id="offre-idees">.*?</li>', page, re.S).group(0)
    assert 'href="/idees"' in card and "Ouvert" in card and "Bientôt" not in card
    assert ideas.calls == []


def test_the_back_office_points_agents_at_the_ideas_to_study(client, ideas, sign_in):
    sign_in("agent", direction="DEVE")
    assert 'href="/idees?statut=submitted"' in html(client.get("/back-office"))


def test_the_api_passes_the_actor_and_the_pseudonym(client, ideas, sign_in):
    token = sign_in()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/ideas", json={"title": "T", "description": "D", "theme": "x"}).status_code == 401
    response = client.post("/api/v1/ideas", headers=auth, json={"title": "Une idée", "description": "Des détails précis.",
                                                                "theme": "mobilites"})
    [submitted] = [idea for idea in ideas.ideas.values() if idea["author_id"] == ACCOUNT_ID]
    assert response.status_code == 201 and response.get_json()["id"] == submitted["id"]
    (actor, data), = ideas.args_of("submit_idea")
    assert actor == CITIZEN and data["author_pseudonym"] == "Camille du 3e" and data["arrondissement"] is None
    assert client.get(f"/api/v1/ideas/{IDEA_ID}").get_json()["viewer"] is None
    assert client.get(f"/api/v1/ideas/{IDEA_ID}", headers=auth).get_json()["viewer"]["supports"] is False


def test_the_api_maps_the_service_errors(client, ideas, sign_in):
    auth = {"Authorization": f"Bearer {sign_in()}"}
    ideas.fail("support_idea", Conflict("Vous soutenez déjà cette idée.", code="ALREADY_SUPPORTED"))
    again = client.post(f"/api/v1/ideas/{IDEA_ID}/supports", headers=auth)
    assert again.status_code == 409 and again.get_json()["error"] == "ALREADY_SUPPORTED"
    ideas.fail("post_comment", RateLimited("Trop de commentaires.", details={"retry_after": 90}))
    limited = client.post(f"/api/v1/ideas/{IDEA_ID}/comments", headers=auth, json={"body": "Oui"})
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "90"
    assert client.post(f"/api/v1/ideas/{IDEA_ID}/status", headers=auth,
                       json={"status": "answered", "message": "Oui."}).status_code == 403
    ideas.fail("get_idea", NotFound("Idée introuvable."))
    assert client.get(f"/api/v1/ideas/{IDEA_ID}").status_code == 404
    too_long = client.post(f"/api/v1/ideas/{IDEA_ID}/comments", headers=auth, json={"body": "x" * 2001})
    assert too_long.status_code == 400 and "body" in too_long.get_json()["details"]


def test_the_api_lists_themes_and_ideas(client, ideas):
    assert client.get("/api/v1/ideas/themes").get_json() == THEMES
    listing = client.get("/api/v1/ideas?theme=mobilites&sort=most_supported&limit=5")
    assert listing.status_code == 200 and listing.get_json()["total"] == 30
    (query,) = ideas.args_of("list_ideas")[0]
    assert query == {"theme": "mobilites", "status": None, "arrondissement": None, "scheme": None, "q": "",
                     "sort": "most_supported", "limit": 5, "offset": 0}
    assert client.get("/api/v1/ideas?sort=random").status_code == 400
    unknown = client.get("/api/v1/ideas?colour=blue")
    assert unknown.status_code == 400 and unknown.get_json()["details"] == {"colour": ["Champ inconnu."]}


def test_a_service_permission_error_is_a_403_page(client, ideas, sign_in, post):
    sign_in("admin")
    ideas.fail("change_status", PermissionDenied())
    assert post(f"/idees/{IDEA_ID}/statut", {"status": "answered", "message": "Oui."}).status_code == 403


# --- similar ideas ----------------------------------------------------------------------------------

def test_checking_similar_ideas_re_renders_the_form_with_suggestions_and_publishes_nothing(client, ideas, sign_in,
                                                                                            post):
    sign_in()
    assert 'name="action" value="similaires"' in html(client.get("/idees/proposer"))
    ideas.similar = [a_similar(title=f"Fontaines {XSS}")]
    response = post("/idees/proposer", {"title": "Fontaines au canal", "description": "De l'eau potable.",
                                        "theme": "environnement", "action": "similaires"})
    page = html(response)
    assert response.status_code == 200 and ideas.args_of("submit_idea") == []
    assert ideas.args_of("similar_ideas") == [({"title": "Fontaines au canal", "description": "De l'eau potable."},)]
    assert f'href="/idees/{OTHER_IDEA_ID}"' in page and "&lt;script&gt;alert(" in page and "<script>" not in page
    assert 'value="Fontaines au canal"' in page and "De l&#39;eau potable.</textarea>" in page  # kept as typed
    ideas.similar = []
    page = html(post("/idees/proposer", {"title": "Autre chose", "description": "", "action": "similaires"}))
    assert "Rien de semblable dans la boîte à idées, les consultations, le budget participatif ni les pétitions" in page


def test_checking_similar_ideas_without_a_title_says_so(client, ideas, sign_in, post):
    sign_in()
    response = post("/idees/proposer", {"title": "", "description": "x", "action": "similaires"})
    assert response.status_code == 400 and 'id="idee-title-erreur"' in html(response)
    assert ideas.args_of("similar_ideas") == []


def test_the_similar_ideas_api_validates_and_answers(client, ideas):
    response = client.get("/api/v1/ideas/similar?title=Fontaines%20canal&description=eau")
    assert response.status_code == 200 and response.get_json() == {"items": [a_similar()]}
    assert ideas.args_of("similar_ideas") == [({"title": "Fontaines canal", "description": "eau", "exclude": None},)]
    bad = client.get("/api/v1/ideas/similar?title=ab")
    assert bad.status_code == 400 and "title" in bad.get_json()["details"]
    assert len(ideas.args_of("similar_ideas")) == 1


# --- merging -------------------------------------------------------------------------------------------

def test_staff_see_similar_ideas_and_merge_from_the_idea_page(client, ideas, sign_in, post):
    sign_in("agent")
    ideas.put(an_idea(similar=[a_similar(title=f"Fontaines {XSS}")]))
    page = html(client.get(f"/idees/{IDEA_ID}"))
    assert "Idées similaires et fusion" in page and f'<option value="{OTHER_IDEA_ID}">' in page
    assert "<script>" not in page and "similarité 0.61" in page
    response = post(f"/idees/{IDEA_ID}/fusionner", {"into": OTHER_IDEA_ID, "message": "Même demande."})
    assert response.status_code == 302 and response.headers["Location"] == f"/idees/{OTHER_IDEA_ID}"
    (actor, data), = ideas.args_of("merge_ideas")
    assert actor["roles"] == ["citizen", "agent"]
    assert data == {"idea_id": IDEA_ID, "into": OTHER_IDEA_ID, "message": "Même demande."}


def test_a_refused_merge_is_shown_on_the_form_and_citizens_cannot_merge(client, ideas, sign_in, post):
    sign_in("agent")
    ideas.fail("merge_ideas", InvalidInput(details={"into": ["Aucune idée n'a cet identifiant."]}))
    response = post(f"/idees/{IDEA_ID}/fusionner", {"into": "nope", "message": "Même demande."})
    assert response.status_code == 400 and 'id="fusion-into-erreur"' in html(response)
    empty = post(f"/idees/{IDEA_ID}/fusionner", {"into": "", "message": ""})
    assert empty.status_code == 400 and len(ideas.args_of("merge_ideas")) == 1
    sign_in()
    assert "Idées similaires et fusion" not in html(client.get(f"/idees/{IDEA_ID}"))
    assert post(f"/idees/{IDEA_ID}/fusionner", {"into": OTHER_IDEA_ID, "message": "x"}).status_code == 403
    assert len(ideas.args_of("merge_ideas")) == 1


def test_the_merge_api_is_for_staff(client, ideas, sign_in):
    auth = {"Authorization": f"Bearer {sign_in()}"}
    body = {"into": OTHER_IDEA_ID, "message": "Même demande."}
    assert client.post(f"/api/v1/ideas/{IDEA_ID}/merge", headers=auth, json=body).status_code == 403
    auth = {"Authorization": f"Bearer {sign_in('moderator')}"}
    assert client.post(f"/api/v1/ideas/{IDEA_ID}/merge", headers=auth, json={"into": ""}).status_code == 400
    merged = client.post(f"/api/v1/ideas/{IDEA_ID}/merge", headers=auth, json=body)
    assert merged.status_code == 200 and merged.get_json()["merged_into"] == OTHER_IDEA_ID
    ideas.fail("merge_ideas", Conflict("L'idée est close.", code="INVALID_TRANSITION"))
    assert client.post(f"/api/v1/ideas/{IDEA_ID}/merge", headers=auth, json=body).status_code == 409


# --- reports and moderation ---------------------------------------------------------------------------------

def test_hidden_content_reads_masked_by_moderation(client, ideas, sign_in):
    ideas.put(an_idea(hidden=True, title="Masqué par la modération", description="Masqué par la modération",
                      comments=[{"id": 7, "idea_id": IDEA_ID, "author_pseudonym": "Dominique", "hidden": True,
                                 "body": "Masqué par la modération", "created_at": "2026-03-02T10:00:00+00:00"}]))
    page = html(client.get(f"/idees/{IDEA_ID}"))
    assert "<strong>Masqué par la modération.</strong>" in page and "<em>Masqué par la modération</em>" in page
    assert "Bonne idée" not in page


def test_a_citizen_reports_an_idea_or_a_comment_once(client, ideas, sign_in, post):
    sign_in()
    page = html(client.get(f"/idees/{IDEA_ID}"))
    assert "Signaler cette idée" in page and f"/idees/{IDEA_ID}/commentaires/7/signaler" in page
    assert "Masquer cette idée" not in page
    assert post(f"/idees/{IDEA_ID}/signaler", {"reason": "spam"}).status_code == 302
    assert post(f"/idees/{IDEA_ID}/commentaires/7/signaler", {"reason": "offensive"}).status_code == 302
    assert [args[1] for args in ideas.args_of("report_content")] == [
        {"kind": "idea", "content_id": IDEA_ID, "reason": "spam"},
        {"kind": "comment", "content_id": "7", "reason": "offensive"}]
    ideas.fail("report_content", Conflict("Vous avez déjà signalé ce contenu.", code="ALREADY_REPORTED"))
    again = post(f"/idees/{IDEA_ID}/signaler", {"reason": "spam"})
    assert again.status_code == 409 and "Vous avez déjà signalé ce contenu." in html(again)
    ideas.viewer["reported_idea"] = True
    assert "Vous avez signalé cette idée" in html(client.get(f"/idees/{IDEA_ID}"))


def test_moderators_hide_and_restore_from_the_page_and_the_queue(client, ideas, sign_in, post):
    sign_in("moderator")
    assert "Masquer cette idée" in html(client.get(f"/idees/{IDEA_ID}"))
    response = post(f"/idees/{IDEA_ID}/moderation", {"action": "hide", "reason": "Publicité."})
    assert response.status_code == 302
    empty = post(f"/idees/{IDEA_ID}/moderation", {"action": "hide", "reason": ""})
    assert empty.status_code == 400 and 'id="moderation-reason-erreur"' in html(empty)
    queue = client.get("/idees/moderation")
    page = html(queue)
    assert queue.status_code == 200 and "À examiner (2)" in page and "Propos injurieux ou haineux : 2" in page
    assert "<script>" not in page and "&lt;script&gt;" in page and "Signalements (automatique)" in page
    from_queue = post(f"/idees/{IDEA_ID}/commentaires/7/moderation", {"action": "restore", "reason": "Acceptable.",
                                                                     "depuis": "file"})
    assert from_queue.status_code == 302 and from_queue.headers["Location"] == "/idees/moderation"
    assert [args[1] for args in ideas.args_of("moderate")] == [
        {"kind": "idea", "content_id": IDEA_ID, "action": "hide", "reason": "Publicité."},
        {"kind": "comment", "content_id": "7", "action": "restore", "reason": "Acceptable."}]


def test_only_moderators_reach_the_queue_and_moderation(client, ideas, sign_in, post):
    sign_in("agent")
    assert client.get("/idees/moderation").status_code == 403
    assert post(f"/idees/{IDEA_ID}/moderation", {"action": "hide", "reason": "x"}).status_code == 403
    assert ideas.args_of("moderate") == [] and ideas.args_of("moderation_queue") == []


def test_the_moderation_api(client, ideas, sign_in):
    assert client.post(f"/api/v1/ideas/{IDEA_ID}/reports", json={"reason": "spam"}).status_code == 401
    auth = {"Authorization": f"Bearer {sign_in()}"}
    assert client.post(f"/api/v1/ideas/{IDEA_ID}/reports", headers=auth, json={"reason": "boring"}).status_code == 400
    reported = client.post("/api/v1/ideas/comments/7/reports", headers=auth, json={"reason": "off_topic"})
    assert reported.status_code == 201 and reported.get_json()["content_id"] == "7"
    assert client.post(f"/api/v1/ideas/{IDEA_ID}/hide", headers=auth, json={"reason": "x"}).status_code == 403
    assert client.get("/api/v1/ideas/moderation", headers=auth).status_code == 403
    auth = {"Authorization": f"Bearer {sign_in('admin')}"}
    assert client.post(f"/api/v1/ideas/{IDEA_ID}/hide", headers=auth, json={"reason": "x" * 501}).status_code == 400
    hidden = client.post(f"/api/v1/ideas/{IDEA_ID}/hide", headers=auth, json={"reason": "Spam."})
    assert hidden.status_code == 200 and hidden.get_json()["hidden"] is True
    restored = client.post("/api/v1/ideas/comments/7/restore", headers=auth, json={"reason": "Ok."})
    assert restored.get_json() == {"kind": "comment", "content_id": "7", "hidden": False}
    assert len(client.get("/api/v1/ideas/moderation", headers=auth).get_json()["items"]) == 2
    assert [args[1] for args in ideas.args_of("report_content")] == [
        {"kind": "comment", "content_id": "7", "reason": "off_topic"}]


# --- the journey across the schemes (routing) ------------------------------------------------------

def test_the_page_shows_the_ideas_journey_across_the_schemes(client, ideas, journey):
    journey.timeline = {"idea_id": IDEA_ID, "dossiers": [
        {"reference": "DEVE-2026-000123", "scheme_name": "Permis de végétaliser", "status_label": "transmis",
         "answer": None, "answered_at": None}],
        "entries": [{"occurred_at": "2026-03-03T10:00:00+00:00", "summary": f"Transmise au permis de végétaliser {XSS}"}]}
    page = client.get(f"/idees/{IDEA_ID}").get_data(as_text=True)
    assert "Dossiers de l'idée" in page and "DEVE-2026-000123" in page  # its entries join the Historique
    assert "Transmise au permis de végétaliser" in page.split('id="historique"', 1)[1].split("</section>", 1)[0]
    assert XSS not in page and "&lt;script&gt;" in page


def test_the_page_still_shows_when_routing_cannot_answer(client, ideas, journey):
    journey.down = True
    response = client.get(f"/idees/{IDEA_ID}")
    assert response.status_code == 200 and "Dossiers de l" not in response.get_data(as_text=True)


def test_a_similar_consultation_proposal_is_shown_to_staff_but_not_offered_as_a_merge_target(client, ideas, sign_in):
    sign_in("agent")
    proposal = {**a_similar(idea_id="prop-7", title="Fontaines de la consultation"), "kind": "proposal",
                "consultation_id": "c-1", "consultation_title": "Eau à Paris"}
    ideas.put(an_idea(similar=[a_similar(), proposal]))
    page = html(client.get(f"/idees/{IDEA_ID}"))
    assert f'<option value="{OTHER_IDEA_ID}">' in page and '<option value="prop-7">' not in page
