"""Calling other services (accounts) from a use case, with a bounded wait.

nameko's service proxies wait for a reply forever: with accounts down, every voting worker would
hang until the service stalls. Here a call waits at most PEER_TIMEOUT seconds, less than the gateway
waits for budget (5 s), so the citizen gets a clear 503; the request also expires in the broker
after that time, so accounts never answers a question nobody waits for any more.
"""
import eventlet
from hubkit.errors import ServiceUnavailable
from nameko.exceptions import UnknownService

PEER_TIMEOUT = 3.0


class PeerUnavailable(Exception):
    """Another service did not answer an event handler in time: a passing failure, not a refusal of the event
    (a retrying event handler puts the event back in the queue; a HubError would be final)."""


class BoundedRpc:
    """Another service's RPC, as the use cases call it (`accounts.eligibility_attributes(data)`), waiting at
    most `timeout` seconds. A service that is down or too slow becomes `error`: ServiceUnavailable (503) for
    a caller of this service, PeerUnavailable for an event handler."""

    def __init__(self, proxy, timeout: float, error=ServiceUnavailable):
        self._proxy, self._timeout, self._error = proxy, timeout, error

    def __getattr__(self, method: str):
        def call(*args):
            try:
                with eventlet.Timeout(self._timeout):
                    return getattr(self._proxy, method).call_async(*args).result()
            except eventlet.Timeout:
                raise self._unavailable(f"{method} timed out") from None
            except UnknownService:
                raise self._unavailable(f"{method}: service unknown") from None
        return call

    def _unavailable(self, reason: str) -> Exception:
        if self._error is ServiceUnavailable:
            return ServiceUnavailable(details={"reason": reason})
        return self._error(reason)
