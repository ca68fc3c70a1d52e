"""The routing API, Open311 and back-office pages, with a fake routing service (and fake ideas and accounts
services) behind `gateway.remote.call`."""
import re
import time
from html import unescape

import eventlet

import pytest
from flask import render_template

import gateway.remote

from gateway.pages.routing import idea_timeline
from gateway.tests.fakes import FakeSimilarContent, RecordingFake, a_petition, a_project, route_to
from hubkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ServiceUnavailable
from tests.fakes import FakeIdeas

ACCOUNT_ID = "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11"  # the signed-in account of conftest's FakeAccounts
IDEA_ID = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"
OTHER_IDEA_ID = "9e8d7c6b-5a49-4837-a625-14f3e2d1c0b9"
DECISION_ID = "5b8f0a1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b"
XSS = '<script>alert("idée")</script>'
WHEN = "2026-03-02T09:30:00+00:00"


def html(response) -> str:
    return response.get_data(as_text=True)


def readable(response) -> str:
    """The page's text with entities decoded (l&#39;agent → l'agent), for reading what it says."""
    return unescape(html(response))


def an_item(**changes) -> dict:
    item = {"idea_id": IDEA_ID, "title": f"Végétaliser la rue {XSS}", "excerpt": "Des jardinières.",
            "theme": "environnement", "arrondissement": 19, "status": "waiting", "status_label": "À traiter",
            "suggested_scheme": "greening_permit", "suggested_scheme_name": "Permis de végétaliser",
            "suggestion_reason": "Mots-clés repérés dans l'idée : « jardinière » → Permis de végétaliser.",
            "suggestion_keywords": ["jardinière"], "scheme": "greening_permit", "scheme_name": "Permis de végétaliser",
            "direction": "DEVE", "assigned_agent_id": None, "correlation_id": "req-click-42", "submitted_at": WHEN,
            "received_at": WHEN, "deadline_at": "2026-04-01T09:30:00+00:00",
            "countdown": {"seconds": -200000, "days": -2, "overdue": True}, "overdue": True, "age_days": 32}
    return {**item, **changes}


def a_decision(**changes) -> dict:
    decision = {"id": DECISION_ID, "idea_id": IDEA_ID, "action": "forward", "action_label": "Transmettre à un dispositif",
                "scheme": "greening_permit", "scheme_name": "Permis de végétaliser", "direction": "DEVE",
                "message": "", "reason_code": None, "duplicate_of": None, "state": "pending",
                "state_label": "En attente (annulable)", "replaces": None, "actor_id": ACCOUNT_ID, "actor_role": "agent",
                "created_at": WHEN, "effective_at": WHEN, "applied_at": None, "cancelled_at": None,
                "undo_seconds_left": 42, "dossier": None}
    return {**decision, **changes}


def an_entry(**changes) -> dict:
    entry = {"idea_id": IDEA_ID, "event_id": "e1", "type": "idea_submitted", "service": "ideas",
             "actor_role": "citizen", "correlation_id": "req-click-42", "causation_id": "req-click-42",
             "occurred_at": WHEN, "summary": "Idée déposée dans la boîte à idées.", "agent_note": None}
    return {**entry, **changes}


def public(entry: dict) -> dict:
    """A timeline entry as the service dumps it for citizens: no agent note at all."""
    return {key: value for key, value in entry.items() if key != "agent_note"}


REFERENCE = {"statuses": [{"code": "waiting", "label": "À traiter"}, {"code": "forwarded", "label": "Transmise"}],
             "actions": [], "not_retained_reasons": [{"code": "private_land", "label": "Sur un terrain privé"}],
             "checks": [{"code": "public_land", "label": "Concerne l'espace public"}],
             "check_values": [{"code": "yes", "label": "Oui"}, {"code": "no", "label": "Non"},
                              {"code": "unknown", "label": "À vérifier"}],
             "directions": [{"code": "DEVE", "label": "Direction des espaces verts"}],
             "kinds": [{"code": "internal", "label": "Dispositif du hub"}, {"code": "external", "label": "Externe"}],
             "deliveries": [{"code": "event", "label": "Événement"}, {"code": "webhook", "label": "Webhook"},
                            {"code": "email", "label": "Courriel"}], "undo_seconds": 60}
