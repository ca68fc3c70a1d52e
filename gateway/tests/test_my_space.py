"""« Mon espace » (/mon-espace, GET /api/v1/me/space, the header link), with the shared fake notifications
service behind `remote.call`: tabs by kind, « Voir plus » with the service's cursor, roles and counts in French,
dates in Paris time, bad addresses as clear 400s, the service down or slow as a page that says so (503), and always
the session's person as the actor."""
import html as html_entities
import re
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

import gateway.my_space
from gateway.tests.fakes import route_to
from hubkit.errors import PermissionDenied, ServiceUnavailable
from tests.fakes import FakeNotifications

ACCOUNT_ID = "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11"  # the signed-in account of gateway/tests/conftest.py
OTHER_ACCOUNT_ID = "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99"
PETITION_ID = "6c2f1a7b-3d4e-4f60-9b0c-1d2e3f4a5b02"
KINDS = ("idea", "contribution", "budget_project", "ballot", "petition", "dossier")


def html(response) -> str:
    return html_entities.unescape(response.get_data(as_text=True))


def titles(page: str) -> list:
    return re.findall(r'<h2 class="space-item__title"><a href="[^"]*">([^<]*)</a>', page)


def tabs(page: str) -> list:
    """(label, count, current) of each tab."""
    return [(label, int(count), bool(current)) for _href, current, label, count in re.findall(
        r'<li><a href="([^"]+)"( aria-current="page")?>([^<]+?) <span class="my-space-tabs__count">\((\d+)\)</span>',
        page)]


def more_link(page: str):
    found = re.search(r'<a href="([^"]+)" rel="next">Voir plus</a>', page)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.fixture
def space(accounts, monkeypatch, app):
    fake = FakeNotifications()
    route_to(monkeypatch, accounts, batched=True, notifications=fake)
    app.config["HUB_SETTINGS"].services = ("accounts", "notifications")
    return fake


def camilles_space(fake) -> dict:
    """One item of each kind for Camille (oldest first), and one of someone else's."""
    made = {
        "idea": fake.add_space_item(ACCOUNT_ID, "idea", "Des fontaines le long du canal", roles=("author",),
                                    state="forwarded", state_label="Transmise",
                                    detail="Transmise au budget participatif"),
        "contribution": fake.add_space_item(ACCOUNT_ID, "contribution", "Réinventer la place de la Nation",
                                            roles=("contributor",), state="open", state_label="En cours",
                                            counts={"contributions": 3}),
        "budget_project": fake.add_space_item(ACCOUNT_ID, "budget_project", "Un jardin partagé rue Manin",
                                              roles=("carrier", "follower"), state="selected",
                                              state_label="Soumis au vote"),
        "ballot": fake.add_space_item(ACCOUNT_ID, "ballot", "Budget participatif 2026", roles=("voter",),
                                      state="recorded", state_label="Vote enregistré"),
        "petition": fake.add_space_item(ACCOUNT_ID, "petition", "Pour des bancs à l'ombre", item_id=PETITION_ID,
                                        roles=("signer", "sponsor"), state="open",
                                        state_label="Ouverte à la signature",
                                        counts={"signatures": 1234, "threshold": 5000}),
        "dossier": fake.add_space_item(ACCOUNT_ID, "dossier", "Permis de végétaliser", roles=("requester",),
                                       state="received", state_label="Reçue",
                                       updated_at=datetime(2026, 7, 14, 21, 30, tzinfo=timezone.utc)),
    }
    fake.add_space_item(OTHER_ACCOUNT_ID, "idea", "Pas pour Camille")
    return made


# --- who may see it ------------------------------------------------------------------------------------------------

def test_a_visitor_is_sent_to_the_login_with_the_way_back(client, space):
    response = client.get("/mon-espace?type=petition")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/connexion" and parse_qs(location.query)["suivant"] == ["/mon-espace?type=petition"]
    assert space.calls == []


def test_the_api_answers_401_without_a_token(client, space):
    response = client.get("/api/v1/me/space")
    assert response.status_code == 401 and response.json["error"] == "AUTHENTICATION_REQUIRED"
    assert set(response.json) == {"error", "message", "details"} and space.calls == []


