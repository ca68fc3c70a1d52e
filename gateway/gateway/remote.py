"""Calling the services: pooled RPC proxies carrying the request's correlation id."""
from flask import current_app, g

from hubkit.rpc import RpcPool


def init_app(app, settings):
    app.extensions["rpc_pool"] = RpcPool(settings.amqp_uri, size=settings.rpc_pool_size,
                                         timeout=settings.rpc_timeout)


def call(service: str, method: str, *args):
    """Call `service.method(*args)`; remote HubErrors come back as themselves, timeouts as ServiceUnavailable."""
    context = {"correlation_id": g.request_id, "causation_id": g.request_id}
    with current_app.extensions["rpc_pool"].cluster(context) as cluster:
        return getattr(getattr(cluster, service), method)(*args)