SCHEME = {"code": "greening_permit", "name": "Permis de végétaliser", "description": "Végétaliser la rue.",
          "direction": "DEVE", "direction_name": "Direction des espaces verts", "kind": "external",
          "kind_label": "Externe", "delivery": "webhook", "delivery_label": "Webhook",
          "webhook_url": "https://deve.paris.local/hook", "has_secret": True, "webhook_secret": None, "email": None,
          "deadline_days": 30, "keywords": ["arbre", "jardinière"], "active": True, "updated_at": WHEN}


class FakeRouting(RecordingFake):
    """Answers like the routing service, records each call, raises the error a test asks for."""

    def __init__(self):
        super().__init__()
        self.item = an_item()
        self.decision = a_decision()
        self.failing = []  # what failing_deliveries answers: the dossiers whose webhook calls fail

    def reference_data(self):
        return REFERENCE

    def list_schemes(self, data, actor=None):
        return [SCHEME]

    def get_scheme(self, data, actor=None):
        return SCHEME

    def create_scheme(self, actor, data):
        return {**SCHEME, "code": data["code"], "name": data["name"], "webhook_secret": "s3cret-shown-once"}

    def update_scheme(self, actor, data):
        return {**SCHEME, **{k: v for k, v in data.items() if k != "rotate_secret"}}

    def open311_services(self):
        return [{"service_code": "greening_permit", "service_name": "Permis de végétaliser", "description": "x",
                 "metadata": True, "type": "batch", "keywords": "arbre", "group": "DEVE"}]

    def open311_definition(self, data):
        if data["code"] != "greening_permit":
            raise NotFound("Aucun dispositif n'a ce code.")
        return {"service_code": "greening_permit", "attributes": [
            {"variable": True, "code": "arrondissement", "datatype": "singlevaluelist", "required": False,
             "order": 1, "datatype_description": "x", "description": "Arrondissement",
             "values": [{"key": "1", "name": "Paris 1er"}]}]}

    def inbox(self, actor, query):
        return {"items": [self.item], "total": 1, "overdue": 1, "page": 1, "per_page": 50}

    def get_item(self, actor, data):
        return {**self.item, "checklist": [{"code": "public_land", "label": "Concerne l'espace public",
                                            "value": "yes", "value_label": "Oui", "why": "Mentionne : rue."}],
                "decisions": [self.decision] if self.item["status"] == "pending" else [],
                "pending_decision": self.decision if self.item["status"] == "pending" else None,
                "dossiers": [], "trace": [an_entry(), an_entry(event_id="e2", type="idea_routing_suggested",
                                                                 service="routing", actor_role="system",
                                                                 summary="Orientation suggérée.",
                                                                 agent_note="Note privée de l'agent")],
                "next_actions": [] if self.item["status"] == "pending" else
                ["forward", "answer", "not_retain", "duplicate"]}

    def update_checklist(self, actor, data):
        return self.get_item(actor, data)

    def assign(self, actor, data):
        return self.get_item(actor, data)

    def decide(self, actor, data):
        return self.decision

    def undo_decision(self, actor, data):
        return {**self.decision, "state": "cancelled"}

    def failing_deliveries(self, actor, data):
        return self.failing

    def receive_dossier_answer(self, data):
        return {"reference": "DEVE-2026-000001", "scheme": "greening_permit", "scheme_name": "Permis",
                "delivery": "webhook", "status": "answered", "status_label": "Réponse reçue", "answer": "Oui",
                "answer_status": "granted", "created_at": WHEN, "delivered_at": WHEN, "answered_at": WHEN,
                "attempts": 1, "last_error": None}

    def idea_timeline(self, data):
        return {"idea_id": IDEA_ID, "status": "forwarded", "status_label": "Transmise",
                "dossiers": [{**self.receive_dossier_answer({}), "answer": f"Permis accordé {XSS}"}],
                "entries": [public(an_entry()), public(an_entry(event_id="e3", type="idea_forwarded",
                                                                service="routing", actor_role="agent",
                                                                summary="Idée transmise."))]}

    def trace(self, actor, data):
        if data["correlation_id"] != "req-click-42":
            raise NotFound("Aucune trace ne porte cet identifiant de corrélation.")
        return {"correlation_id": "req-click-42", "entries": [an_entry(agent_note="Décision de l'agent")]}


