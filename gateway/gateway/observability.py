"""Request ids, JSON access logs and Prometheus metrics for the gateway."""
import logging
import time

from flask import Response, g, request
from prometheus_client import Counter, Histogram

from hubkit import correlation
from hubkit.metrics import LATENCY_BUCKETS, Children, exposition

from .errors import HTTP_CODES
from .health import refuse_from_the_public_proxy

log = logging.getLogger("gateway.access")

REQUESTS = Counter("hub_http_requests_total", "HTTP requests served by the gateway.", ["method", "route", "status"])
LATENCY = Histogram("hub_http_request_duration_seconds", "HTTP request latency at the gateway.",
                    ["method", "route"], buckets=LATENCY_BUCKETS)
# `code`: always an error name (the JSON body's `error`, else the status's name in gateway.errors), never a status:
# one label scheme to sum and alert on.
HTTP_ERRORS = Counter("hub_http_errors_total", "HTTP error responses by error name.", ["code"])


_REQUESTS, _LATENCY, _ERRORS = Children(REQUESTS), Children(LATENCY), Children(HTTP_ERRORS)


def error_name(response) -> str:
    """The error a 4xx/5xx response tells: its JSON body's `error`, else (an HTML page, an Open311 error list) the
    name gateway.errors gives its status. A body's name is the gateway's or a service's code (a bounded set); anything
    else in its place is not trusted as a label."""
    body = response.get_json(silent=True) if response.is_json else None
    name = body.get("error") if isinstance(body, dict) else None
    if isinstance(name, str) and len(name) <= 40 and name.isupper() and name.replace("_", "").isalnum():
        return name
    return HTTP_CODES.get(response.status_code, "ERROR")


def init_app(app):
    for name in set(HTTP_CODES.values()):  # at 0 from the start: an alert on a rate reads 0, not "no data"
        HTTP_ERRORS.labels(name)

    @app.before_request
    def start_request():
        g.request_id = correlation.clean_request_id(request.headers.get("X-Request-ID"))
        g.correlation_tokens = correlation.bind(g.request_id)
        g.started = time.perf_counter()

    @app.after_request
    def finish_request(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        route = request.url_rule.rule if request.url_rule else "unmatched"
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        _REQUESTS[request.method, route, response.status_code].inc()
        _LATENCY[request.method, route].observe(elapsed)
        if response.status_code >= 400:
            _ERRORS[error_name(response),].inc()
        if route != "/metrics":
            log.info("%s %s %s", request.method, route, response.status_code,
                     extra={"status": response.status_code, "duration_ms": round(elapsed * 1000, 1)})
        return response

    @app.teardown_request
    def unbind(_exc):
        tokens = g.pop("correlation_tokens", None)
        if tokens is not None:
            correlation.unbind(tokens)

    @app.get("/metrics")
    def metrics():
        refuse_from_the_public_proxy()  # gateway.health: for Prometheus, not for the public site
        body, content_type = exposition()
        return Response(body, content_type=content_type)
