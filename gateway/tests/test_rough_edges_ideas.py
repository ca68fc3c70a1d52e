"""Rough edges of the citizen's journey on the ideas side (issue 15, section 4): one timeline on an idea's page, no
report nor follow offered to the author of the idea, the similar panel's forwarded ideas, and the verification
link that leaves the citizen ready to sign in."""
import re

import pytest

from gateway.tests.conftest import ACCOUNT_ID
from gateway.tests.fakes import FakeSimilarContent, RecordingFake, route_to
# the idea pages' fakes, as their own tests set them up
from gateway.tests.test_idea_pages import (IDEA_ID, XSS, a_similar, an_idea, budget, ideas, ideas_of_the_pages,  # noqa: F401
                                           journey, petitions)
from hubkit.errors import NotFound, ServiceUnavailable


def html(response) -> str:
    return response.get_data(as_text=True)


def section(page: str, anchor: str) -> str:
    return page.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]


# --- one timeline ------------------------------------------------------------------------------------

def a_forwarded_idea() -> dict:
    return an_idea(status="forwarded", status_label="Transmise", scheme="greening_permit",
                   scheme_label="Permis de végétaliser", accepts_supports=False, next_statuses=[], history=[
                       {"status": "submitted", "status_label": "Déposée", "scheme": None, "scheme_label": None,
                        "merged_into": None, "message": None, "role": "citizen",
                        "changed_at": "2026-03-02T09:30:00+00:00"},
                       {"status": "under_review", "status_label": "À l'étude", "scheme": None, "scheme_label": None,
                        "merged_into": None, "message": None, "role": "agent",
                        "changed_at": "2026-03-03T09:30:00+00:00"},
                       {"status": "forwarded", "status_label": "Transmise", "scheme": "greening_permit",
                        "scheme_label": "Permis de végétaliser", "merged_into": None,
                        "message": "Transmise au dispositif « Permis de végétaliser ».", "role": "agent",
                        "changed_at": "2026-03-04T10:00:01+00:00"}])


def a_trace(event_type: str, service: str, when: str, summary: str) -> dict:
    return {"idea_id": IDEA_ID, "event_id": f"e-{event_type}", "type": event_type, "service": service,
            "actor_role": "agent", "correlation_id": "c-1", "causation_id": None, "occurred_at": when,
            "summary": summary, "agent_note": None}


ROUTING_TIMELINE = {"idea_id": IDEA_ID, "status": "forwarded", "status_label": "Transmise", "dossiers": [
    {"reference": "DEVE-2026-000123", "scheme": "greening_permit", "scheme_name": "Permis de végétaliser",
     "delivery": "webhook", "status": "delivered", "status_label": "transmis", "answer": None,
     "answer_status": None, "created_at": "2026-03-04T10:00:00+00:00", "delivered_at": None, "answered_at": None,
     "attempts": None, "last_error": None}], "entries": [
    a_trace("idea_submitted", "ideas", "2026-03-02T09:30:00+00:00", "Idée déposée dans la boîte à idées."),
    a_trace("idea_routing_suggested", "routing", "2026-03-02T09:30:02+00:00",
            "Orientation suggérée : Permis de végétaliser."),
    a_trace("idea_status_changed", "ideas", "2026-03-03T09:30:00+00:00", "Statut de l'idée : « À l'étude »."),
    a_trace("idea_forwarded", "routing", "2026-03-04T10:00:00+00:00",
            "Idée transmise au dispositif « Permis de végétaliser »."),
    a_trace("dossier_created", "routing", "2026-03-04T10:00:00+00:00", "Dossier DEVE-2026-000123 ouvert."),
    a_trace("idea_status_changed", "ideas", "2026-03-04T10:00:01+00:00", "Statut de l'idée : « Transmise »."),
    a_trace("dossier_answered", "routing", "2026-03-09T15:00:00+00:00",
            "Réponse de « Permis de végétaliser » au dossier DEVE-2026-000123 : permis accordé.")]}