def ideas_for_routing() -> FakeIdeas:
    """ideas as the decision page reads it: the idea to route (a script in its texts) and one similar idea."""
    ideas = FakeIdeas()
    # ideas gives staff the similar ideas with the idea (`similar`): the page does not ask `similar_ideas` again
    ideas.add(IDEA_ID, f"Végétaliser la rue {XSS}", f"Des jardinières.\n{XSS}", arrondissement=19,
              author_pseudonym="Camille", supports_count=3,
              similar=[{"id": OTHER_IDEA_ID, "title": "Des fleurs rue Manin", "status": "submitted",
                        "status_label": "Déposée", "supports_count": 2, "similarity": 0.61}])
    return ideas


@pytest.fixture
def budget():
    return FakeSimilarContent([a_project(title="Végétaliser la rue Manin", similarity=0.55)])


@pytest.fixture
def petitions():
    return FakeSimilarContent([a_petition(title=f"Des arbres rue Manin {XSS}", similarity=0.4)])


@pytest.fixture
def routing(app, accounts, budget, petitions, monkeypatch):
    fake = FakeRouting()
    route_to(monkeypatch, accounts, routing=fake, ideas=ideas_for_routing(), budget=budget, petitions=petitions)
    return fake


# --- API ----------------------------------------------------------------------------------------------

def test_the_catalogue_and_the_timeline_are_public(client, routing):
    assert client.get("/api/v1/routing/schemes").json[0]["code"] == "greening_permit"
    assert client.get("/api/v1/routing/schemes?include_inactive=true").status_code == 200
    assert routing.args_of("list_schemes")[-1] == ({"include_inactive": True}, None)
    timeline = client.get(f"/api/v1/routing/ideas/{IDEA_ID}/timeline").json
    assert [entry["type"] for entry in timeline["entries"]] == ["idea_submitted", "idea_forwarded"]
    assert "agent_note" not in timeline["entries"][0]


def test_the_inbox_is_for_staff_and_knows_their_direction(client, routing, bearer):
    assert client.get("/api/v1/routing/inbox").status_code == 401
    assert client.get("/api/v1/routing/inbox", headers=bearer()).status_code == 403
    response = client.get("/api/v1/routing/inbox?retard=1&overdue=true&arrondissement=19",
                          headers=bearer("agent", direction="DEVE"))
    assert response.status_code == 200 and response.json["overdue"] == 1
    [(actor, query)] = routing.args_of("inbox")
    assert actor == {"account_id": ACCOUNT_ID, "roles": ["citizen", "agent"], "direction": "DEVE"}
    assert query["overdue"] is True and query["arrondissement"] == 19
    refused = client.get("/api/v1/routing/inbox?arrondissement=21", headers=bearer("agent"))
    assert refused.status_code == 400 and list(refused.json["details"]) == ["arrondissement"]


def test_a_decision_carries_the_idempotency_key_and_errors_map_to_statuses(client, routing, bearer):
    url = f"/api/v1/routing/inbox/{IDEA_ID}/decisions"
    headers = {**bearer("agent"), "Idempotency-Key": "double-click-123"}
    response = client.post(url, json={"action": "forward", "scheme": "greening_permit"}, headers=headers)
    assert response.status_code == 201 and response.json["id"] == DECISION_ID
    [(_, command)] = routing.args_of("decide")
    assert command["idempotency_key"] == "double-click-123" and command["idea_id"] == IDEA_ID
    bad = client.post(url, json={"action": "teleport", "reason_code": "x"}, headers=headers)
    assert bad.status_code == 400 and set(bad.json["details"]) == {"action", "reason_code"}
    assert len(routing.args_of("decide")) == 1
    routing.fail("decide", Conflict("Une décision est déjà en cours.", code="DECISION_PENDING"))
    assert client.post(url, json={"action": "answer", "message": "x"}, headers=headers).json["error"] == \
        "DECISION_PENDING"
    routing.fail("undo_decision", Conflict("Trop tard pour annuler.", code="UNDO_TOO_LATE"))
    late = client.post(f"/api/v1/routing/decisions/{DECISION_ID}/undo", headers=headers)
    assert late.status_code == 409 and late.json["message"] == "Trop tard pour annuler."