def test_the_actor_is_always_the_session_s_person(client, space, sign_in, bearer):
    camilles_space(space)
    sign_in()
    page = html(client.get(f"/mon-espace?account_id={OTHER_ACCOUNT_ID}&actor={OTHER_ACCOUNT_ID}"))
    assert "Pas pour Camille" not in page and "Des fontaines le long du canal" in page
    answer = client.get("/api/v1/me/space", headers=bearer())
    assert answer.status_code == 200 and "Pas pour Camille" not in str(answer.json)
    actors = [actor for actor, _data in space.args_of("my_space")]
    assert actors == [{"account_id": ACCOUNT_ID, "roles": ["citizen"]}] * 2
    # no parameter can name another person: one that tries is refused before the service
    forged = client.get(f"/api/v1/me/space?account_id={OTHER_ACCOUNT_ID}", headers=bearer())
    assert forged.status_code == 400 and "account_id" in forged.json["details"]
    assert len(space.args_of("my_space")) == 2


def test_the_header_links_to_it_for_a_signed_in_person_only(client, space, sign_in):
    assert "Mon espace" not in html(client.get("/connexion"))
    sign_in()
    page = html(client.get("/mon-compte"))
    assert '<a href="/mon-espace">Mon espace</a>' in page
    assert '<a href="/mon-espace" aria-current="page">Mon espace</a>' in html(client.get("/mon-espace"))


def test_no_link_where_the_notifications_service_is_not_deployed(client, space, sign_in, app):
    app.config["HUB_SETTINGS"].services = ("accounts",)
    sign_in()
    assert 'href="/mon-espace"' not in html(client.get("/mon-compte"))


# --- the page ------------------------------------------------------------------------------------------------------

def test_the_page_lists_everything_newest_change_first_in_french(client, space, sign_in):
    made = camilles_space(space)
    sign_in()
    response = client.get("/mon-espace")
    assert response.status_code == 200
    page = html(response)
    assert titles(page) == ["Pour des bancs à l'ombre", "Budget participatif 2026",
                            "Un jardin partagé rue Manin", "Réinventer la place de la Nation",
                            "Des fontaines le long du canal", "Permis de végétaliser"]
    assert f'<a href="/petitions/{PETITION_ID}">Pour des bancs à l\'ombre</a>' in page
    assert f'<a href="/agir/dossiers/{made["dossier"]["id"]}">Permis de végétaliser</a>' in page
    petition = page.split('space-item--petition')[1].split("</li>")[0]
    # the service's order of roles (sorted codes: signer, sponsor), each in French
    assert '<span class="tag tag--role">Signataire</span> <span class="tag tag--role">Parrain·e</span>' in petition
    assert "Ouverte à la signature" in petition and "1\u202f234 signatures sur 5\u202f000 nécessaires" in petition
    project = page.split('space-item--budget_project')[1].split("</li>")[0]
    assert "Porteur·euse" in project and "Vous suivez" in project
    for label in ("Auteur·rice", "Contributeur·rice", "A voté", "Demandeur·euse"):
        assert f'<span class="tag tag--role">{label}</span>' in page
    assert "Transmise au budget participatif" in page and "3 contributions de votre part" in page
    # 21:30 UTC on 14 July is 23:30 in Paris (summer time)
    assert '<time datetime="2026-07-14T21:30:00+00:00">14 juillet 2026 à 23 h 30</time>' in page
    assert "Pas pour Camille" not in page
    assert space.args_of("my_space")[0][1] == {"limit": 20, "cursor": None, "kind": None}


