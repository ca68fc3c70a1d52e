"""« Agir »: the home page's two doors, the action schemes, a scheme's form opening a dossier through routing, the
dossier's confirmation; refusals (hostile input, who may not ask, unknown schemes, another's dossier) are clear and
send nothing more. A fake routing service (answering in routing's schemas' shapes) behind `gateway.remote.call`."""
import re
from html import unescape

import pytest

from gateway.tests.fakes import RecordingFake, answers, route_to
from hubkit.errors import InvalidInput, NotFound, PermissionDenied
from routing.schemas import actions as routing_schemas

REFERENCE = "DEVE-2026-000042"
WHEN = "2026-03-02T09:30:00+00:00"
ACTOR_FORGED = "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99"  # another account's id, as a lying client sends it
XSS = '<script>alert("agir")</script>'
GREENING = {
    "code": "greening_permit", "name": "Permis de végétaliser", "direction": "DEVE", "deadline_days": 30,
    "description": "Végétaliser un pied d'arbre, installer une jardinière sur l'espace public.",
    "eligibility": "paris_residents", "eligibility_label": "Les personnes qui habitent à Paris",
    "who_may_ask": "Les habitantes et habitants de Paris qui s'engagent à entretenir leurs plantations.",
    "fields": [
        {"code": "support", "key": "fields.support", "label": "Ce que vous souhaitez végétaliser", "kind": "choice",
         "required": True, "choices": [{"code": "tree_pit", "label": "Un pied d'arbre"},
                                       {"code": "planter", "label": "Une jardinière ou un bac"}]},
        {"code": "upkeep", "key": "fields.upkeep", "label": "Je m'engage à entretenir les plantations",
         "kind": "consent", "required": True, "choices": []}]}


def a_dossier(**changes) -> dict:
    dossier = {"reference": REFERENCE, "scheme": "greening_permit", "scheme_name": "Permis de végétaliser",
               "delivery": "webhook", "status": "sent", "status_label": "En cours de transmission", "answer": None,
               "answer_status": None, "created_at": WHEN, "delivered_at": None, "answered_at": None,
               "subject_kind": "direct_request", "idea_id": None, "title": f"Jardinière {XSS}",
               "description": "Une jardinière de fleurs devant l'école.", "arrondissement": 19,
               "location": "Devant l'école", "trace": [
                   {"event_id": "e1", "type": "dossier_created", "service": "routing",
                    "actor_role": "citizen", "occurred_at": WHEN,
                    "summary": f"Demande faite par « Agir » : dossier {REFERENCE} ouvert auprès de « Permis de "
                               "végétaliser »."}]}
    return {**dossier, **changes}


class FakeActionDoor(RecordingFake):
    """routing as « Agir » calls it: its action schemes, the dossier a request opens, a person's dossiers."""

    def __init__(self):
        super().__init__()
        self.dossier = a_dossier()

    @answers
    def action_schemes(self):
        return [GREENING]

    @answers
    def action_scheme(self, data):
        if data["code"] != "greening_permit":
            raise NotFound("Aucun dispositif d'action n'a ce code.", code="ACTION_SCHEME_NOT_FOUND")
        return GREENING

    @answers
    def open_dossier(self, actor, data):
        return self.dossier

    @answers
    def my_dossiers(self, actor, data):
        return [{key: value for key, value in self.dossier.items() if key != "trace"}]

    @answers
    def my_dossier(self, actor, data):
        if data["reference"] != REFERENCE:
            raise NotFound("Aucun dossier à votre nom n'a cette référence.", code="DOSSIER_NOT_FOUND")
        return self.dossier


@pytest.fixture
def routing(accounts, monkeypatch):
    fake = FakeActionDoor()
    route_to(monkeypatch, accounts, batched=True, routing=fake)
    return fake


def text_of(response) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def request_form(**changes) -> dict:
    return {"title": "Jardinière devant l'école", "description": "Une jardinière de fleurs devant l'école.",
            "arrondissement": "19", "location": "Devant l'école", "fields.support": "planter", "fields.upkeep": "on",
            "idempotency_key": "Jeton-du-formulaire-0123456789abcdef", **changes}


def test_the_fake_answers_in_routing_s_shapes(routing):
    def fields_of(schema) -> set:
        return {field.data_key or name for name, field in schema.fields.items()}
    assert set(GREENING) == fields_of(routing_schemas.ActionSchemeSchema())
    assert set(GREENING["fields"][0]) == fields_of(routing_schemas.RequestFieldSchema())
    assert set(a_dossier()) <= fields_of(routing_schemas.PersonDossierSchema())
    assert set(a_dossier()["trace"][0]) == fields_of(routing_schemas.PersonDossierSchema().fields["trace"].inner.schema)


