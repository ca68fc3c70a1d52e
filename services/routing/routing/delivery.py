"""Delivering dossiers to external schemes by signed webhook, retried with backoff until a 2xx, and
receiving their signed answers.

The body is the dossier as JSON (UTF-8). Headers: `X-Hub-Event: dossier_created`, `X-Hub-Delivery: <reference>`
(the receiver deduplicates on it: a retry after a lost 2xx sends the same reference again),
`X-Hub-Timestamp: <unix seconds>` and `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
A scheme answers with the same headers on `POST /api/v1/routing/dossiers/<reference>/answer`, body
`{"answer": "...", "status": "..."}`, signed with the same secret; answers older than 5 minutes are refused.
"""
import json
import time
import urllib.error
import urllib.request
from datetime import timedelta

import sqlalchemy as sa

from hubkit.errors import AuthenticationFailed, Conflict, NotFound
from hubkit.validation import load

from . import domain, events, schemas
from .base import UseCases, acting_on, request_id, rules
from .handlers import dossier_view
from .models import Dossier, InboxItem, Scheme, WebhookDelivery

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
        """A scheme's signed answer to a dossier: recorded once, on the idea's timeline, e-mailed to its author."""
        dossier = self.session.execute(sa.select(Dossier).where(Dossier.reference == command["reference"])
                                       .with_for_update()).scalar_one_or_none()
        if dossier is None:
            raise NotFound("Aucun dossier n'a cette référence.", code="DOSSIER_NOT_FOUND")
        scheme = self._scheme(dossier.scheme)
        body = command["body"].encode()
        if not scheme.webhook_secret or not domain.verify_signature(
                scheme.webhook_secret, command.get("timestamp"), body, command.get("signature"), time.time()):
            raise AuthenticationFailed("Signature absente, invalide ou expirée.", code="BAD_SIGNATURE")
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
                return dossier_view(dossier, names)  # the scheme sent its answer again
            raise Conflict("Ce dossier a déjà reçu une réponse.", code="ALREADY_ANSWERED")
        now = self.clock()
        dossier.status, dossier.answer, dossier.answer_status, dossier.answered_at = "answered", text, status, now
        item = self.session.get(InboxItem, dossier.idea_id)
        with acting_on(item.correlation_id, request_id()):
            self.emit_traced(events.DOSSIER_ANSWERED, dossier.idea_id,
                             {"dossier_reference": dossier.reference, "idea_id": dossier.idea_id,
                              "scheme": scheme.code, "status": status}, events.SYSTEM,
                             f"Réponse de « {scheme.name} » au dossier {dossier.reference} : {text}")
        return dossier_view(dossier, names)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is an answer, not a delivery: the signed body is never re-sent elsewhere


_opener = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, headers: dict, timeout: float) -> int:
    """POST the dossier; the receiver's HTTP status (any), or OSError when it cannot be reached."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
