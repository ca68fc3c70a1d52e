"""Request ids and metrics on every response, whatever the shape of its body."""
from flask import jsonify


def test_every_response_carries_a_request_id_a_client_can_choose(client):
    assert client.get("/healthz", headers={"X-Request-ID": "req-abc.1"}).headers["X-Request-ID"] == "req-abc.1"
    assert len(client.get("/healthz", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"]) == 32


def test_an_error_whose_body_is_a_list_is_counted_by_its_status(app):
    @app.get("/open311-like-error")
    def list_error():  # Open311 GeoReport errors are JSON lists, not the hub's error body
        return jsonify([{"code": 404, "description": "service not found"}]), 404

    client = app.test_client()
    assert client.get("/open311-like-error").status_code == 404
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'hub_http_errors_total{code="404",status="404"}' in metrics