def test_the_tabs_count_each_kind_and_filter(client, space, sign_in):
    camilles_space(space)
    space.add_space_item(ACCOUNT_ID, "petition", "Une autre pétition", roles=("signer",))
    sign_in()
    everything = html(client.get("/mon-espace"))
    assert tabs(everything) == [("Tout", 7, True), ("Idées", 1, False), ("Consultations", 1, False),
                                ("Projets du budget participatif", 1, False), ("Votes", 1, False),
                                ("Pétitions", 2, False), ("Demandes « Agir »", 1, False)]
    assert 'href="/mon-espace?type=petition"' in everything
    petitions = html(client.get("/mon-espace?type=petition"))
    assert titles(petitions) == ["Une autre pétition", "Pour des bancs à l'ombre"]
    assert ("Pétitions", 2, True) in tabs(petitions) and ("Tout", 7, False) in tabs(petitions)
    assert space.args_of("my_space")[-1][1] == {"limit": 20, "cursor": None, "kind": "petition"}
    empty = html(client.get("/mon-espace?type=ballot"))
    assert titles(empty) == ["Budget participatif 2026"]


def test_an_empty_space_says_how_to_fill_it(client, space, sign_in):
    sign_in()
    page = html(client.get("/mon-espace"))
    assert "Votre espace est encore vide" in page and titles(page) == [] and "Voir plus" not in page
    assert tabs(page)[0] == ("Tout", 0, True)


def test_voir_plus_follows_the_service_s_cursor_to_the_end(client, space, sign_in):
    for number in range(45):
        space.add_space_item(ACCOUNT_ID, "idea", f"Idée numéro {number:02d}")
    sign_in()
    seen, url = [], "/mon-espace?type=idea"
    for _page in range(3):
        page = html(client.get(url))
        seen += titles(page)
        url = more_link(page)
        if url is None:
            break
        assert urlsplit(url).path == "/mon-espace" and parse_qs(urlsplit(url).query)["type"] == ["idea"]
    assert seen == [f"Idée numéro {number:02d}" for number in reversed(range(45))]  # each once, in order
    assert url is None and "Revenir au début" in page
    cursors = [data["cursor"] for _actor, data in space.args_of("my_space")]
    assert cursors[0] is None and all(cursors[1:]) and len(cursors) == 3


def test_a_link_that_is_not_a_path_of_the_hub_is_not_followed(client, space, sign_in):
    space.add_space_item(ACCOUNT_ID, "idea", "Piège", link="//evil.example/x")
    space.add_space_item(ACCOUNT_ID, "idea", "<script>alert(1)</script>", link="javascript:alert(1)")
    space.add_space_item(ACCOUNT_ID, "idea", "", detail="<b>gras</b>")
    sign_in()
    raw = client.get("/mon-espace").get_data(as_text=True)
    assert "evil.example" not in raw and "javascript:" not in raw and "<script>alert(1)" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw and "&lt;b&gt;gras&lt;/b&gt;" in raw
    assert "Titre bientôt disponible" in raw  # a title the service does not know yet


# --- bad addresses -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["type=pirate", "type=idea%00", "type=" + "x" * 200])
def test_an_unknown_type_is_a_clear_400_page(client, space, sign_in, query):
    sign_in()
    response = client.get(f"/mon-espace?{query}")
    assert response.status_code == 400
    page = html(response)
    assert "Ce type d'élément n'existe pas dans votre espace." in page and '<a href="/mon-espace">' in page
    assert "Traceback" not in page and space.args_of("my_space") == []


@pytest.mark.parametrize("cursor", ["pas-un-curseur", "W10", "x" * 301])
def test_a_forged_cursor_is_a_clear_400_page(client, space, sign_in, cursor):
    space.add_space_item(ACCOUNT_ID)
    sign_in()
    response = client.get(f"/mon-espace?type=idea&apres={cursor}")
    assert response.status_code == 400
    page = html(response)
    assert "Ce lien « Voir plus » n'est plus valable : reprenez la liste depuis le début." in page
    assert '<a href="/mon-espace?type=idea">Revenir à mon espace</a>' in page
    assert "space-item" not in page


@pytest.mark.parametrize("query, field", [("kind=pirate", "kind"), ("limit=0", "limit"), ("limit=101", "limit"),
                                          ("limit=abc", "limit"), ("cursor=", "cursor"), ("cursor=" + "x" * 301,
                                                                                         "cursor")])