def test_a_scheme_answer_is_passed_on_raw_with_its_signature(client, routing):
    body = '{"answer": "Permis accordé", "status": "granted", "extra": 1}'
    response = client.post("/api/v1/routing/dossiers/DEVE-2026-000001/answer", data=body,
                           content_type="application/json",
                           headers={"X-Hub-Timestamp": "1767225600", "X-Hub-Signature-256": "sha256=abc"})
    assert response.status_code == 200
    [(command,)] = routing.args_of("receive_dossier_answer")
    assert command == {"reference": "DEVE-2026-000001", "body": body, "timestamp": "1767225600",
                       "signature": "sha256=abc"}


def test_only_admins_manage_schemes(client, routing, bearer):
    body = {"code": "compost", "name": "Composteurs", "direction": "DPE", "kind": "internal", "delivery": "event",
            "deadline_days": 10}
    assert client.post("/api/v1/routing/schemes", json=body, headers=bearer("agent")).status_code == 403
    created = client.post("/api/v1/routing/schemes", json=body, headers=bearer("admin"))
    assert created.status_code == 201 and created.json["webhook_secret"] == "s3cret-shown-once"
    changed = client.patch("/api/v1/routing/schemes/compost", json={"active": False}, headers=bearer("admin"))
    assert changed.status_code == 200 and routing.args_of("update_scheme")[-1][1]["code"] == "compost"


def test_open311_services_in_json_and_xml(client, routing):
    services = client.get("/open311/v2/services.json")
    assert services.status_code == 200 and services.json[0]["service_code"] == "greening_permit"
    xml = client.get("/open311/v2/services.xml")
    assert xml.content_type.startswith("text/xml")
    assert "<services><service><service_code>greening_permit</service_code>" in html(xml)
    assert "<metadata>true</metadata>" in html(xml)
    definition = client.get("/open311/v2/services/greening_permit.xml")
    assert "<attributes><attribute><variable>true</variable>" in html(definition)
    assert "<values><value><key>1</key>" in html(definition)
    missing = client.get("/open311/v2/services/nope.json")
    assert missing.status_code == 404 and missing.json["message"] == "Aucun dispositif n'a ce code."
    assert "<errors><error><code>404</code>" in html(client.get("/open311/v2/services/nope.xml"))
    assert client.get("/open311/v2/services.csv").status_code == 404


def test_the_openapi_document_describes_routing(client, routing):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "post" in paths["/api/v1/routing/inbox/{idea_id}/decisions"]
    assert "post" in paths["/api/v1/routing/dossiers/{reference}/answer"]


# --- pages ---------------------------------------------------------------------------------------------

def test_the_inbox_page_flags_overdue_ideas_and_escapes_text(client, routing, sign_in):
    assert client.get("/back-office/orientation").status_code == 302  # to the login page
    sign_in()
    assert client.get("/back-office/orientation").status_code == 403
    sign_in("agent", direction="DEVE")
    page = client.get("/back-office/orientation?dispositif=greening_permit&retard=1&arrondissement=19")
    text = html(page)
    assert page.status_code == 200 and "En retard de 2 j" in text and "dont <strong>1 en retard</strong>" in text
    assert XSS not in text and "&lt;script&gt;" in text
    assert "Pourquoi : Mots-clés repérés" in text
    assert 'href="/back-office/orientation?direction=DEVE">Ma direction (DEVE)' in text
    [(_, query)] = routing.args_of("inbox")
    assert query == {"scheme": "greening_permit", "arrondissement": "19", "overdue": True, "page": 1}
    routing.fail("inbox", InvalidInput(details={"arrondissement": ["Doit être inférieur ou égal à 20."]}))
    refused = client.get("/back-office/orientation?arrondissement=99")
    assert refused.status_code == 400 and "Doit être inférieur ou égal à 20." in html(refused)


