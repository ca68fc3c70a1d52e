"""Rough edges of the routing pages (issue 15, section 4), with the fake routing service of test_routing: the
decision page follows its undo window without JavaScript and says when the decision took effect, a failing
delivery reads as delayed to the citizen and is listed for the agents of its scheme, without secrets."""
import re

from flask import render_template

from gateway.pages.routing import idea_timeline
from gateway.tests.test_routing import (IDEA_ID, WHEN, a_decision, an_item, budget, html, petitions,  # noqa: F401
                                        readable, routing)

PAGE = f"/back-office/orientation/{IDEA_ID}"


def words(response) -> str:
    """The page's text without its tags, blanks collapsed (what a reader reads)."""
    return " ".join(re.sub(r"<[^>]+>", " ", readable(response)).split()).replace(" .", ".").replace(" ,", ",")

REFRESH = re.compile(r'<noscript><meta http-equiv="refresh" content="(\d+)"></noscript>')
LATER = "2026-03-02T10:30:00+00:00"


def a_failing_dossier(**changes) -> dict:
    dossier = {"reference": "DEVE-2026-000007", "scheme": "greening_permit", "scheme_name": "Permis de végétaliser",
               "direction": "DEVE", "idea_id": IDEA_ID, "title": "Végétaliser la rue Manin", "attempts": 3,
               "last_error_class": "réponse HTTP 503", "delivery_state": "delayed", "next_attempt_at": LATER,
               "created_at": WHEN}
    return {**dossier, **changes}


# --- the undo window, followed without reloading by hand -------------------------------------------------------

def test_while_a_decision_waits_the_page_reloads_itself_without_javascript(client, routing, sign_in):
    sign_in("agent", direction="DEVE")
    routing.item = an_item(status="pending")
    routing.decision = a_decision(undo_seconds_left=12)
    page = html(client.get(PAGE))
    assert REFRESH.search(page).group(1) == "14"  # the window's end, and the sweep's moment to apply it
    assert "/static/routing-undo.js" in page and 'data-undo-seconds="12"' in page
    assert "dans 12 secondes" in readable(client.get(PAGE))
    assert f'href="{PAGE}?actualiser=non"' in page  # the agent may turn the reloading off (WCAG 2.2.1)
    quiet = html(client.get(f"{PAGE}?actualiser=non"))
    assert not REFRESH.search(quiet) and f'href="{PAGE}">Actualiser la page</a>' in quiet
    assert REFRESH.findall(page) == REFRESH.findall(page)[:1]  # in the head, once
    assert page.index("routing-undo.js") < page.index("</head>")


def test_past_its_window_a_waiting_decision_is_looked_at_again_soon(client, routing, sign_in):
    sign_in("agent", direction="DEVE")
    routing.item = an_item(status="pending")
    routing.decision = a_decision(undo_seconds_left=0)
    page = client.get(PAGE)
    assert REFRESH.search(html(page)).group(1) == "2" and "elle prend effet dans un instant" in readable(page)


def test_once_applied_the_page_says_when_and_reloads_no_more(client, routing, sign_in):
    sign_in("agent", direction="DEVE")
    applied = a_decision(state="effective", state_label="Appliquée", applied_at=LATER, undo_seconds_left=0)
    routing.item = an_item(status="forwarded", status_label="Transmise")
    original = routing.get_item

    def get_item(actor, data):
        return {**original(actor, data), "decisions": [applied], "pending_decision": None}
    routing.get_item = get_item
    page = client.get(PAGE)
    text = readable(page)
    assert "Décision « Transmettre à un dispositif » vers « Permis de végétaliser » appliquée le 2 mars 2026 à " \
           "11 h 30." in text
    assert not REFRESH.search(html(page)) and "routing-undo.js" not in html(page)


def test_the_countdown_script_is_served_by_the_hub(client):
    script = client.get("/static/routing-undo.js")
    assert script.status_code == 200 and "data-undo-seconds" in script.get_data(as_text=True)


