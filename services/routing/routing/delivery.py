"""Delivering dossiers to external schemes by signed webhook, retried with backoff until a 2xx, and
receiving their signed answers (docs/operations/webhooks.md is what a scheme's integrator gets).

The body is the dossier as JSON (UTF-8). Headers: `X-Hub-Event: dossier_created`, `X-Hub-Delivery: <reference>`
(the receiver deduplicates on it: a retry after a lost 2xx sends the same reference again),
`X-Hub-Timestamp: <unix seconds>` and `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
A scheme answers on `POST /api/v1/routing/dossiers/<reference>/answer`, body `{"answer": "...", "status": "..."}`,
with `X-Hub-Timestamp` and `X-Hub-Signature-256` over "POST\n<path>\n<timestamp>\n<body>" (webhook_rules): an
answer older than 5 minutes, from the future, for another dossier or already received is refused.

The hub calls only public addresses (or ROUTING_WEBHOOK_ALLOWED_NETWORKS): the scheme's host is resolved, every
address checked, and the connection made to a checked address (so a DNS answer changed in between is never used),
with the Host header and the TLS certificate check on the host's name. Redirects are never followed.
"""
import http.client
import json
import socket
import ssl
import time
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa

from hubkit.errors import AuthenticationFailed, Conflict, NotFound
from hubkit.validation import load

from . import domain, events, schemas, webhook_rules
from .base import UseCases, acting_on, request_id, rules, settings_from_env
from .handlers import dossier_view
from .models import Dossier, InboxItem, ReceivedAnswerSignature, Scheme, WebhookDelivery

LEASE = timedelta(minutes=2)  # a claimed delivery is not claimed again while its call may still run


class Deliveries(UseCases):
    def claim_due(self, limit: int = 20) -> list:
        """Due webhook calls, each claimed (its next attempt pushed back) so no other worker sends it too."""
        now = self.clock()
        rows = self.session.execute(
            sa.select(WebhookDelivery, Dossier.reference, Scheme.webhook_secret)
            .join(Dossier, Dossier.id == WebhookDelivery.dossier_id).join(Scheme, Scheme.code == Dossier.scheme)
            .where(WebhookDelivery.delivered_at.is_(None), WebhookDelivery.next_attempt_at <= now,
                   WebhookDelivery.attempts < self.settings.webhook_max_attempts)
            .order_by(WebhookDelivery.next_attempt_at).limit(limit)).all()
        claimed = []
        for delivery, reference, secret in rows:
            taken = self.session.execute(
                sa.update(WebhookDelivery).where(WebhookDelivery.id == delivery.id,
                                                 WebhookDelivery.next_attempt_at == delivery.next_attempt_at,
                                                 WebhookDelivery.delivered_at.is_(None))
                .values(next_attempt_at=now + LEASE)).rowcount
            if taken:
                claimed.append({"id": delivery.id, "url": delivery.url, "body": delivery.body,
                                "reference": reference, "secret": secret or ""})
        return claimed

    def given_up_counts(self) -> dict:
        """{scheme: dossiers whose webhook calls all failed}: no more attempts are made; an agent must resend
        them (the service's gauge, to alert on)."""
        rows = self.session.execute(
            sa.select(Dossier.scheme, sa.func.count()).select_from(WebhookDelivery)
            .join(Dossier, Dossier.id == WebhookDelivery.dossier_id)
            .where(WebhookDelivery.delivered_at.is_(None),
                   WebhookDelivery.attempts >= self.settings.webhook_max_attempts)
            .group_by(Dossier.scheme)).all()
        return {scheme: count for scheme, count in rows}

    @staticmethod
    def signed_headers(claim: dict, now: float = None) -> dict:
        timestamp = int(now if now is not None else time.time())
        return {"Content-Type": "application/json; charset=utf-8", domain.EVENT_HEADER: "dossier_created",
                domain.DELIVERY_HEADER: claim["reference"], domain.TIMESTAMP_HEADER: str(timestamp),
                domain.SIGNATURE_HEADER: domain.sign(claim["secret"], timestamp, claim["body"].encode())}

    def record_attempt(self, delivery_id: int, status: int | None, error: str | None) -> bool:
        """The outcome of one call: delivered on a 2xx, else the next attempt after a growing wait."""
        delivery = self.session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if delivery is None or delivery.delivered_at is not None:
            return False
        now = self.clock()
        delivery.attempts += 1
        delivery.last_status = status
        if status is not None and domain.is_success(status):
            delivery.delivered_at, delivery.last_error = now, None
            dossier = self.session.get(Dossier, delivery.dossier_id)
            if dossier.status == "sent":
                dossier.status = "delivered"
            dossier.delivered_at = now
            return True
        delivery.last_error = (error or f"HTTP {status}")[:2000]
        delivery.next_attempt_at = now + domain.backoff(delivery.attempts, self.settings.webhook_backoff_seconds)
        return False

    def receive_answer(self, command: dict) -> dict:
        """A scheme's signed answer to a dossier: recorded once, on the idea's timeline, e-mailed to its author.
        Refused (nothing written) when unsigned, signed for another path or by another secret, too old or from
        the future, or already received (the same signature again)."""
        dossier = self.session.execute(sa.select(Dossier).where(Dossier.reference == command["reference"])
                                       .with_for_update()).scalar_one_or_none()
        if dossier is None:
            raise NotFound("Aucun dossier n'a cette référence.", code="DOSSIER_NOT_FOUND")
        scheme = self._scheme(dossier.scheme)
        body, signature, now = command["body"].encode(), command.get("signature") or "", self.clock()
        if not webhook_rules.verify_answer(scheme.webhook_secret, webhook_rules.ANSWER_METHOD,
                                           webhook_rules.answer_path(dossier.reference), command.get("timestamp"),
                                           body, signature, now.timestamp()):
            raise AuthenticationFailed("Signature absente, invalide ou expirée.", code="BAD_SIGNATURE")
        self._remember_once(signature, dossier.reference, int(command["timestamp"]), now)
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        answer = load(schemas.SchemeAnswerBodySchema(), document)
        with rules():
            text, status = domain.check_scheme_answer(answer["answer"], answer.get("status"))
        names = self._scheme_names()
        if dossier.status == "answered":
            if dossier.answer == text:
                return dossier_view(dossier, names)  # the scheme sent its answer again, signed anew
            raise Conflict("Ce dossier a déjà reçu une réponse.", code="ALREADY_ANSWERED")
        dossier.status, dossier.answer, dossier.answer_status, dossier.answered_at = "answered", text, status, now
        item = self.session.get(InboxItem, dossier.idea_id)
        with acting_on(item.correlation_id, request_id()):
            self.emit_traced(events.DOSSIER_ANSWERED, dossier.idea_id,
                             {"dossier_reference": dossier.reference, "idea_id": dossier.idea_id,
                              "scheme": scheme.code, "status": status}, events.SYSTEM,
                             f"Réponse de « {scheme.name} » au dossier {dossier.reference} : {text}")
        return dossier_view(dossier, names)

    def _remember_once(self, signature: str, reference: str, timestamp: int, now) -> None:
        """Refuses a signed answer already received, else remembers it in this transaction (so the answer and
        its memory commit together, on the primary). The dossier's row lock orders concurrent copies; what is
        too old to be accepted anyway is forgotten here (rows another answer is forgetting are skipped, not waited
        for: two purges never deadlock)."""
        expired = (sa.select(ReceivedAnswerSignature.signature_digest)
                   .where(ReceivedAnswerSignature.expires_at < now).limit(500).with_for_update(skip_locked=True))
        self.session.execute(sa.delete(ReceivedAnswerSignature)
                             .where(ReceivedAnswerSignature.signature_digest.in_(expired.scalar_subquery())))
        key = webhook_rules.replay_key(signature)
        if self.session.get(ReceivedAnswerSignature, key) is not None:
            raise Conflict("Cette réponse signée a déjà été reçue : pour l'envoyer à nouveau, signez-la avec un "
                           "horodatage actuel.", code="ANSWER_REPLAYED")
        self.session.add(ReceivedAnswerSignature(signature_digest=key, dossier_reference=reference,
                                                 expires_at=webhook_rules.replay_memory_until(timestamp)))
        self.session.flush()


