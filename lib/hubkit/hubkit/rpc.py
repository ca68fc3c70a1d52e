"""Calling services: signed proxies, and a pool of started ones for processes that are not nameko services.

Every call is signed by its caller's identity (hubkit.trust): `SignedRpcProxy` is a service's dependency on
another service, `SignedClusterRpcProxy` a standalone caller's (the gateway, tests, command-line tools).

Starting a proxy opens a broker connection and declares a reply queue, far
too slow for each HTTP request; the gateway's pool keeps them open and lends one per
request with that request's context data (correlation ids, the signed-in person) attached.
"""
import logging
import select
import socket
import time
from contextlib import contextmanager

from amqp.exceptions import AMQPError, ConnectionError as AmqpConnectionError
from eventlet.queue import Empty, LightQueue
from eventlet.semaphore import Semaphore
import eventlet
from kombu import Queue
from kombu.exceptions import OperationalError
from nameko.amqp.publish import Publisher
from nameko.exceptions import RemoteError, RpcTimeout, UnknownService, registry as exception_registry
from nameko.rpc import MethodProxy, ReplyListener, RpcProxy, ServiceProxy
from nameko.standalone.rpc import ClusterProxy, ClusterRpcProxy, PollingQueueConsumer

from . import metrics, tracing, trust
from .config import amqp_ssl
from .errors import HubError, ServiceUnavailable
from .reconnect import ReconnectingQueueConsumer

log = logging.getLogger(__name__)

# What a lost or unreachable broker raises: kombu once its retries are spent (OperationalError), py-amqp for a
# connection the broker closed (ConnectionForced, RecoverableConnectionError...) and the socket itself (OSError).
BROKER_ERRORS = (OperationalError, AmqpConnectionError, OSError)
# nameko's standalone proxy, used again after its reply connection dropped ("This consumer has been
# disconnected, and can no longer be used")
DEAD_CONSUMER = "can no longer be used"


def broker_failure(error: BaseException) -> bool:
    """Whether `error` says the broker (or the connection to it) failed, rather than the call or the code. A
    channel error counts: a reply queue on a cluster node that stopped cannot be declared again (NOT_FOUND)."""
    return isinstance(error, BROKER_ERRORS + (AMQPError,)) or (
        isinstance(error, RuntimeError) and DEAD_CONSUMER in str(error))


def came_back(error: BaseException) -> bool:
    """Whether `error` is a service's answer (a HubError, or what nameko sends back for an error it knows or
    not), rather than something that happened to the proxy on the way."""
    return isinstance(error, (HubError, RemoteError)) or type(error) in exception_registry.values()


class FailFastPublisher(Publisher):
    """Publishes the gateway's requests: with the broker gone, publishing gives up within a second instead of
    waiting out nameko's reconnection attempts (about 10 s: 3 connection retries 2 s, 3 s and 4 s apart, and 3
    publish retries). One quick retry per broker address still crosses a failover (kombu moves to the next
    address of `amqp://a;amqp://b` on each retry) or a connection the pool kept across a broker restart."""

    transport_options = {"max_retries": 3, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.4}
    retry_policy = dict(transport_options)


class SignedMethodProxy(MethodProxy):
    """A method proxy whose call carries the caller's assertion (hubkit.trust) instead of the one its worker
    received: context data is passed on from call to call, an assertion never is."""

    def __init__(self, worker_ctx, service_name, method_name, reply_listener, issuer: str, publisher_cls=None,
                 **options):
        if publisher_cls is not None:
            self.publisher_cls = publisher_cls
        super().__init__(worker_ctx, service_name, method_name, reply_listener, **options)
        self.issuer = issuer
        self._arguments = ((), {})

    def _call(self, *args, **kwargs):
        self._arguments = (args, kwargs)  # read by get_message_headers, which _call runs before publishing
        started = time.perf_counter()  # hub_rpc_client_*: counted when the reply is read, or here if never sent
        try:
            reply = super()._call(*args, **kwargs)
        except BaseException as error:
            metrics.count_rpc(self.service_name, self.method_name, started, metrics.rpc_outcome(error))
            raise
        return metrics.CountedReply(reply.reply_event, self.service_name, self.method_name, started)

    def get_message_headers(self, worker_ctx):
        data = worker_ctx.context_data
        headers = {self._get_header_name(key): value for key, value in data.items()
                   if value is not None and key not in trust.LOCAL_KEYS}
        traceparent = tracing.current_traceparent()  # None when off: the worker's own (context data) goes on
        if traceparent is not None:  # the span current at the call (a step inside the worker) is the parent
            headers[self._get_header_name(tracing.TRACEPARENT_KEY)] = traceparent
        args, kwargs = self._arguments
        headers[self._get_header_name(trust.ASSERTION_KEY)] = trust.issue(
            self.issuer, self.service_name, self.method_name, data.get("correlation_id"), args, kwargs,
            data.get(trust.SUBJECT_KEY))
        return headers