def test_an_idea_page_tells_each_event_once_in_one_timeline_in_order(client, ideas, journey):
    ideas.put(a_forwarded_idea())
    journey.timeline = ROUTING_TIMELINE
    page = html(client.get(f"/idees/{IDEA_ID}"))
    assert "Parcours de l'idée" not in page  # no second timeline
    timeline = section(page, "historique")
    entries = re.findall(r'<li class="timeline__step', timeline)
    # the idea box's 3 steps, and routing's 3 steps of its own (its echoes of the idea box's steps are left out)
    assert len(entries) == 6 and "routing-trace" not in page
    order = ["Déposée", "Orientation suggérée", "À l&#39;étude", "Dossier DEVE-2026-000123 ouvert", "Transmise",
             "Réponse de « Permis de végétaliser »"]
    assert [timeline.index(text) for text in order] == sorted(timeline.index(text) for text in order)
    for echo in ("Idée déposée dans la boîte à idées", "Statut de l&#39;idée", "Idée transmise au dispositif"):
        assert echo not in page
    # the dossier itself is still shown, once
    assert page.count("Dossier DEVE-2026-000123</strong>") == 1 and "Dossiers de l'idée" in page


def test_an_idea_without_a_journey_keeps_its_own_timeline(client, ideas, journey):
    journey.down = True
    page = html(client.get(f"/idees/{IDEA_ID}"))
    timeline = section(page, "historique")
    assert len(re.findall(r'<li class="timeline__step', timeline)) == 2 and "Dossiers de l" not in page


# --- the author of the idea ----------------------------------------------------------------------------

def test_the_author_is_offered_neither_to_report_nor_to_follow_their_own_idea(client, ideas, sign_in):
    ideas.put({**an_idea(), "author_id": ACCOUNT_ID})
    sign_in()
    page = html(client.get(f"/idees/{IDEA_ID}"))
    assert f'action="/idees/{IDEA_ID}/signaler"' not in page and "Signaler cette idée" not in page
    assert f'action="/idees/{IDEA_ID}/suivre"' not in page and "Suivre cette idée" not in page
    assert "Vous avez proposé cette idée" in page
    # a comment by someone else may still be reported by the author
    assert f'action="/idees/{IDEA_ID}/commentaires/7/signaler"' in page


def test_another_citizen_is_offered_to_report_and_to_follow_the_idea(client, ideas, sign_in):
    sign_in()  # the idea's author is someone else
    page = html(client.get(f"/idees/{IDEA_ID}"))
    assert f'action="/idees/{IDEA_ID}/signaler"' in page and f'action="/idees/{IDEA_ID}/suivre"' in page
    assert "Vous avez proposé cette idée" not in page


def test_an_author_who_follows_may_still_stop_following(client, ideas, sign_in):
    ideas.put({**an_idea(), "author_id": ACCOUNT_ID})
    ideas.viewer["follows"] = True
    sign_in()
    page = html(client.get(f"/idees/{IDEA_ID}"))
    assert f'action="/idees/{IDEA_ID}/ne-plus-suivre"' in page


# --- after confirming the address ------------------------------------------------------------------------

def test_after_confirming_the_address_the_login_form_is_filled_with_it_once(client, accounts, post):
    response = post("/compte/verifier", {"token": "t" * 43})
    assert response.status_code == 302 and response.headers["Location"] == "/connexion"
    page = html(client.get("/connexion"))
    email_input = re.search(r'<input id="[^"]*email"[^>]*>', page).group(0)
    password_input = re.search(r'<input id="[^"]*password"[^>]*>', page).group(0)
    assert 'value="camille@example.fr"' in email_input and "autofocus" in password_input
    assert "Adresse confirmée" in page
    # once: the address leaves the session with that page
    again = html(client.get("/connexion"))
    assert "camille@example.fr" not in again and "autofocus" not in again


