"""The French pages of the hub, with a fake accounts service behind `gateway.remote.call`."""
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from gateway.auth import CSRF_FIELD, SESSION_KEY
from gateway.pages.forms import safe_next
from gateway.tests.conftest import ACCOUNT_ID, SESSION_ID
from hubkit.errors import (AuthenticationFailed, Conflict, InvalidInput, PermissionDenied, RateLimited,
                           ServiceUnavailable)

OFFERS = ("Boîte à idées", "Consultations", "Budget participatif", "Pétitions")


def html(response) -> str:
    return response.get_data(as_text=True)


def input_tag(page: str, name: str) -> str:
    """The <input> or <select> tag of the field called `name`."""
    match = re.search(rf'<(?:input|select)[^>]*\bname="{name}"[^>]*>', page)
    assert match, f"no field named {name}"
    return match.group(0)


def signed_out(client) -> bool:
    with client.session_transaction() as session:
        return SESSION_KEY not in session


# --- layout and home ----------------------------------------------------------------------------

def test_home_has_the_landmarks_and_the_four_offers(client, accounts):
    response = client.get("/")
    page = html(response)
    assert response.status_code == 200
    assert '<html lang="fr">' in page
    assert '<a class="skip-link" href="#contenu">' in page
    for landmark in ("<header", "<nav", '<main id="contenu"', "<footer"):
        assert landmark in page
    for offer in OFFERS:
        assert offer in page
    assert page.count("Bientôt") == 0  # the idea box, consultations, the participatory budget and petitions are open
    assert '<a href="/idees">Boîte à idées</a>' in page
    assert 'href="/inscription"' in page and 'href="/connexion"' in page
    assert "Se déconnecter" not in page
    assert 'rel="stylesheet" href="/static/hub.css"' in page
    assert "style=" not in page and "<script" not in page  # the CSP allows neither
    assert accounts.calls == []  # an anonymous visit calls no service


def test_the_navigation_of_a_signed_in_agent(client, sign_in):
    sign_in("agent", direction="DEVE")
    page = html(client.get("/"))
    assert 'href="/mon-compte"' in page
    assert 'href="/back-office"' in page
    logout_form = re.search(r'<form[^>]*action="/deconnexion"[^>]*>.*?</form>', page, re.S).group(0)
    assert 'method="post"' in logout_form
    assert f'name="{CSRF_FIELD}" value="csrf-of-the-test"' in logout_form


def test_a_citizen_has_no_back_office_link(client, sign_in):
    sign_in()
    page = html(client.get("/"))
    assert 'href="/mon-compte"' in page and 'href="/back-office"' not in page


def test_the_stylesheet_is_served(client):
    response = client.get("/static/hub.css")
    assert response.status_code == 200
    assert ":focus-visible" in html(response)


# --- registration -------------------------------------------------------------------------------

def test_registration_shows_the_errors_next_to_the_fields_and_keeps_the_values(client, accounts):
    accounts.fail("register", InvalidInput(details={"pseudonym": ["Ce pseudonyme est réservé."],
                                                    "password": ["Au moins 10 caractères."]}))
    page = html(client.get("/inscription"))
    token = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', page).group(1)
    response = client.post("/inscription", data={
        CSRF_FIELD: token, "email": "camille@example.fr", "pseudonym": "Admin",
        "password": "secret-court", "password_confirmation": "secret-court"})
    page = html(response)
    assert response.status_code == 400
    pseudonym = input_tag(page, "pseudonym")
    assert 'aria-invalid="true"' in pseudonym
    assert 'aria-describedby="pseudonym-aide pseudonym-erreur"' in pseudonym
    assert 'id="pseudonym-erreur"' in page and "Ce pseudonyme est réservé." in page
    assert 'id="password-erreur"' in page and "Au moins 10 caractères." in page
    assert 'value="camille@example.fr"' in input_tag(page, "email")
    assert 'value="Admin"' in pseudonym
    assert "secret-court" not in page  # passwords are never sent back
    assert 'aria-invalid' not in input_tag(page, "email")


