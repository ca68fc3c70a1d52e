"""The idea box on the running platform: submit, support, comment, follow, status changes by the City,
pseudonymisation when the author deletes the account (accounts → outbox → RabbitMQ → ideas), escaping."""
import html
import re
import time

import pytest
import requests

from .people import PASSWORD, XSS, administrator, citizen, csrf_token, pages_session, wait_for

pytestmark = pytest.mark.e2e


def test_the_idea_box_from_submission_to_answer_and_erasure(platform, mail_link):
    api = f"{platform.url}/api/v1"
    author = citizen(platform, mail_link, "Camille")
    supporter = citizen(platform, mail_link, "Dominique")

    themes = requests.get(f"{api}/ideas/themes").json()
    assert {"code": "environnement", "label": "Environnement"} in themes

    refused = requests.post(f"{api}/ideas", headers=author.headers, json={"title": "x", "description": "court",
                                                                  "theme": "loisirs"})
    assert refused.status_code == 400 and set(refused.json()["details"]) == {"title", "description", "theme"}
    assert requests.post(f"{api}/ideas", json={"title": "Sans compte", "description": "Refusée.",
                                               "theme": "sport"}).status_code == 401

    submitted = requests.post(f"{api}/ideas", headers=author.headers, json={
        "title": f"Des fontaines {XSS}", "theme": "environnement", "arrondissement": 10,
        "description": f"Le long du canal Saint-Martin.\n{XSS}", "address_line": "Quai de Valmy"})
    assert submitted.status_code == 201, submitted.text
    idea = submitted.json()
    idea_url = f"{api}/ideas/{idea['id']}"
    assert idea["status"] == "submitted" and idea["author_pseudonym"] == author.pseudonym
    assert requests.get(idea_url).json()["status_label"] == "Déposée"

    # one support per account
    assert requests.post(f"{idea_url}/supports", headers=supporter.headers).status_code == 201
    again = requests.post(f"{idea_url}/supports", headers=supporter.headers)
    assert again.status_code == 409 and again.json()["error"] == "ALREADY_SUPPORTED"
    assert requests.get(idea_url).json()["supports_count"] == 1
    assert requests.get(idea_url, headers=supporter.headers).json()["viewer"]["supports"] is True

    # comments, oldest first; following
    assert requests.post(f"{idea_url}/comments", headers=supporter.headers,
                         json={"body": "Bonne idée !"}).status_code == 201
    assert requests.post(f"{idea_url}/comments", headers=author.headers, json={"body": "Merci !"}).status_code == 201
    assert requests.post(f"{idea_url}/comments", headers=author.headers, json={"body": " "}).status_code == 400
    assert requests.post(f"{idea_url}/follow", headers=supporter.headers).json()["following"] is True
    view = requests.get(idea_url, headers=supporter.headers).json()
    assert [c["body"] for c in view["comments"]] == ["Bonne idée !", "Merci !"]
    assert view["comments_count"] == 2 and view["viewer"]["follows"] is True and view["followers_count"] == 1

    # the City answers: a citizen may not, an admin may, one allowed step at a time
    change = {"status": "under_review", "message": "La direction de l'eau étudie les emplacements."}
    assert requests.post(f"{idea_url}/status", headers=supporter.headers, json=change).status_code == 403
    admin = administrator(platform).headers
    too_early = requests.post(f"{idea_url}/status", headers=admin, json={"status": "answered", "message": "Oui."})
    assert too_early.status_code == 409 and too_early.json()["error"] == "INVALID_TRANSITION"
    assert requests.post(f"{idea_url}/status", headers=admin, json=change).status_code == 200
    answered = requests.post(f"{idea_url}/status", headers=admin, json={
        "status": "answered", "message": "Trois fontaines seront posées quai de Valmy au printemps."})
    assert answered.status_code == 200
    timeline = [(step["status"], step["message"]) for step in requests.get(idea_url).json()["history"]]
    assert timeline == [("submitted", None), ("under_review", change["message"]),
                        ("answered", "Trois fontaines seront posées quai de Valmy au printemps.")]
    closed = requests.post(f"{idea_url}/supports", headers=author.headers)
    assert closed.status_code == 409 and closed.json()["error"] == "IDEA_CLOSED"

    listing = requests.get(f"{api}/ideas", params={"status": "answered", "q": "FONTAINES canal"}).json()
    assert idea["id"] in [item["id"] for item in listing["items"]]

    # the HTML page shows the timeline and escapes what the citizen typed
    page = requests.get(f"{platform.url}/idees/{idea['id']}")
    assert page.status_code == 200
    assert XSS not in page.text and "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in page.text
    assert "Réponse apportée" in page.text and "Trois fontaines seront posées" in page.text

    # the supporter's GDPR export has what ideas holds about them
    export = requests.get(f"{api}/me/export", headers=supporter.headers).json()["services"]["ideas"]
    assert [s["idea_id"] for s in export["supports"]] == [idea["id"]]
    assert [c["body"] for c in export["comments"]] == ["Bonne idée !"]

    # the author deletes the account: the event travels accounts → outbox → RabbitMQ → ideas
    assert requests.post(f"{api}/me/deletion", headers=author.headers, json={"password": PASSWORD}).status_code == 204

    def anonymised():
        current = requests.get(idea_url).json()
        return current if current["author_pseudonym"] == "Citoyen·ne anonyme" else None
    anonymous = wait_for(anonymised)
    assert anonymous["title"] == idea["title"] and anonymous["supports_count"] == 1
    assert [c["author_pseudonym"] for c in anonymous["comments"]] == [supporter.pseudonym, "Citoyen·ne anonyme"]
    assert author.pseudonym not in requests.get(f"{platform.url}/idees/{idea['id']}").text
    assert author.id not in requests.get(idea_url).text