def test_the_api_refuses_a_bad_query_at_the_edge(client, space, bearer, query, field):
    response = client.get(f"/api/v1/me/space?{query}", headers=bearer())
    assert response.status_code == 400 and response.json["error"] == "VALIDATION_ERROR"
    assert field in response.json["details"] and space.calls == []


def test_the_api_passes_on_the_service_s_refusal_of_a_forged_cursor(client, space, bearer):
    response = client.get("/api/v1/me/space?cursor=pas-un-curseur", headers=bearer())
    assert response.status_code == 400 and response.json["error"] == "VALIDATION_ERROR"
    assert "cursor" in response.json["details"]


# --- the service down or slow --------------------------------------------------------------------------------------

def test_the_page_says_the_space_is_unavailable_when_the_service_is_down(client, space, sign_in):
    space.down = ServiceUnavailable()
    sign_in()
    response = client.get("/mon-espace")
    assert response.status_code == 503
    page = html(response)
    assert "Votre espace est momentanément indisponible" in page and "Traceback" not in page
    assert '<a href="/mon-espace" aria-current="page">Mon espace</a>' in page  # the header still there


def test_a_slow_service_is_not_waited_for(client, space, sign_in, bearer, monkeypatch):
    monkeypatch.setattr(gateway.my_space, "MY_SPACE_SECONDS", 0.1)
    space.delay = 2
    sign_in()
    response = client.get("/mon-espace")
    assert response.status_code == 503 and "Votre espace est momentanément indisponible" in html(response)
    answer = client.get("/api/v1/me/space", headers=bearer())
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert answer.json == {"error": "SERVICE_UNAVAILABLE", "details": {},
                           "message": "Votre espace est momentanément indisponible : réessayez dans quelques "
                                      "instants."}


def test_the_api_answers_503_with_the_standard_body_when_the_service_is_down(client, space, bearer):
    space.down = ServiceUnavailable()
    response = client.get("/api/v1/me/space", headers=bearer())
    assert response.status_code == 503 and set(response.json) == {"error", "message", "details"}


def test_another_refusal_of_the_service_is_its_own_error_page(client, space, sign_in):
    space.fail("my_space", PermissionDenied())
    sign_in()
    response = client.get("/mon-espace")
    assert response.status_code == 403 and "Votre espace est momentanément indisponible" not in html(response)


# --- the API -------------------------------------------------------------------------------------------------------

def test_the_api_answers_the_service_s_page_field_for_field(client, space, bearer):
    made = camilles_space(space)
    response = client.get("/api/v1/me/space?limit=2", headers=bearer())
    assert response.status_code == 200
    body = response.json
    assert set(body) == {"items", "next_cursor", "has_more", "kinds"}
    assert body["has_more"] is True and body["next_cursor"] and body["kinds"] == {kind: 1 for kind in KINDS}
    first = body["items"][0]
    assert first == {**made["petition"], "updated_at": made["petition"]["updated_at"]}
    assert space.args_of("my_space")[0][1] == {"limit": 2, "cursor": None, "kind": None}
    following = client.get(f"/api/v1/me/space?limit=2&kind=idea&cursor={body['next_cursor']}", headers=bearer())
    assert following.status_code == 200
    assert space.args_of("my_space")[1][1] == {"limit": 2, "cursor": body["next_cursor"], "kind": "idea"}


def test_the_openapi_documents_the_space(client, space):
    document = client.get("/api/v1/openapi.json").json
    operation = document["paths"]["/api/v1/me/space"]["get"]
    assert operation["tags"] == ["notifications"] and operation["security"] == [{"bearer": []}]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/MySpacePage")
    assert {"400", "401", "503"} <= set(operation["responses"])
    assert {parameter["name"] for parameter in operation["parameters"]} == {"limit", "cursor", "kind"}
    kind = next(parameter for parameter in operation["parameters"] if parameter["name"] == "kind")
    assert [value for value in kind["schema"]["enum"] if value is not None] == list(KINDS)
    kinds = document["components"]["schemas"]["MySpacePage"]["properties"]["kinds"]
    assert kinds["required"] == list(KINDS) and kinds["additionalProperties"] is False
