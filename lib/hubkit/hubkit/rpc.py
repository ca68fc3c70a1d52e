"""A pool of started nameko RPC proxies for processes that are not nameko services (the gateway).

Starting a proxy opens a broker connection and declares a reply queue, far
too slow for each HTTP request; the pool keeps them open and lends one per
request with that request's context data (correlation ids) attached.
"""
import logging
from contextlib import contextmanager

from eventlet.queue import Empty, LightQueue
from eventlet.semaphore import Semaphore
import eventlet
from nameko.exceptions import RpcTimeout, UnknownService
from nameko.rpc import ServiceProxy
from nameko.standalone.rpc import ClusterRpcProxy

from .errors import HubError, ServiceUnavailable

log = logging.getLogger(__name__)


class ExpiringCluster:
    """Service proxies whose requests expire with the caller's timeout.

    A request nobody waits for any more (the caller got a 503 while the
    service was down) is dropped by the broker instead of running later.
    """

    def __init__(self, runner, expiration: float):
        self._runner, self._expiration = runner, expiration

    def __getattr__(self, service: str) -> ServiceProxy:
        return ServiceProxy(self._runner._worker_ctx, service, self._runner._reply_listener,
                            expiration=self._expiration)


class RpcPool:
    def __init__(self, amqp_uri: str, size: int = 16, timeout: float = 5.0, acquire_timeout: float = 5.0):
        self.config = {"AMQP_URI": amqp_uri, "serializer": "json"}
        self.size, self.timeout, self.acquire_timeout = size, timeout, acquire_timeout
        self._idle = LightQueue()
        self._created = 0
        self._lock = Semaphore()

    def _create(self):
        runner = ClusterRpcProxy(self.config, context_data={}, timeout=self.timeout)
        runner.start()
        return runner, ExpiringCluster(runner, expiration=self.timeout)

    def _take(self):
        try:
            return self._idle.get_nowait()
        except Empty:
            pass
        with self._lock:
            if self._created < self.size:
                self._created += 1
                try:
                    return self._create()
                except Exception:
                    self._created -= 1
                    raise
        try:
            return self._idle.get(timeout=self.acquire_timeout)
        except Empty:
            raise ServiceUnavailable(details={"reason": "rpc pool exhausted"}) from None

    def _discard(self, item):
        runner, _ = item
        with self._lock:
            self._created -= 1
        try:
            runner.stop()
        except Exception:
            pass

    @contextmanager
    def cluster(self, context_data: dict):
        """Lend a started cluster proxy whose calls carry `context_data` in their headers."""
        try:
            item = self._take()
        except HubError:
            raise
        except Exception as error:
            log.warning("cannot reach the broker", extra={"error": str(error)})
            raise ServiceUnavailable(details={"reason": "broker unreachable"}) from None
        runner, proxy = item
        runner._worker_ctx.data = dict(context_data)
        healthy = True
        try:
            yield proxy
        except (RpcTimeout, UnknownService) as error:
            healthy = not isinstance(error, RpcTimeout)
            raise ServiceUnavailable(details={"reason": type(error).__name__}) from None
        except (IOError, ConnectionError) as error:
            healthy = False
            log.warning("broker connection lost", extra={"error": str(error)})
            raise ServiceUnavailable(details={"reason": "broker connection lost"}) from None
        finally:
            if healthy:
                runner._worker_ctx.data = {}
                self._idle.put(item)
            else:
                self._discard(item)

    def close(self):
        while True:
            try:
                self._discard(self._idle.get_nowait())
            except Empty:
                return


# --- calls from one service to another ---------------------------------------------------------
# nameko's service proxies wait for a reply forever: with a peer down, every worker calling it would
# hang until the service stalls. A service wraps its RpcProxy (declared with `expiration=` the same
# timeout, so the peer never answers a question nobody waits for any more) in a BoundedRpc.


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
