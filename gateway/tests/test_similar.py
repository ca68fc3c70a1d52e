"""What already exists anywhere (gateway.similar, GET /api/v1/similar): ideas, budget and petitions asked at the same
time, each with its own deadline; merged by similarity; a source slow, down or refusing costs only its own part."""
import pytest

import gateway.similar
from gateway.tests.fakes import FakeSimilarContent, a_petition, a_project, route_to
from hubkit.errors import InvalidInput, ServiceUnavailable
from hubkit.testing import throttle_fixture
from tests.fakes import FakeIdeas

IDEA_ID = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"
FORWARDED_ID = "9e8d7c6b-5a49-4837-a625-14f3e2d1c0b9"
PROPOSAL_ID = "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d"
XSS = '<script>alert("x")</script>'

throttle = throttle_fixture()


def an_idea(idea_id=IDEA_ID, title="Des fontaines le long du canal", similarity=0.8, **changes) -> dict:
    return {"kind": "idea", "id": idea_id, "title": title, "excerpt": "Il manque des points d'eau.",
            "theme": "environnement", "theme_label": "Environnement", "arrondissement": 10, "status": "submitted",
            "status_label": "Déposée", "author_pseudonym": "Lou", "hidden": False, "supports_count": 5,
            "imported_supports": 0, "comments_count": 0, "created_at": "2026-03-01T09:30:00+00:00",
            "similarity": similarity, "accepts_supports": True, "scheme": None, "scheme_label": None, **changes}


def a_proposal(similarity=0.4) -> dict:
    return {"kind": "proposal", "id": PROPOSAL_ID, "title": "Une fontaine place de la Nation", "excerpt": "…",
            "hidden": False, "consultation_id": "c0", "consultation_title": "Réinventer la Nation",
            "author_pseudonym": "Sam", "supports_count": 2, "comments_count": 0, "imported_supports": 0,
            "created_at": "2026-03-01T09:30:00+00:00", "similarity": similarity, "accepts_supports": True}


@pytest.fixture
def sources(accounts, monkeypatch, app, throttle):
    ideas, budget, petitions = FakeIdeas(), FakeSimilarContent([a_project()]), FakeSimilarContent([a_petition()])
    ideas.similar = [an_idea(), a_proposal(),
                     an_idea(FORWARDED_ID, "Fontaines rue Manin", 0.3, status="forwarded", status_label="Transmise",
                             accepts_supports=False, scheme="budget", scheme_label="Budget participatif")]
    route_to(monkeypatch, accounts, ideas=ideas, budget=budget, petitions=petitions)
    app.extensions["similar_throttle"] = throttle
    return {"ideas": ideas, "budget": budget, "petitions": petitions}


def test_the_three_services_answer_merged_by_similarity(client, sources):
    response = client.get("/api/v1/similar?title=Fontaines%20au%20canal&description=De%20l%27eau&limit=4")
    assert response.status_code == 200, response.json
    answer = response.json
    assert [(item["kind"], item["similarity"]) for item in answer["items"]] == [
        ("idea", 0.8), ("project", 0.7), ("petition", 0.5), ("proposal", 0.4), ("idea", 0.3)]
    assert answer["sources"] == {"ideas": "ok", "budget": "ok", "petitions": "ok"} and answer["partial"] is False
    asked = {"title": "Fontaines au canal", "description": "De l'eau", "limit": 4}
    assert sources["budget"].data_of("similar_content") == [asked]
    assert sources["petitions"].data_of("similar_content") == [asked]
    assert sources["ideas"].data_of("similar_ideas") == [{"title": "Fontaines au canal", "description": "De l'eau"}]
    idea, project, petition, proposal, forwarded = answer["items"]
    assert idea["url"] == f"/idees/{IDEA_ID}" and idea["actions"] == ["support", "follow"]
    assert forwarded["actions"] == ["follow"] and forwarded["accepts_supports"] is False
    assert forwarded["scheme_label"] == "Budget participatif"
    sent = {key: value for key, value in a_project().items() if key != "cycle_id"}  # the page's link says enough
    assert project == {**sent, "url": f"/budget-participatif/projets/{project['id']}"}
    assert petition["url"] == f"/petitions/{petition['id']}" and petition["actions"] == ["sign", "follow"]
    assert petition["arrondissement"] is None and petition["signatures_count"] == 1234
    assert proposal["url"] == f"/consultations/propositions/{PROPOSAL_ID}" and proposal["actions"] == ["support"]


