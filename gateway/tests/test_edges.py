"""The gateway's edges against a hostile client (issue 12, section 5): deep JSON, huge offsets, bearer tokens of
any shape, unsupported methods, oversized requests through the error table; and the client's address behind
trusted proxies (section 4). Fake services stand behind `remote.call` and record what reached them."""
import json
import re

import pytest
from werkzeug.exceptions import RequestHeaderFieldsTooLarge, RequestURITooLarge

from gateway.app import create_app
from gateway.config import Settings
from gateway.safe_json import MAX_JSON_DEPTH, check_depth, json_depth
from gateway.tests.conftest import ACCOUNT_ID, SESSION_ID
from gateway.tests.fakes import RecordingFake, route_to
from hubkit.errors import InvalidInput

ALL_ROLES = ("agent", "moderator", "admin")
SOME_ID = "3f1e2d4c-5b6a-4789-8a0b-1c2d3e4f5a6b"
ERROR_KEYS = {"error", "message", "details"}


class AnyService(RecordingFake):
    """Whatever the route calls: recorded, answered with an empty page (a test fails if a call gets through)."""

    def __getattr__(self, method):
        if method.startswith("__"):
            raise AttributeError(method)
        return lambda *args: {"items": [], "total": 0}


@pytest.fixture
def services(monkeypatch, accounts):
    fake = AnyService()
    names = ("budget", "petitions", "ideas", "consultations", "routing")
    route_to(monkeypatch, accounts, batched=True, **{name: fake for name in names})
    return fake


def api_rules(app, kind: str):
    """(rule, methods) of every API view declaring a body or query schema (`kind`): new routes are included."""
    for rule in app.url_map.iter_rules():
        meta = getattr(app.view_functions[rule.endpoint], "openapi", None)
        if rule.rule.startswith("/api/") and meta is not None and meta[kind] is not None:
            yield rule, meta


def concrete_path(rule) -> str:
    return re.sub(r"<(?:([a-z]+):)?[a-z_]+>", lambda match: "1" if match.group(1) == "int" else SOME_ID, rule.rule)


def assert_error_body(response, status: int, code: str = None):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == ERROR_KEYS and body["message"]
    if code:
        assert body["error"] == code


# --- JSON nested too deep ------------------------------------------------------------------------------------------