def test_registration_sends_the_client_and_answers_the_same_for_everyone(client, accounts, post):
    response = post("/inscription", {"email": "camille@example.fr", "pseudonym": "Camille",
                                     "password": "une phrase de passe", "password_confirmation": "une phrase de passe"},
                    environ_base={"REMOTE_ADDR": "192.0.2.7"}, headers={"User-Agent": "Firefox"})
    assert response.status_code == 200
    assert "Vérifiez vos e-mails" in html(response)
    (data,) = accounts.args_of("register")[0]
    assert data == {"email": "camille@example.fr", "password": "une phrase de passe", "pseudonym": "Camille",
                    "client": {"ip": "192.0.2.7", "user_agent": "Firefox"}}


def test_registration_checks_the_confirmation_before_calling_the_service(client, accounts, post):
    response = post("/inscription", {"email": "camille@example.fr", "pseudonym": "Camille",
                                     "password": "une phrase de passe", "password_confirmation": "autre chose"})
    assert response.status_code == 400
    assert "Les deux mots de passe ne sont pas identiques." in html(response)
    assert 'aria-invalid="true"' in input_tag(html(response), "password_confirmation")
    assert accounts.args_of("register") == []


def test_a_form_without_its_csrf_token_is_refused(client, accounts):
    client.get("/inscription")  # the session has a CSRF token, the request below does not send it
    response = client.post("/inscription", data={"email": "camille@example.fr", "pseudonym": "Camille",
                                                  "password": "x" * 12, "password_confirmation": "x" * 12})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in html(response)
    assert accounts.args_of("register") == []


def test_a_pseudonym_already_taken_is_shown_on_its_field(client, accounts, post):
    accounts.fail("register", Conflict("Ce pseudonyme est déjà pris.", code="PSEUDONYM_TAKEN",
                                       details={"pseudonym": ["Ce pseudonyme est déjà pris."]}))
    response = post("/inscription", {"email": "a@example.fr", "pseudonym": "Camille",
                                     "password": "une phrase de passe", "password_confirmation": "une phrase de passe"})
    assert response.status_code == 409
    assert 'aria-invalid="true"' in input_tag(html(response), "pseudonym")


# --- e-mail links ---------------------------------------------------------------------------------

