"""How the hub's service queues are declared: the one place for their type, arguments and dead-letter topology.

nameko 2.14 declares `rpc-<service>` (RpcConsumer) and `evt-<source>-<event>--<service>.<method>` (EventHandler)
with no queue arguments. hubkit's entrypoints (`trust.TrustedRpc`, `consumer.RetryingEventHandler`) use the
consumer classes below instead, which declare them:

- `HUB_AMQP_QUEUE_TYPE=quorum` (the default with HUB_ENV=production): `x-queue-type: quorum`, an explicit
  `x-delivery-limit` (HUB_AMQP_DELIVERY_LIMIT, 10) and dead-lettering, at least once, to the service's
  dead-letter exchange. A message that keeps coming back because its consumer dies with it (a crash, a kill)
  lands in `<service>.dead-letters` after that many deliveries instead of looping.
- `classic` (the default elsewhere): exactly nameko's declaration, no arguments, so queues a developer's broker
  already holds are still equivalent (a queue's arguments cannot change in place).

Every service also declares, for itself:

- `<service>.dead-letters`: a fanout exchange and the queue bound to it (hubkit.dead_letters reads it);
- `<service>.retry` (a headers exchange) and `<service>.retry-<n>` queues, one per retry (HUB_EVENT_RETRIES):
  a failed event waits in the n-th with a per-message expiration (HUB_EVENT_RETRY_SECONDS × 2^(n-1)), then
  expires into `<service>.requeue`. One queue per delay keeps each queue's messages in expiry order (a queue
  only expires the message at its head);
- `<service>.requeue`, a direct exchange each event queue is bound to with its own name: where expired retries
  and replayed dead letters go back. Services never publish to the default exchange (deploy/rabbitmq/users.py).

Reply queues (exclusive, auto-deleted) and non-durable handler queues stay as nameko declares them.
"""
import logging
from functools import partial

import eventlet
from amqp.exceptions import PreconditionFailed
from kombu import Exchange, Queue, binding
from nameko.rpc import RpcConsumer

from .config import env_float, env_int, env_str, hub_env
from .reconnect import ReconnectingQueueConsumer

log = logging.getLogger(__name__)

QUEUE_TYPES = ("quorum", "classic")
MAX_RETRY_SECONDS = 900.0  # a longer wait helps no peer come back; the dead letters keep the event anyway
MIGRATION_GUIDE = "docs/operations/broker.md, « Moving to quorum queues »"

# headers a retried or dead-lettered message carries (the original headers, signature included, are kept)
ATTEMPTS_HEADER = "hub_attempts"          # failed handlings so far
RETRY_HEADER = "hub_retry"                # which retry queue (the `<service>.retry` bindings match it)
ROUTING_KEY_HEADER = "hub_routing_key"    # the routing key it was first published with (its event type)


def queue_type() -> str:
    value = env_str("HUB_AMQP_QUEUE_TYPE", "quorum" if hub_env() == "production" else "classic")
    if value not in QUEUE_TYPES:
        raise ValueError(f"HUB_AMQP_QUEUE_TYPE doit valoir quorum ou classic (reçu : {value!r}).")
    return value


def _bounded(name: str, value, low, high):
    if not low <= value <= high:
        raise ValueError(f"{name} doit être entre {low} et {high} (reçu : {value!r}).")
    return value


def delivery_limit() -> int:
    return _bounded("HUB_AMQP_DELIVERY_LIMIT", env_int("HUB_AMQP_DELIVERY_LIMIT", 10), 1, 1000)


def event_retries() -> int:
    return _bounded("HUB_EVENT_RETRIES", env_int("HUB_EVENT_RETRIES", 5), 0, 20)


def retry_seconds() -> float:
    return _bounded("HUB_EVENT_RETRY_SECONDS", env_float("HUB_EVENT_RETRY_SECONDS", 2.0), 0.01, MAX_RETRY_SECONDS)


def retry_delay(attempt: int) -> float:
    """Seconds the `attempt`-th retry waits: 2, 4, 8, 16, 32… by default."""
    return min(retry_seconds() * 2 ** (attempt - 1), MAX_RETRY_SECONDS)


def check_settings():
    """Every queue setting, read once at start: a wrong value stops the process and names the variable."""
    queue_type(), delivery_limit(), event_retries(), retry_seconds()


def settings_problem() -> str | None:
    """What is wrong with the queue settings, in one sentence naming the variable (None if nothing)."""
    try:
        check_settings()
    except ValueError as error:
        return str(error)
    return None


# --- names -------------------------------------------------------------------------------------------------

def dead_letters_name(service: str) -> str:
    return f"{service}.dead-letters"


def retry_exchange_name(service: str) -> str:
    return f"{service}.retry"


def retry_queue_name(service: str, attempt: int) -> str:
    return f"{service}.retry-{attempt}"


def requeue_exchange_name(service: str) -> str:
    return f"{service}.requeue"


# --- arguments and declarations ----------------------------------------------------------------------------

def _quorum_arguments(dead_letter_exchange: str) -> dict:
    # at-least-once dead-lettering keeps a message in its queue until the target confirms it; RabbitMQ requires
    # reject-publish overflow for it (no length limit is set, so nothing is ever rejected for length)
    return {"x-queue-type": "quorum", "x-dead-letter-exchange": dead_letter_exchange,
            "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"}


