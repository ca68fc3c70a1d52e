"""Retries and dead letters of a service's messages, their depth gauge, and `python -m <service> dead-letters`.

A message goes to `<service>.dead-letters` (hubkit.queues declares it) with headers saying why:

- `handler_failed`: its event handler failed for a passing reason (not a HubError) on every try: once, then
  after each of HUB_EVENT_RETRIES growing delays (hubkit.consumer);
- `invalid_envelope`: the event's envelope fails validation (hubkit.consumer.receive): no retry would help;
- `undecodable`: its body cannot be decoded (not JSON, a content type the service does not accept); for an
  event, only if its producer signed that body;
- `delivery_limit` (set by RabbitMQ, quorum queues only): delivered HUB_AMQP_DELIVERY_LIMIT times without an
  answer, e.g. a message that kills its consumer each time.

An event without a valid signature of its producer is not a dead letter: it is a security refusal, dropped,
logged and counted (`hub_trust_refusals_total`, hubkit.consumer), so that whoever forged it cannot fill the
dead letters or have an operator replay it.

Headers keep the exception's type, never its message (which may quote personal data from a database row); the
service's log has the rest. `list` prints no payload field either: id, queue, type, reason, attempts, time.
"""
import argparse
import hashlib
import json
import logging
import re
import sys
from datetime import datetime, timezone

import eventlet
from amqp.exceptions import NotFound
from kombu import Connection, Queue
from kombu.exceptions import OperationalError
from nameko.amqp.publish import Publisher, UndeliverableMessage, get_connection

from . import metrics, queues
from .config import amqp_ssl, amqp_uri, env_float

log = logging.getLogger(__name__)

REASON_HEADER = "hub_dead_letter_reason"
ERROR_HEADER = "hub_dead_letter_error"
QUEUE_HEADER = "hub_dead_letter_queue"
TIME_HEADER = "hub_dead_letter_at"
DEAD_LETTER_HEADERS = (REASON_HEADER, ERROR_HEADER, QUEUE_HEADER, TIME_HEADER)
DEPTH_SECONDS = "HUB_DEAD_LETTERS_POLL_SECONDS"


def _republish(config: dict, message, exchange: str, routing_key: str, headers: dict, expiration: float = None):
    """The message's exact body (its producer's signature stays valid) on `exchange`, confirmed by the broker and
    routed to a queue (mandatory: UndeliverableMessage otherwise)."""
    body = raw_body(message)
    Publisher(config["AMQP_URI"], ssl=config.get("AMQP_SSL"), use_confirms=True, mandatory=True).publish(
        body, exchange=exchange, routing_key=routing_key, headers=headers, expiration=expiration,
        content_type=message.content_type or "application/octet-stream",
        content_encoding=message.content_encoding or "binary")


def raw_body(message) -> bytes:
    """The body as sent (kombu hands a text body back as str)."""
    return message.body if isinstance(message.body, bytes) else str(message.body or "").encode()


def _carried_headers(message) -> dict:
    """The headers a copy keeps: the producer's (nameko context, signature), not the broker's `x-` bookkeeping."""
    return {key: value for key, value in (message.headers or {}).items() if not key.startswith("x-")}


def original_routing_key(message) -> str:
    return str((message.headers or {}).get(queues.ROUTING_KEY_HEADER) or message.delivery_info.get("routing_key"))


def attempts_of(message) -> int:
    """Failed handlings so far, from the message's own header (0 if absent or not a small count)."""
    value = (message.headers or {}).get(queues.ATTEMPTS_HEADER, 0)
    return value if type(value) is int and 0 <= value <= 1000 else 0


def error_name(error) -> str:
    kind = type(error)
    return f"{kind.__module__}.{kind.__qualname__}"[:120]


def retry_later(config: dict, service: str, queue_name: str, message, attempt: int):
    """Park the message in the `attempt`-th retry queue; it expires back into `queue_name` after its delay."""
    headers = {**_carried_headers(message), queues.ATTEMPTS_HEADER: attempt, queues.RETRY_HEADER: str(attempt),
               queues.ROUTING_KEY_HEADER: original_routing_key(message)}
    _republish(config, message, queues.retry_exchange_name(service), queue_name, headers,
               expiration=queues.retry_delay(attempt))
    metrics.EVENTS_RETRIED.labels(service).inc()


def dead_letter(config: dict, service: str, queue_name: str, message, reason: str, error, attempts: int):
    headers = {**_carried_headers(message), REASON_HEADER: reason, ERROR_HEADER: error_name(error),
               QUEUE_HEADER: queue_name, queues.ROUTING_KEY_HEADER: original_routing_key(message),
               queues.ATTEMPTS_HEADER: attempts, TIME_HEADER: datetime.now(timezone.utc).isoformat()}
    headers.pop(queues.RETRY_HEADER, None)
    _republish(config, message, queues.dead_letters_name(service), queue_name, headers)
    metrics.EVENTS_DEAD_LETTERED.labels(service, reason).inc()
    log.warning("message sent to the dead letters", extra={
        "queue": queue_name, "reason": reason, "error": error_name(error), "attempts": attempts})