def test_a_refused_confirmation_fills_nothing(client, accounts, post):
    from hubkit.errors import InvalidInput
    accounts.fail("verify_email", InvalidInput("Ce lien n'est pas valide : il a expiré ou a déjà servi.",
                                               details={"token": ["Lien invalide."]}, code="INVALID_TOKEN"))
    assert post("/compte/verifier", {"token": "t" * 43}).status_code == 400
    assert "camille@example.fr" not in html(client.get("/connexion"))


# --- the similar panel's forwarded ideas ------------------------------------------------------------------

PROJECT_ID = "5b1e0f6a-2c3d-4e5f-8a9b-0c1d2e3f4a01"
PETITION_ID = "6c2f1a7b-3d4e-4f60-9b0c-1d2e3f4a5b02"
TO_BUDGET, TO_PETITION = "2b3c4d5e-6f70-4a8b-9c0d-1e2f3a4b5c6d", "2b3c4d5e-6f70-4a8b-9c0d-1e2f3a4b5c6e"
ANSWERED = "2b3c4d5e-6f70-4a8b-9c0d-1e2f3a4b5c70"
TYPED = {"title": "Fontaines au canal", "description": "De l'eau potable.", "theme": "environnement",
         "action": "similaires"}


class Destinations(FakeSimilarContent):
    """budget or petitions as the panel asks them: their similar content (none here) and the public page of what a
    forwarded idea became (`get_project`, `get_petition`: NotFound for what is not shown, a draft)."""

    def __init__(self, pages=None):
        super().__init__()
        self.pages = pages or {}

    def _page(self, item_id):
        if item_id not in self.pages:
            raise NotFound("Introuvable.")
        return self.pages[item_id]

    def get_project(self, data, actor=None):
        return self._page(data["project_id"])

    def get_petition(self, data, actor=None):
        return self._page(data["petition_id"])


class Links(RecordingFake):
    """routing as the panel asks it: each idea's timeline, with what it became elsewhere (`continued_as`)."""

    def __init__(self, continued):
        super().__init__()
        self.continued = continued

    def idea_timeline(self, data):
        return {"idea_id": data["idea_id"], "status": "forwarded", "status_label": "Transmise", "dossiers": [],
                "entries": [{"type": "idea_forwarded", "occurred_at": "2026-03-04T10:00:00+00:00",
                             "summary": "Idée transmise."}],
                "continued_as": self.continued.get(data["idea_id"], [])}


def a_closed_similar(idea_id, title, status, label, scheme=None, scheme_label=None) -> dict:
    return {**a_similar(idea_id, title, 0.5), "kind": "idea", "status": status, "status_label": label,
            "accepts_supports": False, "scheme": scheme, "scheme_label": scheme_label}


@pytest.fixture
def panel_world(accounts, monkeypatch):
    ideas = ideas_of_the_pages()
    ideas.similar = [
        a_closed_similar(TO_BUDGET, "Fontaines rue Manin", "forwarded", "Transmise", "budget", "Budget participatif"),
        a_closed_similar(TO_PETITION, "Fontaines place des Fêtes", "forwarded", "Transmise", "petition", "Pétitions"),
        a_closed_similar(ANSWERED, "Fontaines square Villemin", "answered", "Réponse apportée")]
    routing = Links({TO_BUDGET: [{"kind": "budget_project", "id": PROJECT_ID}],
                     TO_PETITION: [{"kind": "petition", "id": PETITION_ID}]})
    budget = Destinations({PROJECT_ID: {"id": PROJECT_ID, "title": f"Des fontaines rue Manin {XSS}",
                                        "status_label": "Déposé", "draft": False}})
    petitions = Destinations({PETITION_ID: {"id": PETITION_ID, "title": "Pour des fontaines place des Fêtes",
                                            "status_label": "Ouverte à la signature", "signable": True}})
    route_to(monkeypatch, accounts, ideas=ideas, routing=routing, budget=budget, petitions=petitions)
    return {"ideas": ideas, "routing": routing, "budget": budget, "petitions": petitions}


