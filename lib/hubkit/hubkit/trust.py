"""Signed caller assertions: no service acts for anyone on a claim it cannot verify.

Every RPC carries, in the `nameko.hub_assertion` header, an assertion signed (Ed25519, hubkit.keys) by the
identity that sends it:

    {"iss": "gateway", "aud": "budget.cast_ballots", "cid": "<correlation id>", "exp": <unix time>,
     "sub": {"account_id", "roles", "direction", "session"} or null, "arg": "<SHA-256 of the arguments>"}

`iss` is who calls (the gateway, or a service for its own internal calls), `sub` the person the gateway
resolved from the session (null for a visitor and for service calls), `aud` binds it to one method of one
service, `cid` to the request, `exp` to the next few seconds and `arg` to these exact arguments: a captured
assertion cannot be reused for another call, another person or later. The receiving service checks it in its
RPC entrypoint (`TrustedRpc`), before any worker runs: signature, audience, correlation id, expiry, argument
digest, the call table (hubkit.calls) and, where the method takes an `actor`, that the actor is the asserted
person. Anything else is refused (PermissionDenied, code CALLER_NOT_TRUSTED), logged and counted.

Events are signed by their producer's outbox relay over the exact body sent (`hub_signature` header); a
consumer takes an event only with a valid signature of the service whose exchange it came from.
"""
import base64
import hashlib
import inspect
import json
import logging
import sys
import time
from functools import partial

import orjson
from nameko.exceptions import ContainerBeingKilled, MalformedRequest, deserialize_to_instance
from nameko.rpc import Rpc
from prometheus_client import Counter

from . import calls, keys
from .config import env_float
from .errors import HubError, PermissionDenied
from .queues import HubRpcConsumer

log = logging.getLogger(__name__)

ASSERTION_KEY = "hub_assertion"  # nameko context data key: the header `nameko.hub_assertion`
SUBJECT_KEY = "hub_subject"  # context data the gateway's pool turns into `sub` (never sent as a header)
EVENT_SIGNATURE_HEADER = "hub_signature"
LOCAL_KEYS = (ASSERTION_KEY, SUBJECT_KEY, EVENT_SIGNATURE_HEADER)
# Long enough for a call to wait its turn in a busy queue (the callers' timeout is 5 s), short enough that a
# captured assertion is worthless soon after.
LIFETIME_SECONDS = env_float("HUB_ASSERTION_SECONDS", 30.0)
CLOCK_SKEW_SECONDS = 5.0

REFUSALS = Counter("hub_trust_refusals_total", "Calls and events refused because the caller could not be verified "
                   "or may not call this.", ["service", "entrypoint", "reason"])
# Every reason a call or an event can be refused for (Refusal below, hubkit.consumer). Each entrypoint's series
# exist at 0 from its start (`initialise_refusals`): the first forged call is an increase HubCallsRefusedUntrusted
# sees, not a series born at 1 that increase() cannot tell from its start.
CALL_REFUSAL_REASONS = ("missing", "malformed", "bad_signature", "wrong_audience", "wrong_correlation", "expired",
                        "wrong_arguments", "not_allowed")
ACTOR_MISMATCH = "actor_mismatch"  # only a method that takes an `actor` checks it
EVENT_REFUSAL_REASON = "event_signature"
REPLIES_LOST = Counter("hub_rpc_replies_lost_total", "RPC answers the broker could not take (it was down or the "
                       "connection dropped): the call was done, its caller got a 503.", ["service", "entrypoint"])


@deserialize_to_instance
class CallerNotTrusted(PermissionDenied):
    code = "CALLER_NOT_TRUSTED"
    default_message = "Appel refusé : l'appelant n'a pas pu être vérifié."


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def arguments_digest(args, kwargs) -> str:
    """SHA-256 of the call's arguments in one canonical JSON form, as both ends see them after the wire (kombu's
    JSON gives back lists for tuples, UUIDs and datetimes as the same types: each prints the same either way)."""
    value = [list(args), kwargs or {}]
    try:
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
    except (orjson.JSONEncodeError, TypeError):  # integers beyond 64 bits, say: the slower, general form
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False).encode()
    return _b64(hashlib.sha256(text).digest())