def send_and_ack(config: dict, service: str, queue_name: str, message, reason: str, error, ack, requeue,
                 attempts: int = 0):
    """Dead-letter then acknowledge; if the broker does not take the dead letter, give the message back rather
    than lose it (a quorum queue's delivery limit still ends the loop)."""
    try:
        dead_letter(config, service, queue_name, message, reason, error, attempts)
    except Exception as failure:  # broker trouble: nothing is lost, the message comes back
        log.error("dead letter not sent, the message is given back", extra={
            "queue": queue_name, "reason": reason, "error": error_name(failure)})
        requeue(message)
        return
    ack(message)


# --- the depth gauge ---------------------------------------------------------------------------------------

def depth(config: dict, service: str) -> int:
    """Messages in the service's dead-letter queue: a passive declare, one round trip on a pooled connection."""
    with get_connection(config["AMQP_URI"], ssl=config.get("AMQP_SSL")) as connection:
        connection.ensure_connection(max_retries=1)
        channel = connection.channel()
        try:
            return channel.queue_declare(queue=queues.dead_letters_name(service), passive=True).message_count
        finally:
            try:
                channel.close()
            except Exception:  # a refused declare closed it already
                pass


def watch_depth(container):
    """Keep `hub_dead_letters{service}` current, every HUB_DEAD_LETTERS_POLL_SECONDS (30 s) for the process's
    life; every replica reports the same queue (the alert takes the max)."""
    seconds = env_float(DEPTH_SECONDS, 30.0)
    service = container.service_name
    while True:
        try:
            metrics.DEAD_LETTERS.labels(service).set(depth(container.config, service))
        except Exception as error:  # the broker is away: the gauge keeps its last value until it is back
            log.debug("dead-letter depth not read", extra={"error": error_name(error)})
        eventlet.sleep(seconds)


# --- reading the queue -------------------------------------------------------------------------------------

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _shown(value, width: int = 80) -> str:
    """A header value as the terminal gets it: no control characters (escape sequences), bounded."""
    return CONTROL.sub("?", str(value if value is not None else "-"))[:width]


class DeadLetter:
    """What `list` shows of a dead letter: never its payload."""

    def __init__(self, message):
        self.message = message
        headers = message.headers or {}
        death = (headers.get("x-death") or [{}])[0] if isinstance(headers.get("x-death"), list) else {}
        envelope = self._envelope(message)
        event_id = envelope.get("event_id")
        self.id = event_id if isinstance(event_id, str) and len(event_id) <= 64 else (
            "sha256:" + hashlib.sha256(raw_body(message)).hexdigest()[:16])
        self.queue = headers.get(QUEUE_HEADER) or death.get("queue")
        self.type = envelope.get("type") if isinstance(envelope.get("type"), str) else (
            headers.get(queues.ROUTING_KEY_HEADER) or (death.get("routing-keys") or [None])[0])
        self.reason = headers.get(REASON_HEADER) or death.get("reason")
        self.error = headers.get(ERROR_HEADER)
        self.attempts = headers.get(queues.ATTEMPTS_HEADER) or death.get("count") or headers.get("x-delivery-count")
        at = headers.get(TIME_HEADER) or death.get("time")
        self.at = at.isoformat() if isinstance(at, datetime) else at

    @staticmethod
    def _envelope(message) -> dict:
        try:
            body = json.loads(raw_body(message))
        except (TypeError, ValueError):
            return {}
        return body if isinstance(body, dict) else {}

    def replayable(self) -> str | None:
        """Why it cannot go back (None if it can): an RPC request's caller gave up long ago."""
        if not isinstance(self.queue, str) or not self.queue.startswith("evt-"):
            return "pas une file d'évènements" if self.queue else "file d'origine inconnue"
        return None

    def row(self) -> dict:
        return {key: _shown(getattr(self, key)) for key in ("id", "queue", "type", "reason", "attempts", "at",
                                                              "error")}


