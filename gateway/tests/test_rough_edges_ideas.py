"""Rough edges of the citizen's journey on the ideas side (issue 15, section 4): one timeline on an idea's page, no
report nor follow offered to the author of the idea, the similar panel's forwarded ideas, and the verification
link that leaves the citizen ready to sign in."""
import re

from gateway.tests.conftest import ACCOUNT_ID
# the idea pages' fakes, as their own tests set them up
from gateway.tests.test_idea_pages import IDEA_ID, an_idea, budget, ideas, journey, petitions  # noqa: F401


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