def subject_of(principal: dict | None) -> dict | None:
    """What the gateway asserts of a signed-in person."""
    if principal is None:
        return None
    return {"account_id": principal["account_id"], "roles": sorted(principal.get("roles") or ()),
            "direction": principal.get("direction"), "session": principal.get("session_id")}


def issue(issuer: str, service: str, method: str, correlation_id, args, kwargs, subject=None,
          now: float = None) -> str:
    claims = {"iss": issuer, "aud": f"{service}.{method}", "cid": correlation_id,
              "exp": round((now or time.time()) + LIFETIME_SECONDS, 3), "sub": subject,
              "arg": arguments_digest(args, kwargs)}
    payload = orjson.dumps(claims)
    return f"{_b64(payload)}.{_b64(keys.signing_key(issuer).sign(payload).signature)}"


def initialise_refusals(service: str, entrypoint: str, reasons):
    """The refusal series of one entrypoint, at 0."""
    for reason in reasons:
        REFUSALS.labels(service, entrypoint, reason)


class Refusal(Exception):
    """Why an assertion is not accepted (the reason is a metric label: a short fixed word)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def verify(token, service: str, method: str, correlation_id, args, kwargs, now: float = None) -> dict:
    """The claims of a valid assertion for this call, or Refusal."""
    if not isinstance(token, str) or token.count(".") != 1 or len(token) > 4096:
        raise Refusal("missing" if not token else "malformed")
    payload_text, signature_text = token.split(".")
    try:
        payload, signature = _unb64(payload_text), _unb64(signature_text)
        claims = json.loads(payload)
        issuer = claims["iss"]
    except (ValueError, TypeError, KeyError):
        raise Refusal("malformed") from None
    if not isinstance(issuer, str) or not keys.verify(issuer, payload, signature):
        raise Refusal("bad_signature")
    now = now or time.time()
    if claims.get("aud") != f"{service}.{method}":
        raise Refusal("wrong_audience")
    if claims.get("cid") != correlation_id:
        raise Refusal("wrong_correlation")
    expiry = claims.get("exp")
    if not isinstance(expiry, (int, float)) or expiry < now or expiry > now + LIFETIME_SECONDS + CLOCK_SKEW_SECONDS:
        raise Refusal("expired")
    if claims.get("arg") != arguments_digest(args, kwargs):
        raise Refusal("wrong_arguments")
    if not calls.may_call(issuer, service, method):
        raise Refusal("not_allowed")
    return claims


def _same_person(actor, subject) -> bool:
    """An `actor` argument names the asserted person: same account, same roles (and direction, if given); an
    actor given as a bare account id (accounts' RPCs) is that person's id."""
    if actor is None:
        return True
    if subject is None:
        return False
    if isinstance(actor, str):
        return actor == subject.get("account_id")
    if not isinstance(actor, dict):
        return False
    if str(actor.get("account_id")) != subject.get("account_id"):
        return False
    if sorted(actor.get("roles") or ()) != subject.get("roles"):
        return False
    return "direction" not in actor or actor["direction"] == subject.get("direction")


class TrustedRpc(Rpc):
    """nameko's RPC entrypoint, which first verifies the caller's assertion (the module's docstring).

    A refusal is answered like any HubError (the caller gets CallerNotTrusted back) and no worker runs.

    An answer the broker cannot take (it is down, the connection dropped) is logged and counted, and the service
    goes on: nameko lets that error end the worker's thread, which kills the whole service (every call in flight
    lost, and nothing restarts it). The request is acknowledged if its channel still works, as the call was done;
    if not, the broker delivers it again once back, and then (hubkit.rpc, docs/operations/broker.md) either its
    expiry (the caller's timeout) or its assertion's (LIFETIME_SECONDS) has passed and it is dropped or refused,
    or it runs again: the hot paths' idempotency keys (hubkit.idempotency, attached by the gateway to every
    ballot, signature, idea and decision) answer it as the first time, without a second action."""

    rpc_consumer = HubRpcConsumer()  # `rpc-<service>` declared with the service's queue arguments (hubkit.queues)

    def setup(self):
        super().setup()
        parameters = list(inspect.signature(getattr(self.container.service_cls, self.method_name)).parameters)[1:]
        self._actor_index = parameters.index("actor") if "actor" in parameters else None
        initialise_refusals(self.container.service_name, self.method_name,
                            CALL_REFUSAL_REASONS + ((ACTOR_MISMATCH,) if self._actor_index is not None else ()))

    def handle_message(self, body, message):
        try:
            try:
                args, kwargs = body["args"], body["kwargs"]
            except (KeyError, TypeError):
                raise MalformedRequest("Message missing `args` or `kwargs`") from None
            self.check_signature(args, kwargs)
            context_data = self.unpack_message_headers(message)
            self._check(context_data, args, kwargs)
        except Exception:  # refused before any worker: answered as nameko answers, through the same safe path
            self.handle_result(message, None, None, sys.exc_info())
            return
        handle_result = partial(self.handle_result, message)
        try:
            self.container.spawn_worker(self, args, kwargs, context_data=context_data, handle_result=handle_result)
        except ContainerBeingKilled:
            self.rpc_consumer.requeue_message(message)

    def handle_result(self, message, worker_ctx, result, exc_info):
        try:
            return self.rpc_consumer.handle_result(message, result, exc_info)
        except Exception as error:
            from .rpc import broker_failure  # hubkit.rpc imports this module
            if not broker_failure(error):
                raise
            failure = type(error).__name__
        service, method = self.container.service_name, self.method_name
        REPLIES_LOST.labels(service, method).inc()
        log.warning("rpc answer not sent: broker unreachable", extra={
            "entrypoint": f"{service}.{method}", "error": failure,
            "correlation_id": (worker_ctx.context_data.get("correlation_id") if worker_ctx is not None else None)})
        try:
            self.rpc_consumer.queue_consumer.ack_message(message)
        except Exception:  # the channel went with the connection: the broker gives the request back (docstring)
            pass
        return result, exc_info

    def _check(self, context_data: dict, args, kwargs):
        service, method = self.container.service_name, self.method_name
        token = context_data.pop(ASSERTION_KEY, None)
        for key in LOCAL_KEYS:
            context_data.pop(key, None)
        try:
            claims = verify(token, service, method, context_data.get("correlation_id"), args, kwargs)
            if claims["iss"] == "gateway" and self._actor_index is not None:
                actor = args[self._actor_index] if len(args) > self._actor_index else kwargs.get("actor")
                if not _same_person(actor, claims.get("sub")):
                    raise Refusal(ACTOR_MISMATCH)
        except Refusal as refusal:
            REFUSALS.labels(service, method, refusal.reason).inc()
            log.warning("rpc refused: caller not verified", extra={
                "entrypoint": f"{service}.{method}", "reason": refusal.reason,
                "correlation_id": context_data.get("correlation_id")})
            raise CallerNotTrusted(details={"reason": refusal.reason}) from None


def rpc_decorator(expected_exceptions=HubError):
    return TrustedRpc.decorator(expected_exceptions=expected_exceptions)


# --- events ------------------------------------------------------------------------------------


def event_signature(producer: str, body: bytes) -> str:
    return _b64(keys.signing_key(producer).sign(body).signature)


def event_is_authentic(source_service: str, body: bytes, signature) -> bool:
    if not isinstance(signature, str) or len(signature) > 200:
        return False
    try:
        raw = _unb64(signature)
    except ValueError:
        return False
    return keys.verify(source_service, body, raw)