def test_the_inbox_page_goes_on_by_the_cursor_routing_gives_and_back_by_page_number(client, routing, sign_in,
                                                                                   monkeypatch):
    sign_in("agent", direction="DEVE")
    answers = iter([{"items": [routing.item], "total": 120, "overdue": 0, "page": 1, "per_page": 50,
                     "next_cursor": "c2_XYZ-0"},
                    {"items": [routing.item], "total": 120, "overdue": 0, "page": 1, "per_page": 50,
                     "next_cursor": "c3_XYZ-0"},
                    {"items": [routing.item], "total": 120, "overdue": 0, "page": 1, "per_page": 50,
                     "next_cursor": None}])
    monkeypatch.setattr(type(routing), "inbox", lambda self, actor, query: next(answers))
    first = html(client.get("/back-office/orientation?direction=DEVE"))
    following = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "apres=c2_XYZ-0" in following and "page=2" in following and "direction=DEVE" in following
    second = html(client.get(following))
    assert routing.args_of("inbox")[1][1] == {"direction": "DEVE", "overdue": False, "page": 1, "after": "c2_XYZ-0"}
    assert 'aria-current="page">Page 2 sur 3<' in second
    previous = re.search(r'href="([^"]+)" rel="prev"', second).group(1).replace("&amp;", "&")
    assert "apres" not in previous and "page=1" in previous
    third = html(client.get(re.search(r'href="([^"]+)" rel="next"', second).group(1).replace("&amp;", "&")))
    assert 'aria-current="page">Page 3 sur 3<' in third and 'rel="next"' not in third


def test_a_forged_inbox_cursor_is_a_400_on_the_page(client, routing, sign_in):
    sign_in("agent")
    routing.fail("inbox", InvalidInput(details={"after": ["Curseur de pagination invalide."]}))
    refused = client.get("/back-office/orientation?apres=forged&page=2")
    assert refused.status_code == 400 and "Curseur de pagination invalide." in html(refused)


def test_the_decision_page_shows_the_idea_the_suggestion_the_checklist_and_the_actions(client, routing, sign_in):
    sign_in("agent")
    page = client.get(f"/back-office/orientation/{IDEA_ID}")
    assert XSS not in html(page)
    text = readable(page)
    assert "Suggestion : Permis de végétaliser" in text and "« jardinière »" in text
    assert "Des fleurs rue Manin" in text and "similarité 61 %" in text
    assert "Projet du budget participatif 2019" in text and "Végétaliser la rue Manin" in text
    assert "Pétition" in text and "Des arbres rue Manin" in text and "similarité 40 %" in text
    assert f'<option value="{OTHER_IDEA_ID}">' in html(page)  # the similar idea is a duplicate to choose
    assert "Concerne l'espace public" in text and "Mentionne : rue." in text
    assert "Note privée de l'agent" in text and "req-click-42" in text
    ids = re.findall(r' id="([^"]+)"', html(page))
    assert len(ids) == len(set(ids)), "an id is used twice on the page"
    tokens = re.findall(r'name="idempotency_key" value="([0-9a-f]{32})"', text)
    assert len(tokens) == 4 and len(set(tokens)) == 4


class SlowCalls:
    """Wraps `remote.call`: every call takes DELAY seconds (a green sleep, like waiting for a reply), and the
    calls under way at the same time are counted."""

    DELAY = 0.3  # the page: its own work (rendering, compiling its templates) stays well under it

    def __init__(self, route):
        self.route, self.running, self.most_at_once, self.finished = route, 0, 0, []

    def __call__(self, service, method, *args):
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            eventlet.sleep(self.DELAY)
            return self.route(service, method, *args)
        finally:
            self.running -= 1
            self.finished.append(method)


@pytest.fixture
def slow(routing, monkeypatch):
    calls = SlowCalls(gateway.remote.call)
    monkeypatch.setattr(gateway.remote, "call", calls)
    return calls


def test_the_decision_page_makes_its_independent_calls_at_the_same_time(client, routing, sign_in, slow):
    sign_in("agent", direction="DEVE")
    started = time.monotonic()
    page = client.get(f"/back-office/orientation/{IDEA_ID}")
    elapsed = time.monotonic() - started
    text = readable(page)
    assert page.status_code == 200 and "Suggestion : Permis de végétaliser" in text
    assert "Des fleurs rue Manin" in text and "Dominique (DEVE)" in text and "Concerne l'espace public" in text
    page_calls = [method for method in slow.finished if method != "resolve_session"]
    assert sorted(page_calls) == ["get_idea", "get_item", "list_schemes", "reference_data", "search_accounts",
                                  "similar_content", "similar_content"]  # not similar_ideas: get_idea gave them
    assert page_calls.index("similar_content") > page_calls.index("get_idea")  # it needs the idea's text
    assert slow.most_at_once >= 5
    # one after the other: 7 calls (and the session) × DELAY; at the same time: the session, then idea → similar
    assert elapsed < 5 * SlowCalls.DELAY


