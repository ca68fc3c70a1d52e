"""The OpenAPI document describes every /api/v1 route, with the one error body shape, the formats of its path
parameters, every status an operation can answer, and a schema for every JSON body it sends."""
import re

import pytest
import requests

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def document(platform):
    response = requests.get(f"{platform.url}/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_it_is_an_openapi_3_document(document):
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] and document["paths"]
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}


def test_every_api_route_is_documented(platform, document):
    from gateway.app import create_app
    from gateway.config import Settings
    app = create_app(Settings(secret_key="x", environment="test"))
    documented = {(path, method) for path, operations in document["paths"].items() for method in operations}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule.endswith("openapi.json"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)  # converters are not in the document
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, f"{method} {rule.rule} is not documented"


def test_request_bodies_come_from_the_schemas(document):
    register = document["paths"]["/api/v1/accounts"]["post"]
    schema_ref = register["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][schema_ref.rsplit("/", 1)[-1]]
    assert set(schema["required"]) == {"email", "password", "pseudonym"}
    assert schema["properties"]["email"]["maxLength"] == 254


def test_errors_share_one_shape(document):
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"error", "message", "details"}
    me = document["paths"]["/api/v1/me"]["get"]
    assert me["responses"]["401"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    assert me["security"] == [{"bearer": []}]


def test_validation_errors_use_that_shape_with_field_messages(platform):
    response = requests.post(f"{platform.url}/api/v1/accounts",
                             json={"email": "x" * 300, "password": 12, "pseudonym": "Camille", "role": "admin"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "VALIDATION_ERROR" and set(body) == {"error", "message", "details"}
    assert set(body["details"]) == {"email", "password", "role"}


@pytest.mark.parametrize("payload", ["not json", "[1, 2]", "null"])
def test_a_body_that_is_not_a_json_object_is_a_400(platform, payload):
    response = requests.post(f"{platform.url}/api/v1/accounts", data=payload,
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"] == "VALIDATION_ERROR"


def test_unknown_routes_and_methods_use_that_shape(platform):
    missing = requests.get(f"{platform.url}/api/v1/nope")
    assert missing.status_code == 404 and missing.json()["error"] == "NOT_FOUND"
    wrong = requests.put(f"{platform.url}/api/v1/accounts", json={})
    assert wrong.status_code == 405 and wrong.json()["error"] == "METHOD_NOT_ALLOWED"


def operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


# The identifiers every service loads as UUIDs (gateway.openapi.PATH_PARAMETERS)
UUID_PARAMETERS = {"account_id", "session_id", "idea_id", "consultation_id", "proposal_id", "amendment_id",
                   "petition_id", "cycle_id", "project_id", "decision_id"}


def test_path_parameters_carry_their_formats(document):
    for path, method, operation in operations(document):
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "path" and parameter["name"] in UUID_PARAMETERS:
                assert parameter["schema"].get("format") == "uuid", f"{method} {path}: {parameter['name']}"
            if parameter.get("in") == "path" and parameter["name"] in ("section_id", "comment_id"):
                assert parameter["schema"]["type"] == "integer", f"{method} {path}: {parameter['name']}"


def test_every_status_an_operation_can_answer_is_documented(document):
    for path, method, operation in operations(document):
        statuses = set(operation["responses"])
        where = f"{method.upper()} {path}"
        assert {"414", "431", "503"} <= statuses, where  # the edge's limits and a service down: any request
        if "requestBody" in operation:
            assert {"400", "413"} <= statuses, where
        if operation.get("parameters"):
            assert "400" in statuses, where
        if operation.get("security"):
            assert {"400", "401"} <= statuses, where


def test_every_body_sent_is_declared(document):
    """JSON with its schema; a file (CSV, text, XML) with its media type (`endpoint(produces=...)`)."""
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            if status != "204":
                assert response.get("content"), f"{method.upper()} {path} {status}"
                if "application/json" in response["content"]:
                    assert response["content"]["application/json"].get("schema"), f"{method.upper()} {path}"


ISO_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


def date_times(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from date_times(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from date_times(item, f"{path}[{index}]")
    elif isinstance(value, str) and ISO_DATE_TIME.match(value):
        yield path, value


def test_date_times_on_the_wire_carry_their_offset(platform, mail_link):
    from tests.e2e.people import citizen
    api = f"{platform.url}/api/v1"
    person = citizen(platform, mail_link, "Horodatage")
    idea = requests.post(f"{api}/ideas", headers=person.headers, json={
        "title": "Des horloges publiques à l'heure", "theme": "cadre_de_vie",
        "description": "Chaque horloge publique du quartier affiche une heure différente."})
    assert idea.status_code == 201, idea.text
    seen = 0
    for path in ("/me", "/me/sessions", f"/ideas/{idea.json()['id']}", "/ideas", "/consultations", "/petitions",
                 "/budget/cycles"):
        response = requests.get(f"{api}{path}", headers=person.headers)
        assert response.status_code == 200, f"{path}: {response.text}"
        for where, value in date_times(response.json()):
            assert OFFSET.search(value), f"{path}: {where} = {value!r} has no timezone"
            seen += 1
    assert seen >= 5  # the account, its session, the idea and its history at least


def test_an_identifier_that_is_not_a_uuid_is_a_400_at_the_edge(platform):
    response = requests.get(f"{platform.url}/api/v1/ideas/not-a-uuid")
    assert response.status_code == 400 and set(response.json()["details"]) == {"idea_id"}