def test_at_most_limit_of_each_kind_best_first(client, sources):
    sources["budget"].items = [a_project(f"5b1e0f6a-2c3d-4e5f-8a9b-0c1d2e3f4a0{n}", similarity=0.1 * n)
                               for n in range(1, 6)]
    answer = client.get("/api/v1/similar?title=Fontaines&limit=2").json
    projects = [item["similarity"] for item in answer["items"] if item["kind"] == "project"]
    ideas = [item for item in answer["items"] if item["kind"] == "idea"]
    assert projects == [0.5, 0.4] and len(ideas) == 2


def test_a_slow_source_is_cut_at_its_deadline_and_the_others_still_answer(client, sources, monkeypatch):
    monkeypatch.setattr(gateway.similar, "SOURCE_SECONDS", 0.2)
    sources["budget"].delay = 3  # would answer, much later than its deadline
    answer = client.get("/api/v1/similar?title=Fontaines").json
    assert answer["sources"] == {"ideas": "ok", "budget": "timeout", "petitions": "ok"} and answer["partial"] is True
    assert {item["kind"] for item in answer["items"]} == {"idea", "proposal", "petition"}


def test_calls_past_the_process_s_share_of_the_rpc_pool_wait_within_their_deadline(client, sources, monkeypatch):
    from eventlet.semaphore import Semaphore
    monkeypatch.setattr(gateway.similar, "SOURCE_SECONDS", 0.2)
    monkeypatch.setattr(gateway.similar, "_places", Semaphore(0))  # every place taken by other requests
    answer = client.get("/api/v1/similar?title=Fontaines").json
    assert answer["sources"] == {"ideas": "timeout", "budget": "timeout", "petitions": "timeout"}
    assert answer["items"] == [] and answer["partial"] is True
    assert not sources["budget"].calls and not sources["petitions"].calls
    monkeypatch.setattr(gateway.similar, "_places", Semaphore(1))  # one at a time: each waits its turn
    answer = client.get("/api/v1/similar?title=Fontaines").json
    assert answer["sources"] == {"ideas": "ok", "budget": "ok", "petitions": "ok"}
    assert gateway.similar._places.balance == 1  # every place given back


def test_a_source_down_or_refusing_is_said_and_never_an_error_of_the_caller(client, sources):
    sources["petitions"].down = ServiceUnavailable()
    sources["ideas"].fail("similar_ideas", InvalidInput(details={"title": ["Trop court."]}))
    response = client.get("/api/v1/similar?title=Fontaines")
    assert response.status_code == 200
    assert response.json["sources"] == {"ideas": "error", "budget": "ok", "petitions": "unavailable"}
    assert [item["kind"] for item in response.json["items"]] == ["project"]


def test_each_source_s_outcome_is_counted_for_ops(client, sources):
    """A source left out of the panel is no error of the caller's: only hub_similar_sources_total tells ops (the
    HubSimilarSourceFailing alert). Ideas already in hand (staff pages) are not asked, so not counted."""
    from prometheus_client import REGISTRY

    def counted(source, outcome):
        return REGISTRY.get_sample_value("hub_similar_sources_total", {"source": source, "outcome": outcome})
    before = {(source, outcome): counted(source, outcome) for source in gateway.similar.SOURCES
              for outcome in ("ok", "timeout", "unavailable", "error")}
    assert None not in before.values()  # every series exists at 0 from the start
    sources["petitions"].down = ServiceUnavailable()
    sources["budget"].fail("similar_content", RuntimeError("boom"))
    assert client.get("/api/v1/similar?title=Fontaines").status_code == 200
    changed = {key: counted(*key) - value for key, value in before.items() if counted(*key) != value}
    assert changed == {("ideas", "ok"): 1, ("budget", "error"): 1, ("petitions", "unavailable"): 1}
    with client.application.test_request_context():
        gateway.similar.across_schemes("Fontaines", known_ideas=[])
    assert counted("ideas", "ok") == before["ideas", "ok"] + 1


