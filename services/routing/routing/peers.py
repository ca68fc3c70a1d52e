"""How long routing waits for the services it calls (ideas, accounts): less than the gateway waits for routing
(5 s), so an agent gets a clear 503 rather than a hang; see hubkit.rpc.BoundedRpc."""
from contextlib import contextmanager

from nameko.extensions import DependencyProvider

from hubkit.correlation import CAUSATION_KEY, CORRELATION_KEY
from hubkit.rpc import BoundedRpc, PeerUnavailable  # noqa: F401  (what the service wraps its proxies in)

PEER_TIMEOUT = 3.0


class CallContext(DependencyProvider):
    """The worker's context data, which nameko copies into the headers of every RPC call the worker makes: a
    call made on an idea's behalf (from a timer) can carry the idea's correlation chain."""

    def get_dependency(self, worker_ctx):
        return _CallContext(worker_ctx.data)


class _CallContext:
    def __init__(self, data: dict):
        self._data = data

    @contextmanager
    def acting(self, correlation_id: str, causation_id: str):
        saved = {key: self._data.get(key) for key in (CORRELATION_KEY, CAUSATION_KEY)}
        self._data.update({CORRELATION_KEY: correlation_id, CAUSATION_KEY: causation_id})
        try:
            yield
        finally:
            self._data.update(saved)
