"""Calling the services: pooled RPC proxies carrying the request's correlation id and, signed with it (hubkit.trust),
who is calling: the gateway, for the signed-in person it resolved from the session."""
import copy

from cachetools import TTLCache
from flask import current_app, g

from hubkit import keys, tracing, trust
from hubkit.batching import CallBatcher
from hubkit.rpc import RpcPool


# How each hot path's commands are coalesced (hubkit.batching defaults otherwise). Ballots wait longer for
# others to join: the budget service's cost is mostly per batch (one accounts call, one transaction).
BATCHING = {("budget", "cast_ballots"): {"max_items": 500, "max_wait": 0.02}}

# Each service's `reference_data` (codes and labels for forms and filters) is fixed by its code and settings:
# it only changes with a deployment, so a page need not ask for it every time.
REFERENCE_SECONDS = 300.0


def init_app(app, settings):
    keys.check_configuration("gateway")  # no key, no start: better than refusing every call later
    app.extensions["rpc_pool"] = RpcPool(settings.amqp_uri, size=settings.rpc_pool_size,
                                         timeout=settings.rpc_timeout)
    app.extensions["rpc_batchers"] = {}
    app.extensions["reference_data"] = TTLCache(maxsize=16, ttl=REFERENCE_SECONDS)


def _context() -> dict:
    """The request's ids, and with tracing on the request span's traceparent (for batched calls too: a batch
    is sent from the batcher's green thread, where the request's span is not current)."""
    traceparent = tracing.current_traceparent()
    if traceparent is None:
        return {"correlation_id": g.request_id, "causation_id": g.request_id}
    return {"correlation_id": g.request_id, "causation_id": g.request_id, tracing.TRACEPARENT_KEY: traceparent}


def _signed_in_context() -> dict:
    """The request's ids and the person the call is made for (the session is resolved first, if not yet)."""
    from .auth import current_principal  # auth calls this module to resolve sessions
    return {**_context(), trust.SUBJECT_KEY: trust.subject_of(current_principal())}


def call(service: str, method: str, *args):
    """Call `service.method(*args)`; remote HubErrors come back as themselves, timeouts as ServiceUnavailable."""
    with current_app.extensions["rpc_pool"].cluster(_signed_in_context()) as cluster:
        return getattr(getattr(cluster, service), method)(*args)


def reference_data(service: str) -> dict:
    """`service.reference_data()`, kept REFERENCE_SECONDS in this process (a copy: callers may add to it)."""
    kept = current_app.extensions["reference_data"]
    answer = kept.get(service)
    if answer is None:
        answer = kept[service] = call(service, "reference_data")
    return copy.deepcopy(answer)


def batched_call(service: str, method: str, payload: dict):
    """One command of a hot path (`method` takes a batch, see hubkit.batching): sent together with the
    commands other requests make at the same moment; returns this command's outcome or raises its error."""
    return batcher(service, method).call(payload, _context())


def batcher(service: str, method: str) -> CallBatcher:
    """This process's batcher of `service.method`, made at its first use."""
    batchers = current_app.extensions["rpc_batchers"]
    found = batchers.get((service, method))
    if found is None:
        tuning = {"max_in_flight": current_app.config["HUB_SETTINGS"].batches_in_flight,
                  **BATCHING.get((service, method), {})}
        found = batchers.setdefault((service, method), CallBatcher(
            current_app.extensions["rpc_pool"], service, method, **tuning))
    return found