def service_queue_arguments(service: str) -> dict:
    """Arguments of a service's RPC and event queues."""
    if queue_type() == "classic":
        return {}
    return {**_quorum_arguments(dead_letters_name(service)), "x-delivery-limit": delivery_limit()}


def _plain_arguments() -> dict:
    return {"x-queue-type": "quorum"} if queue_type() == "quorum" else {}


def dead_letter_queue(service: str) -> Queue:
    exchange = Exchange(dead_letters_name(service), type="fanout", durable=True)
    return Queue(dead_letters_name(service), exchange=exchange, durable=True, queue_arguments=_plain_arguments())


def retry_queues(service: str) -> list:
    exchange = Exchange(retry_exchange_name(service), type="headers", durable=True)
    if queue_type() == "quorum":
        arguments = _quorum_arguments(requeue_exchange_name(service))
    else:
        arguments = {"x-dead-letter-exchange": requeue_exchange_name(service)}
    return [Queue(retry_queue_name(service, attempt), exchange=exchange, durable=True, queue_arguments=arguments,
                  binding_arguments={"x-match": "all", RETRY_HEADER: str(attempt)})
            for attempt in range(1, event_retries() + 1)]


def requeue_exchange(service: str) -> Exchange:
    return Exchange(requeue_exchange_name(service), type="direct", durable=True)


def rpc_queue(queue: Queue, service: str) -> Queue:
    """nameko's `rpc-<service>` with the service's queue arguments."""
    return Queue(queue.name, exchange=queue.exchange, routing_key=queue.routing_key, durable=True,
                 queue_arguments=service_queue_arguments(service))


def event_queue(queue: Queue, service: str) -> Queue:
    """nameko's handler queue with the service's arguments and a binding to `<service>.requeue` by its own name
    (retries and replays come back that way). A queue nameko makes exclusive or auto-deleted stays as it is:
    quorum queues are neither, and such a queue loses its messages with its consumer anyway."""
    if queue.exclusive or queue.auto_delete:
        return queue
    return Queue(queue.name, durable=True, queue_arguments=service_queue_arguments(service), bindings=[
        binding(queue.exchange, routing_key=queue.routing_key),
        binding(requeue_exchange(service), routing_key=queue.name)])


def declare_service_topology(channel, service: str):
    """The service's dead-letter queue, retry queues and requeue exchange (idempotent; before its consumers, so a
    message its queues dead-letter always has somewhere to go)."""
    requeue_exchange(service)(channel).declare()
    dead_letter_queue(service)(channel).declare()
    for queue in retry_queues(service):
        queue(channel).declare()


class QueueMismatch(Exception):
    """A queue exists on the broker with other arguments (typically classic where quorum is asked, or the reverse):
    RabbitMQ cannot change a queue's type in place, and retrying would fail the same way forever."""

    def __init__(self, service: str, reply: str):
        super().__init__(
            f"{service} : une file existe déjà sur RabbitMQ avec d'autres arguments ({reply}). "
            f"HUB_AMQP_QUEUE_TYPE={queue_type()} ne peut pas la changer sur place : voir {MIGRATION_GUIDE}.")


# --- the consumers ----------------------------------------------------------------------------------------

class HubQueueConsumer(ReconnectingQueueConsumer):
    """nameko's QueueConsumer, which declares the service's dead-letter topology before its consumers, stops the
    service with one clear message when a queue exists with other arguments (nameko would retry forever), sends
    a message it cannot decode to the dead letters (kombu would raise in the consumer thread and kill the
    service, again at each redelivery), and keeps the dead-letter depth gauge current."""

    _depth_watch = None

    def start(self):
        from . import dead_letters
        check_settings()
        if self._depth_watch is None:
            # not a managed thread: nameko would warn at every stop that it had to kill it
            self._depth_watch = eventlet.spawn(dead_letters.watch_depth, self.container)
        super().start()

    def stop(self):
        self._stop_depth_watch()
        super().stop()

    def kill(self):
        self._stop_depth_watch()
        super().kill()

    def _stop_depth_watch(self):
        if self._depth_watch is not None:
            self._depth_watch.kill()
            self._depth_watch = None

    def get_consumers(self, consumer_cls, channel):
        service = self.container.service_name
        try:
            declare_service_topology(channel, service)
            consumers = list(super().get_consumers(consumer_cls, channel))
        except PreconditionFailed as error:
            log.error("queue declared with other arguments", extra={"service": service, "error": str(error)})
            raise QueueMismatch(service, str(error)) from None
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self._undecodable, provider)
        return consumers

    def _undecodable(self, provider, message, exc):
        from . import dead_letters
        refuse = getattr(provider, "refuse_if_forged", None)
        if refuse is not None and refuse(message):  # an event handler's: unsigned garbage is not a dead letter
            return
        self.container.spawn_managed_thread(partial(
            dead_letters.send_and_ack, self.container.config, self.container.service_name, provider.queue.name,
            message, "undecodable", exc, self.ack_message, self.requeue_message))


class HubRpcConsumer(RpcConsumer):
    """nameko's RpcConsumer declaring `rpc-<service>` with the service's queue arguments."""

    queue_consumer = HubQueueConsumer()

    def setup(self):
        declared = self.queue is not None
        super().setup()
        if not declared:
            self.queue = rpc_queue(self.queue, self.container.service_name)