def test_json_depth_counts_arrays_and_objects_but_not_brackets_in_strings():
    assert json_depth(b'{"a": [1, {"b": []}]}') == 4
    assert json_depth(b'{"a": "[[[[[[{{{{"}') == 1
    assert json_depth(b'["\\"[[[[", [[]]]') == 3  # an escaped quote does not end the string
    check_depth("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    with pytest.raises(InvalidInput) as refused:
        check_depth("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    assert refused.value.code == "JSON_TOO_DEEP"


def test_a_deeply_nested_body_is_a_400_on_every_json_route_and_reaches_no_service(client, app, bearer, services):
    headers = bearer(*ALL_ROLES)
    arrays, objects = "[" * 1000 + "]" * 1000, '{"a":' * 1000 + "1" + "}" * 1000
    rules = list(api_rules(app, "body"))
    assert len(rules) > 20
    for rule, _ in rules:
        method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        for document in (arrays, objects):
            response = client.open(concrete_path(rule), method=method, data=document, headers=headers,
                                   content_type="application/json")
            assert_error_body(response, 400, "JSON_TOO_DEEP")
    assert services.calls == []


def test_a_deep_body_on_an_anonymous_route_is_a_400_too(client, accounts):
    response = client.post("/api/v1/auth/tokens", data="[" * 5000, content_type="application/json")
    assert_error_body(response, 400, "JSON_TOO_DEEP")
    assert accounts.args_of("login") == []


# --- offsets and limits past the databases' integers ------------------------------------------------------------

@pytest.mark.parametrize("value", ["9223372036854775808", "1000001", "-1", "1e3", "²"])
def test_every_paged_list_refuses_an_offset_out_of_bounds_with_a_400(client, app, bearer, services, value):
    headers = bearer(*ALL_ROLES)
    rules = [(rule, meta) for rule, meta in api_rules(app, "query") if "offset" in meta["query"]().fields]
    paths = {concrete_path(rule) for rule, _ in rules}
    assert {"/api/v1/budget/projects", f"/api/v1/budget/cycles/{SOME_ID}/projects", "/api/v1/petitions",
            "/api/v1/consultations", "/api/v1/accounts"} <= paths
    for path in paths:
        response = client.get(path, query_string={"offset": value}, headers=headers)
        assert_error_body(response, 400, "VALIDATION_ERROR")
        assert "offset" in response.get_json()["details"]
    assert services.calls == []


def test_a_huge_limit_is_a_400_too_and_a_fair_offset_still_lists(client, services):
    response = client.get("/api/v1/budget/projects", query_string={"limit": 2**63})
    assert_error_body(response, 400, "VALIDATION_ERROR")
    assert client.get("/api/v1/budget/projects", query_string={"offset": 1_000_000}).status_code == 200


# --- bearer tokens and 401 ---------------------------------------------------------------------------------------

def test_a_401_of_the_api_carries_a_bearer_challenge(client):
    response = client.get("/api/v1/me")
    assert_error_body(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="hub"'


@pytest.mark.parametrize("token", ["x" * 5000, "é" * 43, "Ã©" * 30, "abc def ghi jkl mno pqr", "short-token",
                                   "A" * 16 + "=" * 500, "a" * 20 + "\ta" * 10, "<script>alert(1)</script>-long"])
def test_a_malformed_bearer_token_of_any_length_is_a_401_and_never_reaches_the_service(client, accounts, token):
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert_error_body(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="hub", error="invalid_token"'
    assert accounts.args_of("resolve_session") == []


def test_an_unknown_well_formed_token_is_a_401_after_the_service_said_so(client, accounts):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer " + "k" * 43})
    assert_error_body(response, 401)
    assert "invalid_token" in response.headers["WWW-Authenticate"]
    assert accounts.args_of("resolve_session") == [({"token": "k" * 43},)]


def test_a_valid_token_still_signs_in(client, bearer):
    assert client.get("/api/v1/me", headers=bearer()).status_code == 200


# --- methods ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["TRACE", "PATCH", "BREW", "DELETE"])
def test_an_unsupported_method_is_a_405_with_allow_and_the_usual_body(client, services, method):
    response = client.open("/api/v1/budget/projects", method=method)
    assert_error_body(response, 405, "METHOD_NOT_ALLOWED")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    page = client.open("/", method="TRACE", headers={"Accept": "text/html"})
    assert page.status_code == 405 and "GET" in page.headers["Allow"]
    assert services.calls == []


# --- 414 and 431 raised by werkzeug (behind another server) ---------------------------------------------------------

@pytest.mark.parametrize("error, status, code", [(RequestURITooLarge, 414, "URI_TOO_LONG"),
                                                 (RequestHeaderFieldsTooLarge, 431, "HEADERS_TOO_LARGE")])
def test_werkzeug_s_414_and_431_go_through_the_error_table(app, client, error, status, code):
    def refuse():
        raise error()
    app.add_url_rule("/api/v1/refuse-for-the-test", "refuse_for_the_test", refuse)
    assert_error_body(client.get("/api/v1/refuse-for-the-test"), status, code)


# --- the client's address behind proxies ----------------------------------------------------------------------------

def login_ip(client, accounts, **headers) -> str:
    client.post("/api/v1/auth/tokens", json={"email": "camille@example.fr", "password": "x"}, headers=headers)
    return accounts.args_of("login")[-1][0]["client"]["ip"]


def app_behind(proxies: int):
    application = create_app(Settings(secret_key="test", environment="test", trusted_proxies=proxies))
    application.config["TESTING"] = True
    return application


def test_without_trusted_proxies_a_forwarded_for_header_is_ignored(accounts):
    client = app_behind(0).test_client()
    assert login_ip(client, accounts) == "127.0.0.1"
    assert login_ip(client, accounts, **{"X-Forwarded-For": "203.0.113.9"}) == "127.0.0.1"


def test_with_one_trusted_proxy_the_address_it_saw_counts_and_nothing_before_it(accounts):
    client = app_behind(1).test_client()
    assert login_ip(client, accounts, **{"X-Forwarded-For": "203.0.113.9"}) == "203.0.113.9"
    # the client wrote the first entry itself; the proxy appended what it saw
    assert login_ip(client, accounts, **{"X-Forwarded-For": "6.6.6.6, 203.0.113.9"}) == "203.0.113.9"
    assert login_ip(client, accounts) == "127.0.0.1"  # a request that did not come through the proxy


def test_with_two_trusted_proxies_the_second_entry_from_the_right_counts(accounts):
    client = app_behind(2).test_client()
    assert login_ip(client, accounts, **{"X-Forwarded-For": "6.6.6.6, 198.51.100.4, 10.0.0.2"}) == "198.51.100.4"


def test_the_signing_path_reads_the_same_address(monkeypatch, accounts):
    petitions = AnyService()
    route_to(monkeypatch, accounts, batched=True, petitions=petitions)
    client = app_behind(1).test_client()
    accounts.sign_in(ACCOUNT_ID, "t" * 43, session_id=SESSION_ID)
    client.post(f"/api/v1/petitions/{SOME_ID}/signatures", json={}, headers={
        "Authorization": "Bearer " + "t" * 43, "X-Forwarded-For": "6.6.6.6, 203.0.113.9"})
    sent = json.dumps(petitions.calls)
    assert "203.0.113.9" in sent and "6.6.6.6" not in sent