class SignedServiceProxy(ServiceProxy):
    def __init__(self, worker_ctx, service_name, reply_listener, issuer: str, **options):
        super().__init__(worker_ctx, service_name, reply_listener, **options)
        self.issuer = issuer

    def __getattr__(self, name):
        return SignedMethodProxy(self.worker_ctx, self.service_name, name, self.reply_listener, self.issuer,
                                 **self.options)


class TransientReplyListener(ReplyListener):
    """nameko's reply listener with a transient, auto-deleted reply queue. nameko declares it durable: on a
    cluster, when the node holding it stops, the service's consumer cannot declare it again elsewhere (NOT_FOUND,
    "home node is down") and, all its consumers sharing one connection, stops consuming until that node is back.
    A transient queue goes with its node or its consumer and is declared afresh on reconnection; the replies it
    held were awaited by calls that time out anyway."""

    queue_consumer = ReconnectingQueueConsumer()

    def setup(self):
        super().setup()
        self.queue = Queue(self.queue.name, exchange=self.queue.exchange, routing_key=self.routing_key,
                           durable=False, auto_delete=True, queue_arguments=self.queue.queue_arguments)


class SignedRpcProxy(RpcProxy):
    """A service's proxy to another service (`accounts = SignedRpcProxy("accounts", expiration=...)`); its calls
    are signed as this service."""

    rpc_reply_listener = TransientReplyListener()

    def get_dependency(self, worker_ctx):
        return SignedServiceProxy(worker_ctx, self.target_service, self.rpc_reply_listener,
                                  self.container.service_name, **self.options)


class QuickPollingQueueConsumer(PollingQueueConsumer):
    """nameko's standalone reply consumer, which connects at once or fails: kombu pauses 2 s before its one retry,
    and with the broker down every new proxy of the gateway's pool (so every request) waited that long for its
    503. Each address is tried once more, without a pause (a refused connection costs microseconds)."""

    def _setup_consumer(self):
        self.connection.ensure_connection(max_retries=max(1, len(self.connection.alt)), interval_start=0,
                                          interval_step=0, interval_max=0)
        super()._setup_consumer()


class SignedClusterRpcProxy(ClusterRpcProxy):
    """nameko's standalone cluster proxy, signing as `identity` (the gateway by default). Put the signed-in
    person's `trust.subject_of(principal)` in `context_data[trust.SUBJECT_KEY]`."""

    def __init__(self, config, identity: str | None = "gateway", expiration: float = None, **kwargs):
        super().__init__(config, **kwargs)
        self._reply_listener.queue_consumer = QuickPollingQueueConsumer(timeout=kwargs.get("timeout"))
        self._proxy = SignedCluster(self._worker_ctx, self._reply_listener, identity, expiration)


class SignedCluster(ClusterProxy):
    """Service proxies signing as `identity` (None: unsigned, for the bench's raw nameko ceiling), whose requests expire with the caller's timeout: a request nobody
    waits for any more (the caller got a 503 while the service was down) is dropped by the broker instead of
    running later."""

    def __init__(self, worker_ctx, reply_listener, identity: str, expiration: float = None):
        super().__init__(worker_ctx, reply_listener)
        self._identity = identity
        self._options = {"expiration": expiration} if expiration else {}
        if identity:
            self._options["publisher_cls"] = FailFastPublisher

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._proxies:
            self._proxies[name] = SignedServiceProxy(
                self._worker_ctx, name, self._reply_listener, self._identity, **self._options
            ) if self._identity else ServiceProxy(self._worker_ctx, name, self._reply_listener, **self._options)
        return self._proxies[name]