def test_a_new_pseudonym_reaches_the_ideas(platform, mail_link):
    api = f"{platform.url}/api/v1"
    headers = citizen(platform, mail_link, "Sacha").headers
    idea = requests.post(f"{api}/ideas", headers=headers, json={
        "title": "Des bancs rue Manin", "description": "Pour s'asseoir en montant au parc.",
        "theme": "cadre_de_vie"}).json()
    new_pseudonym = f"Sacha des Buttes {time.monotonic_ns() % 10**6}"
    assert requests.patch(f"{api}/me", headers=headers, json={"pseudonym": new_pseudonym}).status_code == 200
    wait_for(lambda: requests.get(f"{api}/ideas/{idea['id']}").json()["author_pseudonym"] == new_pseudonym)


def test_proposing_supporting_and_following_through_the_pages(platform, mail_link):
    noa = citizen(platform, mail_link, "Noa")
    http = pages_session(platform, noa.email)
    form = http.get(f"{platform.url}/idees/proposer")
    assert form.status_code == 200 and noa.pseudonym in html.unescape(form.text)
    form_csrf = csrf_token(form.text)
    missing = http.post(f"{platform.url}/idees/proposer", data={"csrf_token": form_csrf, "title": "Une idée",
                                                                "description": "", "theme": ""})
    assert missing.status_code == 400 and 'aria-invalid="true"' in missing.text
    checked = http.post(f"{platform.url}/idees/proposer", data={
        "csrf_token": form_csrf, "action": "similaires", "title": "Des cours d'école ouvertes le samedi",
        "theme": "education_jeunesse", "description": "Les cours oasis sont fermées le week-end."})
    assert checked.status_code == 200 and "Ce qui existe déjà" in html.unescape(checked.text)
    assert "Des cours d'école ouvertes le samedi" in html.unescape(checked.text)  # the form, as typed
    assert checked.url.endswith("/idees/proposer") and "Votre idée est publiée. Merci" not in html.unescape(checked.text)
    created = http.post(f"{platform.url}/idees/proposer", data={
        "csrf_token": form_csrf, "title": "Des cours d'école ouvertes le samedi", "theme": "education_jeunesse",
        "description": "Les cours oasis sont fermées le week-end.", "arrondissement": "14", "address_line": ""})
    assert created.status_code == 200 and re.search(r"/idees/[0-9a-f-]{36}$", created.url)
    assert "Votre idée est publiée" in html.unescape(created.text) and "14e arrondissement" in created.text

    supported = http.post(created.url + "/soutien", data={"csrf_token": csrf_token(created.text)})
    assert "Vous soutenez cette idée." in supported.text and "Retirer mon soutien" in supported.text
    # its author is told of its steps: the page offers no « Suivre », and the service refuses a follow sent anyway
    assert "Suivre cette idée" not in supported.text
    followed = http.post(created.url + "/suivre", data={"csrf_token": csrf_token(supported.text)})
    assert followed.status_code == 403 and "inutile de la suivre" in html.unescape(followed.text)
    listing = http.get(f"{platform.url}/idees", params={"theme": "education_jeunesse", "arrondissement": "14"})
    assert "Des cours d&#39;école ouvertes le samedi" in listing.text
