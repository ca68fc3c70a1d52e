"""The gateway attaches an idempotency key to every ballot, signature, idea and routing decision: the client's
`Idempotency-Key` (400 if malformed), the page's form token, or a fresh one per request; a key reused for another
request answers 422 with the hub's error body; the OpenAPI documents the header on those four operations."""
import re
import uuid

import pytest

from gateway.api import api
from gateway.openapi import build_spec
from gateway.tests.fakes import route_to
from hubkit.errors import IdempotencyKeyReused
from tests.fakes import FakeIdeas
from tests.fakes.recording import RecordingFake

ID = str(uuid.uuid4())
FRESH_KEY = re.compile(r"^[A-Za-z0-9_-]{32}$")
# (method, path, body, service, RPC, where the command is in the call's arguments)
OPERATIONS = {
    "ballot": ("put", f"/api/v1/budget/cycles/{ID}/ballot", {"paris_projects": [ID]}, "budget", "cast_ballots",
               lambda args: args[0]["ballot"]),
    "signature": ("post", f"/api/v1/petitions/{ID}/signatures", {}, "petitions", "sign_petitions",
                  lambda args: args[0]),
    "idea": ("post", "/api/v1/ideas", {"title": "Des fontaines le long du canal", "theme": "environnement",
                                       "description": "Il manque des points d'eau potable sur le quai."},
             "ideas", "submit_idea", lambda args: args[1]),
    "decision": ("post", f"/api/v1/routing/inbox/{ID}/decisions", {"action": "answer", "message": "Merci."},
                 "routing", "decide", lambda args: args[1]),
}


class AnyService(RecordingFake):
    """Answers the ballot, signature and decision with an empty result (the view's schema dumps what there is);
    ideas is the shared fake."""

    def cast_ballots(self, payload):
        return {}

    def sign_petitions(self, payload):
        return {}

    def decide(self, actor, data):
        return {}


@pytest.fixture
def services(accounts, monkeypatch):
    fakes = {service: AnyService() for service in ("budget", "petitions", "routing")}
    fakes["ideas"] = FakeIdeas()
    route_to(monkeypatch, accounts, batched=True, **fakes)
    return fakes


def send(client, bearer, name, key=None):
    method, path, body, *_ = OPERATIONS[name]
    headers = {**bearer("agent", direction="DEVE"), **({"Idempotency-Key": key} if key is not None else {})}
    return getattr(client, method)(path, headers=headers, json=body)


def sent_command(services, name) -> dict:
    *_, service, rpc, command_of = OPERATIONS[name]
    [args] = services[service].args_of(rpc)
    return command_of(args)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_the_client_key_is_passed_on_and_a_request_without_one_gets_a_fresh_one(client, bearer, services, name):
    assert send(client, bearer, name, key="mon-vote_2026").status_code < 300
    assert sent_command(services, name)["idempotency_key"] == "mon-vote_2026"
    services[OPERATIONS[name][3]].calls.clear()
    send(client, bearer, name)
    first = sent_command(services, name)["idempotency_key"]
    services[OPERATIONS[name][3]].calls.clear()
    send(client, bearer, name)
    assert FRESH_KEY.match(first) and sent_command(services, name)["idempotency_key"] != first


@pytest.mark.parametrize("name", sorted(OPERATIONS))
@pytest.mark.parametrize("key", ["", "x" * 65, "deux mots", "clé", "a/b", "k;1"])
def test_a_malformed_key_is_refused_with_the_hub_error_body(client, bearer, services, name, key):
    refused = send(client, bearer, name, key=key)
    assert refused.status_code == 400 and refused.json["error"] == "VALIDATION_ERROR"
    assert "Idempotency-Key" in refused.json["details"]
    assert services[OPERATIONS[name][3]].calls == []  # nothing reached the service


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_a_key_reused_for_another_request_answers_422(client, bearer, services, name):
    *_, service, rpc, _ = OPERATIONS[name]
    services[service].fail(rpc, IdempotencyKeyReused())
    refused = send(client, bearer, name, key="already-used")
    assert refused.status_code == 422 and refused.json["error"] == "IDEMPOTENCY_KEY_REUSED"
    assert "clé d'idempotence" in refused.json["message"]


def test_the_openapi_documents_the_header_and_422_on_the_five_operations(app):
    if "api" not in app.blueprints:
        app.register_blueprint(api)
    paths = build_spec(app)["paths"]
    keyed = {(method, path) for path, operations in paths.items() for method, operation in operations.items()
             if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))}
    assert keyed == {("put", "/api/v1/budget/cycles/{cycle_id}/ballot"),
                     ("post", "/api/v1/petitions/{petition_id}/signatures"), ("post", "/api/v1/ideas"),
                     ("post", "/api/v1/routing/inbox/{idea_id}/decisions"), ("post", "/api/v1/act/dossiers")}
    for method, path in keyed:
        operation = paths[path][method]
        [header] = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
        assert header["in"] == "header" and header["schema"]["pattern"] == "^[A-Za-z0-9_-]{1,64}$"
        assert "422" in operation["responses"]
