"""Moderation, similar ideas and merging on the running platform: reports hide an idea at three,
a moderator restores it (logged), similar ideas are suggested, and a merge carries supports over and
e-mails the merged idea's author through accounts.notify and the real SMTP server."""
import re
import time

import pytest
import requests

from .people import XSS, administrator, citizen

pytestmark = pytest.mark.e2e
HIDDEN = "Masqué par la modération"


def test_three_reports_hide_an_idea_and_a_moderator_restores_it(platform, mail_link):
    api = f"{platform.url}/api/v1"
    author = citizen(platform, mail_link, "Alix").headers
    reporters = [citizen(platform, mail_link, name).headers for name in ("Bao", "Cyd", "Dan")]
    idea = requests.post(f"{api}/ideas", headers=author, json={
        "title": f"Montres pas chères {time.monotonic_ns()}", "theme": "cadre_de_vie",
        "description": f"Promotion exceptionnelle {XSS}"}).json()
    idea_url = f"{api}/ideas/{idea['id']}"

    assert requests.post(f"{idea_url}/reports", json={"reason": "spam"}).status_code == 401
    bad = requests.post(f"{idea_url}/reports", headers=reporters[0], json={"reason": "boring"})
    assert bad.status_code == 400 and "reason" in bad.json()["details"]
    assert requests.post(f"{idea_url}/reports", headers=reporters[0], json={"reason": "spam"}).status_code == 201
    twice = requests.post(f"{idea_url}/reports", headers=reporters[0], json={"reason": "offensive"})
    assert twice.status_code == 409 and twice.json()["error"] == "ALREADY_REPORTED"
    assert requests.post(f"{idea_url}/reports", headers=reporters[1], json={"reason": "off_topic"}).status_code == 201
    assert requests.get(idea_url).json()["hidden"] is False
    third = requests.post(f"{idea_url}/reports", headers=reporters[2], json={"reason": "spam"})
    assert third.status_code == 201 and third.json()["hidden"] is True

    hidden = requests.get(idea_url).json()
    assert hidden["hidden"] is True and hidden["title"] == hidden["description"] == HIDDEN
    page = requests.get(f"{platform.url}/idees/{idea['id']}").text
    assert HIDDEN in page and "Promotion exceptionnelle" not in page

    assert requests.get(f"{api}/ideas/moderation", headers=author).status_code == 403
    admin = administrator(platform).headers
    queue = requests.get(f"{api}/ideas/moderation", headers=admin).json()
    [item] = [i for i in queue["items"] if i["content_id"] == idea["id"]]
    assert item["hidden"] is True and item["pending_reports"] == 3 and item["reasons"] == {"spam": 2, "off_topic": 1}
    assert requests.post(f"{idea_url}/restore", headers=admin, json={"reason": ""}).status_code == 400
    restored = requests.post(f"{idea_url}/restore", headers=admin, json={"reason": "Vérifié : ce n'est pas du spam."})
    assert restored.status_code == 200 and restored.json()["hidden"] is False
    again = requests.post(f"{idea_url}/restore", headers=admin, json={"reason": "Encore."})
    assert again.status_code == 409 and again.json()["error"] == "NOT_HIDDEN"
    assert requests.get(idea_url).json()["title"] == idea["title"]
    log = requests.get(f"{api}/ideas/moderation", headers=admin).json()["log"]
    assert [(e["action"], e["role"]) for e in log if e["content_id"] == idea["id"]] == [
        ("restored", "admin"), ("hidden", "system")]
    page = requests.get(f"{platform.url}/idees/{idea['id']}").text
    assert XSS not in page and "&lt;script&gt;" in page


def test_similar_ideas_then_a_merge_carries_supports_over_and_mails_the_author(platform, mail_link):
    api = f"{platform.url}/api/v1"
    marker = f"zorglub{time.monotonic_ns()}"
    first_author = citizen(platform, mail_link, "Eli").headers
    second_author = citizen(platform, mail_link, "Fay")
    supporter = citizen(platform, mail_link, "Gus").headers
    kept = requests.post(f"{api}/ideas", headers=first_author, json={
        "title": f"Fontaines à eau potable {marker}", "theme": "environnement",
        "description": f"Des fontaines d'eau potable le long du canal Saint-Martin {marker}."}).json()

    similar = requests.get(f"{api}/ideas/similar", params={"title": f"Fontaine potable {marker}"}).json()["items"]
    assert similar[0]["id"] == kept["id"] and 0.2 <= similar[0]["similarity"] <= 1
    assert requests.get(f"{api}/ideas/similar", params={"title": "ab"}).status_code == 400

    duplicate = requests.post(f"{api}/ideas", headers=second_author.headers, json={
        "title": f"Eau potable au canal {marker}", "theme": "environnement",
        "description": f"Installer des fontaines le long du canal {marker}."}).json()
    for headers in (supporter, first_author):
        assert requests.post(f"{api}/ideas/{duplicate['id']}/supports", headers=headers).status_code == 201
    assert requests.post(f"{api}/ideas/{kept['id']}/supports", headers=supporter).status_code == 201

    body = {"into": kept["id"], "message": "Même demande : les deux idées sont regroupées."}
    assert requests.post(f"{api}/ideas/{duplicate['id']}/merge", headers=supporter, json=body).status_code == 403
    admin = administrator(platform).headers
    merged = requests.post(f"{api}/ideas/{duplicate['id']}/merge", headers=admin, json=body)
    assert merged.status_code == 200, merged.text
    assert merged.json()["status"] == "merged" and merged.json()["merged_into"] == kept["id"]
    assert requests.get(f"{api}/ideas/{kept['id']}").json()["supports_count"] == 2  # supporter counted once, plus Eli
    refused = requests.post(f"{api}/ideas/{duplicate['id']}/merge", headers=admin, json=body)
    assert refused.status_code == 409 and refused.json()["error"] == "INVALID_TRANSITION"

    # the merged idea's author is told by the notifications service, from idea_merged (« Mes idées »: e-mail)
    link = mail_link(platform, second_author.email, f"/idees/{kept['id']}")
    assert link.endswith(f"/idees/{kept['id']}")
    page = requests.get(f"{platform.url}/idees/{duplicate['id']}").text
    assert f'href="/idees/{kept["id"]}"' in page and "fusionnée" in page
    assert re.search(r"Fusionnée", page)
