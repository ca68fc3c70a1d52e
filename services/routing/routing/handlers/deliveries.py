"""Delivering dossiers to external schemes by signed webhook, retried with backoff until a 2xx, and
receiving their signed answers (docs/operations/webhooks.md is what a scheme's integrator gets).

The body is the dossier as JSON (UTF-8). Headers: `X-Hub-Event: dossier_created`, `X-Hub-Delivery: <reference>`
(the receiver deduplicates on it: a retry after a lost 2xx sends the same reference again),
`X-Hub-Timestamp: <unix seconds>` and `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
A scheme answers on `POST /api/v1/routing/dossiers/<reference>/answer`, body `{"answer": "...", "status": "..."}`,
with `X-Hub-Timestamp` and `X-Hub-Signature-256` over "POST\n<path>\n<timestamp>\n<body>" (domain.webhooks): an
answer older than 5 minutes, from the future, for another dossier or already received is refused.

The call itself (only to checked addresses) is adapters/webhooks.py's `post`, made by the service between two
units of work: `claim_due`, then `record_attempt`.
"""
import json
import time
from datetime import timedelta

import sqlalchemy as sa

from hubkit.errors import AuthenticationFailed, Conflict, NotFound
from hubkit.validation import load

from .. import business_metrics, domain, events, schemas
from ..domain import webhooks as webhook_rules
from ..models import Dossier, InboxItem, ReceivedAnswerSignature, Scheme, WebhookDelivery
from .actions import DirectRequests
from .common import UseCases, acting_on, request_id, rules
from .views import dossier_view

LEASE = timedelta(minutes=2)  # a claimed delivery is not claimed again while its call may still run
# One call may wait up to this many times the webhook timeout (resolving, connecting, sending, reading): a replica
# claims no more calls than it surely makes within the lease, else another replica could claim the last ones again.
TIMEOUTS_PER_CALL = 4


def claim_plan(timeout_seconds: float, wanted: int) -> tuple:
    """(how many calls one claim takes, the lease it sets): every claimed call ends before its lease does."""
    per_call = TIMEOUTS_PER_CALL * timeout_seconds
    lease = max(LEASE, timedelta(seconds=per_call))
    return max(1, min(wanted, int(lease.total_seconds() // per_call))), lease


class Deliveries(UseCases):
    def claim_due(self, limit: int = 20) -> list:
        """Due webhook calls, each claimed (its next attempt pushed back by a lease) so no other worker or replica
        sends it too: a conditional update, which a concurrent claim of the same row finds already moved."""
        now = self.clock()
        limit, lease = claim_plan(self.settings.webhook_timeout_seconds, limit)
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
                .values(next_attempt_at=now + lease)).rowcount
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

    def failing_count(self) -> int:
        """Dossiers whose webhook failed at least once and is still being retried (the admins' "État du hub")."""
        return self.session.execute(
            sa.select(sa.func.count()).select_from(WebhookDelivery)
            .where(WebhookDelivery.delivered_at.is_(None), WebhookDelivery.attempts > 0,
                   WebhookDelivery.attempts < self.settings.webhook_max_attempts)).scalar_one()

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
        if dossier.idea_id is None:  # a citizen's direct request (« Agir »): on the request's own history
            DirectRequests(self.context).record_answer(dossier, scheme, status, text)
            self.uow.on_commit(business_metrics.count_scheme_answer)
            return dossier_view(dossier, names)
        item = self.session.get(InboxItem, dossier.idea_id)
        with acting_on(item.correlation_id, request_id()):
            self.emit_traced(events.DOSSIER_ANSWERED, dossier.idea_id,
                             {"dossier_reference": dossier.reference, "idea_id": dossier.idea_id,
                              "scheme": scheme.code, "status": status, "answer": text}, events.SYSTEM,
                             f"Réponse de « {scheme.name} » au dossier {dossier.reference} : {text}")
        self.uow.on_commit(business_metrics.count_scheme_answer)  # not the same answer sent again (above)
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