def test_the_verification_link_asks_for_a_click_before_using_the_token(client, accounts, post):
    token = "t" * 43
    page = html(client.get(f"/compte/verifier?token={token}"))
    assert accounts.calls == []  # a mail scanner fetching the link does not use it up
    assert f'name="token" value="{token}"' in page and 'method="post"' in page
    response = post("/compte/verifier", {"token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/connexion"
    assert accounts.args_of("verify_email") == [({"token": token},)]
    assert "Adresse confirmée : vous pouvez maintenant vous connecter." in html(client.get("/connexion"))


def test_an_expired_verification_link_says_so(client, accounts, post):
    accounts.fail("verify_email", InvalidInput("Ce lien n'est pas valide : il a expiré ou a déjà servi.",
                                               details={"token": ["Lien invalide, expiré ou déjà utilisé."]},
                                               code="INVALID_TOKEN"))
    response = post("/compte/verifier", {"token": "t" * 43})
    assert response.status_code == 400
    assert "Ce lien n&#39;est pas valide" in html(response)
    assert 'href="/compte/verification/renvoyer"' in html(response)


# --- logging in and out ---------------------------------------------------------------------------

def test_login_signs_in_and_redirects_to_my_account(client, accounts, post):
    response = post("/connexion", {"email": "camille@example.fr", "password": "une phrase de passe"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/mon-compte"
    assert "hub_session=" in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"]
    with client.session_transaction() as session:
        assert session[SESSION_KEY] == "session-token-from-login-0123456789"
    (data,) = accounts.args_of("login")[0]
    assert data["session_kind"] == "browser" and set(data["client"]) == {"ip", "user_agent"}
    assert "Camille du 3e" in html(client.get("/mon-compte"))


def test_login_goes_back_to_the_page_asked_for(client, post):
    page = html(client.get("/connexion?suivant=/back-office/comptes?recherche=dom"))
    assert 'name="suivant" value="/back-office/comptes?recherche=dom"' in page
    response = post("/connexion", {"email": "camille@example.fr", "password": "p" * 12,
                                   "suivant": "/back-office/comptes?recherche=dom"})
    assert response.headers["Location"] == "/back-office/comptes?recherche=dom"


@pytest.mark.parametrize("target", ["//evil.example", "//evil.example/mon-compte", "https://evil.example",
                                    "/\\evil.example", "javascript:alert(1)", "mon-compte"])
def test_login_ignores_a_destination_outside_the_hub(client, post, target):
    assert f'value="{target}"' not in html(client.get("/connexion", query_string={"suivant": target}))
    response = post("/connexion", {"email": "camille@example.fr", "password": "p" * 12, "suivant": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/mon-compte"


def test_safe_next_keeps_only_paths_of_the_hub():
    assert safe_next("/mon-compte?x=1#y") == "/mon-compte?x=1#y"
    for target in (None, "", "//evil.example", "/\\evil.example", "http://evil.example/", "/\tevil", " /x"):
        assert safe_next(target) is None


def test_login_with_wrong_credentials(client, accounts, post):
    accounts.fail("login", AuthenticationFailed("Adresse e-mail ou mot de passe incorrect.",
                                                code="INVALID_CREDENTIALS"))
    response = post("/connexion", {"email": "camille@example.fr", "password": "mauvais mot de passe"})
    page = html(response)
    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in page
    assert 'value="camille@example.fr"' in input_tag(page, "email")
    assert "mauvais mot de passe" not in page
    assert signed_out(client)


def test_login_rate_limited_shows_the_wait_in_minutes(client, accounts, post):
    accounts.fail("login", RateLimited(details={"retry_after": 540, "limit": "login-account"}))
    response = post("/connexion", {"email": "camille@example.fr", "password": "p" * 12})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "540"
    assert "réessayez dans 9 minutes" in html(response)


def test_login_with_an_unverified_address_offers_a_new_link(client, accounts, post):
    accounts.fail("login", PermissionDenied("Confirmez d'abord votre adresse e-mail : nous vous avons envoyé un lien.",
                                            code="EMAIL_NOT_VERIFIED"))
    response = post("/connexion", {"email": "camille@example.fr", "password": "p" * 12})
    page = html(response)
    assert response.status_code == 403
    resend = re.search(r'<form[^>]*action="/compte/verification/renvoyer"[^>]*>.*?</form>', page, re.S).group(0)
    assert 'name="email" value="camille@example.fr"' in resend and CSRF_FIELD in resend
    response = post("/compte/verification/renvoyer", {"email": "camille@example.fr"})
    assert response.status_code == 200 and "Vérifiez vos e-mails" in html(response)
    assert accounts.args_of("resend_verification")[0][0]["email"] == "camille@example.fr"


def test_logout_ends_the_session(client, accounts, sign_in, post):
    token = sign_in()
    response = post("/deconnexion")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert accounts.args_of("logout") == [({"token": token},)]
    assert signed_out(client)


def test_forgotten_password_answers_the_same_for_everyone(client, accounts, post):
    response = post("/mot-de-passe-oublie", {"email": "inconnu@example.fr"})
    assert response.status_code == 200
    assert "Si un compte est associé à" in html(response)
    assert accounts.args_of("request_password_reset")[0][0]["email"] == "inconnu@example.fr"


def test_reset_password_with_a_new_password(client, accounts, post):
    token = "r" * 43
    assert f'name="token" value="{token}"' in html(client.get(f"/mot-de-passe/reinitialiser?token={token}"))
    response = post("/mot-de-passe/reinitialiser", {"token": token, "password": "une nouvelle phrase",
                                                    "password_confirmation": "une nouvelle phrase"})
    assert response.status_code == 302 and response.headers["Location"] == "/connexion"
    assert accounts.args_of("reset_password") == [({"token": token, "password": "une nouvelle phrase"},)]


# --- my account -----------------------------------------------------------------------------------

def test_my_account_requires_login(client):
    response = client.get("/mon-compte")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/connexion"
    assert parse_qs(location.query) == {"suivant": ["/mon-compte"]}


def test_my_account_shows_the_profile(client, accounts, sign_in):
    sign_in()
    page = html(client.get("/mon-compte"))
    assert "camille@example.fr" in page
    assert "14 mai 1990" in page
    assert "3e arrondissement" in page and "Paris Centre" in page
    assert "Vérifié par un agent le 10 février 2026" in page
    assert 'value="1990-05-14"' in input_tag(page, "birth_date")
    assert "checked" in input_tag(page, "lives_in_paris")
    assert 'action="/mon-compte/sessions/5a0c9e7d-1b2c-4d3e-8f9a-0b1c2d3e4f50/fermer#sessions"' in page
    assert f"/mon-compte/sessions/{SESSION_ID}/fermer" not in page  # not this session
    assert accounts.args_of("list_sessions") == [(ACCOUNT_ID, SESSION_ID)]


def test_profile_form_unchecked_box_sends_no_address(client, accounts, sign_in, post):
    sign_in()
    response = post("/mon-compte/profil", {"pseudonym": "Camille", "birth_date": "", "address_line": "1 rue X",
                                           "postcode": "75003"})  # the box is unchecked: not sent at all
    assert response.status_code == 302
    assert response.headers["Location"] == "/mon-compte#profil"
    (actor, changes), = accounts.args_of("update_profile")
    assert actor == ACCOUNT_ID
    assert changes == {"pseudonym": "Camille", "birth_date": None, "lives_in_paris": False,
                       "address_line": None, "postcode": None}


def test_profile_form_checked_box_sends_the_address(client, accounts, sign_in, post):
    sign_in()
    post("/mon-compte/profil", {"pseudonym": " Camille ", "birth_date": "1990-05-14", "lives_in_paris": "on",
                                "address_line": "12 rue de Bretagne", "postcode": "75003"})
    (_, changes), = accounts.args_of("update_profile")
    assert changes == {"pseudonym": "Camille", "birth_date": "1990-05-14", "lives_in_paris": True,
                       "address_line": "12 rue de Bretagne", "postcode": "75003"}


def test_profile_errors_keep_what_was_typed(client, accounts, sign_in, post):
    sign_in()
    accounts.fail("update_profile", InvalidInput(details={
        "postcode": ["Code postal parisien attendu (75001 à 75020, ou 75116)."]}))
    response = post("/mon-compte/profil", {"pseudonym": "Camille", "birth_date": "", "lives_in_paris": "on",
                                           "address_line": "1 rue de Rivoli", "postcode": "99999"})
    page = html(response)
    assert response.status_code == 400
    postcode = input_tag(page, "postcode")
    assert 'value="99999"' in postcode and 'aria-invalid="true"' in postcode
    assert "Code postal parisien attendu" in page
    assert 'value="1 rue de Rivoli"' in input_tag(page, "address_line")


def test_email_change_with_a_wrong_password(client, accounts, sign_in, post):
    sign_in()
    accounts.fail("request_email_change", InvalidInput("Mot de passe incorrect.", code="WRONG_PASSWORD",
                                                       details={"password": ["Mot de passe incorrect."]}))
    response = post("/mon-compte/email", {"new_email": "nouvelle@example.fr", "password": "faux mot de passe"})
    page = html(response)
    assert response.status_code == 400
    assert 'value="nouvelle@example.fr"' in input_tag(page, "new_email")
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*id="email-password"[^>]*>', page).group(0)
    assert "faux mot de passe" not in page


def test_password_change_keeps_this_session(client, accounts, sign_in, post):
    sign_in()
    response = post("/mon-compte/mot-de-passe", {"current_password": "ancienne phrase",
                                                 "new_password": "nouvelle phrase",
                                                 "new_password_confirmation": "nouvelle phrase"})
    assert response.status_code == 302
    [(account_id, session_id, data)] = accounts.args_of("change_password")
    assert (account_id, session_id) == (ACCOUNT_ID, SESSION_ID)
    assert data.pop("client")["ip"]  # the re-check of the password is limited per client
    assert data == {"current_password": "ancienne phrase", "new_password": "nouvelle phrase"}


def test_revoking_another_session(client, accounts, sign_in, post):
    sign_in()
    other = "5a0c9e7d-1b2c-4d3e-8f9a-0b1c2d3e4f50"
    response = post(f"/mon-compte/sessions/{other}/fermer")
    assert response.status_code == 302
    assert accounts.args_of("revoke_session") == [(ACCOUNT_ID, {"session_id": other})]
    assert not signed_out(client)


def test_downloading_my_data(client, accounts, sign_in):
    sign_in()
    response = client.get("/mon-compte/mes-donnees.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    export = json.loads(response.get_data(as_text=True))
    assert export["account_id"] == ACCOUNT_ID
    assert export["services"]["accounts"]["account"]["email"] == "camille@example.fr"


def test_deleting_my_account_signs_me_out(client, accounts, sign_in, post):
    sign_in()
    page = html(client.get("/mon-compte/supprimer"))
    assert "Citoyen·ne anonyme" in page
    response = post("/mon-compte/supprimer", {"password": "ma phrase de passe"})
    assert response.status_code == 200
    assert "Votre compte a été supprimé" in html(response)
    [(account_id, data)] = accounts.args_of("delete_account")
    assert data.pop("client")["ip"] and (account_id, data) == (ACCOUNT_ID, {"password": "ma phrase de passe"})
    assert signed_out(client)
    assert client.get("/mon-compte").status_code == 302


def test_deleting_my_account_with_a_wrong_password(client, accounts, sign_in, post):
    sign_in()
    accounts.fail("delete_account", InvalidInput("Mot de passe incorrect.", code="WRONG_PASSWORD",
                                                 details={"password": ["Mot de passe incorrect."]}))
    response = post("/mon-compte/supprimer", {"password": "faux"})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in input_tag(html(response), "password")
    assert not signed_out(client)


def test_the_last_administrator_cannot_leave(client, accounts, sign_in, post):
    sign_in("admin")
    accounts.fail("delete_account", Conflict("Le dernier administrateur ne peut pas supprimer son compte.",
                                             code="LAST_ADMIN"))
    response = post("/mon-compte/supprimer", {"password": "ma phrase de passe"})
    assert response.status_code == 409
    assert "Le dernier administrateur ne peut pas supprimer son compte." in html(response)


def test_confirming_a_new_email_address(client, accounts, post):
    token = "e" * 43
    assert 'method="post"' in html(client.get(f"/compte/email/confirmer?token={token}"))
    assert accounts.calls == []
    response = post("/compte/email/confirmer", {"token": token})
    assert response.status_code == 302
    assert accounts.args_of("confirm_email_change") == [({"token": token},)]


# --- back-office ----------------------------------------------------------------------------------

def test_roles_page_is_forbidden_to_a_citizen(client, sign_in):
    sign_in()
    response = client.get("/back-office/roles")
    assert response.status_code == 403
    assert "Vous n&#39;avez pas les droits nécessaires" in html(response)


def test_roles_page_is_forbidden_to_an_agent_but_not_the_accounts_page(client, sign_in):
    sign_in("agent", direction="DEVE")
    assert client.get("/back-office/roles").status_code == 403
    assert client.get("/back-office/comptes").status_code == 200
    assert client.get("/back-office").status_code == 200


def test_account_search_passes_the_query(client, accounts, sign_in):
    sign_in("agent", direction="DEVE")
    assert "Dominique" in html(client.get("/back-office/comptes?recherche=dom&role=agent"))
    client.get("/back-office/comptes?recherche=dom&role=agent&page=2")
    assert [query for _actor, query in accounts.args_of("search_accounts")] == [
        {"query": "dom", "role": "agent", "limit": 26, "offset": 0},
        {"query": "dom", "role": "agent", "limit": 26, "offset": 25}]


def test_a_search_by_pseudonym_shows_the_address_as_hidden(client, accounts, sign_in):
    """accounts answers a fragment without addresses (only an exact, audited lookup shows one)."""
    sign_in("agent", direction="DEVE")
    page = html(client.get("/back-office/comptes?recherche=dom"))
    assert "Dominique" in page and "Masquée" in page and "non confirmée" not in page
    assert "adresse e-mail exacte" in page


def test_certifying_an_incomplete_profile(client, accounts, sign_in, post):
    sign_in("agent", direction="DEVE")
    accounts.fail("certify_attributes", Conflict(
        "Le profil doit indiquer une date de naissance et une résidence avant d'être vérifié.",
        code="PROFILE_INCOMPLETE"))
    response = post("/back-office/comptes/c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99/certifier",
                    {"retour": "/back-office/comptes?recherche=dom"})
    assert response.status_code == 409
    assert "Le profil doit indiquer une date de naissance" in html(response)
    assert accounts.args_of("search_accounts")[0][1]["query"] == "dom"


def test_granting_a_role_returns_to_the_listing(client, accounts, sign_in, post):
    sign_in("admin")
    page = html(client.get("/back-office/roles"))
    assert "DEVE – Direction des espaces verts" in page
    response = post("/back-office/comptes/c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99/roles",
                    {"role": "moderator", "direction": "", "retour": "//evil.example"})
    assert response.status_code == 302 and response.headers["Location"] == "/back-office/roles"
    assert accounts.args_of("grant_role")[0][1] == {"account_id": "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99",
                                                    "role": "moderator", "direction": None}
    assert "Rôle «\u00a0Modérateur·rice\u00a0» attribué à Dominique." in html(client.get("/back-office/roles"))


def test_revoking_a_role(client, accounts, sign_in, post):
    sign_in("admin")
    response = post("/back-office/comptes/c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99/roles/agent/retirer",
                    {"retour": "/back-office/roles?recherche=dom"})
    assert response.headers["Location"] == "/back-office/roles?recherche=dom"
    assert accounts.args_of("revoke_role")[0][1] == {"account_id": "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99",
                                                     "role": "agent"}


# --- failures -----------------------------------------------------------------------------------

def test_a_service_down_gives_the_503_page(client, accounts, post):
    accounts.fail("login", ServiceUnavailable())
    response = post("/connexion", {"email": "camille@example.fr", "password": "p" * 12})
    assert response.status_code == 503
    assert "Ce service est momentanément indisponible" in html(response)
    assert '<html lang="fr">' in html(response)


def test_error_pages_do_not_call_a_service_that_is_down(client, accounts, sign_in):
    sign_in()
    accounts.fail("resolve_session", ServiceUnavailable())
    response = client.get("/mon-compte")
    assert response.status_code == 503
    assert len(accounts.args_of("resolve_session")) == 1


def test_api_requests_get_no_cookie_session_and_pages_do(app, client, sign_in):
    sign_in()  # the browser holds a page session cookie
    cookie = client.get_cookie("hub_session").value
    interface = app.session_interface
    for path, null in (("/api/v1/me", True), ("/petitions", False)):
        with app.test_request_context(path, headers={"Cookie": f"hub_session={cookie}"}) as context:
            opened = interface.open_session(app, context.request)
            assert interface.is_null_session(opened) is null
            assert null or opened.get("token")  # a page reads the signed-in session
    response = client.get("/api/v1/me")  # the cookie is no login for the API, and it is never rewritten there
    assert response.status_code == 401 and "Set-Cookie" not in response.headers


@pytest.mark.parametrize("text, page", [("2", 2), (" 3 ", 3), ("", 1), (None, 1), ("0", 1), ("-2", 1), ("2.5", 1),
                                        ("²", 1), ("٣", 1), ("9" * 7, 1), ("abc", 1)])
def test_a_page_number_is_a_plain_number_or_the_first_page(text, page):
    from gateway.pages.forms import page_number
    assert page_number(text) == page


@pytest.mark.parametrize("typed", ["²", "٣٠٠"])
def test_an_amount_in_other_digits_is_a_form_error_not_a_crash(typed):
    from gateway.pages.budget_common import amount
    errors = {}
    assert amount({"cost": typed}, "cost", errors) is None and errors == {"cost": [errors["cost"][0]]}
