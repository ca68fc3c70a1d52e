"""An idea's author neither follows nor reports it: the page offers neither, and what ideas answers to a request
sent anyway (403 `OWN_IDEA`, services/ideas/tests/test_author_rules.py) reaches the author as a clear French
message, on the page and in the API, documented in the OpenAPI."""
from html import unescape

from hubkit.errors import PermissionDenied

from .test_idea_pages import (ACCOUNT_ID, IDEA_ID, budget, html, ideas, journey,  # noqa: F401 (fixtures)
                              petitions)

FOLLOW_REFUSED = PermissionDenied("Vous êtes l'auteur·e de cette idée : vous êtes déjà prévenu·e de ses suites, "
                                  "inutile de la suivre.", code="OWN_IDEA")
REPORT_REFUSED = PermissionDenied("Vous êtes l'auteur·e de cette idée : vous ne pouvez pas la signaler.",
                                  code="OWN_IDEA")


def test_the_page_offers_its_author_neither_following_nor_reporting(client, ideas, sign_in):
    ideas.ideas[IDEA_ID]["author_id"] = ACCOUNT_ID
    sign_in()
    page = html(client.get(f"/idees/{IDEA_ID}"))
    assert "Vous avez proposé cette idée" in page
    assert "Suivre cette idée" not in page and "Signaler cette idée" not in page


def test_a_forged_follow_or_report_of_the_author_is_refused_with_the_reason(client, ideas, sign_in, post):
    ideas.ideas[IDEA_ID]["author_id"] = ACCOUNT_ID
    sign_in()
    ideas.fail("follow_idea", FOLLOW_REFUSED)
    followed = post(f"/idees/{IDEA_ID}/suivre")
    assert followed.status_code == 403 and "inutile de la suivre" in unescape(html(followed))
    assert "Le suivi n'a pas été enregistré" in unescape(html(followed))
    ideas.fail("report_content", REPORT_REFUSED)
    reported = post(f"/idees/{IDEA_ID}/signaler", {"reason": "spam"})
    page = html(reported)
    assert reported.status_code == 403 and "vous ne pouvez pas la signaler" in page
    assert "Signaler cette idée" not in page  # the refusal, not the form


def test_the_api_answers_403_own_idea(client, ideas, sign_in):
    auth = {"Authorization": f"Bearer {sign_in()}"}
    ideas.fail("follow_idea", FOLLOW_REFUSED)
    followed = client.post(f"/api/v1/ideas/{IDEA_ID}/follow", headers=auth)
    assert followed.status_code == 403 and followed.get_json()["error"] == "OWN_IDEA"
    assert "inutile de la suivre" in followed.get_json()["message"]
    ideas.fail("report_content", REPORT_REFUSED)
    reported = client.post(f"/api/v1/ideas/{IDEA_ID}/reports", headers=auth, json={"reason": "spam"})
    assert reported.status_code == 403 and reported.get_json()["error"] == "OWN_IDEA"


def test_the_openapi_documents_the_403(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "403" in paths["/api/v1/ideas/{idea_id}/follow"]["post"]["responses"]
    assert "403" in paths["/api/v1/ideas/{idea_id}/reports"]["post"]["responses"]