def test_one_failing_call_of_the_decision_page_gives_the_error_it_gave_alone(client, routing, sign_in, slow):
    sign_in("agent")
    routing.fail("get_item", NotFound("Aucune idée à orienter n'a cet identifiant."))
    missing = client.get(f"/back-office/orientation/{IDEA_ID}")
    assert missing.status_code == 404 and "Aucune idée à orienter" in readable(missing)
    routing.failures.clear()
    routing.fail("list_schemes", ServiceUnavailable())
    assert client.get(f"/back-office/orientation/{IDEA_ID}").status_code == 503
    routing.failures.clear()
    routing.fail("get_item", NotFound("Aucune idée à orienter n'a cet identifiant."))
    routing.fail("list_schemes", ServiceUnavailable())  # both fail: the first in the page's order wins
    assert client.get(f"/back-office/orientation/{IDEA_ID}").status_code == 404


def test_the_decision_page_shows_without_similar_ideas_or_agents_when_those_are_refused(
        client, routing, sign_in, accounts, monkeypatch):
    ideas = ideas_for_routing()
    ideas.ideas[IDEA_ID]["similar"] = []
    budget, petitions = FakeSimilarContent(), FakeSimilarContent()
    budget.down, petitions.down = ServiceUnavailable(), ServiceUnavailable()
    route_to(monkeypatch, accounts, routing=routing, ideas=ideas, budget=budget, petitions=petitions)
    accounts.fail("search_accounts", PermissionDenied("Réservé aux administrateurs."))
    sign_in("moderator")
    page = client.get(f"/back-office/orientation/{IDEA_ID}")
    text = readable(page)
    assert page.status_code == 200 and "Suggestion : Permis de végétaliser" in text
    assert "Les projets du budget participatif n'ont pas pu être consultés" in text
    assert "Les pétitions n'ont pas pu être consultées" in text and "Dominique" not in text
    assert ideas.args_of("similar_ideas") == []
    accounts.fail("search_accounts", ServiceUnavailable())
    assert client.get(f"/back-office/orientation/{IDEA_ID}").status_code == 503


def test_deciding_from_the_page_then_undoing(client, routing, sign_in, post):
    sign_in("agent")
    response = post(f"/back-office/orientation/{IDEA_ID}/decision",
                    {"action": "forward", "scheme": "greening_permit", "message": "Bonne idée",
                     "idempotency_key": "a" * 32})
    assert response.status_code == 302
    [(_, command)] = routing.args_of("decide")
    assert command["idempotency_key"] == "a" * 32 and command["scheme"] == "greening_permit"
    routing.item = an_item(status="pending", status_label="Décision en cours (annulable)")
    text = html(client.get(f"/back-office/orientation/{IDEA_ID}"))
    assert "prendra effet dans 42 secondes" in text and "Annuler cette décision" in text
    undone = post(f"/back-office/orientation/{IDEA_ID}/decisions/{DECISION_ID}/annuler")
    assert undone.status_code == 302 and routing.args_of("undo_decision")[0][1] == {"decision_id": DECISION_ID}
    routing.fail("undo_decision", Conflict("Trop tard pour annuler : la décision a pris effet.", code="UNDO_TOO_LATE"))
    post(f"/back-office/orientation/{IDEA_ID}/decisions/{DECISION_ID}/annuler")
    assert "Trop tard pour annuler" in readable(client.get(f"/back-office/orientation/{IDEA_ID}"))


@pytest.mark.parametrize("role, code", [("agent", "OUTSIDE_DIRECTION"), ("moderator", "FORBIDDEN")])
def test_an_undo_the_service_refuses_is_the_403_page_with_its_reason_not_a_flash(client, routing, sign_in, post,
                                                                                  role, code):
    sign_in(role, direction="DVD" if role == "agent" else None)
    reason = "Cette idée relève de la direction DEVE : vous êtes agent de la direction DVD."
    routing.fail("undo_decision", PermissionDenied(reason, code=code, details={"direction": "DEVE"}))
    refused = post(f"/back-office/orientation/{IDEA_ID}/decisions/{DECISION_ID}/annuler")
    assert refused.status_code == 403 and reason in readable(refused)
    with client.session_transaction() as session:
        assert "_flashes" not in session