def test_the_home_page_has_the_two_doors(client, routing):
    page = client.get("/").get_data(as_text=True)
    participate = re.search(r'<li class="card[^"]*" id="porte-participer">.*?</li>', page, re.S).group(0)
    act = re.search(r'<li class="card[^"]*" id="porte-agir">.*?</li>', page, re.S).group(0)
    assert ">Participer</a>" in participate and 'href="/agir"' in act and ">Agir</a>" in act
    assert page.index('id="porte-participer"') < page.index('id="porte-agir"') < page.index('id="offre-idees"')


def test_agir_lists_the_action_schemes_with_who_may_ask(client, routing):
    response = client.get("/agir")
    text = text_of(response)
    assert response.status_code == 200 and "Permis de végétaliser" in text
    assert "Qui peut demander : Les habitantes et habitants de Paris" in " ".join(text.split())
    assert 'href="/agir/greening_permit"' in response.get_data(as_text=True)
    assert "Vos demandes" not in text and routing.args_of("my_dossiers") == []  # a visitor has none


def test_a_visitor_reads_a_scheme_and_is_asked_to_sign_in_to_ask(client, routing):
    response = client.get("/agir/greening_permit")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Faire une demande" in page and "<form class=\"form act-form\"" not in page
    assert "connectez-vous" in page
    response = client.post("/agir/greening_permit", data=request_form())
    assert response.status_code in (302, 400, 403) and routing.args_of("open_dossier") == []


def test_the_form_shows_the_scheme_s_own_fields_accessibly(client, routing, sign_in):
    sign_in()
    page = client.get("/agir/greening_permit").get_data(as_text=True)
    assert '<fieldset class="fieldset" id="demande-fields.support">' in page
    assert '<legend>Ce que vous souhaitez végétaliser</legend>' in page
    assert 'type="radio" id="demande-fields.support-planter" name="fields.support" value="planter"' in page
    assert 'name="fields.upkeep" type="checkbox"' in page and 'name="idempotency_key"' in page
    for label in ("Objet de la demande", "Description", "Arrondissement", "Lieu précis"):
        assert label in page


def test_a_signed_in_citizen_opens_a_dossier_and_sees_its_reference_and_state(client, routing, sign_in, post):
    sign_in()
    response = post("/agir/greening_permit", request_form())
    assert response.status_code == 302 and response.headers["Location"] == f"/agir/dossiers/{REFERENCE}"
    [(actor, command)] = routing.args_of("open_dossier")
    assert actor["account_id"] == "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11"
    assert command == {"scheme": "greening_permit", "title": "Jardinière devant l'école",
                       "description": "Une jardinière de fleurs devant l'école.", "arrondissement": 19,
                       "location": "Devant l'école", "idempotency_key": "Jeton-du-formulaire-0123456789abcdef",
                       "fields": {"support": "planter", "upkeep": True}}
    confirmation = client.get(response.headers["Location"])
    page, text = confirmation.get_data(as_text=True), text_of(confirmation)
    assert confirmation.status_code == 200 and f"Dossier {REFERENCE}" in text
    assert "En cours de transmission" in text and "ouvert auprès de « Permis de végétaliser »" in text
    assert XSS not in page and "&lt;script&gt;" in page  # what the citizen typed is shown, escaped
    listed = text_of(client.get("/agir"))
    assert "Vos demandes" in listed and REFERENCE in listed


def test_hostile_input_is_shown_next_to_its_fields_with_the_values_kept(client, routing, sign_in, post):
    sign_in()
    routing.fail("open_dossier", InvalidInput(details={
        "title": ["Donnez un titre d'au moins 5 caractères."],
        "fields.support": ["Choisissez l'une des propositions : tree_pit, planter."]}))
    response = post("/agir/greening_permit", request_form(title="ab", **{"fields.support": "rooftop"}))
    page, text = response.get_data(as_text=True), text_of(response)
    assert response.status_code == 400 and "La demande n'a pas été envoyée" in text
    assert "Donnez un titre d'au moins 5 caractères." in text and "Choisissez l'une des propositions" in text
    assert 'href="#demande-fields.support"' in page and 'value="ab"' in page