# --- the call itself: only to checked addresses -----------------------------------------------------------

class ForbiddenWebhookTarget(ValueError):
    """The webhook's host resolves to an address the hub may not call (the delivery fails, with this reason)."""


def resolve_addresses(host: str, port: int) -> list:
    """Every address the host's name resolves to (IPv4 and IPv6), in the resolver's order."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(sockaddr[0] for _family, _type, _proto, _name, sockaddr in found))


def _target(url: str) -> tuple:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("webhook URL without http(s) scheme or host")
    return parts, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def check_webhook_url(url: str, allowed_networks: tuple = ()) -> None:
    """At save time: the URL's host resolves, and only to addresses the hub may call (else RuleBroken on
    `webhook_url`, naming the host)."""
    try:
        _parts, host, port = _target(url)
    except ValueError:  # a port that is no number, or out of range
        raise domain.RuleBroken("Adresse du webhook invalide.", "webhook_url") from None
    webhook_rules.check_webhook_host(host)
    try:
        addresses = resolve_addresses(host, port)
    except OSError:
        raise domain.RuleBroken(f"« {host} » ne correspond à aucune adresse (DNS).", "webhook_url") from None
    webhook_rules.check_webhook_addresses(host, addresses, allowed_networks)


def _checked_addresses(host: str, port: int, allowed_networks: tuple) -> list:
    """At each delivery, after resolving again: the addresses the call may use (a failed resolution is an
    OSError, retried later)."""
    try:
        webhook_rules.check_webhook_host(host)
        addresses = resolve_addresses(host, port)
        webhook_rules.check_webhook_addresses(host, addresses, allowed_networks)
    except domain.RuleBroken as broken:
        raise ForbiddenWebhookTarget(f"{broken.message} Rien n'a été envoyé.") from None
    return addresses


def _connect_to_one_of(addresses: list, port: int, timeout: float) -> socket.socket:
    failure = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as error:
            failure = error
    raise failure


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked addresses, never resolving the host's name again."""

    def __init__(self, host: str, port: int, addresses: list, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self):
        self.sock = _connect_to_one_of(self.addresses, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS: the certificate is checked against the host's name (SNI too), not the address."""

    def __init__(self, host: str, port: int, addresses: list, timeout: float):
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.addresses = addresses

    def connect(self):
        sock = _connect_to_one_of(self.addresses, self.port, self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict, timeout: float, allowed_networks: tuple = None) -> int:
    """POST the dossier; the receiver's HTTP status (any: a 3xx is an answer, never followed, so the signed body
    is never sent elsewhere). OSError when it cannot be reached, ForbiddenWebhookTarget (a ValueError) when its
    host resolves to an address the hub may not call: then nothing is sent.
    `allowed_networks`: ROUTING_WEBHOOK_ALLOWED_NETWORKS when not given."""
    if allowed_networks is None:
        allowed_networks = settings_from_env().webhook_allowed_networks
    parts, host, port = _target(url)
    addresses = _checked_addresses(host, port, allowed_networks)
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = kind(host, port, addresses, timeout)
    try:
        connection.request("POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), body=body,
                           headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()
