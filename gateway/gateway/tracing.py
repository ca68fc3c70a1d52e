"""A SERVER span for each request the gateway serves (hubkit.tracing), the root of the request's trace.

The span is named after the route's rule (`POST /api/v1/ideas`, never the URL: ids and query strings stay out) and
carries the method, the rule and the status: nothing a person typed or is. A `traceparent` sent by the client is
ignored: the public must not choose which requests are sampled (a flood of forced traces) nor join their requests
to someone else's trace. The services' RPC spans are its children (remote._context carries its traceparent).
"""
from flask import g, request

from hubkit import tracing


def init_app(app):
    """Trace requests if this process's HUB_TRACING says so (read once per process: hubkit.tracing.configure)."""
    if not tracing.configure("gateway"):
        return

    @app.before_request
    def start_span():
        route = request.url_rule.rule if request.url_rule else "unmatched"
        span = tracing.start(f"{request.method} {route}", "server", None,
                             {"http.request.method": request.method, "http.route": route})
        g.trace_span, g.trace_token = span, tracing.activate(span)

    @app.after_request
    def record_status(response):
        span = g.get("trace_span")
        if span is not None and span.is_recording():
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= 500:
                span.set_status(tracing.error_status(str(response.status_code)))
        return response

    @app.teardown_request
    def end_span(error):
        span = g.pop("trace_span", None)
        if span is not None:
            tracing.deactivate(g.pop("trace_token", None))
            tracing.end(span, error)