def item_of(panel: str, title: str) -> str:
    return panel.split(title, 1)[1].split('<li class="similar__item', 1)[0]


def panel_of(response) -> str:
    return html(response).split('id="idees-similaires"', 1)[1].split("</section>", 1)[0]


def test_a_forwarded_idea_sends_the_citizen_where_it_went_to_support_it_there(client, panel_world, sign_in, post):
    sign_in()
    response = post("/idees/proposer", TYPED)
    assert response.status_code == 200
    found = panel_of(response)
    to_budget = item_of(found, "Fontaines rue Manin")
    assert f'href="/budget-participatif/projets/{PROJECT_ID}"' in to_budget and "Déposé" in to_budget
    assert f'href="/budget-participatif/projets/{PROJECT_ID}#suivre">Suivre ce projet' in to_budget
    assert "&lt;script&gt;" in to_budget and XSS not in found
    to_petition = item_of(found, "Fontaines place des Fêtes")
    assert f'href="/petitions/{PETITION_ID}#signer">Signer la pétition' in to_petition
    assert "elle continue en pétition" in to_petition
    answered = item_of(found, "Fontaines square Villemin")
    assert "ne prend plus de soutiens" in answered
    assert "Soutenir" not in found and "#soutenir\">Soutenir" not in found
    # routing is asked the forwarded ideas only; nothing is published
    assert sorted(data["idea_id"] for data in panel_world["routing"].data_of("idea_timeline")) == sorted(
        [TO_BUDGET, TO_PETITION])
    assert panel_world["ideas"].args_of("submit_idea") == []


def test_a_destination_not_shown_to_the_public_or_a_routing_down_leaves_only_the_state(client, panel_world, sign_in,
                                                                                        post):
    sign_in()
    panel_world["budget"].pages.clear()  # the project is still a draft: budget does not show it
    panel_world["petitions"].down = ServiceUnavailable()
    found = panel_of(post("/idees/proposer", TYPED))
    for title in ("Fontaines rue Manin", "Fontaines place des Fêtes"):  # nowhere to send the citizen: the state
        assert "Ses soutiens sont clos" in item_of(found, title) and "elle continue" not in item_of(found, title)
    assert f'href="/idees/{TO_BUDGET}#historique"' in found and "Soutenir" not in found
    panel_world["routing"].down = ServiceUnavailable()
    response = post("/idees/proposer", TYPED)
    assert response.status_code == 200 and "Ses soutiens sont clos" in item_of(panel_of(response), "Fontaines rue Manin")


def test_a_forwarded_ideas_page_sends_the_citizen_where_it_goes_on(client, accounts, monkeypatch):
    ideas = ideas_of_the_pages()
    ideas.put(an_idea(status="forwarded", status_label="Transmise", scheme="petition", scheme_label="Pétitions",
                      accepts_supports=False, next_statuses=[]))
    routing = Links({IDEA_ID: [{"kind": "petition", "id": PETITION_ID}]})
    petitions = Destinations({PETITION_ID: {"id": PETITION_ID, "title": "Pour des fontaines le long du canal",
                                            "status_label": "Ouverte à la signature", "signable": True}})
    route_to(monkeypatch, accounts, ideas=ideas, routing=routing, budget=Destinations(), petitions=petitions)
    aside = html(client.get(f"/idees/{IDEA_ID}")).split('id="soutenir"', 1)[1].split("</aside>", 1)[0]
    assert "elle continue en pétition" in aside and f'href="/petitions/{PETITION_ID}#signer">Signer la pétition' in aside
    assert "Cette idée ne recueille plus de soutiens." in aside and "Soutenir cette idée" not in aside
    petitions.pages.clear()  # not public (a draft): the page says only that it takes no supports
    aside = html(client.get(f"/idees/{IDEA_ID}")).split('id="soutenir"', 1)[1].split("</aside>", 1)[0]
    assert "elle continue" not in aside and "Cette idée ne recueille plus de soutiens." in aside