def test_a_source_that_crashes_is_an_error_of_that_source_only(client, sources):
    sources["budget"].fail("similar_content", RuntimeError("boom"))
    response = client.get("/api/v1/similar?title=Fontaines")
    assert response.status_code == 200 and response.json["sources"]["budget"] == "error"


@pytest.mark.parametrize("query, field", [
    ("", "title"), ("title=ab", "title"), ("title=" + "a" * 201, "title"), ("title=%21%21%21%3F", "title"),
    ("title=Fontaines%00canal", "title"), ("title=Fontaines&description=" + "d" * 401, "description"),
    ("title=Fontaines&limit=0", "limit"), ("title=Fontaines&limit=11", "limit"), ("title=Fontaines&limit=abc", "limit"),
])
def test_bad_input_is_a_400_with_the_field_and_asks_no_service(client, sources, query, field):
    response = client.get(f"/api/v1/similar?{query}")
    assert response.status_code == 400 and response.json["error"] == "VALIDATION_ERROR", response.json
    assert field in response.json["details"]
    assert all(not fake.calls for fake in sources.values())


@pytest.mark.parametrize("title", ["' OR 1=1 --", "100% _vert_ \\", '"phrase non fermée', "végé* NEAR(a b) -x",
                                   "rue\u0301 \u202e\ufeff ﬁn 𝔣ontaines", "a" * 200])
def test_text_with_query_syntax_or_odd_unicode_is_only_text(client, sources, title):
    response = client.get("/api/v1/similar", query_string={"title": title})
    assert response.status_code == 200
    assert sources["budget"].data_of("similar_content")[0]["title"] == title
    assert len(sources["ideas"].data_of("similar_ideas")[0]["title"]) <= 140  # ideas' own bound


def test_the_api_is_rate_limited_per_client_address(client, sources, monkeypatch):
    monkeypatch.setattr("gateway.api.similar.PER_MINUTE", 2)
    assert [client.get("/api/v1/similar?title=Fontaines").status_code for _ in range(2)] == [200, 200]
    refused = client.get("/api/v1/similar?title=Fontaines")
    assert refused.status_code == 429 and refused.json["error"] == "RATE_LIMITED"
    assert int(refused.headers["Retry-After"]) >= 1
    assert len(sources["budget"].calls) == 2


def test_the_openapi_documents_the_route_its_query_and_its_answer(client):
    document = client.get("/api/v1/openapi.json").json
    operation = document["paths"]["/api/v1/similar"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} == {"title", "description", "limit"}
    assert set(operation["responses"]) >= {"200", "400", "429", "503"}
    item = document["components"]["schemas"]["SimilarContentItem"]["properties"]
    assert item["kind"]["enum"] == ["idea", "proposal", "project", "petition"]
    assert set(document["components"]["schemas"]["SimilarContent"]["properties"]) == {"items", "sources", "partial"}


def test_an_item_without_a_known_kind_or_id_is_dropped():
    assert gateway.similar.shape({"kind": "ballot", "id": "x"}) is None
    assert gateway.similar.shape({"kind": "project", "id": ""}) is None


def test_actions_a_service_names_outside_its_kind_are_dropped(app):
    with app.test_request_context():
        shaped = gateway.similar.shape(a_project(actions=["vote", "sign", "delete"], arrondissement="19"))
    assert shaped["actions"] == ["vote"] and shaped["arrondissement"] is None
