"""The same citizen journey through the HTML forms, as a browser without JavaScript does it:
sign up → real e-mail → confirm → log in → edit profile → download data → delete account."""
import html
import re
import time

import pytest
import requests

from .people import PASSWORD, csrf_token

pytestmark = pytest.mark.e2e


class Browser:
    """A cookie-keeping HTTP client that fills forms the way a browser does (CSRF field included)."""

    def __init__(self, base: str):
        self.base, self.http = base, requests.Session()
        self.page = None

    def get(self, path: str) -> requests.Response:
        self.page = self.http.get(path if path.startswith("http") else self.base + path)
        return self.page

    def submit(self, action: str, **fields) -> requests.Response:
        self.page = self.http.post(self.base + action, data={"csrf_token": csrf_token(self.page.text), **fields})
        return self.page

    def text(self) -> str:
        return html.unescape(re.sub(r"<[^>]+>", " ", self.page.text))


def test_a_citizen_journey_through_the_pages(platform, mail_link):
    email = f"zoe.{time.monotonic_ns()}@exemple.fr"
    pseudonym = f"Zoé {time.monotonic_ns() % 10**6}"
    browser = Browser(platform.url)

    browser.get("/inscription")
    page = browser.submit("/inscription", email=email, pseudonym=pseudonym, password=PASSWORD,
                          password_confirmation="pas pareil")
    assert page.status_code == 400 and 'aria-invalid="true"' in page.text
    assert f'value="{email}"' in page.text and PASSWORD not in page.text  # values kept, passwords never
    page = browser.submit("/inscription", email=email, pseudonym=pseudonym, password=PASSWORD,
                          password_confirmation=PASSWORD)
    assert page.status_code == 200 and "Vérifiez vos e-mails" in page.text

    link = mail_link(platform, email, "/compte/verifier")
    browser.get(link)
    token = re.search(r'name="token" value="([^"]+)"', browser.page.text).group(1)
    page = browser.submit("/compte/verifier", token=token)
    assert page.status_code == 200 and "confirm" in browser.text().lower()

    browser.get("/connexion")
    page = browser.submit("/connexion", email=email, password="mauvais mot de passe")
    assert page.status_code == 401 and "incorrect" in browser.text()
    page = browser.submit("/connexion", email=email, password=PASSWORD)
    assert page.url.endswith("/mon-compte") and pseudonym in browser.text()
    assert "HttpOnly" in page.history[0].headers["Set-Cookie"]

    page = browser.submit("/mon-compte/profil", pseudonym=pseudonym, birth_date="1988-07-01", lives_in_paris="on",
                          address_line="20 rue de la Roquette", postcode="75011")
    assert page.status_code == 200 and "11e arrondissement" in browser.text()
    page = browser.submit("/mon-compte/profil", pseudonym=pseudonym, birth_date="1988-07-01", lives_in_paris="on",
                          address_line="20 rue de la Roquette", postcode="92100")
    assert page.status_code == 400 and "Code postal parisien attendu" in browser.text()

    export = browser.get("/mon-compte/mes-donnees.json")
    assert export.headers["Content-Type"].startswith("application/json")
    assert export.json()["services"]["accounts"]["account"]["postcode"] == "75011"

    browser.get("/mon-compte/supprimer")
    page = browser.submit("/mon-compte/supprimer", password="pas le bon")
    assert page.status_code == 400
    page = browser.submit("/mon-compte/supprimer", password=PASSWORD)
    assert "Votre compte a été supprimé" in page.text
    assert browser.get("/mon-compte").url.split("?")[0].endswith("/connexion")

    browser.get("/connexion")
    assert browser.submit("/connexion", email=email, password=PASSWORD).status_code == 401


def test_a_form_posted_without_its_csrf_token_is_refused(platform):
    response = requests.post(f"{platform.url}/connexion", data={"email": "a@exemple.fr", "password": "x"})
    assert response.status_code == 400 and "formulaire" in response.text


def test_text_is_escaped_in_pages(platform):
    browser = Browser(platform.url)
    browser.get("/inscription")
    page = browser.submit("/inscription", email='"><script>alert(1)</script>@x.fr', pseudonym="<b>x</b>",
                          password="x", password_confirmation="x")
    assert page.status_code == 400
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