class DeadLetterQueue:
    """The service's dead-letter queue over AMQP (basic_get), with the service's own broker user."""

    def __init__(self, service: str, uri: str = None, ssl=None):
        self.service, self.name = service, queues.dead_letters_name(service)
        self.config = {"AMQP_URI": uri or amqp_uri(), "AMQP_SSL": ssl if uri else amqp_ssl()}
        self.connection = Connection(self.config["AMQP_URI"], ssl=self.config["AMQP_SSL"])
        self.connection.ensure_connection(max_retries=1)
        self.channel = self.connection.channel()

    def count(self) -> int:
        return self.channel.queue_declare(queue=self.name, passive=True).message_count

    def take(self, limit: int) -> list:
        """Up to `limit` dead letters, held unacknowledged: those not acknowledged go back when this closes."""
        bound, taken = Queue(self.name, no_declare=True)(self.channel), []
        while len(taken) < limit:
            message = bound.get(no_ack=False)
            if message is None:
                break
            taken.append(DeadLetter(message))
        return taken

    def replay(self, letter: DeadLetter):
        """Back on its original queue (through `<service>.requeue`), then removed from here: only once the broker
        confirmed the copy. Its consumer applies it once (first_delivery), however often it is replayed."""
        message = letter.message
        headers = {key: value for key, value in _carried_headers(message).items()
                   if key not in DEAD_LETTER_HEADERS + (queues.ATTEMPTS_HEADER, queues.RETRY_HEADER)}
        _republish(self.config, message, queues.requeue_exchange_name(self.service), letter.queue, headers)
        message.ack()

    def purge(self) -> int:
        return self.channel.queue_purge(queue=self.name) or 0

    def close(self):
        """What was taken and not acknowledged goes back to the queue (RabbitMQ returns it with the channel)."""
        try:
            self.channel.close()
        except Exception:  # a refused passive declare closed it already
            pass
        self.connection.release()


# --- the command line --------------------------------------------------------------------------------------

def add_parser(subparsers):
    """`dead-letters list|replay|purge` under a service's command line (its cli.py)."""
    parser = subparsers.add_parser("dead-letters", help="list, replay or purge the service's dead letters")
    actions = parser.add_subparsers(dest="dead_letters_action", required=True)
    listing = actions.add_parser("list", help="show each dead letter (id, queue, type, reason; never its payload)")
    listing.add_argument("--limit", type=int, default=1000)
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    replay = actions.add_parser("replay", help="put dead letters back on their original queue")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", action="append", dest="ids", metavar="ID", help="an id shown by list (repeatable)")
    which.add_argument("--all", action="store_true")
    replay.add_argument("--limit", type=int, default=10000)
    purge = actions.add_parser("purge", help="delete every dead letter")
    purge.add_argument("--yes", action="store_true", help="required: a purge cannot be undone")


def run(service: str, args, out=sys.stdout, dead_letter_queue: DeadLetterQueue = None) -> int:
    """Carry out `args.dead_letters_action`; the process's exit code."""
    if args.dead_letters_action == "purge" and not args.yes:
        print("purge supprime définitivement les lettres mortes : relancez avec --yes.", file=sys.stderr)
        return 2
    if getattr(args, "limit", 1) < 1:
        print("--limit doit être au moins 1.", file=sys.stderr)
        return 2
    dlq = dead_letter_queue
    try:
        dlq = dlq or DeadLetterQueue(service)
        dlq.count()
    except NotFound:
        dlq.close()
        print(f"{queues.dead_letters_name(service)} n'existe pas encore ({service} n'a jamais démarré sur ce vhost) :"
              " aucune lettre morte.", file=out)
        return 0
    except (OSError, OperationalError) as error:  # the URI is not printed: it holds the password
        print(f"RabbitMQ injoignable ({error_name(error)}) : vérifiez HUB_AMQP_URI.", file=sys.stderr)
        return 1
    try:
        if args.dead_letters_action == "list":
            return _list(dlq, args, out)
        if args.dead_letters_action == "replay":
            return _replay(dlq, args, out)
        print(f"{dlq.name} : {dlq.purge()} lettre(s) morte(s) supprimée(s).", file=out)
        return 0
    finally:
        dlq.close()


def _list(dlq: DeadLetterQueue, args, out) -> int:
    total, letters = dlq.count(), dlq.take(args.limit)
    if args.json:
        for letter in letters:
            print(json.dumps(letter.row(), ensure_ascii=False), file=out)
        return 0
    print(f"{dlq.name} : {total} lettre(s) morte(s), {len(letters)} affichée(s).", file=out)
    for letter in letters:
        row = letter.row()
        print(f"{row['id']:<40} {row['type']:<28} {row['reason']:<17} essais {row['attempts']:<3} {row['at']}",
              file=out)
        print(f"    file {row['queue']}  erreur {row['error']}", file=out)
    return 0


def _replay(dlq: DeadLetterQueue, args, out) -> int:
    wanted = set(args.ids or ())
    replayed = failed = 0
    for letter in dlq.take(args.limit):
        if wanted and letter.id not in wanted:
            continue
        wanted.discard(letter.id)
        refusal = letter.replayable()
        if refusal is None:
            try:
                dlq.replay(letter)
                replayed += 1
                continue
            except UndeliverableMessage:
                refusal = "sa file n'existe plus"
        failed += 1
        print(f"{_shown(letter.id)} : laissée dans {dlq.name} ({refusal}).", file=out)
    for missing in sorted(wanted):
        print(f"{_shown(missing)} : introuvable dans {dlq.name}.", file=out)
    print(f"{replayed} lettre(s) morte(s) remise(s) dans leur file.", file=out)
    return 1 if failed or wanted else 0