# --- a failing delivery --------------------------------------------------------------------------------------

def test_the_inbox_lists_the_failing_deliveries_of_the_agents_schemes(client, routing, sign_in):
    routing.failing = [a_failing_dossier(), a_failing_dossier(reference="DEVE-2026-000009", idea_id=None,
                                                             title="Demande directe d'un·e habitant·e",
                                                             delivery_state="given_up", next_attempt_at=None)]
    sign_in("agent", direction="DEVE")
    text = words(client.get("/back-office/orientation"))
    assert "Transmissions en échec : 2 dossiers" in text
    assert "DEVE-2026-000007 – Permis de végétaliser" in text and "3 tentatives, dernière erreur : réponse HTTP 503" \
        in text and "nouvelle tentative le 2 mars 2026 à 11 h 30" in text
    assert "DEVE-2026-000009" in text and "abandonné" in text
    [(actor, _)] = routing.args_of("failing_deliveries")
    assert actor["direction"] == "DEVE"


def test_a_moderator_or_an_agent_of_no_direction_is_not_asked_about_deliveries(client, routing, sign_in):
    routing.failing = [a_failing_dossier()]
    sign_in("moderator")
    assert "Transmissions en échec" not in readable(client.get("/back-office/orientation"))
    sign_in("agent")
    assert "Transmissions en échec" not in readable(client.get("/back-office/orientation"))
    assert routing.args_of("failing_deliveries") == []


def test_the_inbox_shows_when_the_failing_list_cannot_be_read(client, routing, sign_in):
    from hubkit.errors import ServiceUnavailable
    routing.fail("failing_deliveries", ServiceUnavailable())
    sign_in("admin")
    page = client.get("/back-office/orientation")
    assert page.status_code == 200 and "Transmissions en échec" not in readable(page)


def test_the_citizen_reads_a_delayed_delivery_with_its_next_try(app, routing):
    delayed = {"reference": "DEVE-2026-000007", "scheme": "greening_permit", "scheme_name": "Permis de végétaliser",
               "delivery": "webhook", "status": "sent", "answer": None, "answer_status": None, "created_at": WHEN,
               "delivered_at": None, "answered_at": None, "attempts": None, "last_error": None,
               "status_label": "Transmission retardée : le dispositif ne répond pas, le hub réessaie automatiquement",
               "delivery_state": "delayed", "next_attempt_at": LATER, "last_error_class": None}
    original = routing.idea_timeline
    routing.idea_timeline = lambda data: {**original(data), "dossiers": [delayed]}
    with app.test_request_context(f"/idees/{IDEA_ID}"):
        text = render_template("routing/_idea_timeline.html", routing_timeline=idea_timeline(IDEA_ID))
    assert "Transmission retardée" in text and "nouvelle tentative prévue le 2 mars 2026 à 11 h 30" in text
    assert "En cours de transmission" not in text


def test_the_decision_page_shows_what_failed_by_its_class_only(client, routing, sign_in):
    sign_in("agent", direction="DEVE")
    dossier = {"reference": "DEVE-2026-000007", "scheme": "greening_permit", "scheme_name": "Permis de végétaliser",
               "delivery": "webhook", "status": "sent", "status_label": "Transmission retardée", "answer": None,
               "answer_status": None, "created_at": WHEN, "delivered_at": None, "answered_at": None, "attempts": 3,
               "last_error": "ConnectionRefusedError: [Errno 111] 10.0.0.7 refused", "delivery_state": "delayed",
               "next_attempt_at": LATER, "last_error_class": "connexion refusée"}
    original = routing.get_item
    routing.get_item = lambda actor, data: {**original(actor, data), "dossiers": [dossier]}
    text = readable(client.get(PAGE))
    assert "Dernière erreur : connexion refusée · nouvelle tentative prévue le 2 mars 2026 à 11 h 30" in text
    assert "10.0.0.7" not in text and "(3 appels)" in text
