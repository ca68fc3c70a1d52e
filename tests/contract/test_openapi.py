"""The OpenAPI document describes every /api/v1 route, with the one error body shape."""
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
        path = rule.rule.replace("<", "{").replace(">", "}")
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
                             json={"email": "x" * 300, "password": 12, "pseudonym": "Ok", "role": "admin"})
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
