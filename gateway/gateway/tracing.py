"""A SERVER span for each request the gateway serves (hubkit.tracing), the root of the trace of the request's
correlation chain (its ids derive from the request id, so work done later in the same chain joins this trace).

The span is named after the route's rule (`POST /api/v1/ideas`, never the URL: ids and query strings stay out) and
carries the method, the rule and the status: nothing a person typed or is. A `traceparent` sent by the client is
ignored: the public must not join their requests to someone else's trace. (A client choosing its X-Request-ID
chooses its trace id, hence whether its own requests are sampled: they are rate-limited like any other, and
cannot land in another person's trace without knowing that person's random request id.) The services' RPC spans are its children (remote._context carries its traceparent).
"""
from flask import g, request

from hubkit import tracing

# Probes, scrapes and static files: frequent, uninteresting, and they would fill the sampled traces with roots
UNTRACED_ROUTES = frozenset({"/healthz", "/readyz", "/statusz", "/metrics", "/static/<path:filename>"})


def init_app(app):
    """Trace requests if this process's HUB_TRACING says so (read once per process: hubkit.tracing.configure)."""
    if not tracing.configure("gateway"):
        return

    @app.before_request
    def start_span():
        route = request.url_rule.rule if request.url_rule else "unmatched"
        if route in UNTRACED_ROUTES:
            return
        span = tracing.start_chain(f"{request.method} {route}", g.request_id,
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