def test_a_refused_decision_shows_the_form_again_with_the_message(client, routing, sign_in, post):
    sign_in("agent")
    routing.fail("decide", InvalidInput(details={"message": ["Expliquez le motif à l'auteur."]}))
    response = post(f"/back-office/orientation/{IDEA_ID}/decision",
                    {"action": "not_retain", "reason_code": "private_land", "message": "",
                     "idempotency_key": "b" * 32})
    assert response.status_code == 400 and "Expliquez le motif à l'auteur." in readable(response)
    assert 'value="' + "b" * 32 + '"' in html(response)  # the same token: sending again is still one decision
    routing.fail("decide", ServiceUnavailable())
    assert post(f"/back-office/orientation/{IDEA_ID}/decision", {"action": "answer"}).status_code == 503


def test_checklist_and_assignment_forms(client, routing, sign_in, post):
    sign_in("agent", direction="DEVE")
    assert post(f"/back-office/orientation/{IDEA_ID}/grille", {"public_land": "no"}).status_code == 302
    assert routing.args_of("update_checklist")[0][1] == {"idea_id": IDEA_ID, "values": {"public_land": "no"}}
    assert "Dominique (DEVE)" in readable(client.get(f"/back-office/orientation/{IDEA_ID}"))  # agents to choose
    assert post(f"/back-office/orientation/{IDEA_ID}/attribution", {"direction": "DEVE", "agent_id": "moi"}).status_code == 302
    assert routing.args_of("assign")[0][1] == {"idea_id": IDEA_ID, "agent_id": ACCOUNT_ID, "direction": "DEVE"}
    other = "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99"
    post(f"/back-office/orientation/{IDEA_ID}/attribution", {"direction": "DEVE", "agent_id": other})
    assert routing.args_of("assign")[1][1]["agent_id"] == other
    routing.fail("assign", InvalidInput(details={"agent_id": ["Identifiant invalide."]}))
    refused = post(f"/back-office/orientation/{IDEA_ID}/attribution", {"direction": "DEVE", "agent_id": "x"})
    assert refused.status_code == 400 and "Identifiant invalide." in readable(refused)


def test_the_trace_lookup(client, routing, sign_in):
    sign_in("agent")
    text = readable(client.get("/back-office/traces?correlation=req-click-42"))
    assert "Décision de l'agent" in text and "1 étape" in text
    missing = client.get("/back-office/traces?correlation=inconnue")
    assert missing.status_code == 404 and "Aucune trace" in html(missing)


def test_the_scheme_catalogue_page_is_for_admins_and_shows_a_new_secret_once(client, routing, sign_in, post):
    sign_in("agent")
    assert client.get("/back-office/dispositifs").status_code == 403
    sign_in("admin")
    text = html(client.get("/back-office/dispositifs"))
    ids = re.findall(r' id="([^"]+)"', text)
    assert len(ids) == len(set(ids)), "an id is used twice on the page"
    assert "Permis de végétaliser" in text and "arbre, jardinière" in text
    created = post("/back-office/dispositifs", {"code": "compost", "name": "Composteurs", "direction": "DEVE",
                                                "kind": "external", "delivery": "webhook",
                                                "webhook_url": "https://c.paris.local", "deadline_days": "20",
                                                "keywords": "compost, composteur", "active": "on"})
    assert created.status_code == 200 and "s3cret-shown-once" in html(created)
    [(_, command)] = routing.args_of("create_scheme")
    assert command["keywords"] == ["compost", "composteur"] and command["deadline_days"] == 20
    bad = post("/back-office/dispositifs/greening_permit", {"name": "X", "deadline_days": "trente"})
    assert bad.status_code == 400 and "Un nombre de jours." in html(bad)


def test_the_timeline_partial_for_the_idea_page(app, routing):
    with app.test_request_context(f"/idees/{IDEA_ID}"):
        timeline = idea_timeline(IDEA_ID)
        text = render_template("routing/_idea_timeline.html", routing_timeline=timeline)
    assert "Parcours de l'idée" in text and "Dossier DEVE-2026-000001" in text and "Idée transmise." in text
    assert XSS not in text and "Permis accordé &lt;script&gt;" in text
    routing.fail("idea_timeline", ServiceUnavailable())
    with app.test_request_context(f"/idees/{IDEA_ID}"):
        assert idea_timeline(IDEA_ID) is None
        assert render_template("routing/_idea_timeline.html", routing_timeline=None).strip() == ""