class RpcPool:
    """Started cluster proxies, lent one per call. A proxy that failed (timeout, broker lost) is stopped and
    replaced, never lent again; one whose reply connection the broker closed while it sat idle (a broker restart,
    a failover) is found out before it is lent: a request sent through it would be done by the service but its
    answer lost, the person told 503 for an action that happened."""

    def __init__(self, amqp_uri: str, size: int = 16, timeout: float = 5.0, acquire_timeout: float = 5.0,
                 identity: str | None = "gateway"):
        self.config = {"AMQP_URI": amqp_uri, "serializer": "json", "AMQP_SSL": amqp_ssl(amqp_uri)}
        self.identity = identity
        self.size, self.timeout, self.acquire_timeout = size, timeout, acquire_timeout
        self._idle = LightQueue()
        self._created = 0
        self._lock = Semaphore()
        self.discarded = 0  # proxies stopped because they failed or their connection was gone

    def _create(self):
        runner = SignedClusterRpcProxy(self.config, identity=self.identity, expiration=self.timeout,
                                       context_data={}, timeout=self.timeout)
        return runner, runner.start()

    def _take(self):
        while True:
            try:
                item = self._idle.get_nowait()
            except Empty:
                break
            if still_connected(item[0]):
                return item
            self._discard(item)
        with self._lock:
            if self._created < self.size:
                self._created += 1
                try:
                    return self._create()
                except Exception:
                    self._created -= 1
                    raise
        try:
            item = self._idle.get(timeout=self.acquire_timeout)
        except Empty:
            raise ServiceUnavailable(details={"reason": "rpc pool exhausted"}) from None
        if still_connected(item[0]):
            return item
        self._discard(item)
        return self._take()

    def _discard(self, item):
        runner, _ = item
        self.discarded += 1
        with self._lock:
            self._created -= 1
        with eventlet.Timeout(2, False):  # closing a connection the broker no longer answers must not hang
            try:
                runner.stop()
            except Exception:
                pass

    @contextmanager
    def cluster(self, context_data: dict):
        """Lend a started cluster proxy whose calls carry `context_data` in their headers. A broker that cannot be
        reached, or is lost during the call, is ServiceUnavailable (503), never an error of the caller's."""
        try:
            item = self._take()
        except HubError:
            raise
        except Exception as error:
            log.warning("cannot reach the broker", extra={"error": f"{type(error).__name__}: {error}"})
            raise ServiceUnavailable(details={"reason": "broker unreachable"}) from None
        runner, proxy = item
        runner._worker_ctx.data = dict(context_data)
        healthy = True
        try:
            yield proxy
        except (RpcTimeout, UnknownService) as error:
            healthy = not isinstance(error, RpcTimeout)
            raise ServiceUnavailable(details={"reason": type(error).__name__}) from None
        except Exception as error:
            if came_back(error):  # a remote error was answered over a working proxy, which stays
                raise
            healthy = False  # anything else leaves the proxy in a state nobody knows: it is never lent again
            if not broker_failure(error):
                raise
            log.warning("broker connection lost", extra={"error": f"{type(error).__name__}: {error}"})
            raise ServiceUnavailable(details={"reason": "broker connection lost"}) from None
        except BaseException:  # a caller's own timeout cut a read short: the connection's state is unknown
            healthy = False
            raise
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


def still_connected(runner) -> bool:
    """Whether an idle proxy's reply connection is still open. The broker closing it (a restart, a node stopped)
    leaves a close frame or an end of file to read: reading it makes py-amqp raise. Nothing to read: open as far as
    anyone can tell without a round trip (a broker that vanished silently makes the next call time out)."""
    consumer = runner._reply_listener.queue_consumer
    try:
        if consumer.stopped or not consumer.connection.connected:
            return False
        readable, _, _ = select.select([consumer.connection.connection.sock], [], [], 0)
        if readable:
            consumer.connection.drain_events(timeout=0.05)  # a stray late reply is read and kept, harmlessly
    except socket.timeout:
        return True  # what was readable was not a whole frame yet
    except Exception:
        return False
    return consumer.connection.connected


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
            except BROKER_ERRORS as error:  # the request could not be sent: a 500 would blame the caller
                raise self._unavailable(f"{method}: broker unreachable ({type(error).__name__})") from None
        return call

    def _unavailable(self, reason: str) -> Exception:
        if self._error is ServiceUnavailable:
            return ServiceUnavailable(details={"reason": reason})
        return self._error(reason)