def test_a_non_number_arrondissement_reaches_routing_as_typed_and_is_refused_there(client, routing, sign_in, post):
    sign_in()
    post("/agir/greening_permit", request_form(arrondissement="dix-neuf"))
    [(_, command)] = routing.args_of("open_dossier")
    assert command["arrondissement"] == "dix-neuf"  # routing's schema refuses it (« Doit être un nombre entier. »)


@pytest.mark.parametrize("code, link", [("NOT_ELIGIBLE", "/mon-compte"),
                                        ("EMAIL_NOT_VERIFIED", "/compte/verification/renvoyer")])
def test_who_may_not_ask_is_told_why_and_what_to_do(client, routing, sign_in, post, code, link):
    sign_in()
    routing.fail("open_dossier", PermissionDenied("Ce dispositif est réservé aux personnes qui habitent à Paris.",
                                                  code=code))
    response = post("/agir/greening_permit", request_form())
    assert response.status_code == 403 and "réservé aux personnes qui habitent à Paris" in text_of(response)
    assert f'href="{link}' in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/agir/budget", "/agir/NOPE", "/agir/" + "a" * 60, "/agir/%3Cscript%3E"])
def test_an_unknown_or_non_action_scheme_is_not_found(client, routing, sign_in, post, path):
    assert client.get(path).status_code == 404
    sign_in()
    assert post(path, request_form()).status_code == 404
    assert routing.args_of("open_dossier") == []


@pytest.mark.parametrize("reference", ["DEVE-2026-999999", "not-a-reference", "DEVE-2026-1' OR '1'='1"])
def test_another_s_or_a_forged_dossier_reference_is_not_found(client, routing, sign_in, reference):
    sign_in()
    assert client.get(f"/agir/dossiers/{reference}").status_code == 404


def test_a_dossier_page_needs_a_signed_in_person(client, routing):
    response = client.get(f"/agir/dossiers/{REFERENCE}")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    assert routing.args_of("my_dossier") == []


# --- the same on /api/v1 ---------------------------------------------------------------------------------

API_REQUEST = {"scheme": "greening_permit", "title": "Jardinière devant l'école",
               "description": "Une jardinière de fleurs devant l'école.", "arrondissement": 19,
               "location": "Devant l'école", "fields": {"support": "planter", "upkeep": True}}


def test_the_api_lists_the_action_schemes_to_anyone(client, routing):
    answer = client.get("/api/v1/act/schemes")
    assert answer.status_code == 200 and answer.json[0]["fields"][1]["kind"] == "consent"
    assert client.get("/api/v1/act/schemes/budget").status_code == 404


def test_the_api_opens_a_dossier_for_the_bearer_with_their_key(client, routing, bearer):
    answer = client.post("/api/v1/act/dossiers", json=API_REQUEST,
                         headers={**bearer(), "Idempotency-Key": "cle-de-la-demande-0001"})
    assert answer.status_code == 201 and answer.json["reference"] == REFERENCE
    assert answer.json["trace"][0]["type"] == "dossier_created" and "last_error" not in answer.json
    [(actor, command)] = routing.args_of("open_dossier")
    assert actor["account_id"] == "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11"  # the bearer, whatever the body says
    assert command == {**API_REQUEST, "idempotency_key": "cle-de-la-demande-0001"}
    listed = client.get("/api/v1/act/dossiers", headers=bearer())
    assert listed.status_code == 200 and [d["reference"] for d in listed.json] == [REFERENCE]
    assert "trace" not in listed.json[0]


@pytest.mark.parametrize("changes, field", [
    ({"arrondissement": 21}, "arrondissement"), ({"arrondissement": "19"}, "arrondissement"),
    ({"title": "    "}, "title"), ({"description": "x" * 4001}, "description"),
    ({"fields": {f"champ{n}": "x" for n in range(21)}}, "fields"), ({"requester_id": ACTOR_FORGED}, "requester_id"),
])
def test_the_api_refuses_hostile_input_before_routing(client, routing, bearer, changes, field):
    answer = client.post("/api/v1/act/dossiers", json={**API_REQUEST, **changes}, headers=bearer())
    assert answer.status_code == 400 and field in answer.json["details"]
    assert routing.args_of("open_dossier") == []


def test_the_api_needs_a_bearer_and_hides_another_s_dossier(client, routing, bearer):
    assert client.post("/api/v1/act/dossiers", json=API_REQUEST).status_code == 401
    assert client.get("/api/v1/act/dossiers").status_code == 401
    assert routing.calls == []
    assert client.get("/api/v1/act/dossiers/DEVE-2026-999999", headers=bearer()).status_code == 404
