"""« Mes notifications », its preferences, the one-click unsubscribe link and /api/v1/me/notifications…, with the
shared fake notifications service behind `remote.call`; the header's unread count, bounded and kept briefly."""
import html as html_entities
import re
import time
from urllib.parse import urlsplit

import pytest

import gateway.unread_notifications
from gateway.auth import CSRF_FIELD
from gateway.tests.fakes import route_to
from hubkit.errors import ServiceUnavailable
from hubkit.testing import throttle_fixture
from tests.fakes import FakeNotifications

ACCOUNT_ID = "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11"  # the signed-in account of gateway/tests/conftest.py
OTHER_ACCOUNT_ID = "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99"
IDEA_LINK = "/idees/3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"

throttle = throttle_fixture()


def html(response) -> str:
    return html_entities.unescape(response.get_data(as_text=True))


def listed(page: str) -> int:
    return page.count('<li class="notification')


def header_link(page: str) -> str:
    """The header's « Mes notifications » link, its text without tags."""
    found = re.search(r'<a href="/notifications"[^>]*>(.*?)</a>', page, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else None


@pytest.fixture
def notifications(accounts, monkeypatch, app, throttle):
    fake = FakeNotifications()
    route_to(monkeypatch, accounts, batched=True, notifications=fake)
    app.config["HUB_SETTINGS"].services = ("accounts", "notifications")
    app.extensions["notifications_throttle"] = throttle
    return fake


def three_for_camille(fake) -> list:
    """Oldest first: one read, then two unread."""
    return [fake.add(ACCOUNT_ID, "Votre idée est à l'étude", read=True),
            fake.add(ACCOUNT_ID, "Votre idée a été transmise", link=IDEA_LINK,
                     body="Votre idée « Des fontaines » a été transmise au budget participatif.\nMerci !"),
            fake.add(ACCOUNT_ID, "La pétition a atteint son seuil", category="signed_petitions",
                     link="/petitions/6c2f1a7b-3d4e-4f60-9b0c-1d2e3f4a5b02")]


# --- signed out ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/notifications", "/notifications/preferences"])
def test_the_pages_send_a_visitor_to_the_login(client, notifications, path):
    response = client.get(path)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/connexion" and path in location.query
    assert notifications.calls == []


@pytest.mark.parametrize("method, path", [("get", "/api/v1/me/notifications"),
                                          ("post", "/api/v1/me/notifications/read"),
                                          ("get", "/api/v1/me/notification-preferences"),
                                          ("put", "/api/v1/me/notification-preferences")])
def test_the_api_answers_401_without_a_token(client, notifications, method, path):
    response = getattr(client, method)(path, json={"all": True})
    assert response.status_code == 401 and response.json["error"] == "AUTHENTICATION_REQUIRED"
    assert notifications.calls == []


def test_a_visitor_has_no_notifications_link_and_costs_no_call(client, notifications):
    page = html(client.get("/connexion"))
    assert header_link(page) is None and notifications.calls == []


# --- the list ------------------------------------------------------------------------------------------------------

def test_the_list_is_newest_first_marks_the_new_ones_and_reads_them_on_view(client, notifications, sign_in):
    read, forwarded, threshold = three_for_camille(notifications)
    notifications.add(OTHER_ACCOUNT_ID, "Pas pour Camille")
    sign_in()
    response = client.get("/notifications")
    assert response.status_code == 200
    page = html(response)
    titles = re.findall(r'<h2 class="notification__title">.*?<a href="([^"]+)">([^<]+)</a>', page, re.S)
    assert titles == [(threshold["link"], threshold["title"]), (IDEA_LINK, forwarded["title"]),
                      (read["link"], read["title"])]
    assert page.count("notification--new") == 2 and page.count("Nouveau<span class=\"visually-hidden\"> : "
                                                                  "notification non lue") == 2
    assert "Pas pour Camille" not in page
    [(actor, asked)] = notifications.args_of("list_notifications")
    assert actor == {"account_id": ACCOUNT_ID, "roles": ["citizen"]} and asked == {"page": 1, "per_page": 20}
    assert notifications.args_of("mark_read") == [(actor, {"notification_ids": [threshold["notification_id"],
                                                                                forwarded["notification_id"]]})]
    # the header already knows they are read: no count, and no extra call to learn it
    assert header_link(page) == "Mes notifications" and notifications.args_of("unread_count") == []
    again = html(client.get("/notifications"))
    assert "notification--new" not in again and len(notifications.args_of("mark_read")) == 1


def test_a_link_that_is_not_a_path_of_the_hub_is_not_followed(client, notifications, sign_in):
    notifications.add(ACCOUNT_ID, "Piège", link="//evil.example/x")
    notifications.add(ACCOUNT_ID, "Autre piège", link="/\\evil.example/y")
    notifications.add(ACCOUNT_ID, "<script>alert(1)</script>", link="javascript:alert(1)")
    sign_in()
    page = client.get("/notifications").get_data(as_text=True)
    assert "evil.example" not in page and "javascript:" not in page and "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count('<a href="/notifications">') == 3  # the three lead to the list (the header's is current)
    assert '<a href="/notifications" aria-current="page">' in page


def test_the_list_is_paged(client, notifications, sign_in):
    for number in range(25):
        notifications.add(ACCOUNT_ID, f"Nouvelle numéro {number}")
    sign_in()
    first = html(client.get("/notifications"))
    assert listed(first) == 20 and "Nouvelle numéro 24" in first
    assert 'href="/notifications?page=2"' in first and "Page 1 sur 2" in first
    second = html(client.get("/notifications?page=2"))
    assert listed(second) == 5 and "Nouvelle numéro 0" in second
    assert listed(html(client.get("/notifications?page=abc"))) == 20  # a bad page: the first
    assert client.get("/notifications?page=999999").status_code == 200
    assert notifications.args_of("list_notifications")[-1][1] == {"page": 100_000, "per_page": 20}  # its bound


def test_nothing_yet(client, notifications, sign_in):
    sign_in()
    page = html(client.get("/notifications"))
    assert "Vous n'avez encore aucune notification." in page and "Tout marquer comme lu" not in page
    assert notifications.args_of("mark_read") == []


def test_the_list_is_shown_even_if_marking_read_fails(client, notifications, sign_in):
    three_for_camille(notifications)
    notifications.fail("mark_read", ServiceUnavailable())
    sign_in()
    response = client.get("/notifications")
    assert response.status_code == 200 and html(response).count("notification--new") == 2


def test_everything_is_marked_read_with_one_form(client, notifications, sign_in, post):
    three_for_camille(notifications)
    notifications.add(ACCOUNT_ID, "Hors de la page", created_at=None)
    sign_in()
    with_button = html(client.get("/notifications?page=2"))  # nothing new on this page: the button is still there
    assert "Tout marquer comme lu" in with_button
    response = post("/notifications/tout-lire")
    assert response.status_code == 302 and response.headers["Location"] == "/notifications"
    assert notifications.data_of("unread_count") == [] and notifications._unread(ACCOUNT_ID) == 0
    assert notifications.args_of("mark_read")[-1][1] == {"all": True}
    assert "Toutes vos notifications sont marquées comme lues." in html(client.get("/notifications"))


def test_marking_all_read_needs_the_csrf_token(client, notifications, sign_in):
    three_for_camille(notifications)
    sign_in()
    response = client.post("/notifications/tout-lire", data={CSRF_FIELD: "forged"})
    assert response.status_code == 400 and notifications.args_of("mark_read") == []
    assert notifications._unread(ACCOUNT_ID) == 2


# --- the header ----------------------------------------------------------------------------------------------------

def test_the_header_shows_the_unread_count_and_keeps_it_briefly(client, notifications, sign_in):
    three_for_camille(notifications)
    sign_in()
    page = html(client.get("/mon-compte"))
    assert header_link(page) == "Mes notifications (2 non lues)"
    assert '<span class="nav-count">(2<span class="visually-hidden"> non lues</span>)</span>' in page
    html(client.get("/mon-compte"))
    assert len(notifications.args_of("unread_count")) == 1  # kept KEPT_SECONDS: one call, not one per page
    assert notifications.args_of("unread_count")[0] == ({"account_id": ACCOUNT_ID, "roles": ["citizen"]}, {})


def test_the_header_is_rendered_without_a_count_when_the_service_fails(client, notifications, sign_in):
    three_for_camille(notifications)
    notifications.fail("unread_count", ServiceUnavailable())
    sign_in()
    response = client.get("/mon-compte")
    assert response.status_code == 200 and header_link(html(response)) == "Mes notifications"
    client.get("/mon-compte")
    assert len(notifications.args_of("unread_count")) == 1  # a failing service is not asked again at once


def test_the_header_does_not_wait_for_a_slow_service(client, notifications, sign_in, monkeypatch):
    monkeypatch.setattr(gateway.unread_notifications, "UNREAD_SECONDS", 0.1)
    three_for_camille(notifications)
    notifications.delay = 3
    sign_in()
    started = time.monotonic()
    response = client.get("/mon-compte")
    assert time.monotonic() - started < 1.5
    assert response.status_code == 200 and header_link(html(response)) == "Mes notifications"


def test_no_link_where_the_service_is_not_deployed(client, notifications, sign_in, app):
    app.config["HUB_SETTINGS"].services = ("accounts",)
    sign_in()
    assert header_link(html(client.get("/mon-compte"))) is None and notifications.calls == []


# --- the preferences -----------------------------------------------------------------------------------------------

def test_the_preferences_are_a_fieldset_per_category_with_a_radio_per_channel(client, notifications, sign_in):
    sign_in()
    response = client.get("/notifications/preferences")
    assert response.status_code == 200
    page = html(response)
    legends = re.findall(r"<legend>([^<]+)</legend>", page)
    assert legends == ["Mes idées", "Ce que je suis", "Mes projets du budget participatif", "Mes pétitions",
                       "Pétitions signées", "Consultations", "Idées qui me sont confiées"]
    assert len(re.findall(r'type="radio"', page)) == 7 * 4
    checked = dict(re.findall(r'name="([a-z_]+)" value="([a-z]+)" checked', page))
    assert checked == {"my_ideas": "email", "followed": "digest", "my_projects": "email",
                       "my_petitions": "email", "signed_petitions": "email", "consultations": "digest",
                       "assignments": "email"}
    assert '<label for="preferences-followed-never">Jamais</label>' in page


def test_saving_the_preferences(client, notifications, sign_in, post):
    sign_in()
    response = post("/notifications/preferences", {"followed": "never", "my_ideas": "hub", "pirate": "email"})
    assert response.status_code == 200
    page = html(response)
    assert "Vos préférences de notification sont enregistrées." in page
    [(_actor, sent)] = notifications.args_of("set_preferences")
    assert sent == {"preferences": {"my_ideas": "hub", "followed": "never"}}  # only the service's categories
    checked = dict(re.findall(r'name="([a-z_]+)" value="([a-z]+)" checked', page))
    assert checked["followed"] == "never" and checked["my_ideas"] == "hub" and checked["my_projects"] == "email"


def test_a_bad_channel_is_a_clear_error_and_changes_nothing(client, notifications, sign_in, post):
    sign_in()
    response = post("/notifications/preferences", {"followed": "pigeon", "my_ideas": "hub"})
    assert response.status_code == 400
    page = html(response)
    assert "Vos préférences n'ont pas été enregistrées" in page
    assert 'href="#preferences-followed">Ce que je suis : Canal inconnu : pigeon.' in page
    assert 'id="preferences-followed-erreur"' in page
    assert notifications.preferences == {}  # nothing changed, not even my_ideas
    checked = dict(re.findall(r'name="([a-z_]+)" value="([a-z]+)" checked', page))
    assert checked["my_ideas"] == "hub" and "followed" not in checked  # what was typed, kept


def test_the_preferences_form_needs_the_csrf_token(client, notifications, sign_in):
    sign_in()
    response = client.post("/notifications/preferences", data={"followed": "never", CSRF_FIELD: "forged"})
    assert response.status_code == 400 and notifications.args_of("set_preferences") == []


# --- one-click unsubscribe -----------------------------------------------------------------------------------------

def test_the_link_opens_a_page_with_one_button_and_changes_nothing(client, notifications):
    token = notifications.token_for(ACCOUNT_ID, "followed")
    response = client.get(f"/notifications/desabonnement/{token}")
    assert response.status_code == 200
    page = html(response)
    assert "<h1>Se désabonner</h1>" in page
    assert f'<form class="form" method="post" action="/notifications/desabonnement/{token}">' in page
    assert 'name="List-Unsubscribe" value="One-Click"' in page and CSRF_FIELD not in page.split("<main")[1]
    assert notifications.calls == []


def test_one_click_needs_no_login_and_no_csrf_token(client, notifications):
    token = notifications.token_for(ACCOUNT_ID, "followed")
    response = client.post(f"/notifications/desabonnement/{token}", data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    page = html(response)
    assert "Vous êtes désabonné·e de « Ce que je suis » : ces e-mails ne vous seront plus envoyés." in page
    assert 'href="/notifications/preferences"' in page
    assert notifications.args_of("unsubscribe") == [(None, {"token": token})]
    assert notifications.preferences[ACCOUNT_ID]["followed"] == "never"


def test_one_click_acts_for_the_token_never_for_the_signed_in_session(client, notifications, sign_in):
    sign_in()
    token = notifications.token_for(OTHER_ACCOUNT_ID, "consultations")
    assert client.post(f"/notifications/desabonnement/{token}").status_code == 200
    assert notifications.args_of("unsubscribe") == [(None, {"token": token})]
    assert notifications.preferences == {OTHER_ACCOUNT_ID: {"consultations": "never"}}


def test_a_forged_token_is_a_400_page_and_changes_nothing(client, notifications):
    notifications.token_for(ACCOUNT_ID, "followed")
    response = client.post("/notifications/desabonnement/tok-forged.0123456789abcdef")
    assert response.status_code == 400
    page = html(response)
    assert "Lien de désabonnement invalide" in page and "Rien n'a été modifié." in page
    assert notifications.preferences == {}


@pytest.mark.parametrize("token", ["court", "a" * 201, "jeton%3Cscript%3E", "jeton avec espaces"])
def test_a_token_that_cannot_be_one_is_refused_before_the_service(client, notifications, token):
    for method in (client.get, client.post):
        response = method(f"/notifications/desabonnement/{token}")
        assert response.status_code == 400 and "Lien de désabonnement invalide" in html(response)
    assert notifications.calls == []


def test_one_click_is_limited_per_address(client, notifications, monkeypatch):
    monkeypatch.setattr("gateway.pages.notifications.UNSUBSCRIBE_PER_TEN_MINUTES", 2)
    token = notifications.token_for(ACCOUNT_ID, "followed")
    assert [client.post(f"/notifications/desabonnement/{token}").status_code for _ in range(3)] == [200, 200, 429]
    assert len(notifications.args_of("unsubscribe")) == 2


# --- the API -------------------------------------------------------------------------------------------------------

def test_the_api_lists_without_marking_read(client, notifications, bearer):
    _read, _forwarded, threshold = three_for_camille(notifications)
    response = client.get("/api/v1/me/notifications?per_page=2", headers=bearer())
    assert response.status_code == 200
    body = response.json
    assert set(body) == {"items", "unread_count", "total", "page", "per_page"}
    assert (body["unread_count"], body["total"], body["page"], body["per_page"]) == (2, 3, 1, 2)
    first = body["items"][0]
    assert set(first) == {"notification_id", "category", "title", "body", "link", "created_at", "read_at"}
    assert first["notification_id"] == threshold["notification_id"] and first["read_at"] is None
    assert notifications.args_of("mark_read") == []


@pytest.mark.parametrize("query", ["per_page=51", "per_page=0", "page=0", "page=x"])
def test_the_api_refuses_a_bad_page(client, notifications, bearer, query):
    response = client.get(f"/api/v1/me/notifications?{query}", headers=bearer())
    assert response.status_code == 400 and set(response.json) == {"error", "message", "details"}
    assert notifications.calls == []


def test_the_api_marks_read_by_ids_or_all(client, notifications, bearer):
    _read, forwarded, _threshold = three_for_camille(notifications)
    other = notifications.add(OTHER_ACCOUNT_ID, "Pas pour Camille")
    ids = [forwarded["notification_id"], other["notification_id"]]
    response = client.post("/api/v1/me/notifications/read", json={"notification_ids": ids}, headers=bearer())
    assert response.status_code == 200 and response.json == {"unread_count": 1}
    assert other["read_at"] is None  # another person's id is ignored
    assert client.post("/api/v1/me/notifications/read", json={"all": True}, headers=bearer()).json == {
        "unread_count": 0}
    assert [data for _actor, data in notifications.args_of("mark_read")] == [{"notification_ids": ids},
                                                                              {"all": True}]


@pytest.mark.parametrize("body", [{}, {"all": False}, {"all": True, "notification_ids": ["a"]},
                                  {"all": 0, "notification_ids": [IDEA_LINK[7:]]},  # found by Schemathesis
                                  {"notification_ids": []}, {"notification_ids": ["pas-un-uuid"]},
                                  {"notification_ids": [IDEA_LINK[7:]] * 101}, {"notification_ids": IDEA_LINK[7:]},
                                  {"preferences": {"followed": "never"}}])
def test_the_api_refuses_a_bad_read_command(client, notifications, bearer, body):
    response = client.post("/api/v1/me/notifications/read", json=body, headers=bearer())
    assert response.status_code == 400 and response.json["error"] == "VALIDATION_ERROR"
    assert notifications.calls == []


def test_the_api_reads_and_changes_the_preferences(client, notifications, bearer):
    got = client.get("/api/v1/me/notification-preferences", headers=bearer())
    assert got.status_code == 200 and [row["channel"] for row in got.json["preferences"]] == [
        "email", "digest", "email", "email", "email", "digest", "email"]
    assert [row["code"] for row in got.json["channels"]] == ["hub", "email", "digest", "never"]
    put = client.put("/api/v1/me/notification-preferences", json={"preferences": {"followed": "never"}},
                     headers=bearer())
    assert put.status_code == 200
    assert {row["category"]: row["channel"] for row in put.json["preferences"]}["followed"] == "never"


@pytest.mark.parametrize("preferences", [{"followed": "pigeon"}, {"pirate": "email"},
                                         {"followed": "never", "my_ideas": "pigeon"}])
def test_the_api_refuses_an_unknown_category_or_channel_and_changes_nothing(client, notifications, bearer,
                                                                            preferences):
    response = client.put("/api/v1/me/notification-preferences", json={"preferences": preferences},
                          headers=bearer())
    assert response.status_code == 400 and set(response.json) == {"error", "message", "details"}
    assert notifications.preferences == {}


@pytest.mark.parametrize("body", [{}, {"preferences": {}}, {"preferences": ["followed"]},
                                  {"preferences": {"followed": 3}}, {"preferences": {"x" * 41: "never"}},
                                  {"preferences": {"followed": "x" * 21}},
                                  {"preferences": {f"c{number}": "never" for number in range(8)}}])
def test_the_api_refuses_a_malformed_preferences_body_at_the_edge(client, notifications, bearer, body):
    response = client.put("/api/v1/me/notification-preferences", json=body, headers=bearer())
    assert response.status_code == 400 and notifications.calls == []


def test_the_openapi_documents_the_notification_paths(client, notifications):
    document = client.get("/api/v1/openapi.json").json
    paths = document["paths"]
    assert set(paths["/api/v1/me/notifications"]) == {"get"}
    assert set(paths["/api/v1/me/notifications/read"]) == {"post"}
    assert set(paths["/api/v1/me/notification-preferences"]) == {"get", "put"}
    listing = paths["/api/v1/me/notifications"]["get"]
    assert listing["tags"] == ["notifications"] and listing["security"] == [{"bearer": []}]
    assert listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/NotificationPage")
    assert listing["responses"]["401"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    schemas = document["components"]["schemas"]
    assert set(schemas["Notification"]["properties"]) == {"notification_id", "category", "title", "body", "link",
                                                          "created_at", "read_at"}
