"""Nobody reports what they wrote (an idea: test_idea_author_rules.py): the idea page and the consultation pages
offer no « Signaler » on the reader's own comments, proposals and arguments (the service says which are theirs:
`viewer.own_comments`, `viewer.own`), a moderator still moderates them, and what ideas answers to a request sent
anyway (403 `OWN_CONTENT`, services/ideas/tests/test_own_content_reports.py) reaches the author as a clear French
message, on the page and in the API, documented in the OpenAPI."""
import re
from html import unescape

import pytest

from gateway.tests.fakes import route_to
from hubkit.errors import PermissionDenied

from .test_consultation_pages import PROPOSAL_ID, FakeConsultations
from .test_idea_pages import (IDEA_ID, an_idea, budget, html, ideas, journey,  # noqa: F401 (fixtures)
                              petitions)

OWN_COMMENT = PermissionDenied("Vous avez écrit ce commentaire : vous ne pouvez pas le signaler.", code="OWN_CONTENT")
OWN_PROPOSAL = PermissionDenied("Vous avez déposé cette proposition : vous ne pouvez pas la signaler.",
                                code="OWN_CONTENT")
THEIRS, MINE = 7, 8  # idea comments: Dominique's, the reader's


def report_links(page: str) -> list:
    return re.findall(r"/idees/[^/]+/commentaires/(\d+)/signaler", page)


@pytest.fixture
def two_comments(ideas):
    ideas.put(an_idea(comments_count=2, comments=[
        {"id": THEIRS, "idea_id": IDEA_ID, "author_pseudonym": "Dominique", "body": "Bonne idée !", "hidden": False,
         "created_at": "2026-03-02T10:00:00+00:00"},
        {"id": MINE, "idea_id": IDEA_ID, "author_pseudonym": "Camille", "body": "Et des bancs.", "hidden": False,
         "created_at": "2026-03-02T11:00:00+00:00"}]))
    ideas.viewer["own_comments"] = [MINE]


def test_the_idea_page_offers_no_report_of_one_s_own_comment(client, ideas, sign_in, two_comments):
    sign_in()
    page = unescape(html(client.get(f"/idees/{IDEA_ID}")))
    assert report_links(page) == [str(THEIRS)]
    assert page.count("Signaler ce commentaire") == 1 and "Modérer ce commentaire" not in page


def test_a_moderator_still_moderates_their_own_comment_but_does_not_report_it(client, ideas, sign_in, two_comments):
    sign_in("moderator")
    page = unescape(html(client.get(f"/idees/{IDEA_ID}")))
    assert report_links(page) == [str(THEIRS)]
    assert "Modérer ce commentaire" in page and f"/idees/{IDEA_ID}/commentaires/{MINE}/moderation" in page


def test_a_forged_report_of_one_s_own_comment_is_refused_with_the_reason(client, ideas, sign_in, post,
                                                                         two_comments):
    sign_in()
    refused = post(f"/idees/{IDEA_ID}/commentaires/{MINE}/signaler", {"reason": "spam"})  # the shared fake refuses
    page = unescape(html(refused))
    assert refused.status_code == 403 and "Vous avez écrit ce commentaire : vous ne pouvez pas le signaler." in page
    assert "Le signalement n'a pas été enregistré" in page
    assert post(f"/idees/{IDEA_ID}/commentaires/{THEIRS}/signaler", {"reason": "spam"}).status_code == 302


def test_the_api_answers_403_own_content_for_a_comment(client, ideas, sign_in):
    auth = {"Authorization": f"Bearer {sign_in()}"}
    ideas.fail("report_content", OWN_COMMENT)
    reported = client.post("/api/v1/ideas/comments/8/reports", headers=auth, json={"reason": "spam"})
    assert reported.status_code == 403 and reported.get_json()["error"] == "OWN_CONTENT"
    assert "vous ne pouvez pas le signaler" in reported.get_json()["message"]


# --- consultations ---------------------------------------------------------------------------------------------

