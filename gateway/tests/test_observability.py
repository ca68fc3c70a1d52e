"""Request ids and metrics on every response, whatever the shape of its body."""
import pytest
from flask import Flask, jsonify, redirect
from prometheus_client import REGISTRY


def test_every_response_carries_a_request_id_a_client_can_choose(client):
    assert client.get("/healthz", headers={"X-Request-ID": "req-abc.1"}).headers["X-Request-ID"] == "req-abc.1"
    assert len(client.get("/healthz", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"]) == 32


def errors_counted(code: str) -> float:
    return REGISTRY.get_sample_value("hub_http_errors_total", {"code": code}) or 0.0


@pytest.fixture
def shaped(app):
    """Routes answering errors of every shape the gateway sends."""
    @app.get("/open311-like-error")
    def list_error():  # Open311 GeoReport errors are JSON lists, not the hub's error body
        return jsonify([{"code": 404, "description": "service not found"}]), 404

    @app.get("/service-error")
    def service_error():  # a service's own code, passed on in the hub's error body
        return jsonify({"error": "ALREADY_SIGNED", "message": "Déjà signée.", "details": {}}), 409

    @app.get("/odd-error")
    def odd_error():  # a body whose `error` is not a code: never a label of its own
        return jsonify({"error": "Paul Dupont <paul@exemple.fr>"}), 400

    @app.get("/moved")
    def moved():
        return redirect("/healthz")
    return app.test_client()


@pytest.mark.parametrize("path, headers, status, code", [
    ("/open311-like-error", {}, 404, "NOT_FOUND"),
    ("/service-error", {}, 409, "ALREADY_SIGNED"),
    ("/odd-error", {}, 400, "BAD_REQUEST"),
    ("/no-such-page", {"Accept": "text/html"}, 404, "NOT_FOUND"),  # the French HTML page
    ("/api/v1/no-such-resource", {}, 404, "NOT_FOUND"),
])
def test_an_error_is_counted_by_its_name_whatever_the_shape_of_its_body(shaped, path, headers, status, code):
    before = errors_counted(code)
    assert shaped.get(path, headers=headers).status_code == status
    assert errors_counted(code) == before + 1


def test_error_labels_are_names_never_statuses_nor_body_text(shaped):
    for path in ("/open311-like-error", "/service-error", "/odd-error", "/no-such-page", "/moved"):
        shaped.get(path)
    metrics = shaped.get("/metrics").get_data(as_text=True)
    labels = [line.split("{", 1)[1].split("}", 1)[0] for line in metrics.splitlines()
              if line.startswith("hub_http_errors_total{")]
    assert labels and all(label.startswith('code="') and label[6].isalpha() and label.count("=") == 1
                          for label in labels), labels
    assert "exemple.fr" not in metrics


def test_a_redirect_is_not_an_error(shaped):
    before = sum(sample.value for metric in REGISTRY.collect() if metric.name == "hub_http_errors"
                 for sample in metric.samples if sample.name == "hub_http_errors_total")
    assert shaped.get("/moved").status_code == 302
    after = sum(sample.value for metric in REGISTRY.collect() if metric.name == "hub_http_errors"
                for sample in metric.samples if sample.name == "hub_http_errors_total")
    assert after == before


def test_the_gateways_own_error_names_are_at_zero_from_the_start():
    from gateway import observability
    for name in ("INTERNAL", "PAYLOAD_TOO_LARGE"):  # as if no request had been refused yet in this process
        observability.HTTP_ERRORS.remove(name)
        observability._ERRORS.pop((name,), None)
        assert REGISTRY.get_sample_value("hub_http_errors_total", {"code": name}) is None
    observability.init_app(Flask(__name__))
    assert REGISTRY.get_sample_value("hub_http_errors_total", {"code": "INTERNAL"}) == 0.0
    assert REGISTRY.get_sample_value("hub_http_errors_total", {"code": "PAYLOAD_TOO_LARGE"}) == 0.0