class OwnConsultationItems(FakeConsultations):
    """The consultation fake, with what the reader wrote in the viewer as the service tells it (`own`)."""

    def __init__(self):
        super().__init__()
        self.own = []

    def get_proposal(self, data, actor=None):
        answer = super().get_proposal(data, actor)
        if answer["viewer"] is not None:
            answer["viewer"]["own"] = list(self.own)
        return answer


@pytest.fixture
def consultations(accounts, monkeypatch):
    fake = OwnConsultationItems()
    fake.proposal["arguments"] = [{"id": 9, "section_id": 4, "proposal_id": PROPOSAL_ID, "position": "agree",
                                   "position_label": "D'accord", "body": "Il fait chaud.", "hidden": False,
                                   "author_pseudonym": "Camille", "created_at": "2026-03-02T10:00:00+00:00"}]
    route_to(monkeypatch, accounts, ideas=fake)
    return fake


def report_forms(page: str) -> list:
    """The (kind, id) of each report form of a consultation page."""
    return re.findall(r'action="/consultations/signaler">\s*<input[^>]*>\s*<input type="hidden" name="kind" '
                      r'value="([a-z_]+)">\s*<input type="hidden" name="content_id" value="([^"]+)">', page)


def test_the_proposal_page_offers_reports_of_others_items_only(client, consultations, sign_in):
    sign_in()
    everything = report_forms(html(client.get(f"/consultations/propositions/{PROPOSAL_ID}")))
    assert set(everything) == {("proposal", PROPOSAL_ID), ("proposal_comment", "3"), ("argument", "9")}
    consultations.own = [f"proposal:{PROPOSAL_ID}", "proposal_comment:3", "argument:9"]
    page = unescape(html(client.get(f"/consultations/propositions/{PROPOSAL_ID}")))
    assert report_forms(page) == []
    assert not any(f"Signaler {what}" in page for what in ("cette proposition", "ce commentaire", "cet argument"))
    consultations.own = ["proposal_comment:3"]
    assert set(report_forms(html(client.get(f"/consultations/propositions/{PROPOSAL_ID}")))) == {
        ("proposal", PROPOSAL_ID), ("argument", "9")}


def test_a_moderator_moderates_their_own_proposal_but_does_not_report_it(client, consultations, sign_in):
    sign_in("moderator")
    consultations.own = [f"proposal:{PROPOSAL_ID}"]
    page = unescape(html(client.get(f"/consultations/propositions/{PROPOSAL_ID}")))
    assert ("proposal", PROPOSAL_ID) not in report_forms(page) and "Modérer cette proposition" in page
    assert 'action="/consultations/moderer"' in page


def test_a_forged_report_of_one_s_own_proposal_says_why_it_was_refused(client, consultations, sign_in, post):
    sign_in()
    consultations.fail("report_content", OWN_PROPOSAL)
    refused = post("/consultations/signaler", {"kind": "proposal", "content_id": PROPOSAL_ID, "reason": "spam",
                                               "retour": f"/consultations/propositions/{PROPOSAL_ID}"})
    page = unescape(html(refused))  # a refusal is the application's 403 page with its reason (issue 12)
    assert refused.status_code == 403
    assert "Vous avez déposé cette proposition : vous ne pouvez pas la signaler." in page
    assert "Merci : votre signalement est transmis" not in page


@pytest.mark.parametrize("path,content_id", [("proposals", PROPOSAL_ID), ("comments", "3"), ("arguments", "9")])
def test_the_consultation_api_answers_403_own_content(client, consultations, sign_in, path, content_id):
    auth = {"Authorization": f"Bearer {sign_in()}"}
    consultations.fail("report_content", OWN_PROPOSAL)
    reported = client.post(f"/api/v1/consultations/{path}/{content_id}/reports", headers=auth,
                           json={"reason": "spam"})
    assert reported.status_code == 403 and reported.get_json()["error"] == "OWN_CONTENT"


def test_the_openapi_documents_the_403_of_every_report_route(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    reports = [path for path in paths if path.endswith("/reports")]
    assert len(reports) == 5, reports  # an idea, its comments, proposals, their comments, arguments
    assert all("403" in paths[path]["post"]["responses"] for path in reports)
